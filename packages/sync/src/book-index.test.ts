import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Entry, encodeTransaction, parseJournal } from '@tallystick/core';
import { describe, expect, it } from 'vitest';
import { extendIndex, extensionProblem, indexPaths, readCurrentReportIndex, rebuildIndex } from './book-index.js';
import { CoopStore, type NewEntry } from './coop-store.js';
import { DataFolder } from './data-folder.js';
import { NodeEntrySigner, generateDevicePrivateKey } from './node-crypto.js';

/*
 * extendIndex (after our own writes) must write exactly the index a full rebuild would: the same
 * transactions in the same ledger order, the same postings, declarations, keys and rejections. Random
 * sequences of writes, each followed by both, on real documents.
 */

const accounts = ['Assets:Bank', 'Assets:Cash', 'Expenses:Food', 'Expenses:Rent', 'Income:Sales', 'Equity:Opening'];

type Operation =
  | { kind: 'transactions'; items: { day: number; from: number; to: number; cents: number }[] }
  | { kind: 'open'; account: string }
  | { kind: 'reverse' }
  | { kind: 'lock'; day: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('transactions' as const), items: fc.array(fc.record({ day: fc.integer({ min: 0, max: 400 }), from: fc.integer({ min: 0, max: 5 }), to: fc.integer({ min: 0, max: 5 }), cents: fc.integer({ min: 1, max: 100_000 }) }), { minLength: 1, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), account: fc.constantFrom('Assets:Savings', 'Liabilities:Loan', 'Income:Grants') }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reverse' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lock' as const), day: fc.integer({ min: 0, max: 200 }) }) },
);

function dateOf(day: number): string {
  return new Date(Date.UTC(2024, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

function transactionEntry(item: { day: number; from: number; to: number; cents: number }, index: number): NewEntry {
  const to = item.to === item.from ? (item.from + 1) % accounts.length : item.to;
  const amount = `${Math.floor(item.cents / 100)}.${String(item.cents % 100).padStart(2, '0')} USD`;
  const text = `${dateOf(item.day)} item ${index}\n    ${accounts[to]}  ${amount}\n    ${accounts[item.from]}\n`;
  return { kind: 'transaction', payload: encodeTransaction(parseJournal(text, { file: 'test' }).transactions[0]!.value) };
}

async function entriesFor(op: Operation, written: Entry[], lockedThrough: string): Promise<NewEntry[]> {
  switch (op.kind) {
    case 'transactions':
      return op.items.map(transactionEntry).filter((entry) => (entry.payload as { date: string }).date > lockedThrough);
    case 'open':
      return [{ kind: 'account', payload: { account: op.account, open: '2024-01-01' } }];
    case 'reverse': {
      const original = written.find((entry) => entry.body.kind === 'transaction');
      if (!original) return [];
      const payload = original.body.payload as { postings: { account: string; amount: [string, string] }[]; date: string; description: string };
      const date = dateOf(401);
      return [{ kind: 'transaction', payload: { ...payload, date, description: `Reversal of ${payload.description}`, reverses: original.id, postings: payload.postings.map((posting) => ({ ...posting, amount: [posting.amount[0], posting.amount[1].startsWith('-') ? posting.amount[1].slice(1) : `-${posting.amount[1]}`] })) } } as unknown as NewEntry];
    }
    case 'lock':
      return dateOf(op.day) > lockedThrough ? [{ kind: 'lock', payload: { through: dateOf(op.day) } }] : [];
  }
}

describe('extendIndex', () => {
  it('writes the same index as a full rebuild, after any sequence of writes (property)', async () => {
    let extendedInAllRuns = 0;
    await fc.assert(fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 6 }), async (operations) => {
      const dir = await mkdtemp(join(tmpdir(), 'tallystick-extend-'));
      const folder = await DataFolder.open(dir, { create: true });
      const signer = new NodeEntrySigner(generateDevicePrivateKey());
      const store = await CoopStore.found(folder, { coopName: 'Co', memberName: 'Ada', signer, now: new Date('2024-01-01T00:00:00Z') });
      try {
        await rebuildIndex(store);
        const written: Entry[] = [];
        let extended = 0;
        for (const [step, op] of operations.entries()) {
          const before = (await readCurrentReportIndex(folder, store.coopId))!;
          expect(before).toBeDefined();
          const fresh = store.signEntries(await entriesFor(op, written, before.lockedThrough ?? ''), signer, new Date(Date.UTC(2025, 0, 1, 0, step)));
          if (fresh.length === 0) continue;
          await store.appendEntries(fresh);
          written.push(...fresh);
          const view = extensionProblem(before, fresh) === undefined ? await extendIndex(store, before, fresh) : undefined;
          if (view) extended += 1;
          else await rebuildIndex(store);
          const afterWrite = await readFile(indexPaths(folder, store.coopId).report, 'utf8');
          await rebuildIndex(store);
          const rebuilt = await readFile(indexPaths(folder, store.coopId).report, 'utf8');
          expect(JSON.parse(afterWrite.slice(0, afterWrite.lastIndexOf('\n#')))).toEqual(JSON.parse(rebuilt.slice(0, rebuilt.lastIndexOf('\n#'))));
        }
        extendedInAllRuns += extended;
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    }), { seed: 20261125, numRuns: 12 });
    // The fast path must actually have been taken, or this property proves nothing about it.
    expect(extendedInAllRuns).toBeGreaterThan(5);
  });

  it('refuses what could change an earlier decision: a reversal, a lock, a repeated import key, a close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tallystick-extend-'));
    const folder = await DataFolder.open(dir, { create: true });
    const signer = new NodeEntrySigner(generateDevicePrivateKey());
    const store = await CoopStore.found(folder, { coopName: 'Co', memberName: 'Ada', signer, now: new Date('2024-01-01T00:00:00Z') });
    try {
      await rebuildIndex(store);
      const before = (await readCurrentReportIndex(folder, store.coopId))!;
      const sign = (entries: NewEntry[]) => store.signEntries(entries, signer, new Date('2025-01-01T00:00:00Z'));
      const plain = transactionEntry({ day: 3, from: 0, to: 2, cents: 500 }, 0);
      expect(extensionProblem(before, sign([plain]))).toBeUndefined();
      expect(extensionProblem(before, sign([{ kind: 'lock', payload: { through: '2024-02-01' } }]))).toBe('a lock entry');
      expect(extensionProblem(before, sign([{ kind: 'account', payload: { account: 'Assets:Bank', close: '2024-02-01' } }]))).toBe('an account change');
      const keyed = { kind: 'transaction', payload: { ...(plain.payload as object), importKey: 'k1' } } as NewEntry;
      expect(extensionProblem(before, sign([keyed, keyed]))).toBe('a repeated import key');
      const reversal = { kind: 'transaction', payload: { ...(plain.payload as object), reverses: 'a'.repeat(64) } } as NewEntry;
      expect(extensionProblem(before, sign([reversal]))).toBe('a reversal');
      // A device whose member's role may not write to the books (or that is not on the roster at all).
      expect(extensionProblem({ ...before, bookWriters: [] }, sign([plain]))).toBe('author or co-op');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
