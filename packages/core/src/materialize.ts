import { type AccountName, type AccountType } from './account.js';
import { type AccountDeclaration, type Book, type CommodityDeclaration, type DatedAssertion, type Member, type PriceRecord, type RecordedTransaction, type RejectedEntry } from './book.js';
import { type IsoDate } from './date.js';
import { type Entry, type EntryBody, type EntryId, isControlKind } from './entry.js';
import { assert } from './errors.js';
import { deriveRoster } from './governance/derive-roster.js';
import { isFederationKind } from './credit/payloads.js';
import { decodeAmount, decodeTransaction } from './payloads.js';
import { type Transaction, isBalanced, transactionResidual } from './transaction.js';
import { formatAmountPlain } from './amount.js';
import { materializeTimebank } from './timebank/materialize-timebank.js';
import { isTimebankKind } from './timebank/payloads.js';
import { emptyTimebank } from './timebank/records.js';

/**
 * The materializer: from every entry found in a co-op's documents (already hash- and signature-checked
 * by `checkStoredEntry`), decides deterministically which count, and builds the Book that reports read.
 * The result does not depend on the order entries are given in.
 */
export interface MaterializeInput {
  /** Id of the co-op's genesis entry, as recorded in its catalog document. */
  readonly genesisId: EntryId;
  readonly entries: Iterable<Entry>;
  /** Entries that failed `checkStoredEntry` (bad signature, tampered, malformed). */
  readonly unverified?: Iterable<RejectedEntry>;
}

export function materialize(input: MaterializeInput): Book {
  const rejected: RejectedEntry[] = [...(input.unverified ?? [])];
  const reject = (entry: Entry, code: string, reason: string) => rejected.push({ id: entry.id, kind: entry.body.kind, code, reason });
  // The same entry read twice (a replayed batch, two documents holding it) is one entry: its id is its text's hash.
  const entries = [...new Map([...input.entries].map((entry) => [entry.id, entry])).values()].sort(compareEntries);
  const genesis = entries.find((entry) => entry.id === input.genesisId);
  if (!genesis || genesis.body.kind !== 'genesis') {
    for (const entry of entries) reject(entry, 'no_genesis', 'the co-op\'s genesis entry is missing, so no author can be checked');
    return emptyBook(rejected);
  }
  const genesisBody = genesis.body as EntryBody<'genesis'>;
  const control: Entry[] = [];
  const ordinary: Entry[] = [];
  const timebank: Entry[] = [];

  for (const entry of entries) {
    const problem = envelopeProblem(entry, genesis as Entry<'genesis'>);
    if (problem) { reject(entry, problem.code, problem.reason); continue; }
    if (entry.body.kind === 'genesis') continue;
    if (isFederationKind(entry.body.kind)) { reject(entry, 'not_a_book_entry', `a ${entry.body.kind} entry belongs in a federation's documents, not in a co-op's books`); continue; }
    if (isControlKind(entry.body.kind)) control.push(entry);
    else if (isTimebankKind(entry.body.kind)) timebank.push(entry);
    else ordinary.push(entry);
  }
  // Who may write what, at each basis: the roster derived from the control entries (governance/README.md).
  const governance = deriveRoster({ genesis: genesis as Entry<'genesis'>, control });
  for (const refused of governance.rejected) reject(refused.entry, refused.code, refused.reason);

  const builder = new BookBuilder();
  for (const entry of ordinary) {
    const check = governance.checkAuthor(entry.body.basis, entry.body.author, entry.body.kind);
    if (!check.ok) { reject(entry, check.code, check.reason); continue; }
    const problem = builder.add(entry, check.lockThrough);
    if (problem) reject(entry, problem.code, problem.reason);
  }
  builder.finishReversalsAndClosures(reject);
  // The time bank is judged apart: its entries never touch the books, and the books never touch it.
  const hours = materializeTimebank(governance, genesisBody.payload, timebank);
  rejected.push(...hours.rejected);
  const roster = governance.roster();
  return {
    coopName: genesisBody.payload.name,
    members: roster.members.filter((member) => !member.removed).map((member) => ({ name: member.name, devices: member.devices, role: member.role })),
    transactions: builder.transactions,
    accounts: builder.accounts,
    commodities: builder.commodities,
    prices: builder.prices.sort((a, b) => compareText(a.date, b.date) || compareText(a.commodity, b.commodity)),
    assertions: builder.assertions.sort((a, b) => compareText(a.date, b.date) || compareText(a.id, b.id)),
    locks: governance.locks(),
    ...(roster.lockedThrough ? { lockedThrough: roster.lockedThrough } : {}),
    reversedBy: builder.reversedBy,
    governance: { roster, proposals: governance.proposals(), changes: governance.changes() },
    timebank: hours.book,
    rejected: rejected.sort((a, b) => compareText(a.id, b.id)),
  };
}

function envelopeProblem(entry: Entry, genesis: Entry<'genesis'>): { code: string; reason: string } | undefined {
  if (entry.body.coop !== genesis.body.coop) return { code: 'wrong_coop', reason: `entry belongs to co-op ${entry.body.coop}, not ${genesis.body.coop}` };
  if (entry.body.kind === 'genesis' && entry.id !== genesis.id) return { code: 'second_genesis', reason: 'a co-op has exactly one genesis entry; this is another' };
  // The genesis founds the roster, so it is checked against its own members (and still founds it if not).
  if (entry.id === genesis.id && !genesis.body.payload.members.some((member) => member.devices.includes(entry.body.author))) {
    return { code: 'not_a_member_device', reason: `author device ${entry.body.author.slice(0, 16)}… is not a device of any member` };
  }
  return undefined;
}

/** Ledger order: date, then the author's time, then position within a batch, then id. Total and deterministic. */
export function compareEntries(a: Entry, b: Entry): number {
  return compareText(entryDate(a), entryDate(b)) || compareText(a.body.at, b.body.at) || a.body.n - b.body.n || compareText(a.id, b.id);
}

function entryDate(entry: Entry): string {
  const payload = entry.body.payload as { date?: string; open?: string };
  return payload.date ?? payload.open ?? '';
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class BookBuilder {
  readonly transactions: RecordedTransaction[] = [];
  readonly accounts = new Map<AccountName, AccountDeclaration>();
  readonly commodities = new Map<string, CommodityDeclaration>();
  readonly prices: PriceRecord[] = [];
  readonly assertions: DatedAssertion[] = [];
  readonly reversedBy = new Map<EntryId, EntryId>();
  private readonly importKeys = new Map<string, EntryId>();
  private readonly byId = new Map<EntryId, RecordedTransaction>();

  /** Entries arrive in ledger order, so the first of two duplicates is the one that counts. */
  add(entry: Entry, lockThrough: string): { code: string; reason: string } | undefined {
    const body = entry.body;
    const dated = (body.payload as { date?: string }).date;
    if (dated !== undefined && lockThrough !== '' && dated <= lockThrough) {
      return { code: 'period_locked', reason: `dated ${dated}, on or before the lock date ${lockThrough} its author had seen` };
    }
    switch (body.kind) {
      case 'transaction': return this.addTransaction(entry as Entry<'transaction'>);
      case 'account': return this.addAccount(entry as Entry<'account'>);
      case 'commodity': {
        const payload = (entry as Entry<'commodity'>).body.payload;
        this.commodities.set(payload.symbol, { ...payload });
        return undefined;
      }
      case 'price': {
        const payload = (entry as Entry<'price'>).body.payload;
        this.prices.push({ date: payload.date as IsoDate, commodity: payload.commodity, price: decodeAmount(payload.price) });
        return undefined;
      }
      case 'assertion': {
        const payload = (entry as Entry<'assertion'>).body.payload;
        this.assertions.push({ id: entry.id, date: payload.date as IsoDate, account: payload.account as AccountName, amount: decodeAmount(payload.amount) });
        return undefined;
      }
      default:
        assert(false, `materialize: unexpected ordinary kind ${body.kind}`);
    }
  }

  private addTransaction(entry: Entry<'transaction'>): { code: string; reason: string } | undefined {
    const payload = entry.body.payload;
    let transaction: Transaction;
    try {
      transaction = decodeTransaction(payload);
    } catch (error) {
      return { code: 'malformed_entry', reason: `transaction does not decode: ${(error as Error).message}` };
    }
    if (!isBalanced(transaction)) {
      return { code: 'unbalanced_transaction', reason: `postings sum to ${transactionResidual(transaction.postings).amounts().map(formatAmountPlain).join(', ')}, not zero` };
    }
    if (payload.importKey !== undefined) {
      const first = this.importKeys.get(payload.importKey);
      if (first) return { code: 'duplicate_import', reason: `the same imported transaction is already recorded as ${first.slice(0, 12)}…` };
      this.importKeys.set(payload.importKey, entry.id);
    }
    const recorded: RecordedTransaction = {
      id: entry.id, author: entry.body.author, at: entry.body.at, n: entry.body.n, transaction,
      ...(payload.reverses ? { reverses: payload.reverses as EntryId } : {}),
      ...(payload.importKey ? { importKey: payload.importKey } : {}),
    };
    this.transactions.push(recorded);
    this.byId.set(entry.id, recorded);
    return undefined;
  }

  private addAccount(entry: Entry<'account'>): undefined {
    const payload = entry.body.payload;
    const account = payload.account as AccountName;
    // Later declarations refine earlier ones (an open, then a close), field by field.
    const previous = this.accounts.get(account);
    this.accounts.set(account, {
      ...previous,
      account,
      ...(payload.open ? { open: payload.open as IsoDate } : {}),
      ...(payload.close ? { close: payload.close as IsoDate } : {}),
      ...(payload.type ? { type: payload.type as AccountType } : {}),
      ...(payload.commodities ? { commodities: payload.commodities } : {}),
      ...(payload.note ? { note: payload.note } : {}),
      ...(payload.metadata ? { metadata: payload.metadata } : {}),
    });
    return undefined;
  }

  /**
   * Reversals need the whole set: a reversal must mirror a transaction that counts, and only the first
   * reversal of a transaction counts. Postings dated after their account's close date do not count.
   */
  finishReversalsAndClosures(reject: (entry: Entry, code: string, reason: string) => void): void {
    // A reversal may be dated before its original (or share its date with an earlier author time), so
    // decide originals before their reversals: by depth in the reversal chain, then in ledger order.
    // Ledger order alone would let a reversal count whose original is rejected later in the loop.
    const decisionOrder = this.transactions
      .map((recorded, position) => ({ recorded, position, depth: this.reversalDepth(recorded) }))
      .sort((a, b) => a.depth - b.depth || a.position - b.position);
    const refused = new Set<EntryId>();
    for (const { recorded } of decisionOrder) {
      const problem = this.reversalProblem(recorded) ?? this.closedAccountProblem(recorded);
      if (problem) {
        reject({ id: recorded.id, body: { kind: 'transaction' } } as Entry, problem.code, problem.reason);
        this.byId.delete(recorded.id);
        refused.add(recorded.id);
        continue;
      }
      if (recorded.reverses) this.reversedBy.set(recorded.reverses, recorded.id);
    }
    const kept = this.transactions.filter((recorded) => !refused.has(recorded.id));
    this.transactions.length = 0;
    this.transactions.push(...kept);
  }

  /** How many reversals lie between a transaction and the first original of its chain (0 for a plain one). */
  private reversalDepth(recorded: RecordedTransaction): number {
    let depth = 0;
    // A reversal names its original by the hash of the original's text, so chains cannot loop; the bound is a guard.
    for (let current = recorded; current.reverses && depth <= this.transactions.length; depth += 1) {
      const original = this.byId.get(current.reverses);
      if (!original) return depth + 1;
      current = original;
    }
    return depth;
  }

  private reversalProblem(recorded: RecordedTransaction): { code: string; reason: string } | undefined {
    if (!recorded.reverses) return undefined;
    const original = this.byId.get(recorded.reverses);
    if (!original) return { code: 'reverses_unknown', reason: `reverses ${recorded.reverses.slice(0, 12)}…, which is not a transaction that counts` };
    const earlier = this.reversedBy.get(recorded.reverses);
    if (earlier) return { code: 'already_reversed', reason: `${recorded.reverses.slice(0, 12)}… is already reversed by ${earlier.slice(0, 12)}…` };
    if (!mirrors(recorded.transaction, original.transaction)) return { code: 'reversal_mismatch', reason: 'a reversal must negate every posting of the original, in the same accounts' };
    return undefined;
  }

  private closedAccountProblem(recorded: RecordedTransaction): { code: string; reason: string } | undefined {
    for (const posting of recorded.transaction.postings) {
      const close = this.accounts.get(posting.account)?.close;
      if (close !== undefined && recorded.transaction.date > close) {
        return { code: 'account_closed', reason: `posts to ${posting.account}, closed on ${close}` };
      }
    }
    return undefined;
  }
}

function mirrors(reversal: Transaction, original: Transaction): boolean {
  if (reversal.postings.length !== original.postings.length) return false;
  return reversal.postings.every((posting, index) => {
    const other = original.postings[index]!;
    return posting.account === other.account
      && posting.amount.commodity === other.amount.commodity
      && posting.amount.quantity.equals(other.amount.quantity.negate());
  });
}

function emptyBook(rejected: RejectedEntry[]): Book {
  return {
    coopName: '', members: [], transactions: [], accounts: new Map(), commodities: new Map(), prices: [],
    assertions: [], locks: [], reversedBy: new Map(), rejected,
    governance: { roster: { members: [], roles: [], rule: { kind: 'majority' } }, proposals: [], changes: [] },
    timebank: emptyTimebank(),
  };
}

export type { Member };
