export {
  type ReportInput, type ReportPosting, accountMatcher, accountTypeResolver, declaredAccountTypes, displayDescription, postingsOfBook, reportInputOfBook,
} from './report-input.js';
export {
  REPORT_INTERVALS, type ReportInterval, type ReportPeriod, lastDayBefore, nextPeriodStart, periodLabel, periodStart, periodsCovering, rangeLabel,
} from './periods.js';
export { type Accumulation, type AmountList, type DateRangeOptions, compareAccounts } from './aggregate.js';
export {
  type BalanceMode, type BalanceOptions, type BalanceReport, type BalanceRow, type BalanceTable, type BalanceTableOptions, type BalanceTotals, balanceReport,
} from './balance.js';
export { type RegisterOptions, type RegisterReport, type RegisterRow, registerReport } from './register.js';
export { type TrialBalanceOptions, type TrialBalanceReport, type TrialBalanceRow, trialBalanceReport } from './trial-balance.js';
export {
  type BalanceSheetReport, type IncomeStatementReport, type StatementOptions, type StatementSection, balanceSheetReport, incomeStatementReport,
} from './financial-statements.js';
export {
  type CommodityStyle, type CommodityStyleSources, type CommodityStyles, commodityStyles, defaultStyle, formatAmount, formatAmountLines,
  formatAmountsInline, styleFromFormat,
} from './amount-style.js';
export { renderBalanceReport } from './render-balance.js';
export { renderRegister } from './render-register.js';
export { renderTrialBalance } from './render-trial-balance.js';
export { CONVERSIONS_LABEL, CURRENT_EARNINGS_LABEL, renderBalanceSheet, renderIncomeStatement } from './render-statements.js';
export {
  type AccountBalances, type BalancesOverTime, type BalancesOverTimeOptions, type IncomeExpensesByMonth, type MonthIncomeExpenses, MAX_CHART_ACCOUNTS, MAX_CHART_MONTHS,
  balancesOverTime, incomeExpensesByMonth,
} from './chart-series.js';
