import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AccountName } from '../account.js';
import { type Amount, MixedAmount } from '../amount.js';
import { type IsoDate } from '../date.js';
import { Decimal } from '../decimal.js';
import { type AmountList } from './aggregate.js';
import { commodityStyles, formatAmountsInline } from './amount-style.js';
import { type BalanceRow, type BalanceTotals, balanceReport } from './balance.js';
import { balanceSheetReport, incomeStatementReport, type StatementSection } from './financial-statements.js';
import { registerReport } from './register.js';
import { renderBalanceReport } from './render-balance.js';
import { type ReportPosting } from './report-input.js';

/*
 * hledger (installed from Debian) is the oracle: the same hand-written journal goes to hledger and, through
 * the tiny parser below (the real journal parser lives elsewhere), to our reports; the amounts must agree.
 */

const JOURNAL = `
2023-12-31 Opening
    Assets:Bank:Checking      $1000.00
    Assets:Bank               $50
    Equity:Opening

2024-01-05 Transfer
    Assets:Bank:Savings       $200
    Assets:Bank:Checking     $-200

2024-01-20 Groceries
    Expenses:Food           $45.5
    Assets:Bank:Checking

2024-02-03 Trip
    Expenses:Travel           20 EUR
    Liabilities:Card          -20 EUR

2024-02-10 Salary
    Assets:Bank:Savings          $500
    Income:Salary

2024-02-29 Card payment
    Liabilities:Card           12.5 EUR
    Expenses:Fees               0.5 EUR
    Assets:Euro                -13 EUR

2024-03-01 Cash
    Assets:Cash  $10
    Assets:Bank:Checking

2024-03-02 Zero pair
    Assets:Wallet:A    5 EUR
    Assets:Wallet:B   -5 EUR

2024-04-15 Refund
    Expenses:Travel   -20 EUR
    Liabilities:Card

2024-07-01 Interest
    Assets:Bank:Savings    $1.25
    Income:Interest:Bank  $-1.25

2025-01-02 Dues
    Expenses:Dues    3 hours
    Equity:Members  -3 hours
`;

function parseAmount(text: string): Amount {
  const dollar = /^(-?)\$(-?[\d.]+)$/u.exec(text);
  if (dollar) return { commodity: '$', quantity: Decimal.parse(`${dollar[1]}${dollar[2]}`.replace('--', '')) };
  const named = /^(-?[\d.]+) ([A-Za-z]+)$/u.exec(text);
  if (named) return { commodity: named[2]!, quantity: Decimal.parse(named[1]!) };
  throw new Error(`test parser: cannot read amount ${text}`);
}

/** Dates, descriptions, postings of `account  amount`, at most one elided amount in one commodity. */
function parseJournal(text: string): ReportPosting[] {
  const postings: ReportPosting[] = [];
  for (const [index, block] of text.trim().split(/\n\s*\n/u).entries()) {
    const [header, ...lines] = block.split('\n');
    const [, date, description] = /^(\d{4}-\d{2}-\d{2}) (.*)$/u.exec(header!)!;
    const parts = lines.map((line) => line.trim().split(/\s{2,}/u));
    const residual = new MixedAmount();
    for (const [, amount] of parts) if (amount) residual.add(parseAmount(amount));
    for (const [account, amount] of parts) {
      const value = amount ? parseAmount(amount) : residual.negate().amounts()[0]!;
      postings.push({ date: date as IsoDate, account: account as AccountName, amount: value, transactionId: String(index + 1), description: description! });
    }
  }
  return postings;
}

const directory = mkdtempSync(join(tmpdir(), 'tallystick-reports-'));
const journalFile = join(directory, 'oracle.journal');
writeFileSync(journalFile, JOURNAL);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const hledger = (...args: string[]) => execFileSync('hledger', ['-f', journalFile, ...args], { encoding: 'utf8' });
/** hledger's CSV has every field quoted and no quotes inside. */
const hledgerCsv = (...args: string[]) => hledger(...args, '-O', 'csv').trim().split('\n').map((line) => line.slice(1, -1).split('","'));

const POSTINGS = parseJournal(JOURNAL);
const STYLES = commodityStyles({ amounts: POSTINGS.map((posting) => posting.amount) });
const show = (amounts: AmountList) => formatAmountsInline(amounts, STYLES);
const negate = (amounts: AmountList) => amounts.map((value) => ({ commodity: value.commodity, quantity: value.quantity.negate() }));
const balanceCsv = (rows: readonly BalanceRow[], totals: BalanceTotals, withTotal: boolean, columns: number) => [
  ...rows.map((row) => [row.account, ...(columns === 1 && !withTotal ? [show(row.total)] : row.amounts.map(show)), ...(withTotal ? [show(row.total)] : [])]),
  ['total', ...(columns === 1 && !withTotal ? [show(totals.total)] : totals.amounts.map(show)), ...(withTotal ? [show(totals.total)] : [])],
];

describe('reports agree with hledger', () => {
  it('balance, flat', () => {
    const ours = balanceReport({ postings: POSTINGS });
    expect(balanceCsv(ours.rows, ours.totals, false, 1)).toEqual(hledgerCsv('bal').slice(1));
    expect(renderBalanceReport(ours, STYLES)).toBe(trimLines(hledger('bal')));
  });

  it('balance, tree with every parent shown, and depth', () => {
    const tree = balanceReport({ postings: POSTINGS }, { mode: 'tree' });
    expect(balanceCsv(tree.rows, tree.totals, false, 1)).toEqual(hledgerCsv('bal', '--tree', '--no-elide').slice(1));
    expect(renderBalanceReport(tree, STYLES)).toBe(trimLines(hledger('bal', '--tree', '--no-elide')));
    const clipped = balanceReport({ postings: POSTINGS }, { depth: 2 });
    expect(balanceCsv(clipped.rows, clipped.totals, false, 1)).toEqual(hledgerCsv('bal', '--depth', '2').slice(1));
  });

  it('balance with a date range and monthly, quarterly, yearly columns', () => {
    const ranged = balanceReport({ postings: POSTINGS }, { begin: '2024-01-05' as IsoDate, end: '2024-03-01' as IsoDate });
    expect(balanceCsv(ranged.rows, ranged.totals, false, 1)).toEqual(hledgerCsv('bal', '-b', '2024-01-05', '-e', '2024-03-01').slice(1));
    for (const [interval, flag] of [['monthly', '-M'], ['quarterly', '-Q'], ['yearly', '-Y']] as const) {
      const ours = balanceReport({ postings: POSTINGS }, { interval, begin: '2024-01-10' as IsoDate, end: '2024-05-20' as IsoDate });
      const theirs = hledgerCsv('bal', flag, '-T', '-b', '2024-01-10', '-e', '2024-05-20');
      expect(['account', ...ours.periods.map((period) => period.label), 'total']).toEqual(theirs[0]);
      expect(balanceCsv(ours.rows, ours.totals, true, ours.periods.length)).toEqual(theirs.slice(1));
    }
  });

  it('register of an account pattern, with a date range', () => {
    for (const args of [['^assets:bank'], ['EXPENSES', '-b', '2024-02-01', '-e', '2025-01-01']]) {
      const [pattern, ...range] = args as [string, ...string[]];
      const options = range.length > 0 ? { begin: range[1] as IsoDate, end: range[3] as IsoDate } : {};
      const ours = registerReport({ postings: POSTINGS }, { accountPattern: pattern, ...options });
      const theirs = hledgerCsv('register', ...args).slice(1).map(([, date, , description, account, amount, total]) => [date, description, account, amount, total]);
      expect(ours.rows.map((row) => [row.date, row.description, row.account, show([row.amount]), show(row.runningTotal)])).toEqual(theirs);
    }
  });

  it('balance sheet: assets and liabilities as hledger bs, equity accounts as hledger bse', () => {
    for (const args of [[], ['-M', '-b', '2024-02-01', '-e', '2024-05-01']]) {
      const ours = balanceSheetReport({ postings: POSTINGS }, args.length > 0 ? { interval: 'monthly', begin: '2024-02-01' as IsoDate, end: '2024-05-01' as IsoDate } : {});
      const theirs = statementSections(hledgerCsv('bse', ...args));
      expect(sectionCsv(ours.sections[0])).toEqual(theirs.get('Assets'));
      expect(sectionCsv(ours.sections[1])).toEqual(theirs.get('Liabilities'));
      // hledger leaves current earnings out of equity; we add them so that the sheet balances.
      expect(sectionCsv(ours.sections[2]).slice(0, -1)).toEqual(theirs.get('Equity')!.slice(0, -1));
    }
  });

  it('income statement, with monthly columns', () => {
    const ours = incomeStatementReport({ postings: POSTINGS }, { interval: 'monthly' });
    const theirs = statementSections(hledgerCsv('is', '-M'));
    expect(sectionCsv(ours.sections[0])).toEqual(theirs.get('Revenues'));
    expect(sectionCsv(ours.sections[1])).toEqual(theirs.get('Expenses'));
    expect(['Net:', ...ours.net.amounts.map((amounts) => show(negate(amounts)))]).toEqual(theirs.get('Net:')![0]);
  });
});

function sectionCsv(section: StatementSection): string[][] {
  const sign = (amounts: AmountList) => show(section.displaySign === 1 ? amounts : negate(amounts));
  return [...section.rows.map((row) => [row.account, ...row.amounts.map(sign)]), ['total', ...section.totals.amounts.map(sign)]];
}

/** hledger's compound CSV: a title, a header, then sections that each start with a title row of empty cells. */
function statementSections(rows: string[][]): Map<string, string[][]> {
  const sections = new Map<string, string[][]>();
  let current: string[][] = [];
  for (const row of rows.slice(2)) {
    if (row[0] === 'Net:') sections.set('Net:', [row]);
    else if (row.length > 1 && row.slice(1).every((cell) => cell === '') && row[0] !== 'total') sections.set(row[0]!, (current = []));
    else current.push(row[0] === 'total' && row.length === 1 ? ['total', ...rows[1]!.slice(1).map(() => '0')] : row);
  }
  return sections;
}

function trimLines(text: string): string {
  return text.split('\n').map((line) => line.trimEnd()).join('\n');
}
