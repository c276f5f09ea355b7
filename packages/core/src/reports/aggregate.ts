import { type AccountName, accountAndAncestors, accountSegments, clipAccount } from '../account.js';
import { type Amount, MixedAmount } from '../amount.js';
import { type IsoDate, addDays } from '../date.js';
import { TallystickError } from '../errors.js';
import { type ReportInterval, type ReportPeriod, nextPeriodStart, periodStart, periodsCovering, rangeLabel } from './periods.js';
import { type ReportPosting } from './report-input.js';
import { notePrecision } from './amount-style.js';

/** Amounts of several commodities, sorted by commodity, zeros left out. An empty list is zero. */
export type AmountList = readonly Amount[];

/**
 * `change`: what moved within each column's dates (hledger `balance`, `incomestatement`).
 * `historical`: the balance at the end of each column, everything before included (hledger `balancesheet`).
 */
export type Accumulation = 'change' | 'historical';

export interface DateRangeOptions {
  /** First day included. */
  readonly begin?: IsoDate;
  /** First day excluded (as hledger's `--end`). */
  readonly end?: IsoDate;
}

export interface AggregateOptions extends DateRangeOptions {
  readonly interval?: ReportInterval;
  readonly accumulation: Accumulation;
  readonly include?: (account: AccountName) => boolean;
}

/** Per full account name, one amount per period (changes or balances, by `accumulation`). */
export interface Aggregation {
  readonly periods: readonly ReportPeriod[];
  readonly columns: ReadonlyMap<AccountName, readonly MixedAmount[]>;
  readonly precisions: ReadonlyMap<string, number>;
}

const SINGLE = '';

/**
 * One pass over the postings: each lands in the bucket of its period (or in the opening bucket when it is
 * before the range of a historical report). The result does not depend on the order postings arrive in.
 */
export function aggregatePostings(postings: Iterable<ReportPosting>, options: AggregateOptions): Aggregation {
  checkRange(options);
  const { interval } = options;
  const rangeBegin = options.begin !== undefined && interval ? periodStart(options.begin, interval) : options.begin;
  const rangeEnd = options.end !== undefined && interval ? wholePeriodEnd(options.end, interval) : options.end;
  const historical = options.accumulation === 'historical';
  const buckets = new Map<AccountName, Map<string, MixedAmount>>();
  const opening = new Map<AccountName, MixedAmount>();
  const keyOfDate = new Map<IsoDate, string>();
  let first: IsoDate | undefined;
  let last: IsoDate | undefined;
  const precisions = new Map<string, number>();
  for (const posting of postings) {
    notePrecision(precisions, posting.amount);
    const { date, account } = posting;
    if ((rangeEnd !== undefined && date >= rangeEnd) || (options.include && !options.include(account))) continue;
    if (rangeBegin !== undefined && date < rangeBegin) {
      if (historical) mixedAt(opening, account).add(posting.amount);
      continue;
    }
    if (first === undefined || date < first) first = date;
    if (last === undefined || date > last) last = date;
    let key = keyOfDate.get(date);
    if (key === undefined) {
      key = interval ? periodStart(date, interval) : SINGLE;
      keyOfDate.set(date, key);
    }
    let byKey = buckets.get(account);
    if (!byKey) buckets.set(account, (byKey = new Map()));
    mixedAt(byKey, key).add(posting.amount);
  }
  const periods = reportPeriods(options, rangeBegin, rangeEnd, first, last);
  const keys = interval ? periods.map((period) => period.begin!) : [SINGLE];
  const columns = new Map<AccountName, MixedAmount[]>();
  for (const account of new Set([...buckets.keys(), ...opening.keys()])) {
    const byKey = buckets.get(account);
    const running = opening.get(account)?.clone() ?? new MixedAmount();
    columns.set(account, keys.map((key) => {
      const change = byKey?.get(key) ?? new MixedAmount();
      return historical ? running.addAll(change).clone() : change;
    }));
  }
  return { periods, columns, precisions };
}

function checkRange(options: DateRangeOptions): void {
  if (options.begin !== undefined && options.end !== undefined && options.begin >= options.end) {
    throw new TallystickError('empty_date_range', `the report begins on ${options.begin} and ends before ${options.end}, so it covers no day (the end date is excluded; expected an end after the beginning)`);
  }
}

function wholePeriodEnd(end: IsoDate, interval: ReportInterval): IsoDate {
  const start = periodStart(end, interval);
  return start === end ? end : nextPeriodStart(start, interval);
}

function reportPeriods(options: AggregateOptions, rangeBegin: IsoDate | undefined, rangeEnd: IsoDate | undefined, first: IsoDate | undefined, last: IsoDate | undefined): ReportPeriod[] {
  if (!options.interval) {
    const begin = options.begin ?? first;
    const end = options.end ?? (last === undefined ? undefined : addDays(last, 1));
    return [{ ...(begin ? { begin } : {}), ...(end ? { end } : {}), label: rangeLabel(begin, end) }];
  }
  const from = rangeBegin ?? first;
  const through = rangeEnd !== undefined ? addDays(rangeEnd, -1) : last;
  if (from === undefined || through === undefined) return [];
  return periodsCovering(from, through, options.interval);
}

function mixedAt<K>(map: Map<K, MixedAmount>, key: K): MixedAmount {
  let value = map.get(key);
  if (!value) map.set(key, (value = new MixedAmount()));
  return value;
}

/** Merges accounts deeper than `depth` into their ancestor at that depth (hledger `--depth`). */
export function clipColumns(columns: ReadonlyMap<AccountName, readonly MixedAmount[]>, depth: number | undefined, width: number): Map<AccountName, MixedAmount[]> {
  const clipped = new Map<AccountName, MixedAmount[]>();
  for (const [account, amounts] of columns) {
    const name = depth === undefined ? account : clipAccount(account, depth);
    addColumns(clipped, name, amounts, width);
  }
  return clipped;
}

/** Each account's amounts with every subaccount's rolled in; parents appear even without postings of their own. */
export function rollUpColumns(columns: ReadonlyMap<AccountName, readonly MixedAmount[]>, width: number): Map<AccountName, MixedAmount[]> {
  const inclusive = new Map<AccountName, MixedAmount[]>();
  for (const [account, amounts] of columns) {
    for (const ancestor of accountAndAncestors(account)) addColumns(inclusive, ancestor, amounts, width);
  }
  return inclusive;
}

function addColumns(target: Map<AccountName, MixedAmount[]>, account: AccountName, amounts: readonly MixedAmount[], width: number): void {
  let sums = target.get(account);
  if (!sums) target.set(account, (sums = Array.from({ length: width }, () => new MixedAmount())));
  amounts.forEach((amount, index) => sums[index]!.addAll(amount));
}

export function sumColumns(columns: Iterable<readonly MixedAmount[]>, width: number): MixedAmount[] {
  const sums = Array.from({ length: width }, () => new MixedAmount());
  for (const amounts of columns) amounts.forEach((amount, index) => sums[index]!.addAll(amount));
  return sums;
}

/** Orders accounts segment by segment, so that every account comes right before its subaccounts. */
export function compareAccounts(a: AccountName, b: AccountName): number {
  const left = accountSegments(a);
  const right = accountSegments(b);
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const x = left[index]!;
    const y = right[index]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

/** The row total: the sum of the changes, or the last balance of a historical report. */
export function rowTotal(amounts: readonly MixedAmount[], accumulation: Accumulation): MixedAmount {
  if (accumulation === 'historical') return amounts[amounts.length - 1]?.clone() ?? new MixedAmount();
  return totalOfColumns(amounts);
}

export function totalOfColumns(amounts: readonly MixedAmount[]): MixedAmount {
  const total = new MixedAmount();
  for (const amount of amounts) total.addAll(amount);
  return total;
}
