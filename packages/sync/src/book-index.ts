import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AccountDeclaration, type AccountName, type Book, type CommodityDeclaration, type Entry, type EntryId, type GovernanceSummary, type IsoDate,
  type Member, type RejectedEntry, type ReportInput, type ReportPosting, type PayloadOf, Decimal, assert, canonicalJson, normalDecimalText, compareText, declaredAccountTypes, displayDescription,
  isTimebankKind, materialize,
} from '@tallystick/core';
import type { CoopStore } from './coop-store.js';
import { nodeEntryCrypto as crypto } from './node-crypto.js';
import { readEntryLines, writeEntryLines } from './deflated-lines.js';
import { type DataFolder } from './data-folder.js';
import { FileStorageAdapter } from './file-storage-adapter.js';
import { readChecked, writeChecked } from './checked-file.js';
import { extendTimebankIndex, restampTimebankIndex, writeTimebankIndex } from './timebank-index.js';

/**
 * A local, derived, rebuildable index of one co-op's books, so that a cold report need not load every
 * document and re-verify every signature (ledger-cli answers `bal` on 100k transactions in ~1 s).
 *
 * Two files in index/:
 * - `<coop>.entries`: every entry this device has verified, as `SIG<TAB>TEXT` lines. An entry's id is
 *   the hash of its text, so an entry once verified never needs verifying again; rebuilding after a
 *   change re-checks only entries not in this file.
 * - `<coop>.report.json`: what the materializer decided, in compact columns (postings as account and
 *   commodity numbers and decimal strings), plus declarations, rejected entries and import keys.
 * This module must not load Automerge (it is the cold-report fast path); CoopStore is a type import.
 * Both record the storage fingerprint they were built at; a report reads them only if it still matches
 * (any document change, from this process, another one or a peer, changes it). Each file carries a
 * SHA-256 of its content; a damaged index is rebuilt, never trusted.
 */
export const INDEX_VERSION = 4;

interface ReportIndex {
  format: 'tallystick-report-index';
  version: number;
  coop: string;
  fingerprint: string;
  coopName: string;
  members: Member[];
  /** Devices that may write to the books under the current roster (active, member's role may `books`). */
  bookWriters: string[];
  /** The roster, proposals and roster changes (governance commands read them; few entries even in a big book). */
  governance: GovernanceSummary;
  lockedThrough?: string;
  accounts: AccountDeclaration[];
  commodities: CommodityDeclaration[];
  accountNames: string[];
  commodityNames: string[];
  txId: string[];
  txDate: string[];
  txDescription: string[];
  /** author time and batch position: with date and id, the ledger order new transactions merge into */
  txAt: string[];
  txN: number[];
  /** index of each transaction's first posting; postings of transaction i are [txStart[i], txStart[i+1]) */
  txStart: number[];
  postingAccount: number[];
  postingCommodity: number[];
  postingQuantity: string[];
  importKeys: string[];
  /** `declarationKey` of every declaration-like entry (account, commodity, price, assertion) present */
  declarationKeys: string[];
  reversedBy: [string, string][];
  rejected: RejectedEntry[];
}

/** What read-only commands see: report input without building transactions, and the book's facts. */
export interface BookView {
  readonly coopName: string;
  readonly members: readonly Member[];
  readonly governance: GovernanceSummary;
  readonly lockedThrough?: IsoDate;
  readonly accounts: readonly AccountDeclaration[];
  readonly commodities: readonly CommodityDeclaration[];
  readonly transactionCount: number;
  readonly rejected: readonly RejectedEntry[];
  readonly importKeys: ReadonlySet<string>;
  readonly declarationKeys: ReadonlySet<string>;
  readonly reversedBy: ReadonlyMap<string, string>;
  readonly transactionIds: ReadonlySet<string>;
  reportInput(): ReportInput;
  /** Every account used or declared, sorted. */
  accountNames(): AccountName[];
}

export function indexPaths(folder: DataFolder, coopId: string): { entries: string; report: string } {
  return { entries: join(folder.indexDir, `${coopId}.entries`), report: join(folder.indexDir, `${coopId}.report.json`) };
}

/**
 * The fast path: the book as of the current storage state, from the index alone (no Automerge load),
 * or undefined when the index is missing, stale or damaged.
 */
/**
 * What a long-running reader (the app's service) may key a cached view on: the storage fingerprint and
 * the index file's size and time. Any document change, from any process or peer, changes the first; a
 * rewritten index the second.
 */
export async function indexStateKey(folder: DataFolder, coopId: string): Promise<string> {
  const fingerprint = await new FileStorageAdapter(folder.storageDir).fingerprint();
  const report = await stat(indexPaths(folder, coopId).report).catch(() => undefined);
  return `${coopId}:${fingerprint}:${report ? `${report.size}:${report.mtimeMs}` : 'none'}`;
}

export async function readCurrentIndex(folder: DataFolder, coopId: string): Promise<BookView | undefined> {
  const index = await readCurrentReportIndex(folder, coopId);
  return index ? viewOfIndex(index) : undefined;
}

/** The index as stored, if current: what a writer extends after appending (see extendIndex). */
export type CurrentIndex = ReportIndex;

export async function readCurrentReportIndex(folder: DataFolder, coopId: string): Promise<CurrentIndex | undefined> {
  const fingerprint = await new FileStorageAdapter(folder.storageDir).fingerprint();
  const index = await readChecked<ReportIndex>(indexPaths(folder, coopId).report);
  if (!index || index.format !== 'tallystick-report-index' || index.version !== INDEX_VERSION || index.coop !== coopId || index.fingerprint !== fingerprint) return undefined;
  return index;
}

/**
 * After this process appended `written` to documents the index matched just before the write, extends
 * the index instead of re-reading and re-materializing everything (a 100k import otherwise pays for the
 * whole book twice). Only for entries that cannot change an earlier decision of the materializer:
 * transactions that reverse nothing, with fresh import keys, by a member device, dated after the lock
 * and not in closed accounts (the writer checked both), plus declarations of new accounts (without a
 * close date) and new commodities, and prices. Returns undefined otherwise; the caller then rebuilds.
 * The result equals what `rebuildIndex` would write (a property test holds the two together).
 */
export async function extendIndex(store: CoopStore, before: CurrentIndex, written: readonly Entry[]): Promise<BookView | undefined> {
  return startIndexExtension(store, before, written).finish();
}

/**
 * `extendIndex` in two steps, so that the work comes while the entries are being written (a 100k import's
 * documents are built on a thread of their own meanwhile): start it with the entries signed, `finish` once
 * they are on disk, or `abandon` it when something else changed the documents too (the caller rebuilds).
 * Starting merges the entries into the index in memory and writes the verified-entries file, which may
 * reach the disk before the documents: it is only a cache of entries whose signatures were checked, looked
 * up by id when reading the documents, so an entry in it that no document holds is never used.
 */
export interface IndexExtension {
  /** The view as of the storage now, its files written; undefined when the entries need a rebuild. */
  finish(): Promise<BookView | undefined>;
  /** Resolves once nothing of the extension is being written (before a rebuild writes the same files). */
  abandon(): Promise<void>;
}

export function startIndexExtension(store: CoopStore, before: CurrentIndex, written: readonly Entry[]): IndexExtension {
  const paths = indexPaths(store.folder, store.coopId);
  const prepare = async () => {
    // Not in the caller's turn: it goes on with its write first (see writeEntries).
    await new Promise((resolve) => { setImmediate(resolve); });
    if (extensionProblem(before, written) !== undefined) return undefined;
    const verifiedBefore = await readVerifiedText(paths.entries);
    if (verifiedBefore === undefined) return undefined;
    const index = mergeIntoIndex(before, written);
    const entriesWritten = writeEntryLines(paths.entries, verifiedBefore === '' ? written : [verifiedBefore, ...written]);
    entriesWritten.catch(() => undefined); // awaited by finish or abandon; this only keeps a failure from being reported as unhandled meanwhile
    return { index, entriesWritten };
  };
  const prepared = prepare();
  prepared.catch(() => undefined);
  return {
    async finish() {
      const ready = await prepared;
      if (ready === undefined) return undefined;
      const fingerprint = await store.storage.fingerprint();
      // The time bank's index moves along: extended by what was written to the time bank (all of it must
      // count, else the books' list of rejected entries would change too), or only restamped.
      if (written.some((entry) => isTimebankKind(entry.body.kind))) {
        const rejected = await extendTimebankIndex(store.folder, store.coopId, { before: before.fingerprint, after: fingerprint, written, roster: before.governance.roster });
        if (rejected === undefined || rejected.length > 0) {
          await ready.entriesWritten;
          return undefined;
        }
      } else {
        await restampTimebankIndex(store.folder, store.coopId, before.fingerprint, fingerprint);
      }
      const index: ReportIndex = { ...ready.index, fingerprint };
      const text = JSON.stringify(index);
      // Either file may reach the disk first: the entries file is only a cache (above), and the report is checked on its own.
      await Promise.all([ready.entriesWritten, writeChecked(paths.report, text)]);
      return viewOfIndex(index);
    },
    async abandon() {
      const ready = await prepared.catch(() => undefined);
      await ready?.entriesWritten.catch(() => undefined);
    },
  };
}

/** Why the entries need a full rebuild, or undefined if appending them to the index is exact. */
export function extensionProblem(before: CurrentIndex, written: readonly Entry[]): string | undefined {
  const devices = new Set(before.bookWriters);
  const importKeys = new Set(before.importKeys);
  const declared = new Set<string>(before.accounts.map((declaration) => declaration.account));
  const symbols = new Set(before.commodities.map((declaration) => declaration.symbol));
  for (const entry of written) {
    const { kind, payload, author, coop } = entry.body;
    if (coop !== before.coop) return 'author or co-op';
    if (isTimebankKind(kind)) continue; // judged by the time bank's extension (extendTimebankIndex)
    if (!devices.has(author)) return 'author or co-op';
    if (kind === 'transaction') {
      const transaction = payload as PayloadOf<'transaction'>;
      if (transaction.reverses !== undefined) return 'a reversal';
      if (transaction.importKey !== undefined) {
        if (importKeys.has(transaction.importKey)) return 'a repeated import key';
        importKeys.add(transaction.importKey);
      }
      if (before.lockedThrough !== undefined && transaction.date <= before.lockedThrough) return 'a locked date';
    } else if (kind === 'account') {
      const account = payload as PayloadOf<'account'>;
      if (account.close !== undefined || declared.has(account.account)) return 'an account change';
      declared.add(account.account);
    } else if (kind === 'commodity') {
      const symbol = (payload as PayloadOf<'commodity'>).symbol;
      if (symbols.has(symbol)) return 'a commodity change';
      symbols.add(symbol);
    } else if (kind !== 'price') {
      return `a ${kind} entry`;
    }
  }
  return undefined;
}

function mergeIntoIndex(before: CurrentIndex, written: readonly Entry[]): ReportIndex {
  // Rows carry names; numbers are given afresh in ledger order, as indexOfBook gives them.
  type Row = { id: string; date: string; at: string; n: number; description: string; postings: [string, string, string][] };
  const rows: Row[] = [];
  const count = before.txId.length;
  for (let tx = 0; tx < count; tx += 1) {
    const end = tx + 1 < count ? before.txStart[tx + 1]! : before.postingAccount.length;
    const postings: [string, string, string][] = [];
    for (let p = before.txStart[tx]!; p < end; p += 1) {
      postings.push([before.accountNames[before.postingAccount[p]!]!, before.commodityNames[before.postingCommodity[p]!]!, before.postingQuantity[p]!]);
    }
    rows.push({ id: before.txId[tx]!, date: before.txDate[tx]!, at: before.txAt[tx]!, n: before.txN[tx]!, description: before.txDescription[tx]!, postings });
  }
  const index: ReportIndex = { ...before, accounts: [...before.accounts], commodities: [...before.commodities], importKeys: [...before.importKeys], declarationKeys: [...before.declarationKeys] };
  for (const entry of written) {
    const { kind, payload } = entry.body;
    if (isTimebankKind(kind)) continue; // the time bank's own index holds them
    if (kind === 'transaction') {
      const transaction = payload as PayloadOf<'transaction'>;
      if (transaction.importKey !== undefined) index.importKeys.push(transaction.importKey);
      rows.push({
        id: entry.id, date: transaction.date, at: entry.body.at, n: entry.body.n,
        description: displayDescription(transaction),
        postings: transaction.postings.map((posting) => [posting.account, posting.amount[0], normalDecimalText(posting.amount[1])]),
      });
      continue;
    }
    index.declarationKeys.push(declarationKey(kind, payload));
    if (kind === 'account') index.accounts.push(withoutUndefinedFields(payload as AccountDeclaration));
    if (kind === 'commodity') index.commodities.push(withoutUndefinedFields(payload as CommodityDeclaration));
  }
  index.accounts = sortedDeclarations(index.accounts);
  index.commodities = sortedCommodities(index.commodities);
  rows.sort((a, b) => compareText(a.date, b.date) || compareText(a.at, b.at) || a.n - b.n || compareText(a.id, b.id));
  const accountNumbers = new Map<string, number>();
  const commodityNumbers = new Map<string, number>();
  Object.assign(index, { txId: [], txDate: [], txDescription: [], txAt: [], txN: [], txStart: [], postingAccount: [], postingCommodity: [], postingQuantity: [] });
  for (const row of rows) {
    index.txId.push(row.id); index.txDate.push(row.date); index.txDescription.push(row.description);
    index.txAt.push(row.at); index.txN.push(row.n); index.txStart.push(index.postingAccount.length);
    for (const [account, commodity, quantity] of row.postings) {
      index.postingAccount.push(numberOf(accountNumbers, account));
      index.postingCommodity.push(numberOf(commodityNumbers, commodity));
      index.postingQuantity.push(quantity);
    }
  }
  index.accountNames = [...accountNumbers.keys()];
  index.commodityNames = [...commodityNumbers.keys()];
  return index;
}

/** Devices whose entries to the books count under the roster after every control entry. */
function bookWritersOf(book: Book): string[] {
  const roster = book.governance.roster;
  const booksRoles = new Set(roster.roles.filter((role) => role.may.includes('books')).map((role) => role.name));
  return roster.members
    .filter((member) => !member.removed && booksRoles.has(member.role))
    .flatMap((member) => member.devices)
    .sort();
}

/** The number of a name in a table of names, given in first-seen order. */
function numberOf(numbers: Map<string, number>, name: string): number {
  let value = numbers.get(name);
  if (value === undefined) {
    value = numbers.size;
    numbers.set(name, value);
  }
  return value;
}

function sortedDeclarations(declarations: AccountDeclaration[]): AccountDeclaration[] {
  return declarations.sort((a, b) => compareText(a.account, b.account));
}

function sortedCommodities(declarations: CommodityDeclaration[]): CommodityDeclaration[] {
  return declarations.sort((a, b) => compareText(a.symbol, b.symbol));
}

function withoutUndefinedFields<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * Loads every entry from the documents (re-verifying only entries not verified before), materializes
 * the book, and rewrites the index at the current fingerprint. `trusted` are entries this process
 * just signed (no need to verify its own signatures).
 */
export async function rebuildIndex(store: CoopStore, options: {
  trusted?: readonly Entry[]; onProgress?: (done: number, total: number) => void;
  /**
   * The fingerprint taken before the store was opened, when another process (a running peer) may write
   * to the folder meanwhile: the catalog was read at open, so an index marked with a later fingerprint
   * could claim changes it never read. Marked with the earlier one it is at worst rebuilt once more.
   */
  fingerprintBeforeOpen?: string;
} = {}): Promise<{ book: Book; view: BookView }> {
  const paths = indexPaths(store.folder, store.coopId);
  const knownGood = await readVerifiedEntries(paths.entries);
  for (const entry of options.trusted ?? []) knownGood.set(entry.id, entry);
  const fingerprint = options.fingerprintBeforeOpen ?? await store.storage.fingerprint();
  const read = await store.readEntries({ knownGood, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const book = materialize(read);
  const index = indexOfBook(book, store.coopId, fingerprint);
  index.declarationKeys = read.entries
    .filter((entry) => DECLARATION_KINDS.has(entry.body.kind))
    .map((entry) => declarationKey(entry.body.kind, entry.body.payload));
  await writeEntryLines(paths.entries, read.entries);
  await writeChecked(paths.report, JSON.stringify(index));
  await writeTimebankIndex(store.folder, store.coopId, book.timebank, fingerprint);
  return { book, view: viewOfIndex(index) };
}

/** The verified-entries file's lines, '' if there is none, undefined if it is damaged (verify everything again). */
async function readVerifiedText(path: string): Promise<string | undefined> {
  return readEntryLines(path);
}

/** Entries this device verified before (the index's entries file), by id: what `readEntries` need not check again. */
export async function readVerifiedEntries(path: string): Promise<Map<string, Entry>> {
  const text = await readVerifiedText(path);
  const entries = new Map<string, Entry>();
  if (typeof text !== 'string' || text.length === 0) return entries;
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const stored = { sig: line.slice(0, tab), text: line.slice(tab + 1) };
    const id = crypto.sha256Hex(stored.text) as EntryId;
    // The file is ours and checksummed; we trust the signature check made when it was written.
    const body = JSON.parse(stored.text) as Entry['body'];
    entries.set(id, { id, body, stored });
  }
  return entries;
}

function indexOfBook(book: Book, coopId: string, fingerprint: string): ReportIndex {
  const accountNumbers = new Map<string, number>();
  const commodityNumbers = new Map<string, number>();
  const index: ReportIndex = {
    format: 'tallystick-report-index', version: INDEX_VERSION, coop: coopId, fingerprint,
    coopName: book.coopName, members: [...book.members], bookWriters: bookWritersOf(book),
    governance: { roster: book.governance.roster, proposals: [...book.governance.proposals], changes: [...book.governance.changes] },
    ...(book.lockedThrough ? { lockedThrough: book.lockedThrough } : {}),
    accounts: sortedDeclarations([...book.accounts.values()]), commodities: sortedCommodities([...book.commodities.values()]),
    accountNames: [], commodityNames: [], txId: [], txDate: [], txDescription: [], txAt: [], txN: [], txStart: [],
    postingAccount: [], postingCommodity: [], postingQuantity: [],
    importKeys: [], declarationKeys: [], reversedBy: [...book.reversedBy], rejected: [...book.rejected],
  };
  for (const recorded of book.transactions) {
    const { transaction } = recorded;
    index.txId.push(recorded.id);
    index.txDate.push(transaction.date);
    index.txDescription.push(displayDescription(transaction));
    index.txAt.push(recorded.at);
    index.txN.push(recorded.n);
    index.txStart.push(index.postingAccount.length);
    if (recorded.importKey) index.importKeys.push(recorded.importKey);
    for (const posting of transaction.postings) {
      index.postingAccount.push(numberOf(accountNumbers, posting.account));
      index.postingCommodity.push(numberOf(commodityNumbers, posting.amount.commodity));
      index.postingQuantity.push(posting.amount.quantity.toString());
    }
  }
  index.accountNames = [...accountNumbers.keys()];
  index.commodityNames = [...commodityNumbers.keys()];
  return index;
}

function viewOfIndex(index: ReportIndex): BookView {
  const accounts = index.accountNames as AccountName[];
  const commodities = index.commodityNames;
  // The sets of a 100k book's keys and ids are made when first asked for: most commands (a report, the
  // end of an import) never ask, and making them cost ~50 ms.
  let importKeys: ReadonlySet<string> | undefined;
  let declarationKeys: ReadonlySet<string> | undefined;
  let reversedBy: ReadonlyMap<string, string> | undefined;
  let transactionIds: ReadonlySet<string> | undefined;
  return {
    coopName: index.coopName,
    members: index.members,
    governance: index.governance,
    ...(index.lockedThrough ? { lockedThrough: index.lockedThrough as IsoDate } : {}),
    accounts: index.accounts,
    commodities: index.commodities,
    transactionCount: index.txId.length,
    rejected: index.rejected,
    get importKeys() { return importKeys ??= new Set(index.importKeys); },
    get declarationKeys() { return declarationKeys ??= new Set(index.declarationKeys); },
    get reversedBy() { return reversedBy ??= new Map(index.reversedBy); },
    get transactionIds() { return transactionIds ??= new Set(index.txId); },
    reportInput: () => ({
      accountTypes: declaredAccountTypes(index.accounts),
      postings: {
        *[Symbol.iterator](): Iterator<ReportPosting> {
          const count = index.txId.length;
          for (let tx = 0; tx < count; tx += 1) {
            const end = tx + 1 < count ? index.txStart[tx + 1]! : index.postingAccount.length;
            const date = index.txDate[tx] as IsoDate;
            const transactionId = index.txId[tx]!;
            const description = index.txDescription[tx]!;
            for (let p = index.txStart[tx]!; p < end; p += 1) {
              const account = accounts[index.postingAccount[p]!];
              const commodity = commodities[index.postingCommodity[p]!];
              assert(account !== undefined && commodity !== undefined, 'index posting refers to an unknown account or commodity');
              yield { date, account, amount: { commodity, quantity: Decimal.parse(index.postingQuantity[p]!) }, transactionId, description };
            }
          }
        },
      },
    }),
    accountNames: () => [...new Set([...accounts, ...index.accounts.map((declaration) => declaration.account)])].sort(),
  };
}

const DECLARATION_KINDS: ReadonlySet<string> = new Set(['account', 'commodity', 'price', 'assertion']);

/** Identifies a declaration by its content, so that importing the same directives twice adds nothing. */
export function declarationKey(kind: string, payload: unknown): string {
  return crypto.sha256Hex(`${kind}\u0000${canonicalJson(payload)}`);
}
