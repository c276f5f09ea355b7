import { type Amount } from '../amount.js';
import { accountSegments } from '../account.js';
import { type CommodityStyles, commodityStyles, formatAmountLines } from './amount-style.js';
import { type BalanceReport, type BalanceRow } from './balance.js';
import { type ReportPeriod, lastDayBefore, rangeLabel } from './periods.js';
import { type TextTableRow, padStart, renderTextTable, textWidth } from './render-table.js';

/** The width hledger gives the amount column of a single-column balance report, at least. */
const AMOUNT_WIDTH = 20;

/**
 * hledger-style text: a single column as `bal` prints it (amounts right-aligned, one line per commodity,
 * the account name on the last line, a rule and the grand total), several periods as a table with a
 * Total column. Without `styles`, amounts are styled from the report's own amounts.
 */
export function renderBalanceReport(report: BalanceReport, styles?: CommodityStyles): string {
  const style = styles ?? commodityStyles({ precisions: report.precisions });
  if (!report.interval) return renderSingleColumn(report, style);
  const title = `${report.accumulation === 'change' ? 'Balance changes' : 'Ending balances'} ${rangeLabel(report.periods[0]?.begin, report.periods[report.periods.length - 1]?.end)}`;
  const withTotal = report.accumulation === 'change';
  const header = [...report.periods.map((period) => columnTitle(period, report.accumulation === 'historical')), ...(withTotal ? ['Total'] : [])];
  const row = (label: string, values: { amounts: readonly (readonly Amount[])[]; total: readonly Amount[] }): TextTableRow => ({
    label,
    cells: [...values.amounts, ...(withTotal ? [values.total] : [])].map((amounts) => formatAmountLines(amounts, style)),
  });
  const table = renderTextTable({
    header,
    sections: [{ rows: report.rows.map((each) => row(rowLabel(report, each), each)), total: row('', report.totals) }],
  });
  return `${title}\n\n${table}`;
}

function renderSingleColumn(report: BalanceReport, styles: CommodityStyles): string {
  const blocks = report.rows.map((row) => ({ lines: formatAmountLines(row.total, styles), label: rowLabel(report, row) }));
  const total = formatAmountLines(report.totals.total, styles);
  const width = Math.max(AMOUNT_WIDTH, ...blocks.flatMap((block) => block.lines.map(textWidth)), ...total.map(textWidth));
  const lines: string[] = [];
  for (const block of blocks) {
    block.lines.forEach((amount, index) => {
      lines.push(index === block.lines.length - 1 ? `${padStart(amount, width)}  ${block.label}` : padStart(amount, width));
    });
  }
  lines.push('-'.repeat(width), ...total.map((amount) => padStart(amount, width)));
  return `${lines.join('\n')}\n`;
}

/** Tree rows show their last segment indented two spaces per level; flat rows the full name. */
export function rowLabel(report: { readonly mode: string }, row: BalanceRow): string {
  if (report.mode !== 'tree') return row.account;
  return `${'  '.repeat(row.indent)}${accountSegments(row.account).slice(row.indent).join(':')}`;
}

/** A historical column is labelled by its last day (a balance "as of"); a change column by its period. */
export function columnTitle(period: ReportPeriod, historical: boolean): string {
  return historical && period.end !== undefined ? lastDayBefore(period.end) : period.label;
}
