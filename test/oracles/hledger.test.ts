import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hledgerBalances, hledgerCheck, integerFromJsonNumber } from './hledger.js';

const directory = mkdtempSync(join(tmpdir(), 'tallystick-hledger-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function journal(name: string, text: string): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

describe('hledger oracle', () => {
  it('gives each account its own postings only, exactly, even beyond the declared display precision', async () => {
    const file = journal('tiny.journal', [
      'commodity $1,000.00',
      '2024-01-01 x',
      '    Assets            $1.125',
      '    Assets:Bank       $1,000.00',
      '    Assets:Bank:Sub   5 EUR',
      '    Assets:Bank:Sub   -5 EUR',
      '    Assets:Zero       $1',
      '    Assets:Zero       $-1',
      '    Equity',
      '',
    ].join('\n'));
    expect(await hledgerBalances(file)).toEqual([
      { account: 'Assets', commodity: '$', amount: '1.125' },
      { account: 'Assets:Bank', commodity: '$', amount: '1000' },
      { account: 'Equity', commodity: '$', amount: '-1001.125' },
    ]);
  });

  it('keeps a parent whose own balance is not zero while its total with subaccounts is', async () => {
    const file = journal('parent.journal', '2024-01-01 x\n    a      5 EUR\n    a:b   -5 EUR\n');
    expect(await hledgerBalances(file)).toEqual([
      { account: 'a', commodity: 'EUR', amount: '5' },
      { account: 'a:b', commodity: 'EUR', amount: '-5' },
    ]);
  });

  it('reads mantissas written in exponent form exactly', () => {
    expect(integerFromJsonNumber('-5.2035544327429e20')).toBe(-520355443274290000000n);
    expect(integerFromJsonNumber('12345678901234567890')).toBe(12345678901234567890n);
    expect(() => integerFromJsonNumber('1.5')).toThrow('not an integer: 1.5');
  });

  it('fails with hledger\'s own message when hledger refuses the file', async () => {
    const file = journal('bad.journal', '2024-01-01 x\n    a  5 EUR\n    b  -4 EUR\n');
    await expect(hledgerCheck(file)).rejects.toThrow(/hledger -f .*bad\.journal check failed[\s\S]*could not balance this transaction/u);
  });
});
