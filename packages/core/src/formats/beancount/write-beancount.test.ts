import { describe, expect, it } from 'vitest';
import { type AccountName } from '../../account.js';
import { type IsoDate } from '../../date.js';
import { Decimal } from '../../decimal.js';
import { type Posting, type Transaction } from '../../transaction.js';
import { parseBeancount } from './parse-beancount.js';
import { beancountNamesFor, writeBeancount, type WriteBeancountInput } from './write-beancount.js';

const d = (text: string) => Decimal.parse(text);
const account = (name: string) => name as AccountName;
const date = (text: string) => text as IsoDate;

function transaction(day: string, postings: Posting[], extra: Partial<Transaction> = {}): Transaction {
  return { date: date(day), status: '*', description: 'x', tags: [], links: [], metadata: {}, postings, ...extra };
}

function posting(name: string, quantity: string, commodity: string, extra: Partial<Posting> = {}): Posting {
  return { account: account(name), amount: { commodity, quantity: d(quantity) }, ...extra };
}

const SAMPLE: WriteBeancountInput = {
  operatingCurrencies: ['$'],
  accounts: [
    { account: account('assets:cash box'), open: date('2024-01-05'), note: 'the tin' },
    { account: account('Assets:Broker'), metadata: { 'tallystick-booking': 'FIFO', institution: 'Bank' } },
  ],
  transactions: [
    transaction('2024-01-02', [
      posting('expenses:food', '12.50', '$', { comment: 'meal', tags: ['t'] }),
      posting('assets:cash box', '-12.50', '$', { status: '*' }),
    ], { status: '', code: '7', payee: 'Café "Le Coin"', description: 'Lunch\nwith Ann', tags: ['food', 'with space'], links: ['inv-1'], metadata: { 'Project Name': 'X', note: 'ok' }, comment: 'paid cash\nsecond line' }),
    transaction('2024-01-03', [
      posting('Assets:Broker', '3', 'VANGUARD 500', { cost: { perUnit: { commodity: '$', quantity: d('10') }, label: 'lot' } }),
      posting('Assets:Bank', '3', 'hours', { price: { kind: 'total', amount: { commodity: '€', quantity: d('10') } } }),
      posting('Assets:Bank', '-10', '€'),
      posting('assets:cash box', '-30', '$'),
    ], { description: 'Buy' }),
  ],
  prices: [{ date: date('2024-01-04'), commodity: 'VANGUARD 500', price: { commodity: '$', quantity: d('11') } }],
  assertions: [{ date: date('2024-01-04'), account: account('assets:cash box'), amount: { commodity: '$', quantity: d('-42.50') } }],
};

describe('writeBeancount', () => {
  it('writes valid names, explicit amounts, and what beancount cannot spell in tallystick-* metadata', () => {
    expect(writeBeancount(SAMPLE)).toBe(`option "operating_currency" "USD"
option "inferred_tolerance_default" "*:0.000000001"

2024-01-02 commodity EUR
  tallystick-symbol: "€"
2024-01-02 commodity HOURS
  tallystick-symbol: "hours"
2024-01-02 commodity USD
  tallystick-symbol: "$"
2024-01-02 commodity VANGUARD-500
  tallystick-symbol: "VANGUARD 500"

2024-01-03 open Assets:Bank
2024-01-03 open Assets:Broker "FIFO"
  institution: "Bank"
2024-01-02 open Assets:Cash-box
  tallystick-account: "assets:cash box"
  tallystick-extra: "{\\"note\\":\\"the tin\\"}"
2024-01-02 open Expenses:Food
  tallystick-account: "expenses:food"

2024-01-02 txn "Café \\"Le Coin\\"" "Lunch\\nwith Ann" #food ^inv-1 ; paid cash
  ; second line
  tallystick-code: "7"
  note: "ok"
  tallystick-extra: "{\\"tags\\":[\\"food\\",\\"with space\\"],\\"metadata\\":{\\"Project Name\\":\\"X\\"}}"
  Expenses:Food  12.50 USD ; meal
    tallystick-extra: "{\\"tags\\":[\\"t\\"]}"
  * Assets:Cash-box  -12.50 USD

2024-01-03 * "Buy"
  Assets:Broker  3 VANGUARD-500 {10 USD, "lot"}
  Assets:Bank  3 HOURS @@ 10 EUR
  Assets:Bank  -10 EUR
  Assets:Cash-box  -30 USD

2024-01-04 price VANGUARD-500 11 USD
2024-01-04 balance Assets:Cash-box -42.50 USD
`);
  });

  it('reads back to the same transactions, names, prices and assertions', () => {
    const book = parseBeancount(writeBeancount(SAMPLE), { file: 'written.beancount' });
    expect(book.transactions.map((entry) => entry.value)).toEqual(SAMPLE.transactions);
    expect(book.prices.map((entry) => entry.value)).toEqual(SAMPLE.prices);
    expect(book.assertions.map((entry) => entry.value)).toEqual(SAMPLE.assertions);
    expect(book.options.operatingCurrencies).toEqual(['$']);
    expect(book.accounts.map((entry) => entry.value)).toContainEqual({ account: 'assets:cash box', open: '2024-01-02', type: 'asset', note: 'the tin' });
    expect(book.accounts.map((entry) => entry.value)).toContainEqual({ account: 'Assets:Broker', open: '2024-01-03', type: 'asset', metadata: { institution: 'Bank', 'tallystick-booking': 'FIFO' } });
  });

  it('maps names deterministically, keeping valid names and numbering collisions', () => {
    const names = beancountNamesFor({
      transactions: [transaction('2024-01-02', [
        posting('Assets:Cash-box', '1', 'USD'), posting('assets:cash box', '1', '$'), posting('bank:checking', '1', 'X'),
        posting('revenues', '-1', 'hours'), posting('Expenses:2024:Ünïcode', '-1', ''), posting('Assets:_x', '-1', '1st'),
      ])],
      accounts: [{ account: account('Assets:Loan'), type: 'liability' }],
    });
    expect(Object.fromEntries(names.accounts)).toEqual({
      'Assets:Cash-box': 'Assets:Cash-box', 'assets:cash box': 'Assets:Cash-box-2', 'bank:checking': 'Assets:Bank:Checking',
      revenues: 'Income:Revenues', 'Expenses:2024:Ünïcode': 'Expenses:2024:Ünïcode', 'Assets:_x': 'Assets:X-x', 'Assets:Loan': 'Liabilities:Loan',
    });
    expect(Object.fromEntries(names.commodities)).toEqual({ USD: 'USD', $: 'USD-2', X: 'XX', hours: 'HOURS', '': 'XXX', '1st': 'C1ST' });
  });

  it('opens an account on its first use when declared later, and closes it after its last use', () => {
    const text = writeBeancount({
      transactions: [transaction('2024-01-02', [posting('Assets:Cash', '1', 'USD'), posting('Income:Gift', '-1', 'USD')]), transaction('2024-03-01', [posting('Assets:Cash', '-1', 'USD'), posting('Income:Gift', '1', 'USD')])],
      accounts: [{ account: account('Assets:Cash'), open: date('2024-02-01'), close: date('2024-02-15'), commodities: ['USD'] }, { account: account('Income:Gift'), commodities: ['EUR'] }],
    });
    expect(text).toContain('2024-01-02 open Assets:Cash USD\n');
    expect(text).toContain('2024-01-02 open Income:Gift\n');
    expect(text).toContain('2024-03-01 close Assets:Cash\n');
  });

  it('opens with "NONE" an account whose lot postings beancount would not book exactly as written', () => {
    const buy = transaction('2024-01-02', [posting('Assets:Stock', '2', 'HOOL', { cost: { perUnit: { commodity: 'USD', quantity: d('10') } } }), posting('Assets:Cash', '-20', 'USD')]);
    const exactSell = transaction('2024-01-03', [posting('Assets:Stock', '-1', 'HOOL', { cost: { perUnit: { commodity: 'USD', quantity: d('10') }, date: date('2024-01-02') } }), posting('Assets:Cash', '10', 'USD')]);
    const looseSell = transaction('2024-01-03', [posting('Assets:Stock', '-1', 'HOOL', { cost: { perUnit: { commodity: 'USD', quantity: d('10') } } }), posting('Assets:Cash', '10', 'USD')]);
    expect(writeBeancount({ transactions: [buy, exactSell] })).toContain('2024-01-02 open Assets:Stock\n');
    const loose = writeBeancount({ transactions: [buy, looseSell] });
    expect(loose).toContain('2024-01-02 open Assets:Stock "NONE"\n');
    expect(parseBeancount(loose, { file: 'loose.beancount' }).transactions.map((entry) => entry.value)).toEqual([buy, looseSell]);
  });

  it('keeps posting flags, empty posting marks and journal assertions, and transaction flags from a pad', () => {
    const padded = transaction('2024-01-02', [
      posting('Assets:Cash', '1', 'USD', { metadata: { 'tallystick-flag': 'C' } }),
      posting('Equity:Opening', '-1', 'USD', { status: '', balanceAssertion: { amount: { commodity: 'USD', quantity: d('-1') }, total: true } }),
    ], { status: '', metadata: { 'tallystick-flag': 'P', 'tallystick-pad': '2024-01-02 pad Assets:Cash Equity:Opening' } });
    const text = writeBeancount({ transactions: [padded] });
    expect(text).toContain('2024-01-02 P "x"\n  tallystick-pad: "2024-01-02 pad Assets:Cash Equity:Opening"\n  C Assets:Cash  1 USD\n');
    expect(parseBeancount(text, { file: 'p.beancount' }).transactions[0]!.value).toEqual(padded);
  });

  it('writes an empty book as an empty file', () => {
    expect(writeBeancount({ transactions: [] })).toBe('\n');
  });
});
