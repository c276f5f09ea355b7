import { describe, expect, it } from 'vitest';
import { type AccountName, type AccountType } from '../account.js';
import { type Amount, formatAmountPlain, parseAmountPlain } from '../amount.js';
import { type IsoDate } from '../date.js';
import { type BalanceTotals } from './balance.js';
import { balanceSheetReport, incomeStatementReport } from './financial-statements.js';
import { registerReport } from './register.js';
import { renderBalanceSheet, renderIncomeStatement } from './render-statements.js';
import { renderRegister } from './render-register.js';
import { renderTrialBalance } from './render-trial-balance.js';
import { renderBalanceReport } from './render-balance.js';
import { balanceReport } from './balance.js';
import { type ReportPosting } from './report-input.js';
import { trialBalanceReport } from './trial-balance.js';

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
const totalsText = (totals: BalanceTotals) => [...totals.amounts.map(text), text(totals.total)];

describe('registerReport', () => {
  it('lists matching postings (case-insensitive regex) with a running total', () => {
    const report = registerReport({ postings: SAMPLE }, { accountPattern: 'BANK' });
    expect(report.rows.map((row) => [row.date, row.description, row.account, formatAmountPlain(row.amount), text(row.runningTotal)])).toEqual([
      ['2024-01-15', 'Opening', 'Assets:Bank:Checking', '1000.00 $', '1000.00 $'],
      ['2024-01-20', 'Groceries', 'Assets:Bank:Checking', '-45.5 $', '954.50 $'],
      ['2024-02-10', 'Salary', 'Assets:Bank:Savings', '500 $', '1454.50 $'],
      ['2024-03-01', 'Cash', 'Assets:Bank:Checking', '-10 $', '1444.50 $'],
    ]);
    expect(text(report.total)).toBe('1444.50 $');
  });

  it('limits to the date range, optionally starting from the earlier balance', () => {
    const range = { begin: '2024-01-20' as IsoDate, end: '2024-03-01' as IsoDate };
    expect(registerReport({ postings: SAMPLE }, { ...range, accountPattern: 'bank' }).rows.map((row) => text(row.runningTotal))).toEqual(['-45.5 $', '454.5 $']);
    const historical = registerReport({ postings: SAMPLE }, { ...range, accountPattern: 'bank', historical: true });
    expect(text(historical.startingBalance)).toBe('1000.00 $');
    expect(historical.rows.map((row) => text(row.runningTotal))).toEqual(['954.50 $', '1454.50 $']);
  });

  it('keeps several commodities in the running total and renders them one per line', () => {
    const report = registerReport({ postings: SAMPLE }, { accountPattern: '^expenses' });
    expect(report.rows.map((row) => text(row.runningTotal))).toEqual(['45.5 $', '45.5 $, 20 EUR']);
    expect(renderRegister(report)).toBe([
      '2024-01-20 Groceries  Expenses:Food    $45.50  $45.50',
      '2024-02-03 Trip       Expenses:Travel  20 EUR  $45.50',
      '                                               20 EUR',
      '',
    ].join('\n'));
  });

  it('shows the date and description once per transaction', () => {
    const rendered = renderRegister(registerReport({ postings: SAMPLE }, { begin: '2024-03-01' as IsoDate }));
    expect(rendered).toBe([
      '2024-03-01 Cash  Assets:Cash            $10.00  $10.00',
      '                 Assets:Bank:Checking  $-10.00       0',
      '',
    ].join('\n'));
  });
});

describe('trialBalanceReport', () => {
  it('splits every balance into debit and credit columns with equal totals', () => {
    const report = trialBalanceReport({ postings: SAMPLE });
    expect(report.rows.map((row) => [row.account, text(row.debit), text(row.credit)])).toEqual([
      ['Assets:Bank:Checking', '944.50 $', ''],
      ['Assets:Bank:Savings', '500 $', ''],
      ['Assets:Cash', '10 $', ''],
      ['Equity:Opening', '', '1000.00 $'],
      ['Expenses:Food', '45.5 $', ''],
      ['Expenses:Travel', '20 EUR', ''],
      ['Income:Salary', '', '500 $'],
      ['Liabilities:Card', '', '20 EUR'],
    ]);
    expect([text(report.totals.debit), text(report.totals.credit)]).toEqual(['1500.00 $, 20 EUR', '1500.00 $, 20 EUR']);
    expect(report.conversions).toBeUndefined();
    expect(renderTrialBalance(report)).toBe([
      'Trial Balance 2024-03-01',
      '',
      '                      ||    Debit    Credit',
      '======================++====================',
      ' Assets:Bank:Checking ||  $944.50',
      ' Assets:Bank:Savings  ||  $500.00',
      ' Assets:Cash          ||   $10.00',
      ' Equity:Opening       ||           $1000.00',
      ' Expenses:Food        ||   $45.50',
      ' Expenses:Travel      ||   20 EUR',
      ' Income:Salary        ||            $500.00',
      ' Liabilities:Card     ||             20 EUR',
      '----------------------++--------------------',
      ' Total                || $1500.00  $1500.00',
      '                      ||   20 EUR    20 EUR',
      '',
    ].join('\n'));
  });

  it('holds the difference left by priced postings in a conversions row', () => {
    const priced = postings(['2024-01-01', 'exchange', ['Assets:Euro', '10 EUR'], ['Assets:Dollar', '-11.00 USD']]);
    const report = trialBalanceReport({ postings: priced });
    expect(report.conversions).toEqual({ account: 'Equity:Conversions', debit: [parseAmountPlain('11.00 USD')], credit: [parseAmountPlain('10 EUR')] });
    expect([text(report.totals.debit), text(report.totals.credit)]).toEqual(['10 EUR, 11.00 USD', '10 EUR, 11.00 USD']);
    const sheet = balanceSheetReport({ postings: priced });
    expect(totalsText(sheet.conversions!)).toEqual(['-10 EUR, 11.00 USD', '-10 EUR, 11.00 USD']);
    expect(totalsText(sheet.net)).toEqual(['', '']);
  });

  it('reports movements between dates when asked', () => {
    const report = trialBalanceReport({ postings: SAMPLE }, { accumulation: 'change', begin: '2024-02-01' as IsoDate });
    expect(report.rows.map((row) => row.account)).toEqual(['Assets:Bank:Checking', 'Assets:Bank:Savings', 'Assets:Cash', 'Expenses:Travel', 'Income:Salary', 'Liabilities:Card']);
  });
});

describe('balanceSheetReport', () => {
  it('shows assets, liabilities and equity with current earnings, and balances', () => {
    const report = balanceSheetReport({ postings: SAMPLE });
    const [assets, liabilities, equity] = report.sections;
    expect(assets.rows.map((row) => row.account)).toEqual(['Assets:Bank:Checking', 'Assets:Bank:Savings', 'Assets:Cash']);
    expect(totalsText(assets.totals)).toEqual(['1454.50 $', '1454.50 $']);
    expect(totalsText(liabilities.totals)).toEqual(['-20 EUR', '-20 EUR']);
    expect(totalsText(report.currentEarnings)).toEqual(['-454.5 $, 20 EUR', '-454.5 $, 20 EUR']);
    expect(totalsText(equity.totals)).toEqual(['-1454.50 $, 20 EUR', '-1454.50 $, 20 EUR']);
    expect([liabilities.displaySign, equity.displaySign, assets.displaySign]).toEqual([-1, -1, 1]);
    expect(totalsText(report.net)).toEqual(['', '']);
    expect(report.conversions).toBeUndefined();
  });

  it('counts everything before the columns, per period end', () => {
    const report = balanceSheetReport({ postings: SAMPLE }, { interval: 'monthly', begin: '2024-02-05' as IsoDate });
    expect(report.periods.map((period) => period.label)).toEqual(['2024-02', '2024-03']);
    expect(totalsText(report.sections[0].totals)).toEqual(['1454.50 $', '1454.50 $', '1454.50 $']);
    expect(totalsText(report.currentEarnings)).toEqual(['-454.5 $, 20 EUR', '-454.5 $, 20 EUR', '-454.5 $, 20 EUR']);
  });

  it('uses declared account types before root names, and lists untyped accounts apart', () => {
    const input = {
      postings: postings(
        ['2024-01-01', 'a', ['Funds:Cash', '100 USD'], ['Members:Shares', '-100 USD']],
        ['2024-01-02', 'b', ['Assets:Loan', '-30 USD'], ['Funds:Cash', '30 USD']],
        ['2024-01-03', 'c', ['Misc', '5 USD'], ['Funds:Cash', '-5 USD']],
      ),
      accountTypes: new Map<AccountName, AccountType>([['Funds' as AccountName, 'asset'], ['Members' as AccountName, 'equity'], ['Assets:Loan' as AccountName, 'liability']]),
    };
    const report = balanceSheetReport(input, { depth: 1 });
    expect(report.sections.map((section) => section.rows.map((row) => [row.account, text(row.total)]))).toEqual([
      [['Funds', '125 USD']], [['Assets', '-30 USD']], [['Members', '-100 USD']],
    ]);
    expect(report.unclassified!.rows.map((row) => [row.account, text(row.total)])).toEqual([['Misc', '5 USD']]);
    expect(totalsText(report.net)).toEqual(['-5 USD', '-5 USD']);
  });

  it('renders like hledger bse, liabilities and equity positive, with a note on current earnings', () => {
    expect(renderBalanceSheet(balanceSheetReport({ postings: SAMPLE }, { end: '2024-02-01' as IsoDate }))).toBe([
      'Balance Sheet 2024-01-31',
      '',
      '                      || 2024-01-31',
      '======================++============',
      ' Assets               ||',
      '----------------------++------------',
      ' Assets:Bank:Checking ||    $954.50',
      '----------------------++------------',
      '                      ||    $954.50',
      '======================++============',
      ' Liabilities          ||',
      '----------------------++------------',
      '----------------------++------------',
      '                      ||          0',
      '======================++============',
      ' Equity               ||',
      '----------------------++------------',
      ' Equity:Opening       ||   $1000.00',
      ' Current earnings     ||    $-45.50',
      '----------------------++------------',
      '                      ||    $954.50',
      '======================++============',
      ' Net:                 ||          0',
      '',
      'Current earnings: net income not yet closed into equity, shown so that the sheet balances.',
      '',
    ].join('\n'));
  });
});

describe('incomeStatementReport', () => {
  it('shows income and expenses in the range, and the net', () => {
    const report = incomeStatementReport({ postings: SAMPLE }, { interval: 'monthly' });
    const [income, expenses] = report.sections;
    expect(income.rows.map((row) => [row.account, ...row.amounts.map(text)])).toEqual([['Income:Salary', '', '-500 $', '']]);
    expect(totalsText(expenses.totals)).toEqual(['45.5 $', '20 EUR', '', '45.5 $, 20 EUR']);
    expect(totalsText(report.net)).toEqual(['45.5 $', '-500 $, 20 EUR', '', '-454.5 $, 20 EUR']);
    expect(renderIncomeStatement(incomeStatementReport({ postings: SAMPLE }, { begin: '2024-02-01' as IsoDate }))).toBe([
      'Income Statement 2024-02-01..2024-03-01',
      '',
      '                 || 2024-02-01..2024-03-01',
      '=================++========================',
      ' Income          ||',
      '-----------------++------------------------',
      ' Income:Salary   ||                $500.00',
      '-----------------++------------------------',
      '                 ||                $500.00',
      '=================++========================',
      ' Expenses        ||',
      '-----------------++------------------------',
      ' Expenses:Travel ||                 20 EUR',
      '-----------------++------------------------',
      '                 ||                 20 EUR',
      '=================++========================',
      ' Net:            ||                $500.00',
      '                 ||                -20 EUR',
      '',
    ].join('\n'));
  });
});

describe('renderBalanceReport', () => {
  it('prints a tree like hledger, the account name on the last line of several commodities', () => {
    expect(renderBalanceReport(balanceReport({ postings: SAMPLE }, { mode: 'tree', depth: 2, accountPattern: '^(assets|expenses)' }))).toBe([
      '            $1454.50  Assets',
      '            $1444.50    Bank',
      '              $10.00    Cash',
      '              $45.50',
      '              20 EUR  Expenses',
      '              $45.50    Food',
      '              20 EUR    Travel',
      '--------------------',
      '            $1500.00',
      '              20 EUR',
      '',
    ].join('\n'));
  });

  it('prints periods as a table with a total column', () => {
    expect(renderBalanceReport(balanceReport({ postings: SAMPLE }, { interval: 'quarterly', accountPattern: 'cash|travel' }))).toBe([
      'Balance changes 2024-01-01..2024-03-31',
      '',
      '                 || 2024Q1   Total',
      '=================++================',
      ' Assets:Cash     || $10.00  $10.00',
      ' Expenses:Travel || 20 EUR  20 EUR',
      '-----------------++----------------',
      '                 || $10.00  $10.00',
      '                 || 20 EUR  20 EUR',
      '',
    ].join('\n'));
  });
});
