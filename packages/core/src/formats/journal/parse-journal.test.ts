import { describe, expect, it } from 'vitest';
import { formatAmountPlain } from '../../amount.js';
import { type Posting, type Transaction } from '../../transaction.js';
import { type ParsedBook } from '../parsed-book.js';
import { parseJournal } from './parse-journal.js';

function parse(text: string, files: Record<string, string> = {}): ParsedBook {
  return parseJournal(text, {
    file: 'main.journal',
    readIncludedFile: (path) => {
      const found = files[path];
      if (found === undefined) throw new Error(`test has no file ${path}`);
      return { file: path, text: found };
    },
  });
}

function only(text: string): Transaction {
  const book = parse(text);
  expect(book.transactions).toHaveLength(1);
  return book.transactions[0]!.value;
}

/** "account amount [@ price] [{cost}]" per posting, for compact expectations. */
function summary(transaction: Transaction): string[] {
  return transaction.postings.map(describePosting);
}

function describePosting(posting: Posting): string {
  const parts = [posting.account, formatAmountPlain(posting.amount)];
  if (posting.cost) parts.push(`{${formatAmountPlain(posting.cost.perUnit)}}${posting.cost.date ? ` [${posting.cost.date}]` : ''}${posting.cost.label !== undefined ? ` (${posting.cost.label})` : ''}`);
  if (posting.price) parts.push(`${posting.price.kind === 'unit' ? '@' : '@@'} ${formatAmountPlain(posting.price.amount)}`);
  return parts.join(' ');
}

describe('parseJournal: transactions', () => {
  it('reads dates with -, / or . separators, one-digit months and days, and ignores secondary dates', () => {
    const book = parse('2024-01-02 a\n  x  1\n  y\n\n2024/2/3=2024/02/05 b\n  x  1\n  y\n\n2024.03.04 c\n  x  1\n  y\n');
    expect(book.transactions.map((sourced) => sourced.value.date)).toEqual(['2024-01-02', '2024-02-03', '2024-03-04']);
    expect(book.transactions.map((sourced) => sourced.source.line)).toEqual([1, 5, 9]);
  });

  it('completes yearless dates from the Y / year / apply year directives', () => {
    const book = parse('Y 2023\n01/05 a\n  x  1\n  y\nyear 2022\n2-3 b\n  x  1\n  y\napply year 2021\n12.31 c\n  x  1\n  y\n');
    expect(book.transactions.map((sourced) => sourced.value.date)).toEqual(['2023-01-05', '2022-02-03', '2021-12-31']);
  });

  it('reads status, code, payee | note, the comment and its tags', () => {
    const transaction = only('2024-01-01 * (1042) Grocery Store | weekly food ; paid by card, client:acme, billable:\n    ; :ledger1:ledger2:\n    ; ^trip-2024:\n  Expenses:Food  $12.50\n  Assets:Cash\n');
    expect(transaction).toMatchObject({
      status: '*', code: '1042', payee: 'Grocery Store', description: 'weekly food',
      comment: 'paid by card, client:acme, billable:',
      tags: ['billable', 'ledger1', 'ledger2'], links: ['trip-2024'], metadata: { client: 'acme' },
    });
  });

  it('keeps the description whole when it has no "|", and leaves out an empty comment', () => {
    const transaction = only('2024-01-01 ! Rent for March\n  Expenses:Rent  500 EUR\n  Assets:Bank  -500 EUR\n');
    expect(transaction.status).toBe('!');
    expect(transaction.payee).toBeUndefined();
    expect(transaction.description).toBe('Rent for March');
    expect(transaction.comment).toBeUndefined();
  });

  it('attaches comment lines after a posting to that posting, with tags and metadata, and posting status', () => {
    const transaction = only('2024-01-01 x\n  * Expenses:Food  $5  ; lunch, project:alpha\n    ; receipt:\n  ! Assets:Cash  $-5\n');
    expect(transaction.postings[0]).toMatchObject({ status: '*', comment: 'lunch, project:alpha', tags: ['receipt'], metadata: { project: 'alpha' } });
    expect(transaction.postings[1]).toMatchObject({ status: '!' });
    expect(transaction.postings[1]!.comment).toBeUndefined();
  });

  it('infers one elided amount, one posting per commodity left over', () => {
    expect(summary(only('2024-01-01 x\n  a  $5\n  b  3 EUR\n  c\n'))).toEqual(['a 5 $', 'b 3 EUR', 'c -5 $', 'c -3 EUR']);
  });

  it('converts between two commodities without a price as hledger and ledger do, with an exact @@ price', () => {
    expect(summary(only('2024-01-01 x\n  Assets:Broker  10 AAPL\n  Assets:Cash  $-500\n'))).toEqual(['Assets:Broker 10 AAPL @@ 500 $', 'Assets:Cash -500 $']);
    expect(summary(only('2024-01-01 x\n  a  10 AAPL\n  a  5 AAPL\n  b  $-600\n'))).toEqual(['a 10 AAPL', 'a 5 AAPL', 'b -600 $ @@ 15 AAPL']);
  });

  it('imports balanced virtual postings as real ones, balancing each group apart, with one warning', () => {
    const book = parse('2024-01-01 x\n  a  $5\n  b\n  [budget:food]  $-5\n  [budget:pool]\n\n2024-01-02 y\n  a  $1\n  b\n  [c]  $1\n  [d]  $-1\n');
    expect(summary(book.transactions[0]!.value)).toEqual(['a 5 $', 'b -5 $', 'budget:food -5 $', 'budget:pool 5 $']);
    expect(book.warnings).toEqual([{ source: { file: 'main.journal', line: 4, column: 3 }, message: 'balanced virtual postings [Account] were imported as real postings (4 times; the first is here)' }]);
  });

  it('skips a transaction without postings, with a warning', () => {
    const book = parse('2024-01-01 just a note\n\n2024-01-02 x\n  a  1\n  b\n');
    expect(book.transactions).toHaveLength(1);
    expect(book.warnings[0]!.message).toBe('transactions without postings were skipped: they move no money');
  });

  it('reads CRLF line endings, a byte order mark, and tabs between account and amount', () => {
    expect(summary(only('\uFEFF2024-01-01 x\r\n\ta\t$5\r\n\tb \t\r\n'))).toEqual(['a 5 $', 'b -5 $']);
  });

  it('keeps posting date tags as metadata, with a warning', () => {
    const book = parse('2024-01-01 x\n  a  $5  ; date:2024-01-03\n  b\n');
    expect(book.transactions[0]!.value.postings[0]!.metadata).toEqual({ date: '2024-01-03' });
    expect(book.warnings.map((warning) => warning.message)).toEqual(['posting dates (date: tags) were kept as metadata only: each posting is dated by its transaction']);
  });

  it('refuses a conversion between two commodities that would need a rounded price', () => {
    expect(() => parse('2024-01-01 x\n  a  10 AAPL\n  a  5 AAPL\n  b  $-3\n  b  $-4\n')).toThrow('main.journal:1:1: found a transaction whose postings sum to -7 $, 15 AAPL, expected postings that sum to zero in each commodity');
  });
});

describe('parseJournal: amounts', () => {
  const amountOf = (written: string, directives = '') => {
    const transaction = only(`${directives}2024-01-01 x\n  a  ${written}\n  b  0\n  c\n`);
    return formatAmountPlain(transaction.postings[0]!.amount);
  };

  it('reads the commodity before or after the number, with or without a space, and quoted symbols', () => {
    expect(amountOf('$12.50')).toBe('12.50 $');
    expect(amountOf('$ 12.50')).toBe('12.50 $');
    expect(amountOf('12.50 USD')).toBe('12.50 USD');
    expect(amountOf('12.50USD')).toBe('12.50 USD');
    expect(amountOf('USD12.50')).toBe('12.50 USD');
    expect(amountOf('3.125 "VANGUARD 500"')).toBe('3.125 "VANGUARD 500"');
    expect(amountOf('"VANGUARD 500" 3.125')).toBe('3.125 "VANGUARD 500"');
    expect(amountOf('42')).toBe('42');
    expect(amountOf('.5 EUR')).toBe('0.5 EUR');
    expect(amountOf('1000 JPY')).toBe('1000 JPY');
  });

  it('reads the sign before or after the symbol', () => {
    for (const written of ['-$5', '$-5', '- $5', '$ -5', '-5 $']) expect(amountOf(written)).toBe('-5 $');
    expect(amountOf('+5 EUR')).toBe('5 EUR');
  });

  it('reads digit group marks, deciding the decimal mark as hledger does', () => {
    expect(amountOf('$1,000.00')).toBe('1000.00 $');
    expect(amountOf('$1,000,000')).toBe('1000000 $');
    expect(amountOf('1.000.000 EUR')).toBe('1000000 EUR');
    expect(amountOf('1.000,50 EUR')).toBe('1000.50 EUR');
    expect(amountOf('1 000.5 EUR')).toBe('1000.5 EUR');
    expect(amountOf('1,5 EUR')).toBe('1.5 EUR');
    expect(amountOf('1.000 EUR')).toBe('1.000 EUR');
  });

  it('uses the decimal mark declared by a commodity directive or decimal-mark', () => {
    expect(amountOf('1.000 EUR', 'commodity 1.000,00 EUR\n')).toBe('1000 EUR');
    expect(amountOf('1,000 EUR', 'commodity EUR\n  format 1.000,00 EUR\n')).toBe('1.000 EUR');
    expect(amountOf('$1,000', 'commodity $1,000.00\n')).toBe('1000 $');
    expect(amountOf('1.000 EUR', 'decimal-mark ,\n')).toBe('1000 EUR');
    expect(amountOf('1,000 EUR', 'decimal-mark .\n')).toBe('1000 EUR');
  });

  it('gives amounts without a commodity the D directive\'s commodity', () => {
    expect(amountOf('1,000.5', 'D $1,000.00\n')).toBe('1000.5 $');
  });

  it('reads @ unit and @@ total prices', () => {
    expect(summary(only('2024-01-01 x\n  a  10 EUR @ $1.10\n  b  $-11\n'))).toEqual(['a 10 EUR @ 1.10 $', 'b -11 $']);
    expect(summary(only('2024-01-01 x\n  a  10 EUR @@ $11\n  b\n'))).toEqual(['a 10 EUR @@ 11 $', 'b -11 $']);
  });

  it('reads lot costs {unit}, {{total}}, {=fixed}, lot dates and notes, and drops an @ equal to the cost', () => {
    expect(summary(only('2024-01-01 x\n  a  10 AAPL {$50} [2024/01/01] (lot1) @ $50\n  b\n'))).toEqual(['a 10 AAPL {50 $} [2024-01-01] (lot1)', 'b -500 $']);
    expect(summary(only('2024-01-01 x\n  a  4 AAPL {{$150}}\n  b  $-150\n'))).toEqual(['a 4 AAPL {37.5 $}', 'b -150 $']);
    expect(summary(only('2024-01-01 x\n  a  4 AAPL {=$30}\n  b\n'))).toEqual(['a 4 AAPL {30 $}', 'b -120 $']);
    expect(summary(only('2024-01-01 x\n  a  4 AAPL {$30} @@ $120\n  b\n'))).toEqual(['a 4 AAPL {30 $}', 'b -120 $']);
    expect(summary(only('2024-01-01 x\n  a  4 AAPL {$30} @ $31\n  b\n'))).toEqual(['a 4 AAPL {30 $} @ 31 $', 'b -120 $']);
  });

  it('weighs a sale by its lot cost, so a gain posting balances (as in ledger and beancount)', () => {
    const transaction = only('2024-01-01 sell\n  Assets:Broker  -10 AAPL {$50} @ $60\n  Assets:Cash  $600\n  Income:Gains  $-100\n');
    expect(summary(transaction)).toEqual(['Assets:Broker -10 AAPL {50 $} @ 60 $', 'Assets:Cash 600 $', 'Income:Gains -100 $']);
  });
});

describe('parseJournal: balance assertions and assignments', () => {
  it('reads =, ==, =* and ==* and checks them in date order', () => {
    const transaction = parse('2024-01-02 y\n  a  1 EUR = 3 EUR\n  a:b  1 EUR =* 3 EUR\n  a  0 EUR == 3 EUR\n  a  0 EUR ==* 6 EUR\n  c\n\n2024-01-01 x\n  a  2 EUR\n  a:b  2 EUR\n  c\n').transactions[0]!.value;
    expect(transaction.postings.map((posting) => posting.balanceAssertion)).toEqual([
      { amount: expect.objectContaining({ commodity: 'EUR' }) },
      { amount: expect.objectContaining({ commodity: 'EUR' }), inclusive: true },
      { amount: expect.objectContaining({ commodity: 'EUR' }), total: true },
      { amount: expect.objectContaining({ commodity: 'EUR' }), total: true, inclusive: true },
      undefined,
    ]);
  });

  it('reports every failing assertion, with the column of its "="', () => {
    expect(() => parse('2024-01-01 x\n  a  1 EUR = 2 EUR\n  b\n\n2024-01-02 y\n  a:b  1 EUR\n  a  0 EUR =* 3 EUR\n  b\n')).toThrow([
      'main.journal:2:12: found a balance of 1 EUR in a (own postings) on 2024-01-01, expected 2 EUR as asserted',
      'main.journal:7:12: found a balance of 2 EUR in a (subaccounts included) on 2024-01-02, expected 3 EUR as asserted',
    ].join('\n'));
  });

  it('works out balance assignments from the running balance, then infers the elided amount', () => {
    const book = parse('2024-01-01 x\n  Assets:Cash  $100\n  Equity\n\n2024-01-05 count\n  Assets:Cash  = $80\n  Expenses:Unknown\n\n2024-01-06 count\n  Assets:Cash  =* $70\n  Expenses:Unknown\n');
    expect(summary(book.transactions[1]!.value)).toEqual(['Assets:Cash -20 $', 'Expenses:Unknown 20 $']);
    expect(summary(book.transactions[2]!.value)).toEqual(['Assets:Cash -10 $', 'Expenses:Unknown 10 $']);
  });
});

describe('parseJournal: directives and comments', () => {
  it('reads account directives with hledger type tags, notes and metadata, after apply account and aliases', () => {
    const book = parse('account Assets:Cash  ; type: A\naccount Liabilities:Card  ; type:Liability, bank: ACME\n  ; card for travel\naccount Odd\n  note kept for ledger\napply account Club\naccount Dues  ; type: R\nend apply account\n');
    expect(book.accounts.map((sourced) => sourced.value)).toEqual([
      { account: 'Assets:Cash', type: 'asset' },
      { account: 'Liabilities:Card', type: 'liability', note: 'card for travel', metadata: { bank: 'ACME' } },
      { account: 'Odd', note: 'kept for ledger' },
      { account: 'Club:Dues', type: 'income' },
    ]);
    expect(book.accounts[3]!.source).toEqual({ file: 'main.journal', line: 7, column: 1 });
  });

  it('reads commodity directives, one-line or with a format subdirective, with their precision and decimal mark', () => {
    const book = parse('commodity $1,000.00\ncommodity EUR\n  format 1.000,000 EUR\n  ; isin: none\ncommodity "VANGUARD 500"\ncommodity 1000. JPY\n');
    expect(book.commodities.map((sourced) => sourced.value)).toEqual([
      { symbol: '$', precision: 2, format: '$1,000.00' },
      { symbol: 'EUR', precision: 3, format: '1.000,000 EUR', metadata: { isin: 'none' } },
      { symbol: 'VANGUARD 500' },
      { symbol: 'JPY', precision: 0, format: '1000. JPY' },
    ]);
  });

  it('reads P price directives, with or without a time', () => {
    const book = parse('P 2024-01-01 EUR $1.08\nP 2024/01/02 12:00:00 "VANGUARD 500" 1.000,50 EUR\n');
    expect(book.prices.map((sourced) => `${sourced.value.date} ${sourced.value.commodity} ${formatAmountPlain(sourced.value.price)}`)).toEqual([
      '2024-01-01 EUR 1.08 $',
      '2024-01-02 VANGUARD 500 1000.50 EUR',
    ]);
  });

  it('applies plain aliases to subaccounts and case-insensitive regex aliases, until end aliases', () => {
    const book = parse('alias checking = Assets:Bank:Checking\nalias /^exp(enses)?:(.*)$/ = Expenses:\\2\n2024-01-01 x\n  exp:Food  $1\n  EXP:a  $1\n  checking:sub\nend aliases\n2024-01-02 y\n  checking  $1\n  exp:Food\n');
    expect(summary(book.transactions[0]!.value)).toEqual(['Expenses:Food 1 $', 'Expenses:a 1 $', 'Assets:Bank:Checking:sub -2 $']);
    expect(summary(book.transactions[1]!.value)).toEqual(['checking 1 $', 'exp:Food -1 $']);
  });

  it('prefixes apply account before applying aliases, as hledger does', () => {
    const book = parse('alias /^exp:(.*)$/ = Expenses:\\1\napply account Club\n2024-01-01 x\n  exp:Food  $1\n  b\nend\n2024-01-02 y\n  exp:Food  $1\n  b\n');
    expect(summary(book.transactions[0]!.value)).toEqual(['Club:exp:Food 1 $', 'Club:b -1 $']);
    expect(summary(book.transactions[1]!.value)).toEqual(['Expenses:Food 1 $', 'b -1 $']);
  });

  it('skips comment lines and comment blocks', () => {
    const book = parse('; a\n# b\n* c\n% d\n| e\ncomment\n2024-01-01 hidden\n  a  1\n  b\nend comment\ntest\nnot a directive\nend test\n  ; indented comment\n2024-01-02 shown\n  a  1\n  b\n');
    expect(book.transactions.map((sourced) => sourced.value.description)).toEqual(['shown']);
  });

  it('ignores payee and tag declarations', () => {
    expect(parse('payee Grocery\ntag project\n  ; comment\n').transactions).toEqual([]);
  });

  it('reads included files relative to the includer, in place, with their own scope', () => {
    const book = parse('2024-01-01 first\n  a  1\n  b\ninclude sub/part.journal\n2024-01-03 third\n  c  1\n  d\n', {
      'sub/part.journal': 'apply account Inner\n2024-01-02 second\n  a  1\n  b\n',
    });
    expect(book.transactions.map((sourced) => `${sourced.source.file}:${sourced.source.line} ${sourced.value.postings[0]!.account}`)).toEqual([
      'main.journal:1 a', 'sub/part.journal:2 Inner:a', 'main.journal:5 c',
    ]);
  });

  it('passes the include path and the including file to readIncludedFile', () => {
    const calls: string[] = [];
    parseJournal('include ../other.journal\n', { file: 'books/main.journal', readIncludedFile: (path, from) => { calls.push(`${path} from ${from}`); return { file: 'other.journal', text: '' }; } });
    expect(calls).toEqual(['../other.journal from books/main.journal']);
  });
});
