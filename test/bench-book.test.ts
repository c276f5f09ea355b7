import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beanCheck, beancountBalances, normalizeBalances } from './oracles/beancount.js';
import { type ToolBalance, hledgerBalances, hledgerCheck, sortBalances } from './oracles/hledger.js';
import { ledgerBalances } from './oracles/ledger.js';

// The bench's generated book must be one that the anchor tools read identically: otherwise the bench
// would compare Tallystick with tools doing different work. 2,000 transactions keep this quick.
const GENERATOR = join(import.meta.dirname, '..', 'bench', 'generate-book.mjs');
const TRANSACTIONS = 2_000;
const run = promisify(execFile);

let folder: string;

async function generate(out: string, seed: number): Promise<void> {
  await run(process.execPath, [GENERATOR, '--transactions', String(TRANSACTIONS), '--seed', String(seed), '--out', out]);
}

/** "12.50" → "12.5", "-0.10" → "-0.1", "3.00" → "3": the oracles' plain form. */
function plain(amount: string): string {
  return amount.includes('.') ? amount.replace(/0+$/u, '').replace(/\.$/u, '') : amount;
}

describe('bench/generate-book.mjs', () => {
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tallystick-bench-book-'));
    await generate(join(folder, 'a'), 7);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes a journal that ledger and hledger read to the same per-account totals as the generator computed', async () => {
    const journal = join(folder, 'a', 'book.journal');
    const generated = JSON.parse(await readFile(join(folder, 'a', 'book.totals.json'), 'utf8')) as { accounts: number; totals: ToolBalance[] };
    const expected = sortBalances(generated.totals.map((row) => ({ ...row, amount: plain(row.amount) })));
    expect(generated.accounts).toBeGreaterThanOrEqual(140);
    expect(expected.length).toBeGreaterThanOrEqual(140);
    await hledgerCheck(journal);
    expect(await hledgerBalances(journal)).toEqual(expected);
    expect(await ledgerBalances(journal)).toEqual(expected);
  });

  it('writes the same book as beancount, which bean-check accepts and totals identically', async () => {
    const beancountFile = join(folder, 'a', 'book.beancount');
    await beanCheck(beancountFile);
    const fromBeancount = normalizeBalances(await beancountBalances(beancountFile));
    expect(fromBeancount).toEqual(await hledgerBalances(join(folder, 'a', 'book.journal')));
  });

  it('has dates in order over ten years, 2–4 postings per transaction, and some elided amounts in the journal only', async () => {
    const journal = await readFile(join(folder, 'a', 'book.journal'), 'utf8');
    const beancount = await readFile(join(folder, 'a', 'book.beancount'), 'utf8');
    const transactions = journal.split('\n\n').slice(1);
    expect(transactions).toHaveLength(TRANSACTIONS + 1);
    const dates = transactions.map((text) => text.slice(0, 10));
    expect(dates[0]).toBe('2015-01-01');
    expect([...dates].sort()).toEqual(dates);
    expect(dates.every((date) => date >= '2015-01-01' && date <= '2024-12-31')).toBe(true);
    expect(dates.at(-1)! > '2024-06-30').toBe(true);
    const postingCounts = transactions.slice(1).map((text) => text.trimEnd().split('\n').length - 1);
    expect(Math.min(...postingCounts)).toBe(2);
    expect(Math.max(...postingCounts)).toBe(4);
    expect(journal).toMatch(/\n {4}[A-Z][\w:-]+\n/u);
    expect(beancount).not.toMatch(/\n {2}[A-Z][\w:-]+\n/u);
    expect(journal).not.toMatch(/\d\.\d{3}|\d\.\d(?!\d)|e[+-]\d/u);
  });

  it('is deterministic: the same seed gives the same bytes, another seed another book', async () => {
    await generate(join(folder, 'b'), 7);
    await generate(join(folder, 'c'), 8);
    const read = (name: string, file: string) => readFile(join(folder, name, file), 'utf8');
    for (const file of ['book.journal', 'book.beancount', 'book.totals.json']) expect(await read('b', file)).toBe(await read('a', file));
    expect(await read('c', 'book.journal')).not.toBe(await read('a', 'book.journal'));
  });
});
