import { type AccountName, accountAndAncestors } from '../account.js';
import { MixedAmount } from '../amount.js';
import { type IsoDate, addDays } from '../date.js';
import { assert, TallystickError } from '../errors.js';
import { type AmountList, type DateRangeOptions, aggregatePostings } from './aggregate.js';
import { type ReportPeriod, nextPeriodStart, periodStart, periodsCovering } from './periods.js';
import { type ReportInput, type ReportPosting, accountTypeResolver } from './report-input.js';

/*
 * The figures behind the app's charts, month by month. They are the columns of reports hledger already
 * has, so they can be checked against it: balances over time are `hledger balance -M --historical`
 * (each chosen account with its subaccounts), income against expenses is `hledger incomestatement -M`.
 */

/** A chart with more lines than this is unreadable; the service refuses more. */
export const MAX_CHART_ACCOUNTS = 8;
/** Fifty years of months: a bound on the columns one request may ask for. */
export const MAX_CHART_MONTHS = 600;

export interface BalancesOverTimeOptions extends DateRangeOptions {
  /** Each with its subaccounts, matched by full name (as `Assets:Bank` covers `Assets:Bank:Savings`). */
  readonly accounts: readonly AccountName[];
}

export interface AccountBalances {
  readonly account: AccountName;
  /** The balance at the end of each month, as recorded (credit balances negative), everything before included. */
  readonly balances: readonly AmountList[];
}

export interface BalancesOverTime {
  /** Whole months from the one holding the first day (or the first posting) to the one holding the last. */
  readonly periods: readonly ReportPeriod[];
  readonly accounts: readonly AccountBalances[];
  readonly precisions: ReadonlyMap<string, number>;
}

/** End-of-month balances of the chosen accounts, subaccounts included: hledger `balance -M --historical`. */
export function balancesOverTime(input: ReportInput, options: BalancesOverTimeOptions): BalancesOverTime {
  checkAccounts(options.accounts);
  const chosen = new Set(options.accounts);
  // Asked once per posting, of a few hundred names at most: remembered per name.
  const charted = new Map<AccountName, boolean>();
  const isCharted = (account: AccountName): boolean => {
    let answer = charted.get(account);
    if (answer === undefined) {
      answer = accountAndAncestors(account).some((name) => chosen.has(name));
      charted.set(account, answer);
    }
    return answer;
  };
  const aggregation = aggregatePostings(input.postings, {
    ...(options.begin ? { begin: options.begin } : {}),
    ...(options.end ? { end: options.end } : {}),
    interval: 'monthly',
    accumulation: 'historical',
    include: isCharted,
  });
  checkMonths(aggregation.periods.length);
  const width = aggregation.periods.length;
  const sums = new Map(options.accounts.map((account) => [account, Array.from({ length: width }, () => new MixedAmount())]));
  // Chosen accounts may nest (Assets and Assets:Bank): each account's columns count for every chosen ancestor.
  for (const [account, columns] of aggregation.columns) {
    for (const [target, totals] of sums) {
      if (account !== target && !account.startsWith(`${target}:`)) continue;
      columns.forEach((amount, index) => totals[index]!.addAll(amount));
    }
  }
  return {
    periods: aggregation.periods,
    accounts: options.accounts.map((account) => ({ account, balances: sums.get(account)!.map((sum) => sum.amounts()) })),
    precisions: aggregation.precisions,
  };
}

export interface MonthIncomeExpenses {
  readonly period: ReportPeriod;
  /** Income earned in the month, shown positive as an income statement shows it. */
  readonly income: AmountList;
  /** Expenses of the month, positive. */
  readonly expenses: AmountList;
  /** Income less expenses: negative is a loss. */
  readonly net: AmountList;
}

export interface IncomeExpensesByMonth {
  readonly months: readonly MonthIncomeExpenses[];
  readonly precisions: ReadonlyMap<string, number>;
}

/**
 * Income, expenses and net income of each month in the range: the columns of hledger `incomestatement -M`
 * (and of `incomeStatementReport` with a monthly interval, which the tests hold it to). Only income and
 * expense postings are summed, which is most of the cost; the months still span every posting in the
 * range, as hledger's do.
 */
export function incomeExpensesByMonth(input: ReportInput, options: DateRangeOptions = {}): IncomeExpensesByMonth {
  const typeOf = accountTypeResolver(input.accountTypes);
  const span = postingSpan(input.postings, options);
  const aggregation = aggregatePostings(span.postings, {
    ...options, interval: 'monthly', accumulation: 'change', include: (account) => { const type = typeOf(account); return type === 'income' || type === 'expense'; },
  });
  const from = options.begin !== undefined ? periodStart(options.begin, 'monthly') : span.first;
  const through = options.end !== undefined ? addDays(options.end, -1) : span.last;
  const periods = from === undefined || through === undefined ? [] : periodsCovering(from, through, 'monthly');
  checkMonths(periods.length);
  const columnOf = new Map(aggregation.periods.map((period, index) => [period.label, index]));
  const sums = { income: periods.map(() => new MixedAmount()), expense: periods.map(() => new MixedAmount()) };
  for (const [account, columns] of aggregation.columns) {
    const type = typeOf(account);
    assert(type === 'income' || type === 'expense', `only income and expense accounts are summed, not ${account}`);
    periods.forEach((period, index) => {
      const column = columnOf.get(period.label);
      if (column !== undefined) sums[type][index]!.addAll(columns[column]!);
    });
  }
  const months = periods.map((period, index): MonthIncomeExpenses => {
    const earned = sums.income[index]!.negate();
    const spent = sums.expense[index]!;
    return { period, income: earned.amounts(), expenses: spent.amounts(), net: earned.clone().addAll(spent.negate()).amounts() };
  });
  return { months, precisions: aggregation.precisions };
}

/**
 * The postings, passed through once, noting the first and last date among those in the range (months
 * widened to whole ones), whatever their account: the months a monthly report spans.
 */
function postingSpan(postings: Iterable<ReportPosting>, options: DateRangeOptions): { postings: Iterable<ReportPosting>; first?: IsoDate; last?: IsoDate } {
  const begin = options.begin !== undefined ? periodStart(options.begin, 'monthly') : undefined;
  const end = options.end !== undefined ? (periodStart(options.end, 'monthly') === options.end ? options.end : nextPeriodStart(periodStart(options.end, 'monthly'), 'monthly')) : undefined;
  const span: { postings: Iterable<ReportPosting>; first?: IsoDate; last?: IsoDate } = {
    postings: {
      *[Symbol.iterator]() {
        for (const posting of postings) {
          const { date } = posting;
          if ((begin === undefined || date >= begin) && (end === undefined || date < end)) {
            if (span.first === undefined || date < span.first) span.first = date;
            if (span.last === undefined || date > span.last) span.last = date;
          }
          yield posting;
        }
      },
    },
  };
  return span;
}

function checkAccounts(accounts: readonly AccountName[]): void {
  if (accounts.length === 0) throw new TallystickError('no_chart_accounts', 'choose at least one account to chart');
  if (accounts.length > MAX_CHART_ACCOUNTS) {
    throw new TallystickError('too_many_chart_accounts', `${accounts.length} accounts were chosen; a chart shows at most ${MAX_CHART_ACCOUNTS} (choose fewer)`);
  }
  if (new Set(accounts).size !== accounts.length) throw new TallystickError('duplicate_chart_account', 'an account was chosen twice; choose each account once');
}

function checkMonths(count: number): void {
  if (count > MAX_CHART_MONTHS) {
    throw new TallystickError('chart_period_too_long', `the period covers ${count} months; a chart shows at most ${MAX_CHART_MONTHS} (choose a shorter period)`);
  }
}

