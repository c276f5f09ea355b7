import { type Amount, formatAmountPlain } from '../../amount.js';
import { type AccountName } from '../../account.js';
import { Decimal } from '../../decimal.js';
import { ParseError, type SourceLocation, TallystickError } from '../../errors.js';
import {
  type Posting,
  type PostingDraft,
  type Transaction,
  type TransactionStatus,
  balanceTransaction,
  transactionResidual,
} from '../../transaction.js';
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
import { inferTolerances, quantizeInterpolated } from './tolerance.js';

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
  const walker = new Walker(options, roundingAccount);
  const sorted = [...directives].sort(compareDirectives);
  for (const directive of sorted) walker.visit(directive);
  return walker.result;
}

class Walker {
  readonly result: BookedDirectives = { timeline: [], accounts: new Map(), commodities: [], prices: [], errors: [], warnings: [] };
  private readonly active = new Set<string>();
  private readonly inventory = new LotInventory();
  private readonly balanceKeys = new Map<string, BalanceDirective>();
  private readonly commodityKeys = new Map<string, CommodityDirective>();
  private readonly options: BeancountOptions;
  private readonly roundingAccount: string;

  constructor(options: BeancountOptions, roundingAccount: string) {
    this.options = options;
    this.roundingAccount = roundingAccount;
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

  /** Books lots, infers the elided amount, absorbs a tolerated residual, and returns a balanced transaction. */
  private complete(directive: TransactionDirective): Transaction {
    const booked: BookedPosting[] = [];
    let elided: { raw: RawPosting; index: number } | undefined;
    for (const raw of directive.postings) {
      this.checkActive(raw.account, directive.date, raw.source);
      if (!raw.units) {
        if (elided) throw new ParseError(raw.source, 'a second posting without an amount', 'at most one posting per transaction whose amount is left out');
        elided = { raw, index: booked.length };
        continue;
      }
      booked.push(...this.bookPosting(raw));
    }
    const tolerances = inferTolerances(
      booked.map(({ posting, writtenScale }) => ({ amount: posting.amount, writtenScale, ...(posting.cost ? { costPerUnit: posting.cost.perUnit } : {}), ...(posting.price ? { price: posting.price } : {}) })),
      { multiplier: this.options.toleranceMultiplier, defaults: this.options.toleranceDefaults, fromCost: this.options.inferToleranceFromCost },
    );
    const explicit = booked.map((entry) => entry.posting);
    if (elided) {
      const residual = transactionResidual(explicit).amounts();
      const parts = residual.length > 0 ? residual : [{ commodity: explicit[0]?.amount.commodity ?? '', quantity: Decimal.ZERO }];
      const base = postingBase(elided.raw, this.accountName(elided.raw.account));
      const inferred = parts.map((part) => ({
        posting: { ...base, amount: { commodity: part.commodity, quantity: quantizeInterpolated(part.quantity.negate(), tolerances.get(part.commodity)) } },
        reduced: false,
        writtenScale: 0,
        source: elided.raw.source,
      }));
      booked.splice(elided.index, 0, ...inferred);
    }
    let roundingNeeded = false;
    for (const remainder of transactionResidual(booked.map((entry) => entry.posting)).amounts()) {
      const tolerance = tolerances.get(remainder.commodity);
      if (remainder.quantity.abs().compare(tolerance) > 0) {
        const sums = transactionResidual(booked.map((entry) => entry.posting)).amounts().map(formatAmountPlain).join(', ');
        throw new ParseError(directive.source, `a transaction whose postings sum to ${sums}`, `each commodity to sum to zero (beancount's tolerance here: ${tolerance.toString()} ${remainder.commodity})`, 'unbalanced_transaction');
      }
      booked.push({
        posting: {
          account: this.roundingAccount as AccountName,
          amount: { commodity: remainder.commodity, quantity: remainder.quantity.negate() },
          metadata: { [RESERVED_KEYS.rounding]: `residual within beancount's tolerance of ${tolerance.toString()} ${remainder.commodity}` },
        },
        reduced: false,
        writtenScale: 0,
      });
      roundingNeeded = true;
    }
    if (roundingNeeded) {
      if (this.result.roundingUse) this.result.roundingUse.count += 1;
      else this.result.roundingUse = { first: directive.source, count: 1 };
    }
    const transaction = this.finish(directive, booked.map((entry) => entry.posting));
    for (const entry of booked) {
      if (!entry.reduced) this.inventory.add(entry.posting.account, entry.posting.amount, entry.posting.cost, directive.date);
    }
    this.checkCommodities(booked);
    return transaction;
  }

  private finish(directive: TransactionDirective, postings: Posting[]): Transaction {
    const { metadata, code, tags, links } = splitTransactionMetadata(directive);
    try {
      return balanceTransaction({
        date: directive.date,
        status: statusOf(directive.flag),
        ...(code !== undefined ? { code } : {}),
        ...(directive.payee !== undefined ? { payee: directive.payee } : {}),
        description: directive.narration,
        tags,
        links,
        metadata: isFlag(directive.flag) ? { ...metadata, [RESERVED_KEYS.flag]: directive.flag } : metadata,
        ...(directive.comment !== undefined ? { comment: directive.comment } : {}),
        postings,
      });
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      throw new ParseError(directive.source, `a transaction that cannot be completed (${error.message})`, 'a complete, balanced transaction', error.code);
    }
  }

  private *bookPosting(raw: RawPosting): Generator<BookedPosting> {
    const units: Amount = { commodity: raw.units!.currency, quantity: raw.units!.number };
    const price = raw.price ? { kind: raw.price.kind, amount: { commodity: raw.price.amount.currency, quantity: raw.price.amount.number } } : undefined;
    const base = { ...postingBase(raw, this.accountName(raw.account)), ...(price ? { price } : {}) };
    const writtenScale = units.quantity.scale;
    if (!raw.cost) {
      yield { posting: { ...base, amount: units }, reduced: false, writtenScale, source: raw.source };
      return;
    }
    const outcome = this.inventory.book(raw.account, this.bookingMethod(raw.account), units, raw.cost);
    if (outcome.kind === 'error') throw new ParseError(raw.cost.source, outcome.found, outcome.expected, 'lot_booking');
    if (outcome.kind === 'augmentation') {
      yield { posting: { ...base, amount: units, cost: outcome.cost }, reduced: false, writtenScale, source: raw.source };
      return;
    }
    for (const lot of outcome.lots) {
      yield { posting: { ...base, amount: { commodity: units.commodity, quantity: lot.quantity }, cost: lot.cost }, reduced: true, writtenScale, source: raw.source };
    }
  }

  private bookingMethod(account: string): BookingMethod {
    return this.result.accounts.get(account)?.open.booking ?? this.options.bookingMethod;
  }

  private accountName(account: string): AccountName {
    return account as AccountName;
  }

  private checkActive(account: string, date: string, source: SourceLocation): void {
    if (this.active.has(account)) return;
    const life = this.result.accounts.get(account);
    if (!life) {
      if (account === this.roundingAccount) return;
      this.fail(source, `account ${account}, which is never opened`, `an open directive for it on or before ${date}`);
    } else if (life.close) {
      this.fail(source, `account ${account} used on ${date}`, `a date before it is closed on ${life.close.date}`);
    } else {
      this.fail(source, `account ${account} used on ${date}`, `a date on or after it is opened on ${life.open.date}`);
    }
  }

  /** An open directive's commodity list constrains the units of every posting to the account. */
  private checkCommodities(booked: readonly BookedPosting[]): void {
    for (const { posting, source } of booked) {
      const allowed = this.result.accounts.get(posting.account)?.open.currencies;
      if (!allowed || allowed.length === 0 || !source || allowed.includes(posting.amount.commodity)) continue;
      this.fail(source, `${posting.amount.commodity} in ${posting.account}`, `one of the commodities its open directive allows: ${allowed.join(', ')}`);
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
  readonly reduced: boolean;
  /** Where the posting was written; absent for a rounding posting Tallystick adds. */
  readonly source?: SourceLocation;
}

function postingBase(raw: RawPosting, account: AccountName): Omit<PostingDraft, 'amount'> {
  const metadata: Record<string, string> = { ...raw.metadata };
  let tags: readonly string[] | undefined;
  let balanceAssertion: PostingDraft['balanceAssertion'];
  let status: TransactionStatus | undefined;
  const extraText = metadata[RESERVED_KEYS.extra];
  if (extraText !== undefined) {
    delete metadata[RESERVED_KEYS.extra];
    const extra = decodeExtra(extraText);
    if (typeof extra === 'string') throw new ParseError(raw.source, extra, `${RESERVED_KEYS.extra} as Tallystick writes it`);
    Object.assign(metadata, extra.metadata ?? {});
    tags = extra.tags;
    balanceAssertion = extra.balanceAssertion;
    status = extra.status;
  }
  if (raw.flag === '*' || raw.flag === '!') status = raw.flag;
  else if (raw.flag !== undefined) metadata[RESERVED_KEYS.flag] = raw.flag;
  return {
    account,
    ...(status !== undefined ? { status } : {}),
    ...(raw.comment !== undefined ? { comment: raw.comment } : {}),
    ...(tags ? { tags } : {}),
    ...(balanceAssertion ? { balanceAssertion } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

function splitTransactionMetadata(directive: TransactionDirective): { metadata: Record<string, string>; code?: string; tags: readonly string[]; links: readonly string[] } {
  const metadata: Record<string, string> = { ...directive.metadata };
  let tags: readonly string[] = directive.tags;
  let links: readonly string[] = directive.links;
  let code: string | undefined;
  if (metadata[RESERVED_KEYS.code] !== undefined) {
    code = metadata[RESERVED_KEYS.code];
    delete metadata[RESERVED_KEYS.code];
  }
  const extraText = metadata[RESERVED_KEYS.extra];
  if (extraText !== undefined) {
    delete metadata[RESERVED_KEYS.extra];
    const extra = decodeExtra(extraText);
    if (typeof extra === 'string') throw new ParseError(directive.source, extra, `${RESERVED_KEYS.extra} as Tallystick writes it`);
    Object.assign(metadata, extra.metadata ?? {});
    tags = extra.tags ?? tags;
    links = extra.links ?? links;
  }
  return { metadata, ...(code !== undefined ? { code } : {}), tags, links };
}

function statusOf(flag: string): TransactionStatus {
  return flag === '*' || flag === '!' ? flag : '';
}

/** Flags kept in metadata: every flag but `*`, `!` and the `txn` keyword. */
function isFlag(flag: string): boolean {
  return flag !== '*' && flag !== '!' && flag !== 'txn';
}
