import { type Amount, negateAmount } from '../amount.js';
import { type AmountList } from './aggregate.js';
import { type CommodityStyles, commodityStyles, formatAmountLines } from './amount-style.js';
import { type BalanceTotals } from './balance.js';
import { type BalanceSheetReport, type IncomeStatementReport, type StatementSection } from './financial-statements.js';
import { rangeLabel } from './periods.js';
import { columnTitle, rowLabel } from './render-balance.js';
import { type TextTableRow, type TextTableSection, renderTextTable } from './render-table.js';

export const CURRENT_EARNINGS_LABEL = 'Current earnings';
export const CONVERSIONS_LABEL = 'Conversions';

/**
 * hledger `bse`-style text: Assets, Liabilities, Equity, then Net. Liabilities and equity read positive.
 * Equity includes a "Current earnings" row (net income not yet closed into equity) so that the sheet balances.
 */
export function renderBalanceSheet(report: BalanceSheetReport, styles?: CommodityStyles): string {
  const style = styles ?? commodityStyles({ precisions: report.precisions });
  const render = cellRenderer(report.periods.length, style, false);
  const sections: TextTableSection[] = report.sections.map((section) => {
    const extra: TextTableRow[] = [];
    if (section.type === 'equity') {
      if (!isZeroTotals(report.currentEarnings)) extra.push(render(CURRENT_EARNINGS_LABEL, report.currentEarnings, -1));
      if (report.conversions) extra.push(render(CONVERSIONS_LABEL, report.conversions, -1));
    }
    return sectionOf(report, section, render, extra);
  });
  if (report.unclassified) {
    sections.push({
      heading: 'Unclassified (no account type: declare one)',
      rows: report.unclassified.rows.map((row) => render(rowLabel(report, row), row, 1)),
      total: render('', report.unclassified.totals, 1),
    });
  }
  sections.push({ rows: [], total: render('Net:', report.net, 1) });
  const last = report.periods[report.periods.length - 1];
  const title = `Balance Sheet ${last?.end !== undefined ? columnTitle(last, true) : ''}`.trimEnd();
  const table = renderTextTable({ header: report.periods.map((period) => columnTitle(period, true)), sections });
  const note = isZeroTotals(report.currentEarnings) && !report.conversions ? '' : `\n${footnote(report)}\n`;
  return `${title}\n\n${table}${note}`;
}

function footnote(report: BalanceSheetReport): string {
  const parts = [`${CURRENT_EARNINGS_LABEL}: net income not yet closed into equity, shown so that the sheet balances.`];
  if (report.conversions) parts.push(`${CONVERSIONS_LABEL}: the difference left by postings priced in another commodity.`);
  return parts.join('\n');
}

/** hledger `is`-style text: Income (shown positive), Expenses, then Net (positive for a profit). */
export function renderIncomeStatement(report: IncomeStatementReport, styles?: CommodityStyles): string {
  const style = styles ?? commodityStyles({ precisions: report.precisions });
  const withTotal = report.periods.length > 1;
  const render = cellRenderer(report.periods.length, style, withTotal);
  const sections: TextTableSection[] = report.sections.map((section) => sectionOf(report, section, render, []));
  sections.push({ rows: [], total: render('Net:', report.net, -1) });
  const first = report.periods[0];
  const last = report.periods[report.periods.length - 1];
  const header = [...report.periods.map((period) => period.label), ...(withTotal ? ['Total'] : [])];
  return `Income Statement ${rangeLabel(first?.begin, last?.end)}\n\n${renderTextTable({ header, sections })}`;
}

type CellRenderer = (label: string, values: BalanceTotals, sign: 1 | -1) => TextTableRow;

function cellRenderer(width: number, styles: CommodityStyles, withTotal: boolean): CellRenderer {
  return (label, values, sign) => {
    const columns = Array.from({ length: width }, (_, index) => values.amounts[index] ?? []);
    return { label, cells: [...columns, ...(withTotal ? [values.total] : [])].map((amounts) => formatAmountLines(signed(amounts, sign), styles)) };
  };
}

function sectionOf(report: { readonly mode: string }, section: StatementSection, render: CellRenderer, extra: readonly TextTableRow[]): TextTableSection {
  return {
    heading: section.title,
    rows: [...section.rows.map((row) => render(rowLabel(report, row), row, section.displaySign)), ...extra],
    total: render('', section.totals, section.displaySign),
  };
}

function signed(amounts: AmountList, sign: 1 | -1): Amount[] {
  return sign === 1 ? [...amounts] : amounts.map(negateAmount);
}

function isZeroTotals(totals: BalanceTotals): boolean {
  return totals.total.length === 0 && totals.amounts.every((amounts) => amounts.length === 0);
}
