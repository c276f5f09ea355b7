import { describe, expect, it } from 'vitest';
import { type AccountName } from '../account.js';
import { type Amount, formatAmountPlain, parseAmountPlain } from '../amount.js';
import { type IsoDate } from '../date.js';
import { TallystickError } from '../errors.js';
import { type BalanceReport, balanceReport } from './balance.js';
import { type ReportPosting } from './report-input.js';

/** [date, description, [account, amount]...] → postings, in ledger order. */
function postings(...transactions: [string, string, ...[string, string][]][]): ReportPosting[] {
  return transactions.flatMap(([date, description, ...lines], index) =>
    lines.map(([account, amount]) => ({ date: date as IsoDate, account: account as AccountName, amount: parseAmountPlain(amount), transactionId: `t${index}`, description })));
}

const SAMPLE = postings(
  ['2024-01-15', 'Opening', ['Assets:Bank:Checking', '$ 1000.00'], ['Equity:Opening', '$ -1000.00']],
  ['2024-01-20', 'Groceries', ['Expenses:Food', '$ 45.5'], ['Assets:Bank:Checking', '$ -45.5']],
  ['2024-02-03', 'Trip', ['Expenses:Travel', '20 EUR'], ['Liabilities:Card', '-20 EUR']],
  ['2024-02-10', 'Salary', ['Assets:Bank:Savings', '$ 500'], ['Income:Salary', '$ -500']],
  ['2024-03-01', 'Cash', ['Assets:Cash', '$ 10'], ['Assets:Bank:Checking', '$ -10']],
);

const text = (amounts: readonly Amount[]) => amounts.map(formatAmountPlain).join(', ');
const rowsOf = (report: BalanceReport) => report.rows.map((row) => [row.account, row.indent, ...row.amounts.map(text), text(row.total)]);

describe('balanceReport', () => {
  it('flat: each account its own postings, zero rows hidden, grand total zero', () => {
    const report = balanceReport({ postings: SAMPLE });
    expect(rowsOf(report)).toEqual([
      ['Assets:Bank:Checking', 0, '944.50 $', '944.50 $'],
      ['Assets:Bank:Savings', 0, '500 $', '500 $'],
      ['Assets:Cash', 0, '10 $', '10 $'],
      ['Equity:Opening', 0, '-1000.00 $', '-1000.00 $'],
      ['Expenses:Food', 0, '45.5 $', '45.5 $'],
      ['Expenses:Travel', 0, '20 EUR', '20 EUR'],
      ['Income:Salary', 0, '-500 $', '-500 $'],
      ['Liabilities:Card', 0, '-20 EUR', '-20 EUR'],
    ]);
    expect(report.totals.total).toEqual([]);
    expect(report.periods).toEqual([{ begin: '2024-01-15', end: '2024-03-02', label: '2024-01-15..2024-03-01' }]);
  });

  it('tree: parents shown with their subaccounts rolled in, multi-commodity parents', () => {
    const report = balanceReport({ postings: SAMPLE }, { mode: 'tree' });
    expect(rowsOf(report).slice(0, 7)).toEqual([
      ['Assets', 0, '1454.50 $', '1454.50 $'],
      ['Assets:Bank', 1, '1444.50 $', '1444.50 $'],
      ['Assets:Bank:Checking', 2, '944.50 $', '944.50 $'],
      ['Assets:Bank:Savings', 2, '500 $', '500 $'],
      ['Assets:Cash', 1, '10 $', '10 $'],
      ['Equity', 0, '-1000.00 $', '-1000.00 $'],
      ['Equity:Opening', 1, '-1000.00 $', '-1000.00 $'],
    ]);
    expect(rowsOf(report)[7]).toEqual(['Expenses', 0, '45.5 $, 20 EUR', '45.5 $, 20 EUR']);
  });

  it('depth clips deeper accounts into their ancestor, flat and tree alike', () => {
    const flat = balanceReport({ postings: SAMPLE }, { depth: 1 });
    expect(rowsOf(flat).map((row) => [row[0], row[2]])).toEqual([
      ['Assets', '1454.50 $'], ['Equity', '-1000.00 $'], ['Expenses', '45.5 $, 20 EUR'], ['Income', '-500 $'], ['Liabilities', '-20 EUR'],
    ]);
    const tree = balanceReport({ postings: SAMPLE }, { mode: 'tree', depth: 2 });
    expect(tree.rows.map((row) => row.account)).toEqual([
      'Assets', 'Assets:Bank', 'Assets:Cash', 'Equity', 'Equity:Opening', 'Expenses', 'Expenses:Food', 'Expenses:Travel', 'Income', 'Income:Salary', 'Liabilities', 'Liabilities:Card',
    ]);
  });

  it('begin is included and end excluded', () => {
    const report = balanceReport({ postings: SAMPLE }, { begin: '2024-01-20' as IsoDate, end: '2024-03-01' as IsoDate });
    expect(rowsOf(report).map((row) => [row[0], row[2]])).toEqual([
      ['Assets:Bank:Checking', '-45.5 $'], ['Assets:Bank:Savings', '500 $'], ['Expenses:Food', '45.5 $'],
      ['Expenses:Travel', '20 EUR'], ['Income:Salary', '-500 $'], ['Liabilities:Card', '-20 EUR'],
    ]);
  });

  it('monthly columns cover whole months, with a total column and per-column totals', () => {
    const report = balanceReport({ postings: SAMPLE }, { interval: 'monthly', begin: '2024-01-18' as IsoDate, accountPattern: '^assets' });
    expect(report.periods.map((period) => [period.begin, period.end, period.label])).toEqual([
      ['2024-01-01', '2024-02-01', '2024-01'], ['2024-02-01', '2024-03-01', '2024-02'], ['2024-03-01', '2024-04-01', '2024-03'],
    ]);
    expect(rowsOf(report)).toEqual([
      ['Assets:Bank:Checking', 0, '954.50 $', '', '-10 $', '944.50 $'],
      ['Assets:Bank:Savings', 0, '', '500 $', '', '500 $'],
      ['Assets:Cash', 0, '', '', '10 $', '10 $'],
    ]);
    expect(report.totals.amounts.map(text)).toEqual(['954.50 $', '500 $', '']);
    expect(text(report.totals.total)).toBe('1454.50 $');
  });

  it('quarterly and yearly columns, and historical balances', () => {
    expect(balanceReport({ postings: SAMPLE }, { interval: 'quarterly' }).periods.map((period) => period.label)).toEqual(['2024Q1']);
    const yearly = balanceReport({ postings: SAMPLE }, { interval: 'yearly', begin: '2023-06-01' as IsoDate });
    expect(yearly.periods.map((period) => period.label)).toEqual(['2023', '2024']);
    const historical = balanceReport({ postings: SAMPLE }, { interval: 'monthly', accumulation: 'historical', begin: '2024-02-01' as IsoDate, accountPattern: 'checking' });
    expect(rowsOf(historical)).toEqual([['Assets:Bank:Checking', 0, '954.50 $', '944.50 $', '944.50 $']]);
  });

  it('shows zero balances only when asked', () => {
    const zero = postings(['2024-01-01', 'a', ['Assets:A', '5 USD'], ['Assets:B', '-5 USD']], ['2024-01-02', 'b', ['Assets:A', '-5 USD'], ['Assets:B', '5 USD']]);
    expect(balanceReport({ postings: zero }).rows).toEqual([]);
    expect(balanceReport({ postings: zero }, { showZero: true }).rows.map((row) => row.account)).toEqual(['Assets:A', 'Assets:B']);
    const netZeroParent = postings(['2024-01-01', 'a', ['Assets:A', '5 USD'], ['Assets:B', '-5 USD']]);
    expect(rowsOf(balanceReport({ postings: netZeroParent }, { mode: 'tree' }))).toEqual([
      ['Assets', 0, '', ''], ['Assets:A', 1, '5 USD', '5 USD'], ['Assets:B', 1, '-5 USD', '-5 USD'],
    ]);
  });

  it('rejects a bad depth, an empty range and a bad pattern with a TallystickError', () => {
    expect(() => balanceReport({ postings: SAMPLE }, { depth: 0 })).toThrow(TallystickError);
    expect(() => balanceReport({ postings: SAMPLE }, { begin: '2024-02-01' as IsoDate, end: '2024-02-01' as IsoDate })).toThrow(/covers no day/);
    expect(() => balanceReport({ postings: SAMPLE }, { accountPattern: '(' })).toThrow(/not a valid account pattern/);
  });

  it('reads a one-shot generator', () => {
    function* once() { yield* SAMPLE; }
    expect(balanceReport({ postings: once() }).rows).toHaveLength(8);
  });
});
