import { describe, expect, it } from 'vitest';
import { formatAmountPlain } from '../../amount.js';
import { Decimal } from '../../decimal.js';
import { type Posting, type Transaction } from '../../transaction.js';
import { type BeancountParsedBook, parseBeancount } from './parse-beancount.js';

const OPENS = [
  '2024-01-01 open Assets:Cash',
  '2024-01-01 open Assets:Bank',
  '2024-01-01 open Assets:Stock',
  '2024-01-01 open Expenses:Food',
  '2024-01-01 open Income:Gains',
  '2024-01-01 open Equity:Opening',
].join('\n');

function parse(text: string, withOpens = true): BeancountParsedBook {
  return parseBeancount(withOpens ? `${OPENS}\n${text}` : text, { file: 'test.beancount' });
}

function only(book: BeancountParsedBook): Transaction {
  expect(book.transactions).toHaveLength(1);
  return book.transactions[0]!.value;
}

/** `Account amount {cost} @ price` per posting, to compare whole transactions at a glance. */
function lines(transaction: Transaction): string[] {
  return transaction.postings.map((posting: Posting) => {
    let text = `${posting.account} ${formatAmountPlain(posting.amount)}`;
    if (posting.cost) text += ` {${formatAmountPlain(posting.cost.perUnit)}${posting.cost.date ? `, ${posting.cost.date}` : ''}${posting.cost.label !== undefined ? `, "${posting.cost.label}"` : ''}}`;
    if (posting.price) text += ` ${posting.price.kind === 'unit' ? '@' : '@@'} ${formatAmountPlain(posting.price.amount)}`;
    return text;
  });
}

describe('parseBeancount: transactions', () => {
  it('reads flags, payee, narration, tags, links and metadata at both levels', () => {
    const transaction = only(parse([
      '2024-01-02 * "Bakery" "Bread" #food ^receipt-1',
      '  #weekly ^batch',
      '  category: "daily"',
      '  count: 3',
      '  when: 2024-01-02',
      '  fee: 1.50 USD',
      '  ok: TRUE',
      '  Expenses:Food  4.50 USD',
      '    item: "loaf"',
      '  Assets:Cash',
    ].join('\n')));
    expect(transaction).toMatchObject({
      date: '2024-01-02', status: '*', payee: 'Bakery', description: 'Bread',
      tags: ['food', 'weekly'], links: ['receipt-1', 'batch'],
      metadata: { category: 'daily', count: '3', when: '2024-01-02', fee: '1.50 USD', ok: 'TRUE' },
    });
    expect(transaction.postings[0]!.metadata).toEqual({ item: 'loaf' });
    expect(lines(transaction)).toEqual(['Expenses:Food 4.50 USD', 'Assets:Cash -4.50 USD']);
  });

  it('maps * to cleared, ! to pending, txn to unmarked, and keeps other flags (P, S…) in metadata', () => {
    const book = parse(['*', '!', 'txn', 'S'].map((flag, day) => `2024-01-0${day + 2} ${flag} "t"\n  Assets:Cash  1 USD\n  Assets:Bank`).join('\n\n'));
    expect(book.transactions.map((entry) => [entry.value.status, entry.value.metadata])).toEqual([
      ['*', {}], ['!', {}], ['', {}], ['', { 'tallystick-flag': 'S' }],
    ]);
  });

  it('takes a single string as the narration, with no payee', () => {
    const transaction = only(parse('2024-01-02 * "Just a narration"\n  Assets:Cash  1 USD\n  Assets:Bank'));
    expect(transaction.payee).toBeUndefined();
    expect(transaction.description).toBe('Just a narration');
  });

  it('reads strings with escapes and line breaks', () => {
    const transaction = only(parse('2024-01-02 * "say \\"hi\\"\\tand \\\\ go" "two\nlines"\n  Assets:Cash  1 USD\n  Assets:Bank'));
    expect(transaction.payee).toBe('say "hi"\tand \\ go');
    expect(transaction.description).toBe('two\nlines');
    expect(lines(transaction)).toEqual(['Assets:Cash 1 USD', 'Assets:Bank -1 USD']);
  });

  it('keeps comments on the transaction and on postings', () => {
    const transaction = only(parse([
      '2024-01-02 * "x" ; on the header',
      '  ; before the postings',
      '  Assets:Cash  1 USD ; on the posting',
      '    ; under the posting',
      '  Assets:Bank',
    ].join('\n')));
    expect(transaction.comment).toBe('on the header\nbefore the postings');
    expect(transaction.postings[0]!.comment).toBe('on the posting\nunder the posting');
    expect(transaction.postings[1]!.comment).toBeUndefined();
  });

  it('reads posting flags, number expressions, thousands separators and slashed dates', () => {
    const transaction = only(parse('2024/1/2 * "x"\n  ! Assets:Cash  (1,000.50 + 2) * 2 USD\n  Assets:Bank  -10 / 4 USD\n  Expenses:Food'));
    expect(transaction.date).toBe('2024-01-02');
    expect(transaction.postings[0]!.status).toBe('!');
    // The elided amount is rounded to the largest tolerance written in USD (0.05, from -2.5), as beancount does.
    expect(lines(transaction)).toEqual(['Assets:Cash 2005.00 USD', 'Assets:Bank -2.5 USD', 'Expenses:Food -2002.5 USD']);
  });

  it('infers an elided amount in every commodity the others leave unbalanced', () => {
    const transaction = only(parse('2024-01-02 * "x"\n  Expenses:Food  10.00 USD\n  Expenses:Food  5 EUR\n  Assets:Cash'));
    expect(lines(transaction)).toEqual(['Expenses:Food 10.00 USD', 'Expenses:Food 5 EUR', 'Assets:Cash -5 EUR', 'Assets:Cash -10.00 USD']);
  });

  it('reads unit and total prices; the weight of a total price is the total', () => {
    const transaction = only(parse('2024-01-02 * "x"\n  Assets:Bank  100.00 EUR @ 1.10 USD\n  Assets:Bank  30 EUR @@ 33.50 USD\n  Assets:Cash'));
    expect(lines(transaction)).toEqual(['Assets:Bank 100.00 EUR @ 1.10 USD', 'Assets:Bank 30 EUR @@ 33.50 USD', 'Assets:Cash -143.5000 USD']);
  });

  it('skips transactions with no postings, with a warning', () => {
    const book = parse('2024-01-02 * "nothing"\n');
    expect(book.transactions).toEqual([]);
    expect(book.warnings.map((warning) => warning.message)).toEqual(['transaction "nothing" has no postings and is not imported']);
  });

  it('reads CRLF files like LF files', () => {
    const transaction = only(parse('2024-01-02 * "x" ; note\r\n  Assets:Cash  1 USD\r\n  Assets:Bank\r\n'.replace(/^/u, '')));
    expect(transaction.comment).toBe('note');
    expect(lines(transaction)).toEqual(['Assets:Cash 1 USD', 'Assets:Bank -1 USD']);
  });
});

describe('parseBeancount: tolerance', () => {
  it('posts a residual beancount tolerates to Equity:Rounding, marked, with one warning', () => {
    const book = parse('2024-01-02 * "Fund"\n  Assets:Stock  2.655 VBMPX {180.82 USD}\n  Assets:Cash  -480.08 USD');
    expect(lines(only(book))).toEqual(['Assets:Stock 2.655 VBMPX {180.82 USD}', 'Assets:Cash -480.08 USD', 'Equity:Rounding 0.00290 USD']);
    expect(only(book).postings[2]!.metadata).toEqual({ 'tallystick-rounding': "residual within beancount's tolerance of 0.005 USD" });
    expect(book.accounts.at(-1)!.value).toEqual({ account: 'Equity:Rounding', type: 'equity' });
    expect(book.warnings.map((warning) => warning.message)).toEqual(["1 transaction(s) balance only within beancount's tolerance; each residual is posted to Equity:Rounding"]);
  });

  it('rounds an elided amount to the precision of the other amounts as beancount does, and rounds the rest', () => {
    const transaction = only(parse('2024-01-02 * "x"\n  Assets:Bank  1.5 HOOL @ 1.333 USD\n  Expenses:Food  1.00 USD\n  Assets:Cash'));
    expect(lines(transaction)).toEqual(['Assets:Bank 1.5 HOOL @ 1.333 USD', 'Expenses:Food 1.00 USD', 'Assets:Cash -3.00 USD', 'Equity:Rounding 0.0005 USD']);
  });

  it('uses option "account_rounding" and the tolerance options', () => {
    const book = parse([
      'option "account_rounding" "Rounding-Errors"',
      'option "inferred_tolerance_default" "USD:0.1"',
      '2024-01-01 open Equity:Rounding-Errors',
      '2024-01-02 * "x"\n  Assets:Cash  1 USD\n  Assets:Bank  -1.05 USD',
    ].join('\n'));
    expect(lines(only(book))).toEqual(['Assets:Cash 1 USD', 'Assets:Bank -1.05 USD', 'Equity:Rounding-Errors 0.05 USD']);
  });

  it('accepts nothing beyond the tolerance of integer amounts', () => {
    expect(() => parse('2024-01-02 * "x"\n  Assets:Cash  1 USD\n  Assets:Bank  -1.001 USD')).toThrow("found a transaction whose postings sum to -0.001 USD, expected each commodity to sum to zero (beancount's tolerance here: 0.0005 USD)");
  });
});

describe('parseBeancount: costs and lots', () => {
  const buys = [
    '2024-01-02 * "lot 1"\n  Assets:Stock  10 HOOL {100.00 USD}\n  Assets:Cash',
    '2024-01-03 * "lot 2"\n  Assets:Stock  5 HOOL {{550.00 USD}, 2024-01-01, "second"}\n  Assets:Cash',
  ].join('\n').replace('{{550.00 USD}, 2024-01-01, "second"}', '{{550.00 USD, 2024-01-01, "second"}}');

  it('reads per-unit and total costs with date and label; a new lot keeps its cost as written', () => {
    const book = parse(buys);
    expect(book.transactions.map((entry) => lines(entry.value))).toEqual([
      ['Assets:Stock 10 HOOL {100.00 USD}', 'Assets:Cash -1000.00 USD'],
      ['Assets:Stock 5 HOOL {110.00 USD, 2024-01-01, "second"}', 'Assets:Cash -550.00 USD'],
    ]);
  });

  it('books {} against the single lot that matches, giving the posting that lot\'s cost and date', () => {
    const book = parse(`${buys}\n2024-02-01 * "sell"\n  Assets:Stock  -2 HOOL {"second"} @ 120 USD\n  Assets:Cash  240 USD\n  Income:Gains`);
    expect(lines(book.transactions[2]!.value)).toEqual(['Assets:Stock -2 HOOL {110.00 USD, 2024-01-01, "second"} @ 120 USD', 'Assets:Cash 240 USD', 'Income:Gains -20.00 USD']);
  });

  it('books FIFO across lots, oldest first, in an account opened "FIFO"', () => {
    const text = `${buys.replaceAll('Assets:Stock', 'Assets:Fifo')}\n2024-02-01 * "sell"\n  Assets:Fifo  -12 HOOL {} @ 120.00 USD\n  Assets:Cash  1440.00 USD\n  Income:Gains`;
    const book = parse(`2024-01-01 open Assets:Fifo HOOL "FIFO"\n${text}`);
    expect(lines(book.transactions[2]!.value)).toEqual([
      'Assets:Fifo -5 HOOL {110.00 USD, 2024-01-01, "second"} @ 120.00 USD',
      'Assets:Fifo -7 HOOL {100.00 USD, 2024-01-02} @ 120.00 USD',
      'Assets:Cash 1440.00 USD',
      'Income:Gains -190.00 USD',
    ]);
    expect(book.accounts.find((entry) => entry.value.account === 'Assets:Fifo')!.value).toMatchObject({ commodities: ['HOOL'], metadata: { 'tallystick-booking': 'FIFO' } });
  });

  it('books LIFO newest lot first (by lot date), and STRICT takes all matching lots when the reduction empties them exactly', () => {
    const lifo = parse(`option "booking_method" "LIFO"\n${buys}\n2024-02-01 * "sell"\n  Assets:Stock  -12 HOOL {}\n  Assets:Cash  1440 USD\n  Income:Gains`);
    expect(lines(lifo.transactions[2]!.value).slice(0, 2)).toEqual(['Assets:Stock -10 HOOL {100.00 USD, 2024-01-02}', 'Assets:Stock -2 HOOL {110.00 USD, 2024-01-01, "second"}']);
    const strict = parse(`${buys}\n2024-02-01 * "sell all"\n  Assets:Stock  -15 HOOL {}\n  Assets:Cash  1550.00 USD`);
    expect(lines(strict.transactions[2]!.value).slice(0, 2)).toEqual(['Assets:Stock -10 HOOL {100.00 USD, 2024-01-02}', 'Assets:Stock -5 HOOL {110.00 USD, 2024-01-01, "second"}']);
  });

  it('takes a NONE account\'s lot postings as written', () => {
    const book = parse(`2024-01-01 open Assets:Loose "NONE"\n2024-01-02 * "b"\n  Assets:Loose  1 HOOL {10 USD}\n  Assets:Cash\n2024-01-03 * "s"\n  Assets:Loose  -1 HOOL {12 USD}\n  Assets:Cash`);
    expect(lines(book.transactions[1]!.value)).toEqual(['Assets:Loose -1 HOOL {12 USD}', 'Assets:Cash 12 USD']);
  });
});

describe('parseBeancount: pads, balances, prices', () => {
  it('turns a pad into a transaction, flagged P, for what the next balance needs', () => {
    const book = parse([
      '2024-01-02 pad Assets:Bank Equity:Opening',
      '2024-01-03 * "x"\n  Assets:Bank  -20.00 USD\n  Expenses:Food',
      '2024-01-05 balance Assets:Bank  980.00 USD',
    ].join('\n'));
    const pad = book.transactions.find((entry) => entry.value.metadata['tallystick-pad'] !== undefined)!;
    expect(pad.value).toMatchObject({
      date: '2024-01-02', status: '', description: '(Padding inserted for Balance of 980.00 USD for difference 1000.00 USD)',
      metadata: { 'tallystick-flag': 'P', 'tallystick-pad': '2024-01-02 pad Assets:Bank Equity:Opening' },
    });
    expect(lines(pad.value)).toEqual(['Assets:Bank 1000.00 USD', 'Equity:Opening -1000.00 USD']);
    expect(pad.source.line).toBe(7);
    expect(book.assertions.map((entry) => [entry.value.date, entry.value.account, formatAmountPlain(entry.value.amount)])).toEqual([['2024-01-05', 'Assets:Bank', '980.00 USD']]);
  });

  it('checks balances on the account and its subaccounts, at the start of the day, within the written tolerance', () => {
    const text = [
      '2024-01-01 open Assets:Bank:Sub',
      '2024-01-02 * "x"\n  Assets:Bank:Sub  10.004 USD\n  Expenses:Food',
      '2024-01-03 balance Assets:Bank  10.00 USD',
      '2024-01-03 balance Assets:Bank:Sub  10 ~ 0.01 USD',
      '2024-01-03 * "same day, after the balance"\n  Assets:Bank:Sub  1 USD\n  Expenses:Food',
    ].join('\n');
    expect(parse(text).assertions).toHaveLength(2);
    expect(() => parse(text.replace('10.00 USD', '10.02 USD'))).toThrow('found a balance of Assets:Bank of 10.004 USD at the start of 2024-01-03 (0.016 too little), expected 10.02 USD as the balance directive says');
  });

  it('reads prices, commodities with metadata, and opens and closes', () => {
    const book = parse([
      '2020-01-01 commodity HOOL\n  name: "Hooli"',
      '2024-01-05 price HOOL 130.00 USD',
      '2024-02-01 close Assets:Cash',
    ].join('\n'));
    expect(book.prices.map((entry) => entry.value)).toEqual([{ date: '2024-01-05', commodity: 'HOOL', price: { commodity: 'USD', quantity: Decimal.parse('130.00') } }]);
    expect(book.commodities.map((entry) => entry.value)).toEqual([{ symbol: 'HOOL', metadata: { name: 'Hooli' } }]);
    expect(book.accounts[0]!.value).toEqual({ account: 'Assets:Cash', open: '2024-01-01', close: '2024-02-01', type: 'asset' });
  });
});

describe('parseBeancount: options, plugins, includes and other directives', () => {
  it('records options, warns about unknown options, plugins and directives it does not import', () => {
    const book = parse([
      'option "title" "Books"',
      'option "operating_currency" "USD"',
      'option "operating_currency" "EUR"',
      'option "render_commas" "TRUE"',
      'option "no_such_option" "x"',
      'plugin "beancount.plugins.auto_accounts"',
      '2024-01-03 event "location" "Paris"',
      '2024-01-03 note Assets:Cash "called"',
      '2024-01-03 document Assets:Cash "/tmp/statement.pdf"',
      '2024-01-03 query "q" "SELECT 1"',
      '2024-01-03 custom "budget" Expenses:Food "monthly" 10.00 USD TRUE',
    ].join('\n'));
    expect(book.options).toMatchObject({ title: 'Books', operatingCurrencies: ['USD', 'EUR'], other: { render_commas: 'TRUE' } });
    expect(book.warnings.map((warning) => `${warning.source.line}: ${warning.message}`)).toEqual([
      '11: unknown option "no_such_option" is ignored',
      '12: plugin "beancount.plugins.auto_accounts" is not run: Tallystick imports the directives as written, without the plugin\'s changes',
      '13: event directive is not imported (Tallystick has nothing to keep it in)',
      '14: note directive is not imported (Tallystick has nothing to keep it in)',
      '15: document directive is not imported (Tallystick has nothing to keep it in)',
      '16: query directive is not imported (Tallystick has nothing to keep it in)',
      '17: custom directive is not imported (Tallystick has nothing to keep it in)',
    ]);
  });

  it('uses the root names set by options, and types accounts by them', () => {
    const book = parse('option "name_assets" "Actifs"\noption "name_income" "Revenus"\n2024-01-01 open Actifs:Caisse\n2024-01-01 open Revenus:Ventes\n2024-01-02 * "x"\n  Actifs:Caisse  1 EUR\n  Revenus:Ventes', false);
    expect(book.accounts.map((entry) => [entry.value.account, entry.value.type])).toEqual([['Actifs:Caisse', 'asset'], ['Revenus:Ventes', 'income']]);
    expect(() => parse('option "name_assets" "Actifs"\n2024-01-01 open Assets:Cash', false)).toThrow('found "Assets:Cash", expected an account name: one of the roots Actifs, Liabilities');
  });

  it('applies pushed tags and metadata to the transactions between push and pop', () => {
    const book = parse([
      'pushtag #trip',
      'pushmeta place: "Rome"',
      '2024-01-02 * "in" #food\n  Assets:Cash  1 USD\n  Assets:Bank',
      'popmeta place:',
      'poptag #trip',
      '2024-01-03 * "out"\n  Assets:Cash  1 USD\n  Assets:Bank',
    ].join('\n'));
    expect(book.transactions.map((entry) => [entry.value.tags, entry.value.metadata])).toEqual([[['food', 'trip'], { place: 'Rome' }], [[], {}]]);
  });

  it('skips comments and org-mode headings', () => {
    const book = parse('; a comment\n* Heading\n** Sub heading\n#+STARTUP: overview\n2024-01-02 * "x" ; trailing\n  Assets:Cash  1 USD\n  Assets:Bank');
    expect(book.transactions).toHaveLength(1);
  });

  it('reads included files through the reader it is given, each once, breadth first', () => {
    const files: Record<string, string> = {
      'accounts.beancount': `${OPENS}\ninclude "data.beancount"\n`,
      'data.beancount': '2024-01-02 * "included"\n  Assets:Cash  1 USD\n  Assets:Bank\n',
    };
    const reads: string[] = [];
    const book = parseBeancount('include "accounts.beancount"\ninclude "data.beancount"\noption "title" "Main"\n', {
      file: 'main.beancount',
      readIncludedFile: (path, fromFile) => {
        reads.push(`${fromFile} -> ${path}`);
        return { file: path, text: files[path]! };
      },
    });
    expect(reads).toEqual(['main.beancount -> accounts.beancount', 'main.beancount -> data.beancount', 'accounts.beancount -> data.beancount']);
    expect(book.transactions.map((entry) => entry.source)).toEqual([{ file: 'data.beancount', line: 1, column: 1 }]);
    expect(book.options.title).toBe('Main');
    expect(book.warnings.map((warning) => warning.message)).toEqual(['data.beancount is already included; this include is skipped']);
  });

  it('ignores options in included files, with a warning', () => {
    const book = parseBeancount('include "other.beancount"\n', { file: 'main.beancount', readIncludedFile: (path) => ({ file: path, text: 'option "operating_currency" "EUR"\n' }) });
    expect(book.options.operatingCurrencies).toEqual([]);
    expect(book.warnings.map((warning) => warning.message)).toEqual(['option "operating_currency" in an included file is ignored (beancount only reads options from the top file)']);
  });
});

describe('parseBeancount: names written by writeBeancount', () => {
  it('restores the Tallystick account names and commodity symbols recorded in metadata', () => {
    const book = parseBeancount([
      '2024-01-01 commodity USD\n  tallystick-symbol: "$"',
      '2024-01-01 commodity HOURS\n  tallystick-symbol: "hours"',
      '2024-01-01 open Assets:Cash-box\n  tallystick-account: "assets:cash box"',
      '2024-01-01 open Income:Work',
      '2024-01-02 txn "x"\n  tallystick-code: "42"\n  Assets:Cash-box  1 USD\n  Income:Work  -1 USD',
      '2024-01-03 * "y"\n  Assets:Cash-box  3 HOURS\n    tallystick-extra: "{\\"tags\\":[\\"a b\\"],\\"status\\":\\"\\"}"\n  Income:Work',
    ].join('\n'), { file: 'w.beancount' });
    const [first, second] = book.transactions.map((entry) => entry.value);
    expect(first).toMatchObject({ status: '', code: '42', metadata: {} });
    expect(lines(first!)).toEqual(['assets:cash box 1 $', 'Income:Work -1 $']);
    expect(second!.postings[0]).toEqual({ account: 'assets:cash box', amount: { commodity: 'hours', quantity: Decimal.parse('3') }, tags: ['a b'], status: '' });
    expect(book.accounts.map((entry) => entry.value.account)).toEqual(['assets:cash box', 'Income:Work']);
    expect(book.commodities.map((entry) => entry.value.symbol)).toEqual(['$', 'hours']);
  });
});
