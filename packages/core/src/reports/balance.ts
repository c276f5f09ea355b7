import { type AccountName, accountAndAncestors, accountDepth } from '../account.js';
import { type MixedAmount } from '../amount.js';
import { TallystickError } from '../errors.js';
import {
  type Accumulation, type AmountList, type DateRangeOptions, aggregatePostings, clipColumns, compareAccounts,
  rollUpColumns, rowTotal, sumColumns,
} from './aggregate.js';
import { type ReportInterval, type ReportPeriod } from './periods.js';
import { type ReportInput, accountMatcher } from './report-input.js';

/** `flat`: each account's own postings only. `tree`: each account's total including its subaccounts. */
export type BalanceMode = 'flat' | 'tree';

export interface BalanceTableOptions {
  readonly mode?: BalanceMode;
  /** Accounts deeper than this are merged into their ancestor at this depth. */
  readonly depth?: number;
  /** Show accounts whose balance is zero in every column (hidden by default). */
  readonly showZero?: boolean;
}

export interface BalanceOptions extends DateRangeOptions, BalanceTableOptions {
  /** One column per period, plus a total. Without it, a single column for the whole range. */
  readonly interval?: ReportInterval;
  readonly accumulation?: Accumulation;
  /** Only accounts matching this case-insensitive regular expression (hledger's account query). */
  readonly accountPattern?: string;
}

export interface BalanceRow {
  readonly account: AccountName;
  /** Nesting level in a tree report (0 for a top-level account); always 0 in a flat report. */
  readonly indent: number;
  /** One entry per period. */
  readonly amounts: readonly AmountList[];
  /** Sum of the changes, or for a historical report the last balance. */
  readonly total: AmountList;
}

export interface BalanceTotals {
  readonly amounts: readonly AmountList[];
  readonly total: AmountList;
}

export interface BalanceTable {
  readonly rows: readonly BalanceRow[];
  /** Every posting counted once (the sum of the top-level rows in a tree, of all rows when flat). */
  readonly totals: BalanceTotals;
}

export interface BalanceReport extends BalanceTable {
  readonly mode: BalanceMode;
  readonly accumulation: Accumulation;
  /** Set when the columns are periods (even if there is only one). */
  readonly interval?: ReportInterval;
  readonly periods: readonly ReportPeriod[];
  /** Largest number of decimal places per commodity among all postings read: the default display precision. */
  readonly precisions: ReadonlyMap<string, number>;
}

/** hledger `balance`: flat or tree, optional depth, date range and period columns, zero rows hidden. */
export function balanceReport(input: ReportInput, options: BalanceOptions = {}): BalanceReport {
  checkDepth(options.depth);
  const accumulation = options.accumulation ?? 'change';
  const aggregation = aggregatePostings(input.postings, {
    ...(options.begin ? { begin: options.begin } : {}),
    ...(options.end ? { end: options.end } : {}),
    ...(options.interval ? { interval: options.interval } : {}),
    ...(options.accountPattern !== undefined ? { include: accountMatcher(options.accountPattern) } : {}),
    accumulation,
  });
  const table = balanceTable(aggregation.columns, aggregation.periods.length, accumulation, options);
  return { mode: options.mode ?? 'flat', accumulation, ...(options.interval ? { interval: options.interval } : {}), periods: aggregation.periods, precisions: aggregation.precisions, ...table };
}

export function checkDepth(depth: number | undefined): void {
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) {
    throw new TallystickError('invalid_depth', `depth ${depth} is not allowed (expected a whole number of account levels, 1 or more)`);
  }
}

/** Rows and totals from per-account columns (own postings of each full account name). */
export function balanceTable(columns: ReadonlyMap<AccountName, readonly MixedAmount[]>, width: number, accumulation: Accumulation, options: BalanceTableOptions): BalanceTable {
  const clipped = clipColumns(columns, options.depth, width);
  const tree = options.mode === 'tree';
  const shown = tree ? rollUpColumns(clipped, width) : clipped;
  const visible = new Set<AccountName>();
  for (const [account, amounts] of shown) {
    if (!options.showZero && amounts.every((amount) => amount.isZero())) continue;
    // A tree shows the parents of every shown account, even when they net to zero.
    for (const name of tree ? accountAndAncestors(account) : [account]) visible.add(name);
  }
  const rows = [...visible].sort(compareAccounts).map((account): BalanceRow => {
    const amounts = shown.get(account)!;
    return {
      account,
      indent: tree ? accountDepth(account) - 1 : 0,
      amounts: amounts.map((amount) => amount.amounts()),
      total: rowTotal(amounts, accumulation).amounts(),
    };
  });
  const sums = sumColumns(clipped.values(), width);
  return { rows, totals: { amounts: sums.map((sum) => sum.amounts()), total: rowTotal(sums, accumulation).amounts() } };
}
