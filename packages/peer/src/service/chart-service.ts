import {
  type AccountName, type Amount, type AmountList, type CommodityStyles, Decimal, MAX_CHART_ACCOUNTS, TallystickError, accountTypeResolver, balancesOverTime,
  commodityStyles, formatAmount, incomeExpensesByMonth,
} from '@tallystick/core';
import type { BookView } from '@tallystick/sync/book-index';
import type { BalanceOverTimeLine, BalancesOverTime, BookApi, ChartFigure, IncomeExpenses, ServiceResult } from './protocol.js';
import { type ReportPeriod, readPeriodRequest, record, text } from './requests.js';

/*
 * The Charts screen's handlers: core's chart series (the columns of hledger's monthly `balance
 * --historical` and `incomestatement`), each figure both exact and formatted, so the screen draws from
 * the one and shows the other without doing arithmetic on money.
 */

export type ChartMethod = 'balancesOverTime' | 'incomeExpenses';

export interface ChartServiceParts {
  readonly answer: <T>(work: () => Promise<T>) => Promise<ServiceResult<T>>;
  /** The book as reports read it (cached between requests while unchanged). */
  readonly read: () => Promise<BookView>;
}

export function createChartService({ answer, read }: ChartServiceParts): Pick<BookApi, ChartMethod> {
  return {
    balancesOverTime: (request) => answer(async (): Promise<BalancesOverTime> => {
      const { period, accounts: chosen } = readBalancesOverTimeRequest(request);
      const view = await read();
      const input = view.reportInput();
      if (chosen.length > 0) refuseUnknownAccounts(view, chosen);
      const accounts = chosen.length > 0 ? chosen : defaultAccounts(view, input.accountTypes);
      if (accounts.length === 0) return { period: period.words, accounts: [], months: [], lines: [] };
      const series = balancesOverTime(input, { accounts, ...dateRange(period) });
      const styles = commodityStyles({ declarations: view.commodities, precisions: series.precisions });
      const lines: BalanceOverTimeLine[] = series.accounts.flatMap((line) => commoditiesOf(line.balances).map((commodity) => ({
        account: line.account, commodity, figures: line.balances.map((amounts) => figureOf(amounts, commodity, styles)),
      })));
      return { period: period.words, accounts, months: series.periods.map((month) => month.label), lines };
    }),
    incomeExpenses: (request) => answer(async (): Promise<IncomeExpenses> => {
      const period = readPeriodRequest(request);
      const view = await read();
      const series = incomeExpensesByMonth(view.reportInput(), dateRange(period));
      const styles = commodityStyles({ declarations: view.commodities, precisions: series.precisions });
      const commodities = commoditiesOf(series.months.flatMap((month) => [month.income, month.expenses]));
      return {
        period: period.words,
        commodities: commodities.map((commodity) => ({
          commodity,
          months: series.months.map((month) => ({
            month: month.period.label,
            income: figureOf(month.income, commodity, styles),
            expenses: figureOf(month.expenses, commodity, styles),
            net: figureOf(month.net, commodity, styles),
          })),
        })),
      };
    }),
  };
}

/** A period, and the accounts by full name (each at most once, at most MAX_CHART_ACCOUNTS). */
export function readBalancesOverTimeRequest(value: unknown): { period: ReportPeriod; accounts: AccountName[] } {
  const request = value === undefined || value === null ? {} : record(value);
  const period = readPeriodRequest({ from: request.from, through: request.through });
  const given = request.accounts ?? [];
  if (!Array.isArray(given) || given.length > MAX_CHART_ACCOUNTS) throw new TallystickError('invalid_request', `Choose at most ${MAX_CHART_ACCOUNTS} accounts to chart.`);
  const accounts = given.map((account) => text(account, 'An account').trim());
  const unknown = accounts.find((account) => !/^[^:\s][^:]*(?::[^:]+)*$/u.test(account));
  if (unknown !== undefined) throw new TallystickError('invalid_request', `"${unknown}" is not an account name (like Assets:Bank).`);
  return { period, accounts: accounts as AccountName[] };
}

/** An account the books have never used charts as a flat zero: say so instead. */
function refuseUnknownAccounts(view: BookView, chosen: readonly AccountName[]): void {
  const known = view.accountNames();
  const unknown = chosen.filter((account) => !known.some((name) => name === account || name.startsWith(`${account}:`)));
  if (unknown.length > 0) {
    throw new TallystickError('unknown_account', `The books have no account ${unknown.map((account) => `"${account}"`).join(', ')}; choose one from the list.`);
  }
}

/** What a member most often wants to see move: the top-level asset and liability accounts. */
function defaultAccounts(view: BookView, declared: Parameters<typeof accountTypeResolver>[0]): AccountName[] {
  const typeOf = accountTypeResolver(declared);
  const roots = [...new Set(view.accountNames().map((account) => account.split(':')[0]!))] as AccountName[];
  return roots.filter((root) => typeOf(root) === 'asset' || typeOf(root) === 'liability').slice(0, MAX_CHART_ACCOUNTS);
}

function commoditiesOf(columns: readonly AmountList[]): string[] {
  return [...new Set(columns.flatMap((amounts) => amounts.map((amount) => amount.commodity)))].sort();
}

function figureOf(amounts: AmountList, commodity: string, styles: CommodityStyles): ChartFigure {
  const amount: Amount = amounts.find((candidate) => candidate.commodity === commodity) ?? { commodity, quantity: Decimal.ZERO };
  return { quantity: amount.quantity.toString(), shown: formatAmount(amount, styles) };
}

function dateRange(period: ReportPeriod): { begin?: NonNullable<ReportPeriod['begin']>; end?: NonNullable<ReportPeriod['end']> } {
  return { ...(period.begin ? { begin: period.begin } : {}), ...(period.end ? { end: period.end } : {}) };
}
