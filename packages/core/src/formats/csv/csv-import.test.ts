import { describe, expect, it } from 'vitest';
import { formatAmountPlain } from '../../amount.js';
import { ParseError, ValidationErrors } from '../../errors.js';
import { type Transaction } from '../../transaction.js';
import { readCsvAmount } from './csv-amounts.js';
import { compileDateFormat, readDefaultDate } from './csv-dates.js';
import { csvToParsedBook, importCsv } from './csv-import.js';
import { readCsvRows } from './csv-rows.js';
import { parseCsvRules } from './csv-rules.js';

const RULES = `# Bank statement
skip 1
fields date, description, memo, amount-in, amount-out, balance, _
date-format %d/%m/%Y
currency USD
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
`;

const CSV = `Date,Description,Memo,In,Out,Balance,Extra
02/01/2024,Payroll ACME,Jan,"1,500.00",,"1,500.00",x
03/01/2024,Coffee House,card,,4.50,"1,495.50",x
03/01/2024,Coffee House,cash,,3.00,"1,492.50",x
05/01/2024,Green Tea Shop,card,,(2.00),"1,494.50",x
06/01/2024,Rent,,0,700,794.50,x
`;

const line = (transaction: Transaction) => [
  transaction.date, transaction.description, transaction.comment ?? '',
  ...transaction.postings.map((posting) => `${posting.account} ${formatAmountPlain(posting.amount)}${posting.balanceAssertion ? ` = ${formatAmountPlain(posting.balanceAssertion.amount)}` : ''}`),
].join(' | ');

function errorMessages(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationErrors) return error.errors.map((each) => each.message);
    if (error instanceof ParseError) return [error.message];
    throw error;
  }
  throw new Error('expected an error');
}

describe('csv import', () => {
  it('turns each record into a two-posting transaction following the rules', () => {
    const book = importCsv(CSV, parseCsvRules(RULES, 'bank.rules'), { file: 'bank.csv' });
    expect(book.transactions.map((item) => line(item.value))).toEqual([
      '2024-01-02 | Payroll ACME (Jan) | pay day | Assets:Bank:Checking 1500.00 USD = 1500.00 USD | Income:Salary -1500.00 USD',
      '2024-01-03 | Café card |  | Assets:Bank:Checking -4.50 USD = 1495.50 USD | Expenses:Food:Coffee 4.50 USD',
      '2024-01-03 | Coffee House (cash) |  | Assets:Bank:Checking -3.00 USD = 1492.50 USD | Expenses:Misc 3.00 USD',
      '2024-01-05 | Café card |  | Assets:Bank:Checking 2.00 USD = 1494.50 USD | Expenses:Food:Coffee -2.00 USD',
      '2024-01-06 | Rent () |  | Assets:Bank:Checking -700 USD = 794.50 USD | Expenses:Misc 700 USD',
    ]);
    expect(book.transactions.map((item) => item.source)).toEqual([2, 3, 4, 5, 6].map((lineNumber) => ({ file: 'bank.csv', line: lineNumber, column: 1 })));
    expect([book.accounts, book.commodities, book.prices, book.assertions, book.warnings]).toEqual([[], [], [], [], []]);
  });

  it('reverses newest-first records (declared, or seen from the dates) and defaults account2 by sign', () => {
    const rules = parseCsvRules('fields date, amount\naccount1 Assets:Cash\n', 'r.rules');
    const book = csvToParsedBook(readCsvRows('2024-02-02,$-3\n2024-02-01,$10\n', { file: 'c.csv' }), rules, { file: 'c.csv' });
    expect(book.transactions.map((item) => [item.source.line, line(item.value)])).toEqual([
      [2, '2024-02-01 |  |  | Assets:Cash 10 $ | Income:Unknown -10 $'],
      [1, '2024-02-02 |  |  | Assets:Cash -3 $ | Expenses:Unknown 3 $'],
    ]);
    const declared = parseCsvRules('fields date, amount\naccount1 Assets:Cash\nnewest-first\n', 'r.rules');
    expect(importCsv('2024-02-01,1\n2024-02-01,2\n', declared, { file: 'c.csv' }).transactions.map((item) => item.source.line)).toEqual([2, 1]);
  });

  it('reports every bad record as file:line:column: found …, expected …, and imports nothing', () => {
    const bad = `Date,Description,Memo,In,Out,Balance,Extra
31/02/2024,Bad date,,1,,1,x
01/03/2024,Bad amount,,1.2.3,,1,x
02/03/2024,Both,,5,6,1,x
03/03/2024,Short
,No date,,1,,1,x
04/03/2024,Neither,,,,1,x
`;
    expect(errorMessages(() => importCsv(bad, parseCsvRules(RULES, 'bank.rules'), { file: 'bank.csv' }))).toEqual([
      'bank.csv:2:1: found date "31/02/2024", expected a date like %d/%m/%Y (the date-format)',
      'bank.csv:3:24: found amount "1.2.3", expected an amount like -1,234.56 (a currency symbol, parentheses for negative)',
      'bank.csv:4:18: found both amount-in "5" and amount-out "6", expected one of them, the other empty or zero',
      'bank.csv:5:1: found 2 field(s), expected 7 fields (date, description, memo, amount-in, amount-out, balance, _), as the fields line says',
      'bank.csv:6:1: found no date, expected a date like %d/%m/%Y (the date-format)',
      'bank.csv:7:1: found no amount, expected an amount in the amount, amount-in or amount-out field',
    ]);
    const accounts = parseCsvRules('fields date, amount, account\naccount1 Assets:Bank\naccount2 %account\nstatus %account\n', 'a.rules');
    expect(errorMessages(() => importCsv('2024-01-01,1,Expenses::Food\n', accounts, { file: 'a.csv' }))).toEqual([
      'a.csv:1:14: found account "Expenses::Food", expected an account name: segments separated by ":", such as Expenses:Food',
      'a.csv:1:14: found status "Expenses::Food", expected a status of *, ! or nothing',
    ]);
    const numbered = parseCsvRules('fields date, amount\naccount1 Assets:Bank\ncomment ref %3\n', 'n.rules');
    expect(errorMessages(() => importCsv('2024-01-01,1,R7\n2024-01-02,2\n', numbered, { file: 'n.csv' }))).toEqual([
      'n.csv:2:1: found 2 field(s), expected a field %3 for the rules to use',
    ]);
  });
});

describe('csv rules', () => {
  it('reads directives, field lists, if blocks and decimal marks', () => {
    const rules = parseCsvRules('skip\nseparator ;\nfields date, , amount\ndecimal-mark ,\nbalance-type ==*\naccount1 Assets:Bank\nif %1 ^2024\n amount-in %3\n', 'r.rules');
    expect([rules.skip, rules.separator, rules.fields, rules.decimalMark, rules.balanceType]).toEqual([1, ';', ['date', '', 'amount'], ',', { total: true, inclusive: true }]);
    expect(rules.conditionals.map((conditional) => [conditional.line, conditional.groups.map((group) => group.map((matcher) => [matcher.field, matcher.pattern.source]))])).toEqual([[7, [[['1', '^2024']]]]]);
    const book = importCsv('header\n2024-01-05;x;"1.234,50 €"\n', rules, { file: 'r.csv' });
    expect(book.transactions[0]!.value.postings[0]!.amount).toEqual({ commodity: '€', quantity: expect.objectContaining({ units: 123450n, scale: 2 }) });
    expect(parseCsvRules('fields date,amount\naccount1 A\nseparator TAB\n', 't.rules').separator).toBe('\t');
  });

  it('reports every problem in a rules file with its line and column', () => {
    const text = [
      'fields date, amount, desc ription',
      'include other.rules',
      'date-format %d/%q/%Y',
      'separator ;;',
      'account1 Assets:Bank',
      'description %payee',
      'if (unclosed',
      ' account2 Expenses:Food',
      '',
      'if foo',
      ' accout2 Expenses:Food',
      '  indented',
      'bogus value',
    ].join('\n');
    expect(errorMessages(() => parseCsvRules(text, 'bank.rules'))).toEqual([
      'bank.rules:1:22: found field name "desc ription", expected field names of letters, digits, - and _ separated by commas',
      'bank.rules:2:1: found directive "include" (not supported), expected skip, separator, fields, date-format, decimal-mark, newest-first, balance-type, if, or a field assignment',
      expect.stringMatching(/^bank\.rules:3:13: found %q in date-format "%d\/%q\/%Y", expected a format made of %Y %y %m .* and literal text, such as %d\/%m\/%Y$/u),
      'bank.rules:4:11: found ";;", expected one separator character, such as , or ; or TAB',
      'bank.rules:6:13: found %payee, expected a field named in the fields line (date, amount, desc ription) or a column number such as %1',
      'bank.rules:7:4: found the invalid regular expression "(unclosed", expected a regular expression such as coffee|tea',
      'bank.rules:11:2: found "accout2" in an if block, expected a field assignment (date, status, code, payee, description, comment, account1, account2, amount, amount-in, amount-out, currency, balance)',
      'bank.rules:12:3: found "indented" in an if block, expected a field assignment (date, status, code, payee, description, comment, account1, account2, amount, amount-in, amount-out, currency, balance)',
      'bank.rules:10:1: found an if block with no assignments, expected indented field assignments below the patterns, such as "  account2 Expenses:Food"',
      'bank.rules:13:1: found directive "bogus", expected skip, separator, fields, date-format, decimal-mark, newest-first, balance-type, if, or a field assignment',
    ]);
    expect(errorMessages(() => parseCsvRules('skip 1\n', 'empty.rules'))).toEqual([
      'empty.rules:2:1: found no date, expected a date field in the fields line, or a date assignment',
      'empty.rules:2:1: found no amount, expected an amount, amount-in or amount-out field, or an amount assignment',
      'empty.rules:2:1: found no account1, expected account1 ACCOUNT: the account the statement is for, such as Assets:Bank',
    ]);
  });
});

describe('csv amounts and dates', () => {
  const amount = (text: string, mark: '.' | ',' = '.') => {
    const reading = readCsvAmount(text, mark);
    return reading.ok ? `${reading.amount.quantity.toString()}${reading.amount.symbol ? ` ${reading.amount.symbol}` : ''}` : 'error';
  };

  it('reads amounts exactly, with symbols, separators and negative forms', () => {
    expect(['12.50', '-1,234.56', '$1,234.56', '$-5', '-$5', '- $ 5', '(12.00)', '($3.10)', '12.00-', '+7', '1 234 567.891', "1'000.5", '€ 3', '3 EUR', '.5', '0', '−4.20'].map((text) => amount(text))).toEqual([
      '12.50', '-1234.56', '1234.56 $', '-5 $', '-5 $', '-5 $', '-12.00', '-3.10 $', '-12.00', '7', '1234567.891', '1000.5', '3 €', '3 EUR', '0.5', '0', '-4.20',
    ]);
    expect(amount('1.234,56', ',')).toBe('1234.56');
    expect(amount('-1.234.567,5 €', ',')).toBe('-1234567.5 €');
    expect(['', '1.2.3', '12,34', '1,2345', 'abc', '$5 USD', '12.3.4', '--', '0.1234567890123456789'].map((text) => amount(text))).toEqual(Array(9).fill('error'));
    expect(amount('0.123456789012345678')).toBe('0.123456789012345678');
  });

  it('reads strftime-like date formats', () => {
    const read = (format: string, text: string) => {
      const compiled = compileDateFormat(format);
      return compiled.ok ? compiled.read(text) ?? 'no date' : `problem ${compiled.problem}`;
    };
    expect(read('%d/%m/%Y', '31/01/2024')).toBe('2024-01-31');
    expect(read('%-m/%-d/%y', '1/5/24')).toBe('2024-01-05');
    expect(read('%m/%d/%y', '12/31/99')).toBe('1999-12-31');
    expect(read('%d %b %Y', '05 Feb 2024')).toBe('2024-02-05');
    expect(read('%d %B %Y', '5 february 2024')).toBe('2024-02-05');
    expect(read('%Y-%m-%d %H:%M:%S', '2024-03-04 17:30:00')).toBe('2024-03-04');
    expect(read('%Y%m%d', '20240229')).toBe('2024-02-29');
    expect(read('%d.%m.%Y', '30.02.2024')).toBe('no date');
    expect(read('%d.%m.%Y', '30/01/2024')).toBe('no date');
    expect(read('%d/%m', '30/01')).toBe('problem a format without a day, a month and a year');
    expect(read('%Q', 'x')).toBe('problem %Q');
    expect([readDefaultDate('2024-01-31'), readDefaultDate('2024/1/5'), readDefaultDate('2024.12.01'), readDefaultDate('2024-1/5'), readDefaultDate('2023-02-29')]).toEqual(['2024-01-31', '2024-01-05', '2024-12-01', undefined, undefined]);
  });
});

