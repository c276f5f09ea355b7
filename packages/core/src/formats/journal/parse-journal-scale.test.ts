import { describe, expect, it } from 'vitest';
import { parseJournal } from './parse-journal.js';

/** A 100,000-transaction journal of about 6.5 MB: amounts with and without separators, elisions, a price, comments. */
function bigJournal(): string {
  const accounts = ['Assets:Bank:Checking', 'Assets:Cash', 'Expenses:Food', 'Expenses:Rent', 'Income:Dues', 'Liabilities:Card', 'Equity:Opening'];
  const lines: string[] = ['commodity $1,000.00', 'account Assets:Cash  ; type: A', ''];
  for (let index = 0; index < 100_000; index += 1) {
    const date = `2024-${String(1 + (index % 12)).padStart(2, '0')}-${String(1 + (index % 28)).padStart(2, '0')}`;
    const from = accounts[index % 7]!;
    const to = accounts[(index * 3 + 1) % 7]!;
    const cents = (index * 7919) % 1_000_000;
    const dollars = `${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
    if (index % 10 === 0) lines.push(`${date} * Shop ${index % 97} ; ref:${index}`, `  ${from}  ${cents} EUR @ $1.08`, `  ${to}`);
    else lines.push(`${date} Shop ${index % 97}`, `  ${from}  $${dollars}`, `  ${to}`);
  }
  return lines.join('\n');
}

// How fast is the bench's business (`npm run bench`: import journal), not a timed test's.
describe('parseJournal at scale', () => {
  it('parses 100,000 transactions (about 6.5 MB), each with its two postings and the tenth with a price', () => {
    const text = bigJournal();
    expect(text.length).toBeGreaterThan(6_000_000);
    const told: [number, number][] = [];
    const book = parseJournal(text, { file: 'big.journal', onProgress: (done, total) => told.push([done, total]) });
    expect(book.transactions).toHaveLength(100_000);
    // Progress told as the file is read (its lines), rising, never past its length.
    const lines = text.split('\n').length;
    expect(told.length).toBeGreaterThan(20);
    expect(told.every(([done, total], index) => total === lines && done <= total && (index === 0 || done > told[index - 1]![0]))).toBe(true);
    expect(book.transactions.every(({ value }) => value.postings.length === 2)).toBe(true);
    expect(book.transactions.filter(({ value }) => value.postings.some((posting) => posting.price !== undefined))).toHaveLength(10_000);
  });
});
