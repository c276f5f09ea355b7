import { type AccountName, accountAndAncestors } from '../account.js';
import { type Amount, MixedAmount } from '../amount.js';
import { assert, TallystickError } from '../errors.js';
import { type AmountList, type DateRangeOptions, aggregatePostings } from './aggregate.js';
import { incomeStatementReport } from './financial-statements.js';
import { type ReportPeriod } from './periods.js';
import { type ReportInput } from './report-input.js';

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

/** Income, expenses and net income of each month in the range: the columns of hledger `incomestatement -M`. */
export function incomeExpensesByMonth(input: ReportInput, options: DateRangeOptions = {}): IncomeExpensesByMonth {
  const report = incomeStatementReport(input, { ...options, interval: 'monthly' });
  checkMonths(report.periods.length);
  const [income, expenses] = report.sections;
  const months = report.periods.map((period, index): MonthIncomeExpenses => {
    const earned = negated(income.totals.amounts[index] ?? []);
    const spent = expenses.totals.amounts[index] ?? [];
    const net = negated(report.net.amounts[index] ?? []);
    // Income less expenses is the net the statement computes: the two must agree to the unit.
    const check = MixedAmount.of(earned).addAll(MixedAmount.of(spent).negate()).addAll(MixedAmount.of(net).negate());
    assert(check.isZero(), `income less expenses must equal net income in ${period.label}`);
    return { period, income: earned, expenses: spent, net };
  });
  return { months, precisions: report.precisions };
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

function negated(amounts: AmountList): Amount[] {
  return amounts.map((amount) => ({ commodity: amount.commodity, quantity: amount.quantity.negate() }));
}
