import { describe, expect, it } from 'vitest';
import { parseBeancount } from './parse-beancount.js';

/**
 * 100,000 transactions (about 8 MB: one elided amount each, tags, metadata and a comment on every tenth,
 * a lot bought every fiftieth) must parse in well under 2 s on Node 22; measured at about 0.6 s on the
 * 2-core development machine. The bound here is looser because other work shares the machine; it still
 * catches anything quadratic.
 */
function generatedFile(count: number): string {
  const accounts = ['Assets:Bank:Checking', 'Assets:Cash', 'Expenses:Food', 'Expenses:Rent', 'Income:Salary', 'Liabilities:Card'];
  const lines = [...accounts, 'Assets:Broker'].map((account) => `2000-01-01 open ${account}`);
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  for (let index = 0; index < count; index += 1) {
    const day = new Date(Date.UTC(2001, 0, 1) + Math.floor(index / 30) * 86_400_000).toISOString().slice(0, 10);
    if (index % 50 === 0) {
      lines.push(`${day} * "Broker" "Buy" #invest`, `  Assets:Broker  2 HOOL {${100 + (next() % 1000) / 100} USD}`, '  Assets:Bank:Checking', '');
      continue;
    }
    const amount = `${next() % 100_000}.${String(next() % 100).padStart(2, '0')}`;
    if (index % 10 === 0) lines.push(`${day} * "Shop ${index % 97}" "Purchase ${index}" #tag${index % 5}`, `  receipt: "r-${index}"`, `  ${accounts[next() % 6]}  ${amount} USD ; note`);
    else lines.push(`${day} * "Shop ${index % 97}"`, `  ${accounts[next() % 6]}  ${amount} USD`);
    lines.push(`  ${accounts[next() % 6]}`, '');
  }
  return lines.join('\n');
}

// How fast is the bench's business (`npm run bench`: import beancount), not a timed test's.
describe('parseBeancount at scale', () => {
  it('parses 100,000 transactions, each with its postings', () => {
    const text = generatedFile(100_000);
    expect(text.length).toBeGreaterThan(5_500_000);
    const told: [number, number][] = [];
    const book = parseBeancount(text, { file: 'generated.beancount', onProgress: (done, total) => told.push([done, total]) });
    expect(book.transactions).toHaveLength(100_000);
    expect(book.transactions.every(({ value }) => value.postings.length === 2)).toBe(true);
    // Progress told as the file is read (characters of it), rising, never past its length.
    expect(told.length).toBeGreaterThan(20);
    expect(told.every(([done, total], index) => total === text.length && done <= total && (index === 0 || done > told[index - 1]![0]))).toBe(true);
  });
});
