import { type RecordedTransaction } from '../../book.js';
import { type Transaction } from '../../transaction.js';

export const CSV_EXPORT_COLUMNS = ['date', 'id', 'code', 'status', 'payee', 'description', 'account', 'commodity', 'amount', 'comment'] as const;

export interface CsvWriteOptions {
  /** One character; "," by default. */
  readonly separator?: string;
}

/**
 * Exports postings as CSV, one row per posting after a header row: date, entry id (for recorded
 * transactions), code, status (the posting's, else the transaction's), payee, description, account,
 * commodity, amount (an exact plain decimal such as -1234.50), posting comment. Fields are quoted as
 * RFC 4180 says when they hold the separator, a quote or a line break, or start or end with a space.
 */
export function writeCsv(transactions: Iterable<Transaction | RecordedTransaction>, options: CsvWriteOptions = {}): string {
  const separator = options.separator ?? ',';
  const lines = [CSV_EXPORT_COLUMNS.join(separator)];
  for (const item of transactions) {
    const [id, transaction] = 'transaction' in item ? [item.id, item.transaction] : ['', item];
    for (const posting of transaction.postings) {
      const fields = [
        transaction.date, id, transaction.code ?? '', posting.status || transaction.status, transaction.payee ?? '',
        transaction.description, posting.account, posting.amount.commodity, posting.amount.quantity.toString(), posting.comment ?? '',
      ];
      lines.push(fields.map((field) => quoteCsvField(field, separator)).join(separator));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function quoteCsvField(field: string, separator: string): string {
  const needsQuotes = field.includes(separator) || /["\r\n]/u.test(field) || field !== field.trim();
  return needsQuotes ? `"${field.replace(/"/gu, '""')}"` : field;
}
