import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ledgerBalances } from './ledger.js';

const directory = mkdtempSync(join(tmpdir(), 'tallystick-ledger-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function journal(name: string, text: string): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

describe('ledger oracle', () => {
  it('gives each account its own postings only, per commodity, exactly, lots merged', async () => {
    const file = journal('tiny.ledger', [
      'commodity $',
      '    format $1,000.00',
      '2024-01-01 x',
      '    Assets            $1.125',
      '    Assets:Bank       $1,000.00',
      '    Assets:Bank       3 "VANGUARD 500" {$10} @ $10',
      '    Assets:Bank       2 "VANGUARD 500" {$11} @ $11',
      '    Assets:Bank:Sub   5 EUR',
      '    Assets:Bank:Sub   -5 EUR',
      '    Income            7',
      '    Equity',
      '',
    ].join('\n'));
    expect(await ledgerBalances(file)).toEqual([
      { account: 'Assets', commodity: '$', amount: '1.125' },
      { account: 'Assets:Bank', commodity: '$', amount: '1000' },
      { account: 'Assets:Bank', commodity: 'VANGUARD 500', amount: '5' },
      { account: 'Equity', commodity: '', amount: '-7' },
      { account: 'Equity', commodity: '$', amount: '-1053.125' },
      { account: 'Income', commodity: '', amount: '7' },
    ]);
  });

  it('keeps a parent whose own balance is not zero while its total with subaccounts is', async () => {
    const file = journal('parent.ledger', '2024-01-01 x\n    a      5 EUR\n    a:b   -5 EUR\n');
    expect(await ledgerBalances(file)).toEqual([
      { account: 'a', commodity: 'EUR', amount: '5' },
      { account: 'a:b', commodity: 'EUR', amount: '-5' },
    ]);
  });

  it('fails with ledger\'s own message when ledger refuses the file', async () => {
    const file = journal('bad.ledger', '2024-01-01 x\n    a  5 EUR\n    b  -4 EUR\n');
    await expect(ledgerBalances(file)).rejects.toThrow(/ledger -f .*bad\.ledger commodities failed[\s\S]*Transaction does not balance/u);
  });
});
