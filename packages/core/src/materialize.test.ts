import { type KeyObject, createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountName, type AccountType, inferAccountType } from './account.js';
import { type Amount, MixedAmount } from './amount.js';
import { type Book, type RejectedEntry } from './book.js';
import { type IsoDate, addDays } from './date.js';
import { Decimal } from './decimal.js';
import {
  type CoopId, type DeviceKey, type Entry, type EntryBody, type EntryCrypto, type EntrySigner, type StoredEntry, checkStoredEntry, createEntry,
} from './entry.js';
import { parseBeancount } from './formats/beancount/parse-beancount.js';
import { writeBeancount } from './formats/beancount/write-beancount.js';
import { parseJournal } from './formats/journal/parse-journal.js';
import { writeJournal } from './formats/journal/write-journal.js';
import { materialize } from './materialize.js';
import { encodeAmount, encodeTransaction } from './payloads.js';
import { balanceReport } from './reports/balance.js';
import { balanceSheetReport, incomeStatementReport } from './reports/financial-statements.js';
import { registerReport } from './reports/register.js';
import { postingsOfBook, reportInputOfBook } from './reports/report-input.js';
import { trialBalanceReport } from './reports/trial-balance.js';
import { type Posting, type Transaction, reverseTransaction } from './transaction.js';

/*
 * The materializer decides which signed entries count. These tests sign real entries with Ed25519
 * (node:crypto, deterministic keys), check them as a peer reading documents would (checkStoredEntry),
 * and compare what materialize decides with a small model of the rules written from the spec.
 */

// ---------------------------------------------------------------- crypto (node:crypto behind core's ports)

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const publicKeys = new Map<string, KeyObject | null>();

const testCrypto: EntryCrypto = {
  sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
  verify: (publicKeyHex, message, signatureHex) => {
    let key = publicKeys.get(publicKeyHex);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
      } catch {
        key = null; // not a curve point: nothing verifies under it
      }
      publicKeys.set(publicKeyHex, key);
    }
    return key !== null && verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureHex, 'hex'));
  },
};

/** A device whose Ed25519 key is derived from its name, so every run signs the same bytes. */
function device(name: string): EntrySigner {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, createHash('sha256').update(name).digest()]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length).toString('hex') as DeviceKey;
  return { publicKey, sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('hex') };
}

const ALICE = device('alice');
const BOB = device('bob');
const MALLORY = device('mallory');
const AUTHORS = [ALICE, BOB] as const;
const COOP = '0123456789abcdef0123456789abcdef' as CoopId;
const OTHER_COOP = 'fedcba9876543210fedcba9876543210' as CoopId;

const GENESIS = createEntry({
  kind: 'genesis', coop: COOP, at: '2024-01-01T00:00:00.000Z', n: 0, basis: [],
  payload: { name: 'Riverside Bakery', members: [{ name: 'Alice', devices: [ALICE.publicKey] }, { name: 'Bob', devices: [BOB.publicKey] }] },
}, ALICE, testCrypto);

// ---------------------------------------------------------------- books as a list of steps

const ACCOUNTS = ['assets:bank:checking', 'assets:cash box', 'expenses:food', 'expenses:food:drinks', 'income:sales', 'liabilities:loans', 'equity:opening'] as AccountName[];
const COMMODITIES = [{ symbol: 'EUR', scale: 2 }, { symbol: 'JPY', scale: 0 }, { symbol: 'VFUND', scale: 3 }, { symbol: '$', scale: 2 }] as const;
const START = '2024-01-01' as IsoDate;

interface Leg {
  readonly from: number;
  readonly to: number;
  readonly commodity: number;
  readonly units: bigint;
  readonly negative: boolean;
  readonly price?: { readonly kind: 'unit' | 'total'; readonly commodityOffset: number; readonly units: bigint; readonly scale: number };
}

/** What the generator writes; `seen` is how many of the locks written so far the author had seen (its basis). */
type Step =
  | { readonly kind: 'transaction'; readonly author: number; readonly day: number; readonly legs: readonly Leg[]; readonly unbalanced: boolean; readonly seen: number; readonly at: number; readonly n: number }
  | { readonly kind: 'reverse'; readonly author: number; readonly target: number; readonly offset: number; readonly seen: number; readonly at: number }
  | { readonly kind: 'lock'; readonly author: number; readonly day: number; readonly seen: number; readonly at: number }
  | { readonly kind: 'forged'; readonly how: 'bad_signature' | 'wrong_coop' | 'unknown_author'; readonly day: number; readonly legs: readonly Leg[]; readonly at: number }
  | { readonly kind: 'account'; readonly account: number; readonly typed: boolean; readonly note: boolean; readonly at: number }
  | { readonly kind: 'commodity'; readonly commodity: number; readonly at: number }
  | { readonly kind: 'price'; readonly author: number; readonly day: number; readonly units: bigint; readonly seen: number; readonly at: number };

/** What the model needs to know about each entry written. */
interface Written {
  readonly id: string;
  readonly kind: EntryBody['kind'];
  readonly at: string;
  readonly n: number;
  readonly date?: string;
  /** The latest lock date among the locks in the entry's basis ('' for none). */
  readonly lockThrough: string;
  readonly forged?: string;
  readonly unbalanced?: boolean;
  readonly reverses?: string;
  readonly transaction?: Transaction;
}

interface Scenario {
  readonly stored: { id: string; stored: StoredEntry }[];
  readonly written: Written[];
}

function postingsOfLeg(leg: Leg): Posting[] {
  const account = ACCOUNTS[leg.from]!;
  const other = ACCOUNTS[leg.to]!;
  const commodity = COMMODITIES[leg.commodity]!;
  const quantity = Decimal.of(leg.negative ? -leg.units : leg.units, commodity.scale);
  if (!leg.price) {
    return [
      { account, amount: { commodity: commodity.symbol, quantity } },
      { account: other, amount: { commodity: commodity.symbol, quantity: quantity.negate() } },
    ];
  }
  const priceCommodity = COMMODITIES[(leg.commodity + 1 + leg.price.commodityOffset) % COMMODITIES.length]!.symbol;
  const price = Decimal.of(leg.price.units, leg.price.scale);
  const weight = leg.price.kind === 'unit' ? quantity.multiply(price) : (leg.negative ? price.negate() : price);
  return [
    { account, amount: { commodity: commodity.symbol, quantity }, price: { kind: leg.price.kind, amount: { commodity: priceCommodity, quantity: price } } },
    { account: other, amount: { commodity: priceCommodity, quantity: weight.negate() } },
  ];
}

function transactionOf(date: IsoDate, description: string, legs: readonly Leg[], unbalanced: boolean): Transaction {
  const postings = legs.flatMap(postingsOfLeg);
  if (unbalanced) {
    // One unit of the last decimal place too much on the last posting.
    const last = postings[postings.length - 1]!;
    const scale = COMMODITIES.find((commodity) => commodity.symbol === last.amount.commodity)?.scale ?? 0;
    postings[postings.length - 1] = { ...last, amount: { ...last.amount, quantity: last.amount.quantity.add(Decimal.of(1n, scale)) } };
  }
  return { date, status: '*', description, tags: [], links: [], metadata: {}, postings };
}

const atOf = (seconds: number) => `2024-07-01T00:${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}.000Z`;

/** Signs every step as its author would, in order; forged steps are spoiled the way each attack would. */
function buildScenario(steps: readonly Step[]): Scenario {
  const stored: Scenario['stored'] = [{ id: GENESIS.id, stored: GENESIS.stored }];
  const written: Written[] = [];
  const locks: { id: string; through: string }[] = [];
  const transactions: Written[] = [];
  const basisOf = (seen: number) => {
    const visible = locks.slice(0, Math.min(seen, locks.length));
    return { basis: [GENESIS.id, ...visible.map((lock) => lock.id)], lockThrough: visible.reduce((latest, lock) => (lock.through > latest ? lock.through : latest), '') };
  };
  const sign = <K extends EntryBody['kind']>(kind: K, payload: EntryBody<K>['payload'], options: { author?: EntrySigner; coop?: CoopId; at: string; n?: number; basis: string[] }) =>
    createEntry({ kind, coop: options.coop ?? COOP, at: options.at, n: options.n ?? 0, basis: options.basis, payload } as Omit<EntryBody<K>, 'v' | 'author'>, options.author ?? ALICE, testCrypto);

  steps.forEach((step, index) => {
    const at = atOf(step.at);
    switch (step.kind) {
      case 'transaction': {
        const { basis, lockThrough } = basisOf(step.seen);
        const transaction = transactionOf(addDays(START, step.day), `t${index}`, step.legs, step.unbalanced);
        const entry = sign('transaction', encodeTransaction(transaction), { author: AUTHORS[step.author]!, at, n: step.n, basis });
        const record: Written = { id: entry.id, kind: 'transaction', at, n: step.n, date: transaction.date, lockThrough, unbalanced: step.unbalanced, transaction };
        stored.push({ id: entry.id, stored: entry.stored });
        written.push(record);
        transactions.push(record);
        return;
      }
      case 'reverse': {
        // Counted back from the latest transaction, so that reversals of reversals are common.
        const original = transactions[transactions.length - 1 - (step.target % Math.max(1, transactions.length))];
        if (!original) return;
        const { basis, lockThrough } = basisOf(step.seen);
        const reversal = reverseTransaction(original.transaction!, addDays(original.transaction!.date, step.offset), `undo t${index}`);
        const entry = sign('transaction', encodeTransaction(reversal, { reverses: original.id }), { author: AUTHORS[step.author]!, at, basis });
        const record: Written = { id: entry.id, kind: 'transaction', at, n: 0, date: reversal.date, lockThrough, unbalanced: original.unbalanced === true, reverses: original.id, transaction: reversal };
        stored.push({ id: entry.id, stored: entry.stored });
        written.push(record);
        transactions.push(record);
        return;
      }
      case 'lock': {
        const { basis } = basisOf(step.seen);
        const through = addDays(START, step.day);
        const entry = sign('lock', { through }, { author: AUTHORS[step.author]!, at, basis });
        stored.push({ id: entry.id, stored: entry.stored });
        written.push({ id: entry.id, kind: 'lock', at, n: 0, lockThrough: '' });
        locks.push({ id: entry.id, through });
        return;
      }
      case 'forged': {
        const transaction = transactionOf(addDays(START, step.day), `forged ${index}`, step.legs, false);
        const entry = sign('transaction', encodeTransaction(transaction), {
          at, basis: [GENESIS.id],
          ...(step.how === 'unknown_author' ? { author: MALLORY } : {}),
          ...(step.how === 'wrong_coop' ? { coop: OTHER_COOP } : {}),
        });
        const expected = { bad_signature: 'bad_signature', wrong_coop: 'wrong_coop', unknown_author: 'not_a_member_device' }[step.how];
        // A signature over other bytes: valid hex of the right length, verifying nothing.
        const sig = step.how === 'bad_signature' ? ALICE.sign(`${entry.stored.text} `) : entry.stored.sig;
        stored.push({ id: entry.id, stored: { text: entry.stored.text, sig } });
        const record: Written = { id: entry.id, kind: 'transaction', at, n: 0, date: transaction.date, lockThrough: '', forged: expected, transaction };
        written.push(record);
        transactions.push(record);
        return;
      }
      case 'account': {
        const account = ACCOUNTS[step.account]!;
        const payload = { account, ...(step.typed ? { type: inferAccountType(account) as AccountType } : {}), ...(step.note ? { note: 'kept by the treasurer' } : {}) };
        const entry = sign('account', payload, { at, basis: [GENESIS.id] });
        stored.push({ id: entry.id, stored: entry.stored });
        written.push({ id: entry.id, kind: 'account', at, n: 0, lockThrough: '' });
        return;
      }
      case 'commodity': {
        const commodity = COMMODITIES[step.commodity]!;
        const entry = sign('commodity', { symbol: commodity.symbol, precision: commodity.scale }, { at, basis: [GENESIS.id] });
        stored.push({ id: entry.id, stored: entry.stored });
        written.push({ id: entry.id, kind: 'commodity', at, n: 0, lockThrough: '' });
        return;
      }
      case 'price': {
        const { basis, lockThrough } = basisOf(step.seen);
        const date = addDays(START, step.day);
        const entry = sign('price', { date, commodity: 'VFUND', price: encodeAmount({ commodity: 'EUR', quantity: Decimal.of(step.units, 2) }) }, { author: AUTHORS[step.author]!, at, basis });
        stored.push({ id: entry.id, stored: entry.stored });
        written.push({ id: entry.id, kind: 'price', at, n: 0, date, lockThrough });
        return;
      }
    }
  });
  return { stored, written };
}

/** What a peer does with what it reads: check every stored entry, then materialize. */
function materializeStored(stored: readonly { id: string; stored: StoredEntry }[]): Book {
  const entries: Entry[] = [];
  const unverified: RejectedEntry[] = [];
  for (const { id, stored: text } of stored) {
    const check = checkStoredEntry(id, text, testCrypto);
    if (check.ok) entries.push(check.entry);
    else unverified.push({ id, code: check.code, reason: check.reason });
  }
  return materialize({ genesisId: GENESIS.id, entries, unverified });
}

// ---------------------------------------------------------------- the model

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Ledger order as the Book documents it: date, then the author's time, then batch position, then id. */
const ledgerOrder = (a: Written, b: Written) => compareText(a.date ?? '', b.date ?? '') || compareText(a.at, b.at) || a.n - b.n || compareText(a.id, b.id);

/**
 * The rules, from the spec: forged entries never count; an entry dated on or before a lock in its basis
 * is period_locked; a transaction must balance; a reversal counts only if its original counts and no
 * reversal before it (in ledger order) of the same original counts.
 */
function expectedOutcomes(written: readonly Written[]): Map<string, string> {
  const outcome = new Map<string, string>();
  for (const entry of written) {
    if (entry.forged) outcome.set(entry.id, entry.forged);
    else if (entry.date !== undefined && entry.lockThrough !== '' && entry.date <= entry.lockThrough) outcome.set(entry.id, 'period_locked');
    else if (entry.unbalanced) outcome.set(entry.id, 'unbalanced_transaction');
    else if (entry.kind !== 'transaction') outcome.set(entry.id, 'accepted');
  }
  const candidates = written.filter((entry) => !outcome.has(entry.id)).sort(ledgerOrder);
  const byId = new Map(candidates.map((entry) => [entry.id, entry]));
  const position = new Map(candidates.map((entry, index) => [entry.id, index]));
  const reversedBy = new Map<string, string>();
  const decide = (entry: Written): string => {
    const known = outcome.get(entry.id);
    if (known) return known;
    let result = 'accepted';
    if (entry.reverses !== undefined) {
      const original = byId.get(entry.reverses);
      if (!original || decide(original) !== 'accepted') {
        result = 'reverses_unknown';
      } else {
        for (const other of candidates) {
          if (other.reverses === entry.reverses && position.get(other.id)! < position.get(entry.id)!) decide(other);
        }
        if (reversedBy.has(entry.reverses)) result = 'already_reversed';
        else reversedBy.set(entry.reverses, entry.id);
      }
    }
    outcome.set(entry.id, result);
    return result;
  };
  for (const entry of candidates) decide(entry);
  return outcome;
}

/** Each account's own balance per commodity, zeros left out, as `account commodity → amount`. */
function balancesOf(transactions: Iterable<Transaction>): Record<string, string> {
  const totals = new Map<string, MixedAmount>();
  for (const transaction of transactions) {
    for (const posting of transaction.postings) {
      const total = totals.get(posting.account) ?? new MixedAmount();
      total.add(posting.amount);
      totals.set(posting.account, total);
    }
  }
  const result: Record<string, string> = {};
  for (const account of [...totals.keys()].sort()) {
    for (const amount of totals.get(account)!.amounts()) result[`${account} ${amount.commodity}`] = amount.quantity.normalize().toString();
  }
  return result;
}

/** The weight each posting adds to its transaction, computed here rather than by the code under test. */
function weightOf(posting: Posting): Amount {
  if (!posting.price) return posting.amount;
  if (posting.price.kind === 'unit') return { commodity: posting.price.amount.commodity, quantity: posting.amount.quantity.multiply(posting.price.amount.quantity) };
  const total = posting.price.amount.quantity;
  return { commodity: posting.price.amount.commodity, quantity: posting.amount.quantity.isNegative() ? total.negate() : total };
}

function residualOf(transaction: Transaction): string[] {
  const residual = new Map<string, Decimal>();
  for (const posting of transaction.postings) {
    const weight = weightOf(posting);
    residual.set(weight.commodity, (residual.get(weight.commodity) ?? Decimal.ZERO).add(weight.quantity));
  }
  return [...residual].filter(([, quantity]) => !quantity.isZero()).map(([commodity, quantity]) => `${quantity.toString()} ${commodity}`);
}

/** Everything a report could show, so that two books compare as a whole. */
function reportsOf(book: Book): unknown {
  const input = reportInputOfBook(book);
  return {
    transactions: book.transactions.map((recorded) => recorded.id),
    rejected: book.rejected,
    reversedBy: [...book.reversedBy].sort(),
    lockedThrough: book.lockedThrough,
    locks: book.locks,
    accounts: [...book.accounts].sort(),
    commodities: [...book.commodities].sort(),
    prices: book.prices,
    flat: balanceReport(input),
    tree: balanceReport(input, { mode: 'tree', interval: 'monthly' }),
    historical: balanceReport(input, { mode: 'tree', depth: 2, interval: 'quarterly', accumulation: 'historical' }),
    register: registerReport(input),
    trialBalance: trialBalanceReport(input),
    balanceSheet: balanceSheetReport(input, { interval: 'monthly' }),
    incomeStatement: incomeStatementReport(input),
  };
}

/** A deterministic shuffle from a seed (a small LCG), so a failing order can be replayed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = (seed >>> 0) || 1;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

// ---------------------------------------------------------------- generators

const day = fc.integer({ min: 0, max: 150 });
const at = fc.integer({ min: 0, max: 40 }); // few values: equal author times happen, and the id breaks the tie
const seen = fc.integer({ min: 0, max: 6 });
const author = fc.integer({ min: 0, max: 1 });
const leg: fc.Arbitrary<Leg> = fc.record({
  from: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }),
  to: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }),
  commodity: fc.integer({ min: 0, max: COMMODITIES.length - 1 }),
  units: fc.bigInt({ min: 1n, max: 5_000_000n }),
  negative: fc.boolean(),
  price: fc.option(fc.record({
    kind: fc.constantFrom('unit' as const, 'total' as const),
    commodityOffset: fc.integer({ min: 0, max: COMMODITIES.length - 2 }),
    units: fc.bigInt({ min: 1n, max: 100_000n }),
    scale: fc.integer({ min: 0, max: 4 }),
  }), { nil: undefined, freq: 4 }),
}, { requiredKeys: ['from', 'to', 'commodity', 'units', 'negative'] });
const legs = fc.array(leg, { minLength: 1, maxLength: 3 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('transaction' as const), author, day, legs, unbalanced: fc.constant(false), seen, at, n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transaction' as const), author, day, legs, unbalanced: fc.constant(true), seen, at, n: fc.constant(0) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('reverse' as const), author, target: fc.integer({ min: 0, max: 2 }), offset: fc.integer({ min: -15, max: 30 }), seen, at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lock' as const), author, day, seen, at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('forged' as const), how: fc.constantFrom('bad_signature' as const, 'wrong_coop' as const, 'unknown_author' as const), day, legs, at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('account' as const), account: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }), typed: fc.boolean(), note: fc.boolean(), at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('commodity' as const), commodity: fc.integer({ min: 0, max: COMMODITIES.length - 1 }), at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('price' as const), author, day, units: fc.bigInt({ min: 1n, max: 99_999n }), seen, at }) },
);
const scenario = fc.array(step, { minLength: 1, maxLength: 24 }).map(buildScenario);
const RUNS = { seed: 20_240_701, numRuns: 60 };

// ---------------------------------------------------------------- properties

describe('materialize: properties over signed entries', () => {
  it('accepts and rejects exactly as the rules say, counting only what it accepts', () => {
    fc.assert(fc.property(scenario, ({ stored, written }) => {
      const book = materializeStored(stored);
      const expected = expectedOutcomes(written);
      const rejected = new Map(book.rejected.map((entry) => [entry.id, entry.code]));
      for (const entry of written) {
        expect(rejected.get(entry.id), `${entry.kind} ${entry.id.slice(0, 8)}`).toBe(expected.get(entry.id) === 'accepted' ? undefined : expected.get(entry.id));
      }
      expect(rejected.size).toBe([...expected.values()].filter((value) => value !== 'accepted').length);
      const acceptedTransactions = written.filter((entry) => entry.kind === 'transaction' && expected.get(entry.id) === 'accepted');
      expect(new Set(book.transactions.map((recorded) => recorded.id))).toEqual(new Set(acceptedTransactions.map((entry) => entry.id)));
      // Transactions come in ledger order, and only accepted ones make the balances.
      expect(book.transactions.map((recorded) => recorded.id)).toEqual([...acceptedTransactions].sort(ledgerOrder).map((entry) => entry.id));
      expect(balancesOf(book.transactions.map((recorded) => recorded.transaction))).toEqual(balancesOf(acceptedTransactions.map((entry) => entry.transaction!)));
      // The flat balance report over the book shows exactly the accepted transactions' balances.
      const report = balanceReport({ postings: postingsOfBook(book) });
      expect(Object.fromEntries(report.rows.flatMap((row) => row.total.map((amount) => [`${row.account} ${amount.commodity}`, amount.quantity.normalize().toString()]))))
        .toEqual(balancesOf(acceptedTransactions.map((entry) => entry.transaction!)));
    }), RUNS);
  });

  it('every accepted transaction balances, and every reversal that counts nets to zero with its original', () => {
    fc.assert(fc.property(scenario, ({ stored }) => {
      const book = materializeStored(stored);
      for (const recorded of book.transactions) expect(residualOf(recorded.transaction), recorded.transaction.description).toEqual([]);
      const byId = new Map(book.transactions.map((recorded) => [recorded.id, recorded.transaction]));
      for (const [original, reversal] of book.reversedBy) {
        expect(byId.has(original) && byId.has(reversal)).toBe(true);
        expect(balancesOf([byId.get(original)!, byId.get(reversal)!])).toEqual({});
      }
    }), RUNS);
  });

  it('the order entries are given in changes no report and no decision', () => {
    fc.assert(fc.property(scenario, fc.integer(), fc.integer(), ({ stored }, first, second) => {
      const reference = reportsOf(materializeStored(stored));
      expect(reportsOf(materializeStored(shuffle(stored, first)))).toEqual(reference);
      expect(reportsOf(materializeStored(shuffle(stored, second).reverse()))).toEqual(reference);
    }), { ...RUNS, numRuns: 40 });
  });

  it('a book written as a journal or a beancount file reads back with every balance', () => {
    fc.assert(fc.property(scenario, ({ stored }) => {
      const book = materializeStored(stored);
      const transactions = book.transactions.map((recorded) => recorded.transaction);
      const declarations = { accounts: [...book.accounts.values()], commodities: [...book.commodities.values()], prices: book.prices };
      const expected = balancesOf(transactions);
      const journal = parseJournal(writeJournal({ transactions, ...declarations }), { file: 'export.journal' });
      expect(journal.transactions).toHaveLength(transactions.length);
      expect(balancesOf(journal.transactions.map((entry) => entry.value))).toEqual(expected);
      expect(journal.prices.map((entry) => entry.value)).toEqual(book.prices);
      const beancount = parseBeancount(writeBeancount({ transactions, ...declarations, assertions: book.assertions }), { file: 'export.beancount' });
      expect(beancount.transactions).toHaveLength(transactions.length);
      expect(balancesOf(beancount.transactions.map((entry) => entry.value))).toEqual(expected);
    }), { ...RUNS, numRuns: 40 });
  });
});

// ---------------------------------------------------------------- each rule, by example

describe('materialize: each rejection, by example', () => {
  const lunch: Leg = { from: 2, to: 1, commodity: 0, units: 1250n, negative: false };

  // A reverse step's target counts back from the latest transaction written (0: the latest).
  function decisions(steps: readonly Step[]): { book: Book; codes: string[]; counted: string[] } {
    const built = buildScenario(steps);
    const book = materializeStored(built.stored);
    const codes = new Map(book.rejected.map((entry) => [entry.id, entry.code]));
    const counted = new Set<string>(book.transactions.map((recorded) => recorded.id));
    return {
      book,
      codes: built.written.map((entry) => codes.get(entry.id) ?? (counted.has(entry.id) ? 'counted' : 'kept')),
      counted: book.transactions.map((recorded) => recorded.transaction.description),
    };
  }

  it('a bad signature, another co-op, an author that is no member\'s device, an unbalanced transaction', () => {
    const { codes, book } = decisions([
      { kind: 'forged', how: 'bad_signature', day: 3, legs: [lunch], at: 1 },
      { kind: 'forged', how: 'wrong_coop', day: 3, legs: [lunch], at: 2 },
      { kind: 'forged', how: 'unknown_author', day: 3, legs: [lunch], at: 3 },
      { kind: 'transaction', author: 1, day: 3, legs: [lunch], unbalanced: true, seen: 0, at: 4, n: 0 },
      { kind: 'transaction', author: 1, day: 3, legs: [lunch], unbalanced: false, seen: 0, at: 5, n: 0 },
    ]);
    expect(codes).toEqual(['bad_signature', 'wrong_coop', 'not_a_member_device', 'unbalanced_transaction', 'counted']);
    expect(balancesOf(book.transactions.map((recorded) => recorded.transaction))).toEqual({ 'assets:cash box EUR': '-12.5', 'expenses:food EUR': '12.5' });
  });

  it('a lock in the author\'s basis refuses entries dated on or before it; one the author had not seen does not', () => {
    const { codes, book } = decisions([
      { kind: 'lock', author: 0, day: 30, seen: 0, at: 1 }, // through 2024-01-31
      { kind: 'transaction', author: 1, day: 30, legs: [lunch], unbalanced: false, seen: 1, at: 2, n: 0 }, // on the lock date, seen
      { kind: 'transaction', author: 1, day: 10, legs: [lunch], unbalanced: false, seen: 1, at: 3, n: 0 }, // before it, seen
      { kind: 'transaction', author: 1, day: 31, legs: [lunch], unbalanced: false, seen: 1, at: 4, n: 0 }, // after it
      { kind: 'transaction', author: 1, day: 10, legs: [lunch], unbalanced: false, seen: 0, at: 5, n: 0 }, // concurrent: not seen
      { kind: 'price', author: 1, day: 5, units: 10_000n, seen: 1, at: 6 },
      { kind: 'price', author: 1, day: 5, units: 10_100n, seen: 0, at: 7 },
    ]);
    expect(codes).toEqual(['kept', 'period_locked', 'period_locked', 'counted', 'counted', 'period_locked', 'kept']);
    expect(book.lockedThrough).toBe('2024-01-31');
    expect(book.prices.map((price) => price.price.quantity.toString())).toEqual(['101.00']);
  });

  it('a second reversal of the same transaction does not count; the first nets the original to zero', () => {
    const { codes, book, counted } = decisions([
      { kind: 'transaction', author: 0, day: 3, legs: [lunch], unbalanced: false, seen: 0, at: 1, n: 0 },
      { kind: 'reverse', author: 0, target: 0, offset: 1, seen: 0, at: 2 },
      { kind: 'reverse', author: 1, target: 1, offset: 2, seen: 0, at: 3 },
    ]);
    expect(codes).toEqual(['counted', 'counted', 'already_reversed']);
    expect(counted).toEqual(['t0', 'undo t1']);
    expect(balancesOf(book.transactions.map((recorded) => recorded.transaction))).toEqual({});
  });

  it('a reversal dated before its original does not count when the original does not', () => {
    // t0 is reversed twice (the second, t2, does not count); t3 reverses t2 but is dated before it.
    const { codes, book } = decisions([
      { kind: 'transaction', author: 0, day: 3, legs: [lunch], unbalanced: false, seen: 0, at: 1, n: 0 },
      { kind: 'reverse', author: 0, target: 0, offset: 1, seen: 0, at: 2 },
      { kind: 'reverse', author: 1, target: 1, offset: 5, seen: 0, at: 3 },
      { kind: 'reverse', author: 1, target: 0, offset: -2, seen: 0, at: 4 },
    ]);
    expect(codes).toEqual(['counted', 'counted', 'already_reversed', 'reverses_unknown']);
    expect(balancesOf(book.transactions.map((recorded) => recorded.transaction))).toEqual({});
  });

  it('a reversal of an entry that does not count (locked, unbalanced or forged) does not count either', () => {
    const { codes } = decisions([
      { kind: 'lock', author: 0, day: 30, seen: 0, at: 1 },
      { kind: 'transaction', author: 1, day: 10, legs: [lunch], unbalanced: false, seen: 1, at: 2, n: 0 },
      { kind: 'reverse', author: 1, target: 0, offset: 40, seen: 1, at: 3 },
      { kind: 'forged', how: 'unknown_author', day: 40, legs: [lunch], at: 4 },
      { kind: 'reverse', author: 1, target: 0, offset: 1, seen: 1, at: 5 },
    ]);
    expect(codes).toEqual(['kept', 'period_locked', 'reverses_unknown', 'not_a_member_device', 'reverses_unknown']);
  });

  it('the model agrees with materialize on these examples too (the model is not vacuous)', () => {
    const built = buildScenario([
      { kind: 'transaction', author: 0, day: 3, legs: [lunch], unbalanced: false, seen: 0, at: 1, n: 0 },
      { kind: 'reverse', author: 0, target: 0, offset: 1, seen: 0, at: 2 },
      { kind: 'reverse', author: 1, target: 1, offset: 5, seen: 0, at: 3 },
      { kind: 'reverse', author: 1, target: 0, offset: -2, seen: 0, at: 4 },
    ]);
    expect(built.written.map((entry) => expectedOutcomes(built.written).get(entry.id))).toEqual(['accepted', 'accepted', 'already_reversed', 'reverses_unknown']);
  });
});
