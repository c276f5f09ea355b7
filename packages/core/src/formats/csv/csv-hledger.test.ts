import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBalanceAssertions } from '../../balance-assertions.js';
import { Decimal } from '../../decimal.js';
import { balanceReport } from '../../reports/balance.js';
import { commodityStyles, formatAmountsInline } from '../../reports/amount-style.js';
import { type ParsedBook } from '../parsed-book.js';
import { importCsv } from './csv-import.js';
import { parseCsvRules } from './csv-rules.js';

/* hledger reads the same CSV file with the same rules file; both must produce the same transactions. */

const RULES = `# Bank statement, a rules file hledger 1.25 and Tallystick both read
skip 1
fields date, description, memo, amount-in, amount-out, balance, _
date-format %d/%m/%Y
currency $
account1 Assets:Bank:Checking
account2 Expenses:Misc
description %description (%memo)

if SALARY|payroll
 account2 Income:Salary
 comment pay day

if
%description coffee
& %memo card
tea
  account2 Expenses:Food:Coffee
  description Café %memo

if %memo ^transfer
  account2 Assets:Savings
  code T%7
`;

const CSV = `Date,Description,Memo,In,Out,Balance,Ref
02/01/2024,Payroll ACME,Jan,"1,500.00",,"1,500.00",1
03/01/2024,Coffee House,card,,4.50,"1,495.50",2
03/01/2024,Coffee House,cash,,3.00,"1,492.50",3
05/01/2024,"Green Tea Shop, Main St",card,,(2.00),"1,494.50",4
06/01/2024,Rent,,0,700,794.50,5
14/02/2024,Savings,transfer out,,250.25,544.25,6
`;

const directory = mkdtempSync(join(tmpdir(), 'tallystick-csv-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

const hledger = (...args: string[]) => execFileSync('hledger', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const csvLines = (text: string) => text.trim().split('\n').map((line) => line.slice(1, -1).split('","'));

function ours(csv: string, rules: string): ParsedBook {
  return importCsv(csv, parseCsvRules(rules, 'bank.csv.rules'), { file: 'bank.csv' });
}

describe('CSV import agrees with hledger', () => {
  const csvFile = write('bank.csv', CSV);
  write('bank.csv.rules', RULES);

  it('hledger print: same transactions, postings, amounts, codes and comments', () => {
    const theirs = csvLines(hledger('-f', csvFile, 'print', '-O', 'csv')).slice(1)
      .map(([, date, , status, code, description, comment, account, amount, commodity]) => [date, status, code, description, comment, account, Decimal.parse(amount!).toString(), commodity]);
    const book = ours(CSV, RULES);
    const mine = book.transactions.flatMap(({ value }) => value.postings.map((posting) => [
      value.date, value.status, value.code ?? '', value.description, value.comment ?? '', posting.account, posting.amount.quantity.toString(), posting.amount.commodity,
    ]));
    expect(mine.map((row) => [...row.slice(0, 6), Decimal.parse(row[6]!).normalize().toString(), row[7]]))
      .toEqual(theirs.map((row) => [...row.slice(0, 6), Decimal.parse(row[6]!).normalize().toString(), row[7]]));
    expect(mine).toHaveLength(12);
  });

  it('hledger bal: same balances', () => {
    const book = ours(CSV, RULES);
    const postings = book.transactions.flatMap(({ value }) => value.postings.map((posting) => ({ date: value.date, account: posting.account, amount: posting.amount })));
    const styles = commodityStyles({ declarations: [{ symbol: '$', precision: 2 }] });
    const report = balanceReport({ postings });
    expect([...report.rows.map((row) => [row.account, formatAmountsInline(row.total, styles)]), ['total', formatAmountsInline(report.totals.total, styles)]])
      .toEqual(csvLines(hledger('-f', csvFile, 'bal', '-O', 'csv')).slice(1));
  });

  it('balance assertions from the balance column hold for both, and fail for both when wrong', () => {
    const printed = write('printed.journal', hledger('-f', csvFile, 'print'));
    expect(() => hledger('-f', printed, 'bal')).not.toThrow();
    expect(checkBalanceAssertions(ours(CSV, RULES))).toEqual([]);
    const wrongCsv = CSV.replace('"1,492.50"', '"1,490.50"');
    const wrongPrinted = write('wrong.journal', hledger('-f', write('wrong.csv', wrongCsv), '--rules-file', join(directory, 'bank.csv.rules'), 'print'));
    expect(() => hledger('-f', wrongPrinted, 'bal')).toThrow(/balance assertion/iu);
    // Only the wrong row fails: an assertion checks the balance, it does not change it.
    expect(checkBalanceAssertions(ours(wrongCsv, RULES)).map((failure) => failure.message)).toEqual([
      'bank.csv:4:1: balance assertion failed for Assets:Bank:Checking in $ on 2024-01-03: expected 1490.50, actual 1492.50',
    ]);
  });

  it('newest-first records are reversed, keeping same-day records in their original relative order', () => {
    const csv = 'date,desc,amount\n2024-01-03,a,1\n2024-01-02,b,2\n2024-01-02,c,3\n2024-01-01,d,4\n';
    const rules = 'skip 1\nfields date, description, amount\naccount1 Assets:Cash\naccount2 Income:Gifts\n';
    write('rev.csv.rules', rules);
    const theirs = csvLines(hledger('-f', write('rev.csv', csv), 'print', '-O', 'csv')).slice(1).filter((_, index) => index % 2 === 0).map((row) => row[5]);
    expect(importCsv(csv, parseCsvRules(rules, 'rev.csv.rules'), { file: 'rev.csv' }).transactions.map(({ value }) => value.description)).toEqual(theirs);
  });
});
