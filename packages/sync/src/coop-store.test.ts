import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImmutableString, getAllChanges } from '@automerge/automerge';
import { type AutomergeUrl } from '@automerge/automerge-repo';
import {
  type Book, type Entry, type ReportInput, balanceReport, canonicalJson, createEntry, encodeTransaction, materialize, parseJournal, reportInputOfBook, sealMessage,
} from '@tallystick/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { balancesOfPostings } from '../../../test/helpers/balances.js';
import { indexPaths, readCurrentIndex, rebuildIndex } from './book-index.js';
import { CoopStore, type NewEntry, batchLines, checkPack, crypto, pendingBatchInParallelOf, pendingBatchOf } from './coop-store.js';
import { writePackedBatch } from './packed-batch.js';
import { DataFolder } from './data-folder.js';
import { type CatalogDoc, type PeriodDoc, decodePack } from './documents.js';
import { writeEntryLines } from './deflated-lines.js';
import { writeFileAtomic } from './file-storage-adapter.js';
import { NodeEntrySigner, generateDevicePrivateKey } from './node-crypto.js';

/*
 * The store on real files and real Automerge: what is appended is read back verified after a reopen,
 * the derived index says exactly what the documents say and knows when it is stale, tampered or foreign
 * entries are listed and never counted, and a write-ahead batch left behind is replayed once.
 */

let dir: string;
const NOW = new Date('2024-06-01T10:00:00.000Z');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tallystick-coop-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function foundCoop(): Promise<{ store: CoopStore; signer: NodeEntrySigner }> {
  const folder = await DataFolder.open(dir, { create: true });
  const signer = new NodeEntrySigner(generateDevicePrivateKey());
  const store = await CoopStore.found(folder, { coopName: 'Bakery', memberName: 'Ada', signer, now: new Date('2024-01-01T08:00:00.000Z') });
  return { store, signer };
}

/** A new process's view: the data folder read again from disk, the documents loaded from storage. */
async function reopen(): Promise<CoopStore> {
  return CoopStore.open(await DataFolder.open(dir));
}

/** A transaction as a journal would say it (one syntax, the real parser). */
function transaction(date: string, description: string, ...postings: string[]): NewEntry<'transaction'> {
  const parsed = parseJournal(`${date} ${description}\n${postings.map((posting) => `    ${posting}\n`).join('')}`, { file: 'test' });
  expect(parsed.transactions).toHaveLength(1);
  return { kind: 'transaction', payload: encodeTransaction(parsed.transactions[0]!.value) };
}

async function append(store: CoopStore, signer: NodeEntrySigner, entries: NewEntry[], now = NOW): Promise<Entry[]> {
  const signed = store.signEntries(entries, signer, now);
  await store.appendEntries(signed);
  return signed;
}

/** Entries each signed alone, as every entry was before seals (and the genesis still is): the store must keep reading them. */
function signAlone(store: CoopStore, signer: NodeEntrySigner, entries: NewEntry[], now = NOW): Entry[] {
  const basis = store.controlHeads();
  return entries.map((entry, n) => createEntry({ kind: entry.kind, coop: store.coopId, at: now.toISOString(), n, basis, payload: entry.payload } as never, signer, crypto));
}

function flatBalances(input: ReportInput): Record<string, string> {
  return balancesOfPostings(input.postings);
}

/** Report input rows in a comparable form (amounts as normalized text). */
function postingRows(input: ReportInput): string[] {
  return [...input.postings].map((posting) => [
    posting.date, posting.account, posting.amount.commodity, posting.amount.quantity.normalize().toString(), posting.transactionId,
  ].join(' '));
}

async function readBook(store: CoopStore): Promise<Book> {
  return materialize(await store.readEntries());
}

describe('CoopStore: append, close, reopen', () => {
  it('reads back every entry, verified and unchanged, and the book counts what the rules allow', async () => {
    const { store, signer } = await foundCoop();
    const first = await append(store, signer, [
      { kind: 'account', payload: { account: 'Assets:Bank', open: '2023-01-01', type: 'asset' } },
      transaction('2024-01-05', 'flour', 'Expenses:Flour  40.00 USD', 'Assets:Bank'),
      transaction('2024-01-20', 'sugar', 'Expenses:Sugar  12.50 USD', 'Assets:Bank'),
      transaction('2023-11-10', 'old rent', 'Expenses:Rent  300 USD', 'Assets:Bank'),
    ]);
    const [lock] = await append(store, signer, [{ kind: 'lock', payload: { through: '2023-12-31' } }]);
    expect(store.controlHeads()).toEqual([lock!.id]);
    const later = await append(store, signer, [
      transaction('2024-02-03', 'bread sold', 'Assets:Bank  99.99 USD', 'Income:Sales'),
      transaction('2024-03-15', 'oven', 'Assets:Equipment  1200 USD', 'Liabilities:Loan'),
      transaction('2023-12-15', 'backdated after the lock', 'Expenses:Rent  1 USD', 'Assets:Bank'),
    ]);
    expect(later.every((entry) => entry.body.basis.includes(lock!.id))).toBe(true);
    const appended = [...first, lock!, ...later];
    await store.close();

    const reopened = await reopen();
    try {
      const read = await reopened.readEntries();
      expect(read.unverified).toEqual([]);
      expect(read.genesisId).toBe(reopened.genesisId);
      const byId = new Map(read.entries.map((entry) => [entry.id, entry]));
      expect(byId.size).toBe(read.entries.length);
      expect([...byId.keys()].sort()).toEqual([reopened.genesisId, ...appended.map((entry) => entry.id)].sort());
      for (const entry of appended) {
        const read = byId.get(entry.id)!;
        expect(read.stored).toEqual(entry.stored);
        // One seal per day (or the catalog) of a batch, over the ids of exactly that day's entries.
        expect(read.seal?.ids).toEqual(entry.seal!.ids);
        expect(read.seal!.ids).toContain(entry.id);
        expect(crypto.verify(signer.publicKey, sealMessage(read.seal!.ids), read.seal!.sig)).toBe(true);
      }
      expect(new Set(first.map((entry) => entry.seal!.sig)).size).toBe(4);
      // Catalog plus one period document per month used: 2023-11, 2023-12, 2024-01, 2024-02, 2024-03.
      expect(reopened.documentIds()).toHaveLength(6);
      expect(reopened.controlHeads()).toEqual([lock!.id]);

      const book = materialize(read);
      const backdated = later[2]!;
      expect(book.rejected).toEqual([expect.objectContaining({ id: backdated.id, code: 'period_locked' })]);
      expect(book.transactions.map((recorded) => recorded.id).sort()).toEqual(
        [...first.slice(1), ...later.slice(0, 2)].map((entry) => entry.id).sort(),
      );
      expect(book.lockedThrough).toBe('2023-12-31');
      expect(book.accounts.get('Assets:Bank' as never)).toMatchObject({ type: 'asset', open: '2023-01-01' });
      expect(flatBalances(reportInputOfBook(book))).toEqual({
        'Assets:Bank\u0000USD': '-252.51',
        'Assets:Equipment\u0000USD': '1200',
        'Expenses:Flour\u0000USD': '40',
        'Expenses:Rent\u0000USD': '300',
        'Expenses:Sugar\u0000USD': '12.5',
        'Income:Sales\u0000USD': '-99.99',
        'Liabilities:Loan\u0000USD': '-1200',
      });
    } finally {
      await reopened.close();
    }
  });

  it('keeps the order of a batch (n) and never duplicates an entry appended twice', async () => {
    const { store, signer } = await foundCoop();
    const entries = store.signEntries(Array.from({ length: 30 }, (_, index) => transaction('2024-04-01', `sale ${index}`, `Assets:Cash  ${index + 1} EUR`, 'Income:Sales')), signer, NOW);
    await store.appendEntries(entries);
    await store.appendEntries(entries);
    // A seal covers exactly its entries: writing part of one is a bug, refused before anything is written.
    await expect(store.appendEntries(entries.slice(0, 10))).rejects.toThrow(/part of a seal/u);
    await store.close();
    const reopened = await reopen();
    try {
      const book = await readBook(reopened);
      expect(book.transactions.map((recorded) => recorded.transaction.description)).toEqual(entries.map((entry) => (entry.body.payload as { description: string }).description));
      expect(flatBalances(reportInputOfBook(book))['Income:Sales\u0000EUR']).toBe('-465');
    } finally {
      await reopened.close();
    }
  });
});

describe('CoopStore group commit', () => {
  it('writes appends made during a write with one flush, and fails only the call whose entries are bad', async () => {
    const { store, signer } = await foundCoop();
    await append(store, signer, [transaction('2024-04-01', 'opening', 'Assets:Cash  1 EUR', 'Income:Sales')]);
    const month = Object.values(store.repo.handles).find((handle) => handle.isReady() && (handle.doc() as Partial<PeriodDoc>).month === '2024-04')!;
    const changesBefore = getAllChanges(month.doc()).length;
    let monthWrites = 0;
    const save = store.storage.save.bind(store.storage);
    store.storage.save = (key, data) => {
      if (key[0] === month.documentId) monthWrites += 1;
      return save(key, data);
    };
    const singles = Array.from({ length: 20 }, (_, index) => store.signEntries([transaction('2024-04-02', `sale ${index}`, `Assets:Cash  ${index + 1} EUR`, 'Income:Sales')], signer, NOW));
    // The first goes into the loaded month at once and starts the month's flush; the other nineteen, made
    // within a few milliseconds of it, go into the month together (one change, unless the machine stalled
    // between two calls), wait for that flush, and are then written by one flush.
    await Promise.all(singles.map((entries) => store.appendEntries(entries)));
    const changes = getAllChanges(month.doc()).length - changesBefore;
    expect(changes).toBeGreaterThanOrEqual(2);
    expect(changes).toBeLessThan(20);
    expect(monthWrites).toBeGreaterThanOrEqual(1);
    expect(monthWrites).toBeLessThanOrEqual(2);
    store.storage.save = save;

    const sealed = store.signEntries(Array.from({ length: 3 }, (_, index) => transaction('2024-04-03', `sealed ${index}`, 'Assets:Cash  1 EUR', 'Income:Sales')), signer, NOW);
    const more = Array.from({ length: 3 }, (_, index) => store.signEntries([transaction('2024-04-03', `more ${index}`, 'Assets:Cash  2 EUR', 'Income:Sales')], signer, NOW));
    const outcomes = await Promise.allSettled([store.appendEntries(more[0]!), store.appendEntries(more[1]!), store.appendEntries(sealed.slice(0, 2)), store.appendEntries(more[2]!)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/part of a seal/u);
    await store.close();
    const reopened = await reopen();
    try {
      const descriptions = (await readBook(reopened)).transactions.map((recorded) => recorded.transaction.description).sort();
      expect(descriptions).toEqual(['more 0', 'more 1', 'more 2', 'opening', ...singles.map((_, index) => `sale ${index}`)].sort());
      expect(readdirSync(join(dir, 'pending'))).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});

describe('CoopStore one-document appends', () => {
  /** Write-ahead batches as the store names them, in pending/ (none if the folder was never made). */
  function batchFiles(): string[] {
    return existsSync(join(dir, 'pending')) ? readdirSync(join(dir, 'pending')).filter((name) => name.endsWith('.batch')) : [];
  }

  it('puts a small append for a loaded month into its document before the call resolves, and on disk when it does', async () => {
    const { store, signer } = await foundCoop();
    await append(store, signer, [transaction('2024-05-01', 'opening', 'Assets:Cash  10 EUR', 'Income:Sales')]);
    const month = Object.values(store.repo.handles).find((handle) => handle.isReady() && (handle.doc() as Partial<PeriodDoc>).month === '2024-05')!;
    const told: string[] = [];
    const stop = store.onLocalChange((handle) => { told.push(handle.documentId); });
    const [entry] = store.signEntries([transaction('2024-05-02', 'sale', 'Assets:Cash  7 EUR', 'Income:Sales')], signer, NOW);
    const chunksBefore = await store.storage.listKeys([month.documentId]);
    const appended = store.appendEntries([entry!]);
    // In the document (and told to the listener, which the replicator sends on) before anything is on disk.
    const days = (month.doc() as PeriodDoc).days['2024-05-02'] ?? {};
    expect(Object.entries(days).flatMap(([key, pack]) => checkPack(key, pack).flatMap((checked) => (checked.ok ? [checked.entry.id] : [])))).toContain(entry!.id);
    expect(told).toEqual([month.documentId]);
    expect(await store.storage.listKeys([month.documentId])).toEqual(chunksBefore);
    await appended;
    stop();
    expect(batchFiles()).toEqual([]);
    expect(await store.storage.listKeys([month.documentId])).not.toEqual(chunksBefore); // a new chunk (or a snapshot in place of the old ones)
    // What resolved is on disk: a new process (the store opened again from the files) reads it.
    const reopened = await reopen();
    try {
      expect((await reopened.readEntries()).entries.map((read) => read.id)).toContain(entry!.id);
    } finally {
      await reopened.close();
      await store.close();
    }
  });

  it('writes a one-month append in a fresh process without a write-ahead batch, and a batch for several documents with one', async () => {
    const { store, signer } = await foundCoop();
    await append(store, signer, [transaction('2024-07-01', 'opening', 'Assets:Cash  10 EUR', 'Income:Sales')]);
    await store.close();
    const seen = new Set<string>();
    const watcher = watch(dir, { recursive: true }, (_event, name) => { if (name?.endsWith('.batch') === true) seen.add(name); });
    try {
      const fresh = await reopen();
      // The month is not loaded in this process: the append is queued, finds the month on disk, and writes one chunk.
      await append(fresh, signer, [transaction('2024-07-02', 'one month', 'Assets:Cash  3 EUR', 'Income:Sales')]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([...seen]).toEqual([]);
      // Two months at once: all or nothing needs the write-ahead batch.
      await append(fresh, signer, ['2024-07-03', '2024-08-01'].map((date) => transaction(date, 'two months', 'Assets:Cash  1 EUR', 'Income:Sales')));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen.size).toBe(1);
      expect(batchFiles()).toEqual([]);
      await fresh.close();
    } finally {
      watcher.close();
    }
    const reopened = await reopen();
    try {
      expect(flatBalances(reportInputOfBook(await readBook(reopened)))['Assets:Cash\u0000EUR']).toBe('15');
    } finally {
      await reopened.close();
    }
  });
});

describe('CoopStore index', () => {
  it('gives the same report input as the full book, and is current exactly until the next append', async () => {
    const { store, signer } = await foundCoop();
    await append(store, signer, [
      { kind: 'account', payload: { account: 'Assets:Till', type: 'asset' } },
      { kind: 'account', payload: { account: 'Revenue:Bread', type: 'income' } },
      transaction('2024-01-02', 'Mill Co | flour', 'Expenses:Flour  40.00 USD', 'Assets:Till'),
      transaction('2024-01-02', 'bread', 'Assets:Till  15.25 USD', 'Revenue:Bread'),
      transaction('2024-02-10', 'exchange', 'Assets:Till  10 EUR @ 1.10 USD', 'Assets:Till  -11.00 USD'),
    ]);
    await append(store, signer, [{ kind: 'lock', payload: { through: '2024-01-31' } }]);
    await store.close();

    const reopened = await reopen();
    const folder = reopened.folder;
    try {
      expect(await readCurrentIndex(folder, reopened.coopId)).toBeUndefined();
      const { book, view } = await rebuildIndex(reopened);
      const fresh = materialize(await reopened.readEntries());
      expect(book.transactions.map((recorded) => recorded.id)).toEqual(fresh.transactions.map((recorded) => recorded.id));
      const current = await readCurrentIndex(folder, reopened.coopId);
      expect(current).toBeDefined();
      for (const candidate of [view, current!]) {
        const input = candidate.reportInput();
        expect(postingRows(input)).toEqual(postingRows(reportInputOfBook(fresh)));
        expect(input.accountTypes).toEqual(reportInputOfBook(fresh).accountTypes);
        expect(balanceReport(candidate.reportInput(), { mode: 'tree' })).toEqual(balanceReport(reportInputOfBook(fresh), { mode: 'tree' }));
        expect(candidate.transactionCount).toBe(3);
        expect(candidate.lockedThrough).toBe('2024-01-31');
        expect(candidate.rejected).toEqual([]);
        expect([...candidate.transactionIds].sort()).toEqual(fresh.transactions.map((recorded) => recorded.id).sort());
        expect(candidate.accountNames()).toEqual(['Assets:Till', 'Expenses:Flour', 'Revenue:Bread']);
      }
    } finally {
      await reopened.close();
    }

    // Opening and closing the store without a change leaves the index current.
    expect(await readCurrentIndex(await DataFolder.open(dir), reopened.coopId)).toBeDefined();

    const again = await reopen();
    try {
      await append(again, signer, [transaction('2024-03-01', 'butter', 'Expenses:Butter  7 USD', 'Assets:Till')]);
      expect(await readCurrentIndex(again.folder, again.coopId)).toBeUndefined();
      expect(await readCurrentIndex(await DataFolder.open(dir), again.coopId)).toBeUndefined();
      // A declaration goes to the catalog, not a period document: it must make the index stale too.
      await rebuildIndex(again);
      expect(await readCurrentIndex(again.folder, again.coopId)).toBeDefined();
      await append(again, signer, [{ kind: 'commodity', payload: { symbol: 'EUR', precision: 2 } }]);
      expect(await readCurrentIndex(again.folder, again.coopId)).toBeUndefined();
      const { view } = await rebuildIndex(again);
      const current = await readCurrentIndex(again.folder, again.coopId);
      expect(current?.transactionCount).toBe(4);
      expect(postingRows(current!.reportInput())).toEqual(postingRows(view.reportInput()));
      expect(current!.commodities).toEqual([{ symbol: 'EUR', precision: 2 }]);
    } finally {
      await again.close();
    }
  });

  it('never trusts a damaged index file', async () => {
    const { store, signer } = await foundCoop();
    await append(store, signer, [transaction('2024-01-02', 'bread', 'Assets:Till  15.25 USD', 'Revenue:Bread')]);
    await rebuildIndex(store);
    await store.close();
    const folder = await DataFolder.open(dir);
    expect(await readCurrentIndex(folder, store.coopId)).toBeDefined();
    const path = indexPaths(folder, store.coopId).report;
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('15.25', '99.25'));
    expect(await readCurrentIndex(folder, store.coopId)).toBeUndefined();
  });
});

/** Opens the co-op's documents with a plain repo, as another program (or a peer) would, and changes a period document. */
async function editPeriod(month: string, edit: (doc: PeriodDoc) => void): Promise<void> {
  const folder = await DataFolder.open(dir);
  const record = Object.values(folder.config.coops)[0]!;
  const { repo, storage } = CoopStore.openRepo(folder);
  try {
    const catalog = await repo.find<CatalogDoc>(record.catalog as AutomergeUrl);
    const [periodId] = Object.keys(catalog.doc().periods[month] ?? {});
    expect(periodId).toBeDefined();
    const period = await repo.find<PeriodDoc>(`automerge:${periodId}` as AutomergeUrl);
    period.change(edit);
    await repo.flush();
    await storage.whenIdle();
  } finally {
    await repo.shutdown();
  }
}

/** The one pack of a day as text lines, through the store's own pack reader (whatever the stored form). */
function packLines(doc: PeriodDoc, date: string): { key: string; lines: string[] } {
  const packs = Object.entries(doc.days[date] ?? {});
  expect(packs).toHaveLength(1);
  const [key, value] = packs[0]!;
  const decoded = decodePack(value);
  if (decoded.form === 'sealed') return { key, lines: [`#seal\t${decoded.author}\t${decoded.sig}`, ...decoded.texts] };
  const lines = decoded.lines.map((line) => {
    expect(line.ok).toBe(true);
    return line.ok ? `${line.stored.sig}\t${line.stored.text}` : '';
  });
  return { key, lines };
}

/** Changes both amounts of a two-posting transaction's signed text, keeping it canonical, valid and balanced. */
function withAmountChanged(line: string, from: string, to: string): string {
  const tab = line.indexOf('\t');
  const body = JSON.parse(line.slice(tab + 1)) as { payload: { postings: { amount: [string, string] }[] } };
  for (const posting of body.payload.postings) {
    posting.amount[1] = posting.amount[1] === from ? to : posting.amount[1] === `-${from}` ? `-${to}` : posting.amount[1];
  }
  return `${line.slice(0, tab)}\t${canonicalJson(body)}`;
}

describe('CoopStore tampering', () => {
  /** Three sales written together on one day (one pack), and one on the next day; sealed, or each signed alone. */
  async function bookWithThreeSales(form: 'sealed' | 'alone' = 'sealed'): Promise<{ signer: NodeEntrySigner; sales: Entry[]; other: Entry[] }> {
    const { store, signer } = await foundCoop();
    const write = async (entries: NewEntry[]) => {
      const signed = form === 'sealed' ? store.signEntries(entries, signer, NOW) : signAlone(store, signer, entries);
      await store.appendEntries(signed);
      return signed;
    };
    const sales = await write([
      transaction('2024-05-10', 'flour', 'Expenses:Flour  10.00 USD', 'Assets:Cash'),
      transaction('2024-05-10', 'sugar', 'Expenses:Sugar  20.00 USD', 'Assets:Cash'),
      transaction('2024-05-10', 'salt', 'Expenses:Salt  5.00 USD', 'Assets:Cash'),
    ]);
    const other = await write([transaction('2024-05-11', 'yeast', 'Expenses:Yeast  2.00 USD', 'Assets:Cash')]);
    await store.close();
    return { signer, sales, other };
  }

  async function tamperDay(date: string, tamper: (lines: string[], nextDay: string[]) => string[]): Promise<void> {
    await editPeriod('2024-05', (doc) => {
      const { key, lines } = packLines(doc, date);
      const nextDay = packLines(doc, '2024-05-11').lines;
      // Written as plain text, which every version of the pack reader accepts.
      doc.days[date]![key] = new ImmutableString(tamper(lines, nextDay).join('\n'));
    });
  }

  async function expectCounted(store: CoopStore, rejected: { id: string; code: string }[], counted: Entry[], expected: Record<string, string>): Promise<void> {
    const read = await store.readEntries();
    expect(read.unverified.map((entry) => [entry.id, entry.code]).sort()).toEqual(rejected.map((entry) => [entry.id, entry.code]).sort());
    expect(read.entries.map((entry) => entry.id).sort()).toEqual([store.genesisId, ...counted.map((entry) => entry.id)].sort());
    const { book, view } = await rebuildIndex(store);
    const byId = (list: readonly { id: string }[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(byId(book.rejected)).toEqual(byId(read.unverified));
    expect(byId(view.rejected)).toEqual(byId(read.unverified));
    expect(flatBalances(reportInputOfBook(book))).toEqual(expected);
    expect(flatBalances(view.reportInput())).toEqual(expected);
  }

  // A sealed pack is one signature over the ids of its entries: any change to it rejects all of it.
  // [what, tampering, how many entries the pack then holds, which sales are still there under their own id]
  const sealedTamperings: [string, (lines: string[], nextDay: string[]) => string[], number, number[]][] = [
    ['an amount changed, the seal kept', (lines) => [lines[0]!, lines[1]!, withAmountChanged(`\t${lines[2]!}`, '20.00', '2000.00').slice(1), lines[3]!], 3, [0, 2]],
    ['an entry dropped', (lines) => [lines[0]!, lines[1]!, lines[3]!], 2, [0, 2]],
    ['two entries swapped', (lines) => [lines[0]!, lines[2]!, lines[1]!, lines[3]!], 3, [0, 1, 2]],
    ['the seal of another pack put on it', (lines, nextDay) => [nextDay[0]!, ...lines.slice(1)], 3, [0, 1, 2]],
    ['its seal cut short', (lines) => [lines[0]!.slice(0, -2), ...lines.slice(1)], 3, [0, 1, 2]],
    ['an entry no longer JSON', (lines) => [lines[0]!, lines[1]!, lines[2]!.slice(0, -5), lines[3]!], 3, [0, 2]],
  ];
  for (const [what, tamper, held, intact] of sealedTamperings) {
    it(`rejects a sealed pack with ${what} as bad_signature, whole, and counts the other days`, async () => {
      const { sales, other } = await bookWithThreeSales('sealed');
      await tamperDay('2024-05-10', tamper);
      const store = await reopen();
      try {
        const read = await store.readEntries();
        expect(read.unverified).toHaveLength(held);
        expect(read.unverified.every((entry) => entry.code === 'bad_signature' && /seal/u.test(entry.reason))).toBe(true);
        const rejectedIds = new Set(read.unverified.map((entry) => entry.id));
        for (const index of intact) expect(rejectedIds.has(sales[index]!.id)).toBe(true);
        await expectCounted(store, read.unverified, other, { 'Assets:Cash\u0000USD': '-2', 'Expenses:Yeast\u0000USD': '2' });
      } finally {
        await store.close();
      }
    });
  }

  // Entries signed alone (the genesis, and books written before seals): a change rejects that entry only.
  const aloneTamperings: [string, (lines: string[]) => string[], string][] = [
    ['an amount changed, the signature kept', (lines) => [lines[0]!, withAmountChanged(lines[1]!, '20.00', '2000.00'), lines[2]!], 'bad_signature'],
    ['the signature of another entry put on it', (lines) => [lines[0]!, `${lines[0]!.split('\t')[0]}\t${lines[1]!.split('\t')[1]}`, lines[2]!], 'bad_signature'],
    ['its signature cut short', (lines) => [lines[0]!, lines[1]!.replace(/^(.{20}).{2}/u, '$1'), lines[2]!], 'bad_signature'],
    ['its text no longer JSON', (lines) => [lines[0]!, lines[1]!.slice(0, -5), lines[2]!], 'malformed_entry'],
    ['its tab removed', (lines) => [lines[0]!, lines[1]!.replace('\t', ' '), lines[2]!], 'malformed_entry'],
  ];
  for (const [what, tamper, code] of aloneTamperings) {
    it(`lists an entry signed alone with ${what} as ${code} and counts only the others`, async () => {
      const { sales, other } = await bookWithThreeSales('alone');
      await tamperDay('2024-05-10', (lines) => {
        expect(lines).toHaveLength(3);
        return tamper(lines);
      });
      const store = await reopen();
      try {
        const read = await store.readEntries();
        expect(read.unverified).toEqual([expect.objectContaining({ code })]);
        expect(read.entries.map((entry) => entry.id).sort()).toEqual([store.genesisId, sales[0]!.id, sales[2]!.id, other[0]!.id].sort());
        await expectCounted(store, read.unverified, [sales[0]!, sales[2]!, other[0]!], {
          'Assets:Cash\u0000USD': '-17',
          'Expenses:Flour\u0000USD': '10',
          'Expenses:Salt\u0000USD': '5',
          'Expenses:Yeast\u0000USD': '2',
        });
      } finally {
        await store.close();
      }
    });
  }

  it('rejects a genuine entry filed under another day as misfiled_entry', async () => {
    const { sales, other } = await bookWithThreeSales();
    await editPeriod('2024-05', (doc) => {
      const moved = doc.days['2024-05-11']!;
      const [key] = Object.keys(moved);
      doc.days['2024-05-12'] = { [key!]: new ImmutableString(packLines(doc, '2024-05-11').lines.join('\n')) };
      delete doc.days['2024-05-11'];
    });
    const store = await reopen();
    try {
      const book = await readBook(store);
      expect(book.rejected).toEqual([expect.objectContaining({ id: other[0]!.id, code: 'misfiled_entry' })]);
      expect(book.transactions.map((recorded) => recorded.id).sort()).toEqual(sales.map((entry) => entry.id).sort());
    } finally {
      await store.close();
    }
  });

  it('rejects entries signed by a device that is no member as not_a_member_device, without counting them', async () => {
    const { store, signer } = await foundCoop();
    const own = await append(store, signer, [transaction('2024-05-10', 'flour', 'Expenses:Flour  10.00 USD', 'Assets:Cash')]);
    const stranger = new NodeEntrySigner(generateDevicePrivateKey());
    const foreign = await append(store, stranger, [
      transaction('2024-05-10', 'theft', 'Expenses:Mystery  900.00 USD', 'Assets:Cash'),
      { kind: 'account', payload: { account: 'Assets:Cash', type: 'liability' } },
    ]);
    await store.close();

    const reopened = await reopen();
    try {
      const read = await reopened.readEntries();
      expect(read.unverified).toEqual([]);
      const { book, view } = await rebuildIndex(reopened);
      expect(book.rejected.map((rejected) => [rejected.id, rejected.code]).sort()).toEqual(foreign.map((entry) => [entry.id, 'not_a_member_device']).sort());
      expect(book.transactions.map((recorded) => recorded.id)).toEqual([own[0]!.id]);
      expect(book.accounts.size).toBe(0);
      expect(flatBalances(view.reportInput())).toEqual({ 'Assets:Cash\u0000USD': '-10', 'Expenses:Flour\u0000USD': '10' });
    } finally {
      await reopened.close();
    }
  });

  it('does not let a non-member lock (or any rejected control entry) become the basis of members\' later entries', async () => {
    const { store, signer } = await foundCoop();
    const stranger = new NodeEntrySigner(generateDevicePrivateKey());
    const [foreignLock] = await append(store, stranger, [{ kind: 'lock', payload: { through: '2030-12-31' } }]);
    const own = await append(store, signer, [transaction('2024-05-10', 'flour', 'Expenses:Flour  10.00 USD', 'Assets:Cash')]);
    expect(own[0]!.body.basis).toEqual([store.genesisId]);
    await store.close();

    const reopened = await reopen();
    try {
      const book = await readBook(reopened);
      expect(book.rejected).toEqual([expect.objectContaining({ id: foreignLock!.id, code: 'not_a_member_device' })]);
      expect(book.lockedThrough).toBeUndefined();
      expect(book.transactions.map((recorded) => recorded.id)).toEqual([own[0]!.id]);
      expect(reopened.controlHeads()).toEqual([reopened.genesisId]);
    } finally {
      await reopened.close();
    }
  });
});

describe('CoopStore write order', () => {
  /**
   * A crash may stop a flush between any two file writes. If the catalog naming a new period document
   * reached the disk before that document did, the store could never be opened again ("document
   * unavailable"), pending batch or not. So: whenever a catalog chunk starts being written, every period
   * document the catalog names must already have a chunk on disk. Checked on the real adapter, at the
   * instant each write begins (synchronously, before the write can yield).
   */
  it('writes a new period document to disk before any catalog chunk that names it', async () => {
    const { store, signer } = await foundCoop();
    const catalogUrl = store.folder.config.coops[store.coopId]!.catalog as AutomergeUrl;
    const catalogId = catalogUrl.slice('automerge:'.length);
    const catalog = await store.repo.find<CatalogDoc>(catalogUrl);
    const violations: string[] = [];
    let catalogWrites = 0;
    const save = store.storage.save.bind(store.storage);
    store.storage.save = (key, data) => {
      if (key[0] === catalogId) {
        catalogWrites += 1;
        for (const month of Object.keys(catalog.doc().periods)) {
          for (const documentId of Object.keys(catalog.doc().periods[month]!)) {
            const folder = join(store.storage.root, 'docs', documentId);
            const chunks = existsSync(folder) ? readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.startsWith('.tmp-')) : [];
            if (chunks.length === 0) violations.push(`catalog chunk ${key.join('/')} written while period ${month} (${documentId}) had no chunk on disk`);
          }
        }
      }
      return save(key, data);
    };
    await append(store, signer, [
      { kind: 'account', payload: { account: 'Assets:Cash', type: 'asset' } },
      ...['2024-01-10', '2024-02-10', '2024-03-10'].map((date) => transaction(date, 'sale', 'Assets:Cash  5 USD', 'Income:Sales')),
    ]);
    await append(store, signer, ['2024-03-11', '2024-04-10'].map((date) => transaction(date, 'sale', 'Assets:Cash  5 USD', 'Income:Sales')));
    await store.close();
    expect(catalogWrites).toBeGreaterThanOrEqual(2);
    expect(violations).toEqual([]);
  });
});

describe('CoopStore write-ahead batches', () => {
  /**
   * The batch file exactly as appendEntries writes it before touching any document (its packs), or in an
   * older form: deflated entry lines (a name with `lines`), or JSON.
   */
  async function leaveBatch(store: CoopStore, entries: readonly Entry[], name = `${Date.now()}-${randomUUID()}.batch`): Promise<string> {
    await mkdir(store.folder.pendingDir, { recursive: true });
    const path = join(store.folder.pendingDir, name);
    if (name.endsWith('.json')) {
      await writeFileAtomic(path, Buffer.from(JSON.stringify({ coop: store.coopId, entries: entries.map((entry) => ({ id: entry.id, ...entry.stored })) })));
    } else if (name.includes('lines')) {
      await writeEntryLines(path, [`coop ${store.coopId}`, ...batchLines(entries)]);
    } else {
      await writePackedBatch(path, pendingBatchOf(store.coopId, entries));
    }
    return path;
  }

  async function pendingNames(): Promise<string[]> {
    return (await readdir(join(dir, 'pending'))).sort();
  }

  it('packs a batch on the thread pool into the very packs packed inline: same keys, same bytes, same days', async () => {
    const { store, signer } = await foundCoop();
    const days = ['2024-01-31', '2024-02-01', '2024-02-01', '2024-02-29', '2024-03-01'];
    const fields: NewEntry[] = [
      { kind: 'account', payload: { account: 'Assets:Cash', type: 'asset' } },
      ...Array.from({ length: 60 }, (_, index) => transaction(days[index % days.length]!, `sale ${index} ✓`, `Assets:Cash  ${index + 1} USD`, 'Income:Sales')),
    ];
    try {
      for (const entries of [store.signEntries(fields, signer, NOW)]) {
        const inline = pendingBatchOf(store.coopId, entries);
        const pooled = await pendingBatchInParallelOf(store.coopId, entries);
        expect(pooled.packs.length).toBeGreaterThanOrEqual(5);
        expect(pooled).toEqual(inline);
      }
    } finally {
      await store.close();
    }
  });

  it('replays a batch that was written but never applied, once, on the next open', async () => {
    const { store, signer } = await foundCoop();
    const entries = store.signEntries([
      { kind: 'account', payload: { account: 'Assets:Cash', type: 'asset' } },
      transaction('2024-01-31', 'january', 'Expenses:Flour  10 USD', 'Assets:Cash'),
      transaction('2024-02-01', 'february', 'Expenses:Flour  20 USD', 'Assets:Cash'),
    ], signer, NOW);
    await leaveBatch(store, entries);
    expect((await store.readEntries()).entries).toHaveLength(1);
    await store.close();
    await writeFile(join(dir, 'pending', '.tmp-999-abcdef012345'), '{"coop": "torn');

    const reopened = await reopen();
    try {
      expect(await pendingNames()).toEqual(['.tmp-999-abcdef012345']);
      const read = await reopened.readEntries();
      expect(read.entries.map((entry) => entry.id).sort()).toEqual([reopened.genesisId, ...entries.map((entry) => entry.id)].sort());
      expect(read.entries.find((entry) => entry.id === entries[1]!.id)!.stored).toEqual(entries[1]!.stored);
    } finally {
      await reopened.close();
    }

    const third = await reopen();
    try {
      const book = await readBook(third);
      expect(book.transactions).toHaveLength(2);
      expect(book.accounts.get('Assets:Cash' as never)?.type).toBe('asset');
      expect(flatBalances(reportInputOfBook(book))).toEqual({ 'Assets:Cash\u0000USD': '-30', 'Expenses:Flour\u0000USD': '30' });
    } finally {
      await third.close();
    }
  });

  it('replays a batch already applied (killed before removing it) without duplicating or changing anything', async () => {
    const { store, signer } = await foundCoop();
    const entries = await append(store, signer, [
      transaction('2024-01-31', 'january', 'Expenses:Flour  10 USD', 'Assets:Cash'),
      transaction('2024-03-01', 'march', 'Expenses:Flour  20 USD', 'Assets:Cash'),
    ]);
    await leaveBatch(store, entries);
    await rebuildIndex(store);
    await store.close();
    const fingerprint = await store.storage.fingerprint();

    const reopened = await reopen();
    try {
      expect(await pendingNames()).toEqual([]);
      expect(await reopened.storage.fingerprint()).toBe(fingerprint);
      expect(await readCurrentIndex(reopened.folder, reopened.coopId)).toBeDefined();
      const book = await readBook(reopened);
      expect(book.transactions.map((recorded) => recorded.id).sort()).toEqual(entries.map((entry) => entry.id).sort());
    } finally {
      await reopened.close();
    }
  });

  it('refuses to open over a damaged batch (never applies part of one) and opens once it is moved aside', async () => {
    const { store, signer } = await foundCoop();
    const entries = store.signEntries([transaction('2024-01-02', 'one', 'Expenses:A  1 USD', 'Assets:Cash')], signer, NOW);
    const path = await leaveBatch(store, entries);
    await store.close();
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    await expect(reopen()).rejects.toMatchObject({ code: 'damaged_batch' });
    await rm(path);
    const reopened = await reopen();
    try {
      expect((await reopened.readEntries()).entries.map((entry) => entry.id)).toEqual([reopened.genesisId]);
    } finally {
      await reopened.close();
    }
  });

  it('replays several batches in the order they were written and leaves another co-op\'s batch alone', async () => {
    const { store, signer } = await foundCoop();
    const first = store.signEntries([transaction('2024-01-02', 'one', 'Expenses:A  1 USD', 'Assets:Cash')], signer, NOW);
    // The older JSON form only ever held entries signed alone.
    const second = signAlone(store, signer, [transaction('2024-01-03', 'two', 'Expenses:A  2 USD', 'Assets:Cash')]);
    const third = store.signEntries([transaction('2024-01-04', 'three', 'Expenses:A  3 USD', 'Assets:Cash')], signer, NOW, 1);
    await leaveBatch(store, first, '1000-a.batch');
    await leaveBatch(store, second, '2000-b.json');
    await leaveBatch(store, third, '3000-c-lines.batch');
    await writeEntryLines(join(store.folder.pendingDir, '1500-other.batch'), [`coop ${'f'.repeat(32)}`]);
    await store.close();

    const reopened = await reopen();
    try {
      expect(await pendingNames()).toEqual(['1500-other.batch']);
      const book = await readBook(reopened);
      expect(book.transactions.map((recorded) => recorded.transaction.description)).toEqual(['one', 'two', 'three']);
    } finally {
      await reopened.close();
    }
  });
});

describe('CoopStore damaged month', () => {
  it('says which month cannot be read and counts nothing, instead of showing a book without it; close still works', async () => {
    const { store, signer } = await foundCoop();
    await append(store, signer, [
      transaction('2024-01-05', 'January', 'Assets:Bank  10.00 USD', 'Income:Sales'),
      transaction('2024-02-05', 'February', 'Assets:Bank  20.00 USD', 'Income:Sales'),
    ]);
    const february = Object.keys((await store.repo.find<CatalogDoc>(store.folder.config.coops[store.coopId]!.catalog as AutomergeUrl)).doc().periods['2024-02'] ?? {})[0]!;
    await store.close();
    const chunkFolder = join(dir, 'storage', 'docs', february);
    for (const kind of readdirSync(chunkFolder)) {
      for (const name of readdirSync(join(chunkFolder, kind))) {
        const path = join(chunkFolder, kind, name);
        const bytes = await readFile(path);
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
        await writeFile(path, bytes);
      }
    }
    const reopened = await reopen();
    await expect(reopened.readEntries()).rejects.toMatchObject({ code: 'period_unavailable', message: expect.stringContaining('the books for 2024-02') });
    await expect(reopened.close()).resolves.toBeUndefined();
    expect(readdirSync(join(dir, 'storage', 'quarantine')).length).toBeGreaterThan(0);
  });
});
