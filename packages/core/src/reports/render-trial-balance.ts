import { type CommodityStyles, commodityStyles, formatAmountLines } from './amount-style.js';
import { lastDayBefore, rangeLabel } from './periods.js';
import { renderTextTable } from './render-table.js';
import { type TrialBalanceReport, type TrialBalanceRow } from './trial-balance.js';

/** Account, Debit and Credit columns, a Total line with equal columns. Empty cells stay blank. */
export function renderTrialBalance(report: TrialBalanceReport, styles?: CommodityStyles): string {
  const rows = report.conversions ? [...report.rows, report.conversions] : report.rows;
  const style = styles ?? commodityStyles({ precisions: report.precisions });
  const cells = (row: Pick<TrialBalanceRow, 'debit' | 'credit'>) => [row.debit, row.credit].map((amounts) => (amounts.length === 0 ? [] : formatAmountLines(amounts, style)));
  const table = renderTextTable({
    header: ['Debit', 'Credit'],
    sections: [{
      rows: rows.map((row) => ({ label: row.account, cells: cells(row) })),
      total: { label: 'Total', cells: [report.totals.debit, report.totals.credit].map((amounts) => formatAmountLines(amounts, style)) },
    }],
  });
  const dates = report.accumulation === 'historical' ? (report.period.end !== undefined ? lastDayBefore(report.period.end) : '') : rangeLabel(report.period.begin, report.period.end);
  return `${`Trial Balance ${dates}`.trimEnd()}\n\n${table}`;
}
