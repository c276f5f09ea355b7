import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { beanCheck, beanExample, beancountBalances, normalizeBalances as normalized, transactionBalances as ourBalances } from '../../../../../test/oracles/beancount.js';
import { type BeancountParsedBook, parseBeancount } from './parse-beancount.js';
import { beancountNamesFor, writeBeancount, type WriteBeancountInput } from './write-beancount.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const workDirectory = mkdtempSync(join(tmpdir(), 'tallystick-beancount-'));
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

function readFromDisk(file: string): BeancountParsedBook {
  return parseBeancount(readFileSync(file, 'utf8'), {
    file,
    readIncludedFile: (path, fromFile) => {
      const resolved = join(dirname(fromFile), path);
      return { file: resolved, text: readFileSync(resolved, 'utf8') };
    },
  });
}

function writeInput(book: BeancountParsedBook): WriteBeancountInput {
  return {
    transactions: book.transactions.map((entry) => entry.value),
    accounts: book.accounts.map((entry) => entry.value),
    commodities: book.commodities.map((entry) => entry.value),
    prices: book.prices.map((entry) => entry.value),
    assertions: book.assertions.map((entry) => entry.value),
    operatingCurrencies: book.options.operatingCurrencies,
  };
}

/** Writes the book, checks bean-check accepts it with beancount's balances equal to ours, and reads it back. */
async function checkWritten(book: BeancountParsedBook, name: string): Promise<void> {
  const input = writeInput(book);
  const file = join(workDirectory, name);
  writeFileSync(file, writeBeancount(input));
  await beanCheck(file);
  const names = beancountNamesFor(input);
  const expected = ourBalances(input.transactions, (account) => names.accounts.get(account as never)!, (commodity) => names.commodities.get(commodity)!);
  expect(normalized(await beancountBalances(file))).toEqual(expected);
  expect(readFromDisk(file).transactions.map((entry) => entry.value)).toEqual(input.transactions);
}

describe('beancount oracle: the feature file', () => {
  const file = join(FIXTURES, 'features.beancount');

  it('is accepted by bean-check', async () => {
    await beanCheck(file);
  });

  it('gives every account the balance beancount computes, the tolerated residuals in Equity:Rounding', async () => {
    const book = readFromDisk(file);
    const theirs = normalized(await beancountBalances(file, { roundingAccount: 'Equity:Rounding' }));
    expect(ourBalances(book.transactions.map((entry) => entry.value))).toEqual(theirs);
    expect(theirs.some((row) => row.account === 'Equity:Rounding')).toBe(true);
    expect(theirs.some((row) => row.account === 'Assets:Cash:Wallet')).toBe(true);
  });

  it('writes a file beancount accepts and agrees with, which reads back to the same transactions', async () => {
    await checkWritten(readFromDisk(file), 'features-written.beancount');
  });
});

describe('beancount oracle: bean-example', () => {
  let example: string;
  const file = join(workDirectory, 'example.beancount');

  it('generates a multi-year example with a fixed seed', async () => {
    example = await beanExample({ seed: 20_240_101, begin: '2021-01-01', end: '2023-07-01', birth: '1985-06-15' });
    writeFileSync(file, example);
    expect(example).toContain('open Assets:US:Vanguard:VBMPX');
    await beanCheck(file);
  });

  it('gives every account the balance beancount computes', async () => {
    const book = readFromDisk(file);
    expect(book.transactions.length).toBeGreaterThan(500);
    const theirs = normalized(await beancountBalances(file, { roundingAccount: 'Equity:Rounding' }));
    expect(ourBalances(book.transactions.map((entry) => entry.value))).toEqual(theirs);
  });

  it('writes it back so that bean-check accepts it, beancount agrees and it reads back the same', async () => {
    await checkWritten(readFromDisk(file), 'example-written.beancount');
  });
});
