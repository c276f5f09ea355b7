import { type CommodityStyles, commodityStyles, formatAmount, formatAmountLines } from './amount-style.js';
import { type RegisterReport } from './register.js';
import { padEnd, padStart, textWidth } from './render-table.js';

/**
 * hledger-style register: date and description on the first posting of each transaction, then account,
 * amount and running total (one line per commodity of the running total), columns sized to their content.
 */
export function renderRegister(report: RegisterReport, styles?: CommodityStyles): string {
  const style = styles ?? commodityStyles({ precisions: report.precisions });
  const lines = report.rows.map((row, index) => {
    const previous = report.rows[index - 1];
    const sameTransaction = previous !== undefined && row.transactionId !== undefined && previous.transactionId === row.transactionId;
    return {
      date: sameTransaction ? '' : row.date,
      description: sameTransaction ? '' : row.description ?? '',
      account: row.account as string,
      amount: formatAmount(row.amount, style),
      running: formatAmountLines(row.runningTotal, style),
    };
  });
  const descriptionWidth = Math.max(0, ...lines.map((line) => textWidth(line.description)));
  const accountWidth = Math.max(0, ...lines.map((line) => textWidth(line.account)));
  const amountWidth = Math.max(0, ...lines.map((line) => textWidth(line.amount)));
  const runningWidth = Math.max(0, ...lines.flatMap((line) => line.running.map(textWidth)));
  const text: string[] = [];
  for (const line of lines) {
    const prefix = `${padEnd(line.date, 10)} ${padEnd(line.description, descriptionWidth)}  ${padEnd(line.account, accountWidth)}  ${padStart(line.amount, amountWidth)}`;
    line.running.forEach((running, index) => {
      text.push(`${index === 0 ? prefix : ' '.repeat(textWidth(prefix))}  ${padStart(running, runningWidth)}`.trimEnd());
    });
  }
  return text.length === 0 ? '' : `${text.join('\n')}\n`;
}
