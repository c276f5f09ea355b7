import { type Amount, formatAmountPlain } from '../../amount.js';
import { type AccountName } from '../../account.js';
import { Decimal } from '../../decimal.js';
import { ParseError, type SourceLocation, TallystickError, assert } from '../../errors.js';
import { type LotCost, type Posting, type PostingPrice, type Transaction, postingWeight } from '../../transaction.js';
import { type ImportWarning } from '../parsed-book.js';
import { LotInventory } from './booking.js';
import {
  type BalanceDirective,
  type BeancountOptions,
  type BookingMethod,
  type CloseDirective,
  type CommodityDirective,
  type Directive,
  type OpenDirective,
  type PadDirective,
  type PriceDirective,
  type RawPosting,
  type TransactionDirective,
} from './directives.js';
import { decodeExtra } from './extra.js';
import { RESERVED_KEYS } from './syntax.js';
import { type Tolerances, inferTolerances, quantizeInterpolated, scaledTolerance } from './tolerance.js';

/** A transaction as booked, still with beancount names, at its place in beancount's date order. */
export interface BookedTransaction {
  readonly kind: 'booked';
  readonly transaction: Transaction;
  readonly source: SourceLocation;
  readonly order: number;
}

export type TimelineEvent = BookedTransaction | PadDirective | BalanceDirective;

export interface AccountLife {
  readonly open: OpenDirective;
  close?: CloseDirective;
}

export interface BookedDirectives {
  /** Transactions, pads and balances in beancount's processing order. */
  readonly timeline: TimelineEvent[];
  readonly accounts: Map<string, AccountLife>;
  readonly commodities: CommodityDirective[];
  readonly prices: PriceDirective[];
  readonly errors: TallystickError[];
  readonly warnings: ImportWarning[];
  /** The transactions that needed a rounding posting: the first one's place, and how many. */
  roundingUse?: { readonly first: SourceLocation; count: number };
}

const TYPE_ORDER: Readonly<Record<Directive['kind'], number>> = {
  open: -2, balance: -1, close: 2, transaction: 0, pad: 0, price: 0, commodity: 0,
};

/** beancount's entry_sortkey: date, then open/balance first and close last, then line; read order breaks ties. */
export function compareDirectives(a: Directive, b: Directive): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  const type = TYPE_ORDER[a.kind] - TYPE_ORDER[b.kind];
  if (type !== 0) return type;
  if (a.source.line !== b.source.line) return a.source.line - b.source.line;
  return a.order - b.order;
}

/**
 * Walks the directives in beancount's order: checks opens and closes, books every transaction (lots,
 * elided amount, tolerance), and checks that postings use open accounts and allowed commodities.
 */
export function bookDirectives(directives: readonly Directive[], options: BeancountOptions, roundingAccount: string): BookedDirectives {
  const walker = new Walker(options, roundingAccount, directives);
  const sorted = [...directives].sort(compareDirectives);
  for (const directive of sorted) walker.visit(directive);
  return walker.result;
}

class Walker {
  readonly result: BookedDirectives = { timeline: [], accounts: new Map(), commodities: [], prices: [], errors: [], warnings: [] };
  private readonly active = new Set<string>();
  private readonly inventory = new LotInventory();
  /** Accounts with some posting at cost: only their holdings matter to booking, so only they are tracked. */
  private readonly lotAccounts: ReadonlySet<string>;
  /** Each account's (first) open date, to tell a use before the opening from a use of an account never opened. */
  private readonly openDates: ReadonlyMap<string, string>;
  private readonly balanceKeys = new Map<string, BalanceDirective>();
  private readonly commodityKeys = new Map<string, CommodityDirective>();
  private readonly options: BeancountOptions;
  private readonly roundingAccount: string;

  constructor(options: BeancountOptions, roundingAccount: string, directives: readonly Directive[]) {
    this.options = options;
    this.roundingAccount = roundingAccount;
    const lotAccounts = new Set<string>();
    const openDates = new Map<string, string>();
    for (const directive of directives) {
      if (directive.kind === 'open' && !openDates.has(directive.account)) openDates.set(directive.account, directive.date);
      if (directive.kind !== 'transaction') continue;
      for (const posting of directive.postings) if (posting.cost) lotAccounts.add(posting.account);
    }
    this.lotAccounts = lotAccounts;
    this.openDates = openDates;
  }

  visit(directive: Directive): void {
    switch (directive.kind) {
      case 'open': return this.open(directive);
      case 'close': return this.close(directive);
      case 'commodity': {
        const first = this.commodityKeys.get(directive.currency);
        if (first) return this.fail(directive.source, `a second commodity directive for ${directive.currency}`, `one per commodity (the first is at line ${first.source.line})`);
        this.commodityKeys.set(directive.currency, directive);
        this.result.commodities.push(directive);
        return;
      }
      case 'price':
        this.result.prices.push(directive);
        return;
      case 'pad':
        this.checkActive(directive.account, directive.date, directive.source);
        this.checkActive(directive.sourceAccount, directive.date, directive.source);
        this.result.timeline.push(directive);
        return;
      case 'balance': return this.balance(directive);
      case 'transaction': return this.transaction(directive);
    }
  }

  private open(directive: OpenDirective): void {
    const known = this.result.accounts.get(directive.account);
    if (known) return this.fail(directive.source, `a second open directive for ${directive.account}`, `one per account (the first is at ${known.open.source.file}:${known.open.source.line})`);
    this.result.accounts.set(directive.account, { open: directive });
    this.active.add(directive.account);
  }

  private close(directive: CloseDirective): void {
    const life = this.result.accounts.get(directive.account);
    if (!life) return this.fail(directive.source, `a close directive for ${directive.account}, which is never opened`, 'an open directive before it');
    if (life.close) return this.fail(directive.source, `a second close directive for ${directive.account}`, 'one per account');
    life.close = directive;
    this.active.delete(directive.account);
  }

  private balance(directive: BalanceDirective): void {
    const life = this.result.accounts.get(directive.account);
    if (!life) return this.fail(directive.source, `a balance directive for ${directive.account}, which is never opened`, `an open directive for it on or before ${directive.date}`);
    const key = `${directive.date} ${directive.account} ${directive.amount.currency}`;
    const first = this.balanceKeys.get(key);
    if (first && !first.amount.number.equals(directive.amount.number)) {
      return this.fail(directive.source, `a second balance of ${directive.account} in ${directive.amount.currency} on ${directive.date} with a different amount`, `the same amount as at line ${first.source.line}`);
    }
    this.balanceKeys.set(key, directive);
    if (life.open.currencies.length > 0 && !life.open.currencies.includes(directive.amount.currency)) {
      return this.fail(directive.source, `a balance in ${directive.amount.currency}`, `one of the commodities ${directive.account} allows: ${life.open.currencies.join(', ')}`);
    }
    this.result.timeline.push(directive);
  }

  private transaction(directive: TransactionDirective): void {
    if (directive.postings.length === 0) {
      this.result.warnings.push({ source: directive.source, message: `transaction "${directive.narration}" has no postings and is not imported` });
      return;
    }
    try {
      const transaction = this.complete(directive);
      this.result.timeline.push({ kind: 'booked', transaction, source: directive.source, order: directive.order });
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      this.result.errors.push(error);
    }
  }

  /**
   * Books lots, infers the elided amount (rounded as beancount rounds it), absorbs a tolerated residual
   * on a rounding posting, and returns an exactly balanced transaction. This follows beancount's
   * interpolation rather than core's balanceTransaction, whose inference has no tolerance or rounding;
   * the result is checked to balance exactly (core's rule, which the materializer enforces again).
   */
  private complete(directive: TransactionDirective): Transaction {
    const booked: BookedPosting[] = [];
    let elided: RawPosting | undefined;
    let elidedIndex = 0;
    for (const raw of directive.postings) {
      if (!this.active.has(raw.account)) this.checkActive(raw.account, directive.date, postingSource(directive, raw));
      if (raw.units !== undefined) {
        this.bookPosting(directive, raw, booked);
      } else if (elided) {
        throw new ParseError(postingSource(directive, raw), 'a second posting without an amount', 'at most one posting per transaction whose amount is left out', 'ambiguous_elided_amounts');
      } else {
        elided = raw;
        elidedIndex = booked.length;
      }
    }
    const tolerances = new LazyTolerances(booked, this.options);
    const residual = sumWeights(booked);
    let remainders = residual;
    if (elided) {
      remainders = [];
      const parts = residual.length > 0 ? residual : [{ commodity: booked[0]?.posting.amount.commodity ?? '', quantity: Decimal.ZERO }];
      const inferred: BookedPosting[] = [];
      for (const part of parts) {
        const quantity = quantizeInterpolated(part.quantity.negate(), tolerances.get(part.commodity));
        const left = part.quantity.add(quantity);
        if (!left.isZero()) remainders.push({ commodity: part.commodity, quantity: left });
        inferred.push({ posting: makePosting(directive, elided, { commodity: part.commodity, quantity }), writtenScale: 0, reduced: false, raw: elided });
      }
      booked.splice(elidedIndex, 0, ...inferred);
    }
    for (const remainder of remainders) booked.push(this.rounding(directive, remainder, tolerances.get(remainder.commodity), booked));
    const postings = booked.map((entry) => entry.posting);
    if (postings.length < 2) {
      throw new ParseError(directive.source, `a transaction with ${postings.length} posting`, 'at least two postings (Tallystick transactions move an amount from one account to another)', 'too_few_postings');
    }
    const transaction = buildTransaction(directive, postings);
    assert(sumWeights(booked).length === 0, `beancount transaction at ${directive.source.file}:${directive.source.line} must balance once completed`);
    for (const entry of booked) {
      if (!entry.reduced && this.lotAccounts.has(entry.posting.account)) this.inventory.add(entry.posting.account, entry.posting.amount, entry.posting.cost, directive.date);
    }
    this.checkCommodities(directive, booked);
    return transaction;
  }

  /** A posting of what beancount tolerates (its residual, negated) to the rounding account. */
  private rounding(directive: TransactionDirective, remainder: Amount, tolerance: Decimal, booked: readonly BookedPosting[]): BookedPosting {
    if (remainder.quantity.abs().compare(tolerance) > 0) {
      const sums = sumWeights(booked).map(formatAmountPlain).join(', ');
      throw new ParseError(directive.source, `a transaction whose postings sum to ${sums}`, `each commodity to sum to zero (beancount's tolerance here: ${tolerance.toString()} ${remainder.commodity})`, 'unbalanced_transaction');
    }
    if (this.result.roundingUse) this.result.roundingUse.count += 1;
    else this.result.roundingUse = { first: directive.source, count: 1 };
    return {
      posting: {
        account: this.roundingAccount as AccountName,
        amount: { commodity: remainder.commodity, quantity: remainder.quantity.negate() },
        metadata: { [RESERVED_KEYS.rounding]: `residual within beancount's tolerance of ${tolerance.toString()} ${remainder.commodity}` },
      },
      writtenScale: 0,
      reduced: false,
      raw: undefined,
    };
  }

  private bookPosting(directive: TransactionDirective, raw: RawPosting, booked: BookedPosting[]): void {
    const units: Amount = { commodity: raw.units!.currency, quantity: raw.units!.number };
    const price = raw.price ? { kind: raw.price.kind, amount: { commodity: raw.price.amount.currency, quantity: raw.price.amount.number } } : undefined;
    const writtenScale = units.quantity.scale;
    if (!raw.cost) {
      booked.push({ posting: makePosting(directive, raw, units, price), writtenScale, reduced: false, raw });
      return;
    }
    const outcome = this.inventory.book(raw.account, this.bookingMethod(raw.account), units, raw.cost);
    if (outcome.kind === 'error') throw new ParseError(raw.cost.source, outcome.found, outcome.expected, 'lot_booking');
    if (outcome.kind === 'augmentation') {
      booked.push({ posting: makePosting(directive, raw, units, price, outcome.cost), writtenScale, reduced: false, raw });
      return;
    }
    for (const lot of outcome.lots) {
      booked.push({ posting: makePosting(directive, raw, { commodity: units.commodity, quantity: lot.quantity }, price, lot.cost), writtenScale, reduced: true, raw });
    }
  }

  private bookingMethod(account: string): BookingMethod {
    return this.result.accounts.get(account)?.open.booking ?? this.options.bookingMethod;
  }

  private checkActive(account: string, date: string, source: SourceLocation): void {
    if (this.active.has(account)) return;
    const closed = this.result.accounts.get(account)?.close;
    const opened = this.openDates.get(account);
    if (closed) this.fail(source, `account ${account} used on ${date}`, `a date before it is closed on ${closed.date}`);
    else if (opened !== undefined) this.fail(source, `account ${account} used on ${date}`, `a date on or after it is opened on ${opened}`);
    else if (account !== this.roundingAccount) this.fail(source, `account ${account}, which is never opened`, `an open directive for it on or before ${date}`);
  }

  /** An open directive's commodity list constrains the units of every posting to the account. */
  /** An open directive's commodity list constrains the units of every posting to the account. */
  private checkCommodities(directive: TransactionDirective, booked: readonly BookedPosting[]): void {
    for (const { posting, raw } of booked) {
      const allowed = this.result.accounts.get(posting.account)?.open.currencies;
      if (!allowed || allowed.length === 0 || !raw || allowed.includes(posting.amount.commodity)) continue;
      this.fail(postingSource(directive, raw), `${posting.amount.commodity} in ${posting.account}`, `one of the commodities its open directive allows: ${allowed.join(', ')}`);
    }
  }

  private fail(source: SourceLocation, found: string, expected: string): void {
    this.result.errors.push(new ParseError(source, found, expected, 'invalid_beancount'));
  }
}

interface BookedPosting {
  readonly posting: Posting;
  /** The number of decimals the amount was written with (it decides beancount's tolerance). */
  readonly writtenScale: number;
  /** Booked against a lot held (already taken out of the inventory). */
  readonly reduced: boolean;
  /** What it was read from; undefined for a rounding posting Tallystick adds. */
  readonly raw: RawPosting | undefined;
}

function postingSource(directive: TransactionDirective, raw: RawPosting): SourceLocation {
  return { file: directive.source.file, line: raw.line, column: raw.column };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function makePosting(directive: TransactionDirective, raw: RawPosting, amount: Amount, price?: PostingPrice, cost?: LotCost): Posting {
  const posting: Mutable<Posting> = { account: raw.account as AccountName, amount };
  if (price) posting.price = price;
  if (cost) posting.cost = cost;
  if (raw.comment !== undefined) posting.comment = raw.comment;
  if (raw.flag === '*' || raw.flag === '!') posting.status = raw.flag;
  if (raw.metadata === undefined && (raw.flag === undefined || posting.status !== undefined)) return posting;
  const metadata: Record<string, string> = { ...raw.metadata };
  if (raw.flag !== undefined && posting.status === undefined) metadata[RESERVED_KEYS.flag] = raw.flag;
  const extraText = metadata[RESERVED_KEYS.extra];
  if (extraText !== undefined) {
    delete metadata[RESERVED_KEYS.extra];
    const extra = decodeExtra(extraText);
    if (typeof extra === 'string') throw new ParseError(postingSource(directive, raw), extra, `${RESERVED_KEYS.extra} as Tallystick writes it`, 'invalid_extra');
    Object.assign(metadata, extra.metadata ?? {});
    if (extra.tags) posting.tags = extra.tags;
    if (extra.balanceAssertion) posting.balanceAssertion = extra.balanceAssertion;
    if (extra.status === '') posting.status = '';
  }
  if (Object.keys(metadata).length > 0) posting.metadata = metadata;
  return posting;
}

/** The residual of booked postings (their weights summed per commodity), non-zero parts sorted by commodity. */
function sumWeights(booked: readonly BookedPosting[]): Amount[] {
  const sums: { commodity: string; quantity: Decimal }[] = [];
  for (const { posting } of booked) {
    const weight = postingWeight(posting);
    const sum = sums.find((entry) => entry.commodity === weight.commodity);
    if (sum) sum.quantity = sum.quantity.add(weight.quantity);
    else sums.push({ commodity: weight.commodity, quantity: weight.quantity });
  }
  return sums.filter((sum) => !sum.quantity.isZero()).sort((a, b) => (a.commodity < b.commodity ? -1 : a.commodity > b.commodity ? 1 : 0));
}

/** Tolerances are only needed when something is left to round; most transactions never ask. */
class LazyTolerances {
  private readonly booked: readonly BookedPosting[];
  private readonly options: BeancountOptions;
  private inferred: Tolerances | undefined;

  constructor(booked: readonly BookedPosting[], options: BeancountOptions) {
    this.booked = booked;
    this.options = options;
  }

  get(commodity: string): Decimal {
    if (!this.options.inferToleranceFromCost) return this.fromUnits(commodity);
    this.inferred ??= inferTolerances(
      this.booked.map(({ posting, writtenScale }) => ({ amount: posting.amount, writtenScale, ...(posting.cost ? { costPerUnit: posting.cost.perUnit } : {}), ...(posting.price ? { price: posting.price } : {}) })),
      { multiplier: this.options.toleranceMultiplier, defaults: this.options.toleranceDefaults, fromCost: this.options.inferToleranceFromCost },
    );
    return this.inferred.get(commodity);
  }

  /** The common case, without allocating: the largest tolerance the amounts in `commodity` imply. */
  private fromUnits(commodity: string): Decimal {
    const defaults = this.options.toleranceDefaults;
    let tolerance = defaults.size === 0 ? undefined : defaults.get(commodity);
    for (const { posting, writtenScale } of this.booked) {
      if (writtenScale === 0 || posting.amount.commodity !== commodity) continue;
      const implied = scaledTolerance(this.options.toleranceMultiplier, writtenScale);
      if (tolerance === undefined || implied.compare(tolerance) > 0) tolerance = implied;
    }
    return tolerance ?? (defaults.size === 0 ? undefined : defaults.get('*')) ?? Decimal.ZERO;
  }
}

/** Shared, frozen empties: most transactions have no tags, links or metadata, and a big file has many transactions. */
const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

function buildTransaction(directive: TransactionDirective, postings: readonly Posting[]): Transaction {
  const transaction: Mutable<Transaction> = {
    date: directive.date,
    status: directive.flag === '*' || directive.flag === '!' ? directive.flag : '',
    description: directive.narration,
    tags: directive.tags ?? NO_STRINGS,
    links: directive.links ?? NO_STRINGS,
    metadata: NO_METADATA,
    postings,
  };
  if (directive.payee !== undefined) transaction.payee = directive.payee;
  if (directive.comment !== undefined) transaction.comment = directive.comment;
  // Flags other than *, ! and the txn keyword are kept in metadata.
  if (directive.flag !== '*' && directive.flag !== '!' && directive.flag !== 'txn') transaction.metadata = { [RESERVED_KEYS.flag]: directive.flag };
  if (directive.metadata === undefined) return transaction;
  const metadata: Record<string, string> = { ...directive.metadata, ...transaction.metadata };
  const code = metadata[RESERVED_KEYS.code];
  if (code !== undefined) {
    delete metadata[RESERVED_KEYS.code];
    transaction.code = code;
  }
  const extraText = metadata[RESERVED_KEYS.extra];
  if (extraText !== undefined) {
    delete metadata[RESERVED_KEYS.extra];
    const extra = decodeExtra(extraText);
    if (typeof extra === 'string') throw new ParseError(directive.source, extra, `${RESERVED_KEYS.extra} as Tallystick writes it`, 'invalid_extra');
    Object.assign(metadata, extra.metadata ?? {});
    if (extra.tags) transaction.tags = extra.tags;
    if (extra.links) transaction.links = extra.links;
  }
  transaction.metadata = metadata;
  return transaction;
}
