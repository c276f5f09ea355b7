import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AccountName } from './account.js';
import { parseAmountPlain } from './amount.js';
import { checkBalanceAssertions } from './balance-assertions.js';
import { type Book } from './book.js';
import { type IsoDate } from './date.js';
import { type EntryId } from './entry.js';
import { type ParsedBook } from './formats/parsed-book.js';
import { type BalanceAssertion, type Posting, type Transaction } from './transaction.js';

type Line = [account: string, amount: string, assertion?: string];

/** `= 10 USD`, `== 10 USD`, `=* 10 USD`, `==* 10 USD` as in a journal. */
function assertion(text: string): BalanceAssertion {
  const [, marks, amount] = /^(==?\*?) (.*)$/u.exec(text)!;
  return { amount: parseAmountPlain(amount!), ...(marks!.startsWith('==') ? { total: true } : {}), ...(marks!.endsWith('*') ? { inclusive: true } : {}) };
}

function transaction(date: string, ...lines: Line[]): Transaction {
  const postings = lines.map(([account, amount, asserted]): Posting => ({
    account: account as AccountName, amount: parseAmountPlain(amount), ...(asserted ? { balanceAssertion: assertion(asserted) } : {}),
  }));
  return { date: date as IsoDate, status: '', description: 'test', tags: [], links: [], metadata: {}, postings };
}

function parsed(transactions: [number, Transaction][], assertions: [number, string, string, string][] = []): Pick<ParsedBook, 'transactions' | 'assertions'> {
  return {
    transactions: transactions.map(([line, value]) => ({ value, source: { file: 'books.journal', line, column: 1 } })),
    assertions: assertions.map(([line, date, account, amount]) => ({
      value: { date: date as IsoDate, account: account as AccountName, amount: parseAmountPlain(amount) },
      source: { file: 'books.beancount', line, column: 1 },
    })),
  };
}

const messages = (input: Parameters<typeof checkBalanceAssertions>[0]) => checkBalanceAssertions(input).map((failure) => failure.message);

describe('checkBalanceAssertions', () => {
  it('checks a posting assertion against the account\'s own balance just after the posting', () => {
    const book = parsed([
      [1, transaction('2024-01-01', ['Assets:Bank', '100.00 USD'], ['Assets:Bank:Savings', '50 USD'], ['Equity:Opening', '-150.00 USD'])],
      [5, transaction('2024-01-31', ['Assets:Bank', '-5.00 USD', '= 95.00 USD'], ['Expenses:Fees', '5.00 USD'])],
      [8, transaction('2024-02-01', ['Assets:Bank', '-5 USD', '= 100.00 USD'], ['Expenses:Fees', '5 USD'])],
    ]);
    expect(messages(book)).toEqual(['books.journal:8:1: balance assertion failed for Assets:Bank in USD on 2024-02-01: expected 100.00, actual 90.00']);
  });

  it('counts subaccounts for an inclusive assertion (=*)', () => {
    const book = parsed([
      [1, transaction('2024-01-01', ['Assets:Bank:Checking', '100 USD'], ['Assets:Bank:Savings', '50 USD'], ['Equity:Opening', '-150 USD'])],
      [5, transaction('2024-01-02', ['Assets:Bank', '0 USD', '=* 150 USD'], ['Assets:Bank', '0 USD', '= 150 USD'])],
    ]);
    expect(messages(book)).toEqual(['books.journal:5:1: balance assertion failed for Assets:Bank in USD on 2024-01-02: expected 150, actual 0']);
  });

  it('wants every other commodity at zero for a total assertion (==)', () => {
    const book = parsed([
      [1, transaction('2024-01-01', ['Assets:Cash', '10 USD'], ['Assets:Cash', '3 EUR'], ['Equity:Opening', '-10 USD'], ['Equity:Opening', '-3 EUR'])],
      [6, transaction('2024-01-02', ['Assets:Cash', '0 USD', '== 10 USD'], ['Equity:Opening', '0 USD'])],
      [9, transaction('2024-01-03', ['Assets:Cash', '0 USD', '= 10 USD'], ['Equity:Opening', '0 USD'])],
    ]);
    expect(messages(book)).toEqual(['books.journal:6:1: balance assertion failed for Assets:Cash in EUR on 2024-01-02: expected 0, actual 3 (a total assertion (==) of USD wants every other commodity at zero)']);
  });

  it('walks in date order, same-date transactions in file order, postings in order', () => {
    const book = parsed([
      [20, transaction('2024-01-05', ['Assets:Cash', '5 USD', '= 15 USD'], ['Assets:Cash', '1 USD', '= 16 USD'], ['Income:Gift', '-6 USD'])],
      [10, transaction('2024-01-01', ['Assets:Cash', '10 USD', '= 10 USD'], ['Income:Gift', '-10 USD'])],
      [30, transaction('2024-01-05', ['Assets:Cash', '1 USD', '= 17 USD'], ['Income:Gift', '-1 USD'])],
      [40, transaction('2024-01-05', ['Assets:Cash', '1 USD', '= 17 USD'], ['Income:Gift', '-1 USD'])],
    ]);
    expect(messages(book)).toEqual(['books.journal:40:1: balance assertion failed for Assets:Cash in USD on 2024-01-05: expected 17, actual 18']);
  });

  it('checks a dated assertion at the start of its date, subaccounts included, and reports every failure', () => {
    const book = parsed(
      [
        [1, transaction('2024-01-01', ['Assets:Bank:Checking', '100.00 USD'], ['Equity:Opening', '-100.00 USD'])],
        [4, transaction('2024-01-31', ['Assets:Bank:Checking', '-5.00 USD'], ['Expenses:Fees', '5.00 USD'])],
      ],
      [
        [10, '2024-01-31', 'Assets:Bank', '100.00 USD'],
        [11, '2024-02-01', 'Assets:Bank', '100.00 USD'],
        [12, '2024-02-01', 'Assets:Bank:Checking', '95 USD'],
        [13, '2023-12-31', 'Assets:Bank', '1 USD'],
        [14, '2024-03-01', 'Assets:Bank', '95.00 EUR'],
      ],
    );
    expect(messages(book)).toEqual([
      'books.beancount:13:1: balance assertion failed for Assets:Bank in USD on 2023-12-31: expected 1, actual 0',
      'books.beancount:11:1: balance assertion failed for Assets:Bank in USD on 2024-02-01: expected 100.00, actual 95.00',
      'books.beancount:14:1: balance assertion failed for Assets:Bank in EUR on 2024-03-01: expected 95.00, actual 0.00',
    ]);
    const [failure] = checkBalanceAssertions(book);
    expect({ ...failure!.source, account: failure!.account, commodity: failure!.commodity, expected: failure!.expected.toString(), actual: failure!.actual.toString(), date: failure!.date, code: failure!.code })
      .toEqual({ file: 'books.beancount', line: 13, column: 1, account: 'Assets:Bank', commodity: 'USD', expected: '1', actual: '0', date: '2023-12-31', code: 'balance_assertion_failed' });
  });

  it('reads a materialized Book too (no sources)', () => {
    const book: Pick<Book, 'transactions' | 'assertions'> = {
      transactions: [
        { id: 'a' as EntryId, author: 'k' as never, at: '2024-01-01T00:00:00Z', n: 0, transaction: transaction('2024-01-01', ['Assets:Cash', '7', '= 8'], ['Income:Gift', '-7']) },
      ],
      assertions: [{ id: 'b' as EntryId, date: '2024-01-02' as IsoDate, account: 'Assets' as AccountName, amount: parseAmountPlain('7') }],
    };
    expect(messages(book)).toEqual(['balance assertion failed for Assets:Cash on 2024-01-01: expected 8, actual 7']);
  });
});

describe('posting assertions agree with hledger', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tallystick-assertions-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const hledgerAccepts = (journal: string) => {
    const file = join(directory, 'a.journal');
    writeFileSync(file, journal);
    try {
      execFileSync('hledger', ['-f', file, 'bal'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  const cases: [string, boolean, Transaction[]][] = [
    ['own balance excludes subaccounts', true, [transaction('2024-01-01', ['Assets:Bank:Sub', '5 USD'], ['Assets:Bank', '1 USD', '= 1 USD'], ['Equity:Opening', '-6 USD'])]],
    ['own balance, wrong', false, [transaction('2024-01-01', ['Assets:Bank:Sub', '5 USD'], ['Assets:Bank', '1 USD', '= 6 USD'], ['Equity:Opening', '-6 USD'])]],
    ['inclusive includes subaccounts', true, [transaction('2024-01-01', ['Assets:Bank:Sub', '5 USD'], ['Assets:Bank', '1 USD', '=* 6 USD'], ['Equity:Opening', '-6 USD'])]],
    ['total with another commodity', false, [transaction('2024-01-01', ['Assets:Bank', '2 EUR'], ['Assets:Bank', '1 USD', '== 1 USD'], ['Equity:Opening', '-1 USD'], ['Equity:Opening', '-2 EUR'])]],
    ['plain with another commodity', true, [transaction('2024-01-01', ['Assets:Bank', '2 EUR'], ['Assets:Bank', '1 USD', '= 1 USD'], ['Equity:Opening', '-1 USD'], ['Equity:Opening', '-2 EUR'])]],
    ['same date, earlier transaction first', true, [
      transaction('2024-01-01', ['Assets:Bank', '1 USD', '= 1 USD'], ['Equity:Opening', '-1 USD']),
      transaction('2024-01-01', ['Assets:Bank', '1 USD', '= 2 USD'], ['Equity:Opening', '-1 USD']),
    ]],
    ['same date, wrong order', false, [
      transaction('2024-01-01', ['Assets:Bank', '1 USD', '= 2 USD'], ['Equity:Opening', '-1 USD']),
      transaction('2024-01-01', ['Assets:Bank', '1 USD', '= 1 USD'], ['Equity:Opening', '-1 USD']),
    ]],
  ];
  for (const [name, accepted, transactions] of cases) {
    it(name, () => {
      const journal = transactions.map((each) => `${each.date} test\n${each.postings.map((posting) => {
        const mark = posting.balanceAssertion ? ` ${posting.balanceAssertion.total ? '==' : '='}${posting.balanceAssertion.inclusive ? '*' : ''} ${posting.balanceAssertion.amount.quantity} ${posting.balanceAssertion.amount.commodity}` : '';
        return `    ${posting.account}  ${posting.amount.quantity} ${posting.amount.commodity}${mark}`;
      }).join('\n')}\n`).join('\n');
      const ours = checkBalanceAssertions(parsed(transactions.map((each, index) => [index + 1, each])));
      expect(hledgerAccepts(journal)).toBe(accepted);
      expect(ours.length === 0).toBe(accepted);
    });
  }
});

describe('dated assertions agree with bean-check', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tallystick-bean-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const transactions: [number, Transaction][] = [
    [5, transaction('2024-01-01', ['Assets:Bank', '100.00 USD'], ['Assets:Bank:Savings', '50.00 USD'], ['Equity:Opening', '-150.00 USD'])],
    [10, transaction('2024-01-31', ['Assets:Bank', '-5.00 USD'], ['Equity:Opening', '5.00 USD'])],
  ];
  const beancount = (date: string, account: string, amount: string) => [
    ...['Assets:Bank', 'Assets:Bank:Savings', 'Equity:Opening'].map((name) => `2024-01-01 open ${name}`),
    ...transactions.map(([, each]) => `\n${each.date} * "${each.description}"\n${each.postings.map((posting) => `  ${posting.account}  ${posting.amount.quantity} ${posting.amount.commodity}`).join('\n')}`),
    `\n${date} balance ${account} ${amount}\n`,
  ].join('\n');
  const beanCheckAccepts = (text: string) => {
    const file = join(directory, 'books.beancount');
    writeFileSync(file, text);
    try {
      execFileSync('bean-check', [file], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  const cases: [string, boolean, [string, string, string]][] = [
    ['at the start of the day, subaccounts included', true, ['2024-01-31', 'Assets:Bank', '150.00 USD']],
    ['the same day\'s transactions do not count yet', false, ['2024-01-31', 'Assets:Bank', '145.00 USD']],
    ['the next day they do', true, ['2024-02-01', 'Assets:Bank', '145.00 USD']],
    ['own balance alone is not enough', false, ['2024-02-01', 'Assets:Bank', '95.00 USD']],
    ['a subaccount on its own', true, ['2024-02-01', 'Assets:Bank:Savings', '50.00 USD']],
  ];
  for (const [name, accepted, [date, account, amount]] of cases) {
    it(name, () => {
      expect(beanCheckAccepts(beancount(date, account, amount))).toBe(accepted);
      expect(checkBalanceAssertions(parsed(transactions, [[20, date, account, amount]])).length === 0).toBe(accepted);
    });
  }
});
