import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateJournal } from '../../../../test/helpers/generate-journal.js';
import { type ToolColumn, hledgerHistoricalByMonth, hledgerIncomeStatementByMonth } from '../../../../test/oracles/hledger.js';
import { type AccountName } from '../account.js';
import { MixedAmount } from '../amount.js';
import { type IsoDate } from '../date.js';
import { TallystickError } from '../errors.js';
import { parseJournal } from '../formats/journal/parse-journal.js';
import { type AmountList } from './aggregate.js';
import { MAX_CHART_ACCOUNTS, balancesOverTime, incomeExpensesByMonth } from './chart-series.js';
import { incomeStatementReport } from './financial-statements.js';
import { type ReportInput, type ReportPosting } from './report-input.js';

/*
 * hledger is the oracle: the same journal file goes to `hledger balance -M --historical` and
 * `hledger incomestatement -M`, and through our journal parser to the chart series; every month's
 * figures must agree exactly.
 */

const directory = mkdtempSync(join(tmpdir(), 'tallystick-charts-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A hand-written book with the awkward cases: empty months, a liability, nested accounts, two commodities. */
const SMALL = `
2023-11-30 Opening
    Assets:Bank:Checking      1000.00 USD
    Assets:Cash                 50 USD
    Equity:Opening

2024-01-05 Transfer
    Assets:Bank:Savings        200 USD
    Assets:Bank:Checking      -200 USD

2024-01-20 Flour
    Expenses:Flour           45.5 USD
    Assets:Bank:Checking

2024-02-03 Trip
    Expenses:Travel            20 EUR
    Liabilities:Card          -20 EUR

2024-04-10 Bread sales
    Assets:Bank:Savings        500 USD
    Income:Bread

2024-04-29 Card payment
    Liabilities:Card         12.5 EUR
    Expenses:Fees             0.5 EUR
    Assets:Euro               -13 EUR

2024-06-01 Refund of flour
    Assets:Cash               5.25 USD
    Expenses:Flour
`;

function journalFile(name: string, text: string): { file: string; input: ReportInput } {
  const file = join(directory, name);
  writeFileSync(file, text);
  const parsed = parseJournal(text, { file, readIncludedFile: () => { throw new Error('no includes here'); } });
  const transactions = parsed.transactions.map((sourced) => sourced.value);
  const postings: ReportPosting[] = transactions.flatMap((transaction) => transaction.postings.map((posting) => ({ date: transaction.date, account: posting.account, amount: posting.amount })));
  postings.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { file, input: { postings } };
}

function column(amounts: AmountList): ToolColumn {
  return amounts.map((amount) => `${amount.quantity.toString().replace(/(\.\d*?)0+$/u, '$1').replace(/\.$/u, '')} ${amount.commodity}`);
}

type Range = { begin?: IsoDate; end?: IsoDate };

async function expectBalancesMatch(file: string, input: ReportInput, accounts: readonly string[], range: Range): Promise<number> {
  const ours = balancesOverTime(input, { accounts: accounts as AccountName[], ...range });
  let compared = 0;
  for (const line of ours.accounts) {
    const oracle = await hledgerHistoricalByMonth(file, line.account, range);
    const theirs = oracle.rows.get(line.account) ?? [];
    // hledger spans one account's own months; ours span every chosen account's. Compare hledger's months.
    for (const [index, month] of oracle.months.entries()) {
      const at = ours.periods.findIndex((period) => period.label === month);
      expect(at, `${month} is in our months`).toBeGreaterThanOrEqual(0);
      expect(column(line.balances[at]!), `${line.account} at the end of ${month}`).toEqual(theirs[index] ?? []);
      compared += 1;
    }
  }
  return compared;
}

async function expectIncomeStatementMatches(file: string, input: ReportInput, range: Range): Promise<number> {
  const ours = incomeExpensesByMonth(input, range);
  const oracle = await hledgerIncomeStatementByMonth(file, range);
  expect(ours.months.map((month) => month.period.label)).toEqual(oracle.months);
  ours.months.forEach((month, index) => {
    expect(column(month.income), `income in ${month.period.label}`).toEqual(oracle.rows.get('income')![index]);
    expect(column(month.expenses), `expenses in ${month.period.label}`).toEqual(oracle.rows.get('expenses')![index]);
    expect(column(month.net), `net in ${month.period.label}`).toEqual(oracle.rows.get('net')![index]);
  });
  return ours.months.length;
}

describe('chart series against hledger', () => {
  it('gives end-of-month balances of chosen accounts as hledger balance -M --historical does', async () => {
    const { file, input } = journalFile('small.journal', SMALL);
    const accounts = ['Assets', 'Assets:Bank', 'Liabilities:Card', 'Assets:Cash'];
    expect(await expectBalancesMatch(file, input, accounts, {})).toBeGreaterThan(20);
    expect(await expectBalancesMatch(file, input, accounts, { begin: '2024-02-15' as IsoDate, end: '2024-05-01' as IsoDate })).toBe(12);
    const months = balancesOverTime(input, { accounts: ['Assets:Bank' as AccountName] });
    // Carried through March, when nothing moved; the opening balance counts from November.
    expect(months.periods.map((period) => period.label)).toEqual(['2023-11', '2023-12', '2024-01', '2024-02', '2024-03', '2024-04']);
    expect(column(months.accounts[0]!.balances[4]!)).toEqual(['954.5 USD']);
  });

  it('gives income, expenses and net income by month as hledger incomestatement -M does', async () => {
    const { file, input } = journalFile('small-is.journal', SMALL);
    expect(await expectIncomeStatementMatches(file, input, {})).toBe(8);
    const months = incomeExpensesByMonth(input, { begin: '2024-04-01' as IsoDate, end: '2024-07-01' as IsoDate }).months;
    expect(months.map((month) => [month.period.label, column(month.income), column(month.expenses), column(month.net)])).toEqual([
      ['2024-04', ['500 USD'], ['0.5 EUR'], ['-0.5 EUR', '500 USD']],
      ['2024-05', [], [], []],
      ['2024-06', [], ['-5.25 USD'], ['5.25 USD']],
    ]);
  });

  it('agrees with hledger on a generated two-year book of 3,000 transactions', async () => {
    const { file, input } = journalFile('generated.journal', generateJournal(3_000, 7));
    const accounts = ['Assets', 'Assets:Bank', 'Assets:Cash:Till', 'Liabilities'];
    expect(await expectBalancesMatch(file, input, accounts, {})).toBe(4 * 24);
    expect(await expectBalancesMatch(file, input, accounts, { begin: '2023-06-10' as IsoDate, end: '2024-03-01' as IsoDate })).toBe(4 * 9);
    expect(await expectIncomeStatementMatches(file, input, {})).toBe(24);
    expect(await expectIncomeStatementMatches(file, input, { begin: '2024-01-01' as IsoDate })).toBe(12);
    // The statement's own monthly columns as a second auditor, with ranges that cut months in half.
    for (const range of [{}, { begin: '2023-03-15' as IsoDate }, { end: '2024-02-10' as IsoDate }, { begin: '2023-02-01' as IsoDate, end: '2023-02-02' as IsoDate }]) {
      const statement = incomeStatementReport(input, { ...range, interval: 'monthly' });
      const months = incomeExpensesByMonth(input, range).months;
      expect(months.map((month) => month.period.label)).toEqual(statement.periods.map((period) => period.label));
      months.forEach((month, index) => {
        expect(column(month.expenses)).toEqual(column(statement.sections[1].totals.amounts[index]!));
        expect(column(month.net)).toEqual(column(MixedAmount.of(statement.net.amounts[index]!).negate().amounts()));
      });
    }
  }, 60_000);

  it('refuses no accounts, too many, the same one twice and too many months, with the fix in words', () => {
    const { input } = journalFile('refusals.journal', SMALL);
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(TallystickError);
        return `${(error as TallystickError).code}: ${(error as TallystickError).message}`;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal(() => balancesOverTime(input, { accounts: [] }))).toBe('no_chart_accounts: choose at least one account to chart');
    const many = Array.from({ length: MAX_CHART_ACCOUNTS + 1 }, (_, index) => `Assets:A${index}` as AccountName);
    expect(refusal(() => balancesOverTime(input, { accounts: many }))).toBe('too_many_chart_accounts: 9 accounts were chosen; a chart shows at most 8 (choose fewer)');
    expect(refusal(() => balancesOverTime(input, { accounts: ['Assets', 'Assets'] as AccountName[] }))).toBe('duplicate_chart_account: an account was chosen twice; choose each account once');
    expect(refusal(() => incomeExpensesByMonth(input, { begin: '1900-01-01' as IsoDate, end: '2024-01-01' as IsoDate })))
      .toBe('chart_period_too_long: the period covers 1488 months; a chart shows at most 600 (choose a shorter period)');
  });
});
