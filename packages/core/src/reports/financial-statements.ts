import { type AccountName, type AccountType } from '../account.js';
import { MixedAmount } from '../amount.js';
import { assert } from '../errors.js';
import {
  type Accumulation, type DateRangeOptions, type Aggregation, aggregatePostings, rowTotal, sumColumns,
} from './aggregate.js';
import { type BalanceMode, type BalanceTableOptions, type BalanceTotals, type BalanceRow, balanceTable, checkDepth } from './balance.js';
import { type ReportInterval, type ReportPeriod } from './periods.js';
import { type ReportInput, accountTypeResolver } from './report-input.js';

export interface StatementOptions extends DateRangeOptions, BalanceTableOptions {
  /** One column per period. A balance sheet's columns are balances at each period's end. */
  readonly interval?: ReportInterval;
}

export interface StatementSection {
  readonly type: AccountType;
  readonly title: string;
  /**
   * Amounts are kept as recorded (credits negative). Text shows them times this sign, so that
   * liabilities, equity and income read positive, as hledger's `bs` and `is` show them.
   */
  readonly displaySign: 1 | -1;
  readonly rows: readonly BalanceRow[];
  /** The section's total; for equity it includes current earnings and conversions. */
  readonly totals: BalanceTotals;
}

export interface BalanceSheetReport {
  readonly mode: BalanceMode;
  readonly accumulation: 'historical';
  readonly periods: readonly ReportPeriod[];
  /** Assets, liabilities, equity, in that order. */
  readonly sections: readonly [StatementSection, StatementSection, StatementSection];
  /**
   * Net income (income + expenses, as recorded) not yet closed into equity, through each column's end.
   * Shown in equity so that the sheet balances before the books are closed.
   */
  readonly currentEarnings: BalanceTotals;
  /** Differences left by priced postings (see TrialBalanceReport.conversions), in equity; absent if none. */
  readonly conversions?: BalanceTotals;
  /** Accounts with no declared type and a root name that implies none: in no section. Absent if none. */
  readonly unclassified?: { readonly rows: readonly BalanceRow[]; readonly totals: BalanceTotals };
  /** Assets + liabilities + equity as recorded: zero, unless there are unclassified accounts. */
  readonly net: BalanceTotals;
  /** Largest number of decimal places per commodity among all postings read. */
  readonly precisions: ReadonlyMap<string, number>;
}

export interface IncomeStatementReport {
  readonly mode: BalanceMode;
  readonly accumulation: 'change';
  readonly periods: readonly ReportPeriod[];
  /** Income, expenses. */
  readonly sections: readonly [StatementSection, StatementSection];
  /** Income + expenses as recorded: negative is a profit. Text shows it negated, as "net income". */
  readonly net: BalanceTotals;
  /** Largest number of decimal places per commodity among all postings read. */
  readonly precisions: ReadonlyMap<string, number>;
}

const SECTION_TITLES: Record<AccountType, string> = {
  asset: 'Assets', liability: 'Liabilities', equity: 'Equity', income: 'Income', expense: 'Expenses',
};

/** Balances at the end of the range (or of each period), earlier postings included, by account type. */
export function balanceSheetReport(input: ReportInput, options: StatementOptions = {}): BalanceSheetReport {
  const { aggregation, byType, width } = classify(input, options, 'historical');
  const assets = section('asset', byType, width, 'historical', options);
  const liabilities = section('liability', byType, width, 'historical', options);
  const equityAccounts = section('equity', byType, width, 'historical', options);
  const earnings = sumColumns([...columnsOf(byType, 'income').values(), ...columnsOf(byType, 'expense').values()], width);
  const conversions = sumColumns(aggregation.columns.values(), width).map((sum) => sum.negate());
  const equityTotal = sumColumns([columnsTotal(equityAccounts.totals, width), earnings, conversions], width);
  const equity: StatementSection = { ...equityAccounts, totals: totalsOf(equityTotal, 'historical') };
  const net = sumColumns([columnsTotal(assets.totals, width), columnsTotal(liabilities.totals, width), equityTotal], width);
  const unclassifiedColumns = columnsOf(byType, undefined);
  const unclassified = balanceTable(unclassifiedColumns, width, 'historical', options);
  assert(sumColumns([net, ...unclassifiedColumns.values()], width).every((sum) => sum.isZero()), 'balance sheet: assets + liabilities + equity must balance');
  return {
    mode: options.mode ?? 'flat',
    accumulation: 'historical',
    periods: aggregation.periods,
    sections: [assets, liabilities, equity],
    currentEarnings: totalsOf(earnings, 'historical'),
    ...(conversions.some((sum) => !sum.isZero()) ? { conversions: totalsOf(conversions, 'historical') } : {}),
    ...(unclassified.rows.length > 0 ? { unclassified } : {}),
    net: totalsOf(net, 'historical'),
    precisions: aggregation.precisions,
  };
}

/** Income and expenses between the dates (or in each period), and the net. */
export function incomeStatementReport(input: ReportInput, options: StatementOptions = {}): IncomeStatementReport {
  const { aggregation, byType, width } = classify(input, options, 'change');
  const income = section('income', byType, width, 'change', options);
  const expenses = section('expense', byType, width, 'change', options);
  const net = sumColumns([columnsTotal(income.totals, width), columnsTotal(expenses.totals, width)], width);
  return {
    mode: options.mode ?? 'flat',
    accumulation: 'change',
    periods: aggregation.periods,
    sections: [income, expenses],
    net: totalsOf(net, 'change'),
    precisions: aggregation.precisions,
  };
}

type ColumnsByType = Map<AccountType | undefined, Map<AccountName, readonly MixedAmount[]>>;

function classify(input: ReportInput, options: StatementOptions, accumulation: Accumulation): { aggregation: Aggregation; byType: ColumnsByType; width: number } {
  checkDepth(options.depth);
  const aggregation = aggregatePostings(input.postings, {
    ...(options.begin ? { begin: options.begin } : {}),
    ...(options.end ? { end: options.end } : {}),
    ...(options.interval ? { interval: options.interval } : {}),
    accumulation,
  });
  // Typed by full name before any depth clipping, so that a declared subaccount type is honoured.
  const typeOf = accountTypeResolver(input.accountTypes);
  const byType: ColumnsByType = new Map();
  for (const [account, columns] of aggregation.columns) {
    const type = typeOf(account);
    let group = byType.get(type);
    if (!group) byType.set(type, (group = new Map()));
    group.set(account, columns);
  }
  return { aggregation, byType, width: aggregation.periods.length };
}

function columnsOf(byType: ColumnsByType, type: AccountType | undefined): ReadonlyMap<AccountName, readonly MixedAmount[]> {
  return byType.get(type) ?? new Map();
}

function section(type: AccountType, byType: ColumnsByType, width: number, accumulation: Accumulation, options: BalanceTableOptions): StatementSection {
  const table = balanceTable(columnsOf(byType, type), width, accumulation, options);
  return { type, title: SECTION_TITLES[type], displaySign: type === 'asset' || type === 'expense' ? 1 : -1, ...table };
}

function columnsTotal(totals: BalanceTotals, width: number): MixedAmount[] {
  return Array.from({ length: width }, (_, index) => MixedAmount.of(totals.amounts[index] ?? []));
}

function totalsOf(columns: readonly MixedAmount[], accumulation: Accumulation): BalanceTotals {
  return { amounts: columns.map((sum) => sum.amounts()), total: rowTotal(columns, accumulation).amounts() };
}
