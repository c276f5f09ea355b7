import { describe, expect, it } from 'vitest';
import { type AccountName } from '../../account.js';
import { amount } from '../../amount.js';
import { type IsoDate } from '../../date.js';
import { ValidationErrors } from '../../errors.js';
import { type Posting, type Transaction } from '../../transaction.js';
import { parseJournal } from './parse-journal.js';
import { writeJournal } from './write-journal.js';

function transaction(fields: Partial<Transaction> & { postings: readonly Posting[] }): Transaction {
  return { date: '2024-03-01' as IsoDate, status: '', description: 'x', tags: [], links: [], metadata: {}, ...fields };
}

function posting(account: string, value: string, commodity: string, extra: Partial<Posting> = {}): Posting {
  return { account: account as AccountName, amount: amount(commodity, value), ...extra };
}

function roundTrip(transactions: readonly Transaction[]): Transaction[] {
  return parseJournal(writeJournal({ transactions }), { file: 'out.journal' }).transactions.map((sourced) => sourced.value);
}

describe('writeJournal', () => {
  it('writes directives first, then prices and transactions, every amount explicit', () => {
    const text = writeJournal({
      commodities: [{ symbol: 'EUR', precision: 2, format: '1.000,00 EUR' }, { symbol: 'VANGUARD 500', precision: 3 }, { symbol: 'JPY', precision: 0 }],
      accounts: [{ account: 'Assets:Bank' as AccountName, type: 'asset', note: 'main account' }, { account: 'Income:Dues' as AccountName, type: 'income', metadata: { code: '4000' } }],
      prices: [{ date: '2024-03-01' as IsoDate, commodity: 'VANGUARD 500', price: amount('$', '412.5') }],
      transactions: [transaction({
        status: '*', code: '17', payee: 'Member', description: 'dues for March', comment: 'paid in cash', tags: ['dues'], links: ['m-17'], metadata: { period: '2024-03' },
        postings: [
          posting('Assets:Bank', '1234.5', 'EUR', { status: '*', balanceAssertion: { amount: amount('EUR', '1234.5') } }),
          posting('Income:Dues', '-1234.50', 'EUR', { comment: 'March', tags: ['^x'], metadata: { member: 'ann' } }),
        ],
      })],
    });
    expect(text).toBe([
      'commodity EUR',
      '    format 1.000,00 EUR',
      'commodity "VANGUARD 500"',
      '    format 1000.000 "VANGUARD 500"',
      'commodity JPY',
      '',
      'account Assets:Bank  ; type: A',
      '    ; main account',
      'account Income:Dues  ; type: R',
      '    ; code: 4000',
      '',
      'P 2024-03-01 "VANGUARD 500" $412.5',
      '',
      '2024-03-01 * (17) Member | dues for March',
      '    ; paid in cash',
      '    ; dues:',
      '    ; ^m-17:',
      '    ; period: 2024-03',
      '    * Assets:Bank  1234,5 EUR = 1234,5 EUR',
      '    Income:Dues  -1234,50 EUR',
      '      ; March',
      '      ; ^x:',
      '      ; member: ann',
      '',
    ].join('\n'));
  });

  it('writes a lot cost as {cost} [date] @ cost, keeping a different sale price and the lot label in the comment', () => {
    const text = writeJournal({ transactions: [transaction({ postings: [
      posting('Assets:Broker', '-10', 'AAPL', { cost: { perUnit: amount('$', '50'), date: '2023-01-02' as IsoDate, label: 'first' }, price: { kind: 'unit', amount: amount('$', '60') } }),
      posting('Assets:Cash', '600', '$'),
      posting('Income:Gains', '-100', '$'),
    ] })] });
    expect(text.split('\n').slice(1, 5)).toEqual([
      '    Assets:Broker  -10 AAPL {$50} [2023-01-02] @ $50',
      '      ; sold at @ $60',
      '      ; lot "first"',
      '    Assets:Cash  $600',
    ]);
  });

  it('writes only "=" assertions as syntax, the others in the comment', () => {
    const text = writeJournal({ transactions: [transaction({ postings: [
      posting('a', '5', 'EUR', { balanceAssertion: { amount: amount('EUR', '5'), total: true, inclusive: true } }),
      posting('b', '-5', 'EUR'),
    ] })] });
    expect(text).toContain('    a  5 EUR\n      ; balance assertion ==* 5 EUR (ledger reads only "=")\n');
  });

  it('refuses what a journal cannot carry, listing every case', () => {
    const bad = transaction({ description: 'rent; March', payee: 'A|B', metadata: { note: 'a, b', 'two words': 'x' }, tags: ['^no'], postings: [
      posting('(virtual)', '1', 'EUR'),
      posting('b', '-1', 'E"UR'),
    ] });
    let error: unknown;
    try {
      writeJournal({ transactions: [bad] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationErrors);
    expect((error as ValidationErrors).message.split('\n')).toEqual([
      'cannot write transaction "rent; March" on 2024-03-01 as a journal: its description has a ";" (which starts a comment) or a line break',
      'cannot write transaction "rent; March" on 2024-03-01 as a journal: its payee "A|B" has a ";", a "|" or a line break',
    ]);
    const second = transaction({ metadata: { note: 'a, b', 'two words': 'x' }, tags: ['^no'], postings: [posting('(virtual)', '1', 'EUR'), posting('b', '-1', 'E"UR')] });
    expect(() => writeJournal({ transactions: [second] })).toThrow([
      'cannot write transaction "x" on 2024-03-01 as a journal: its tag "^no" starts with "^", which marks a link',
      'cannot write transaction "x" on 2024-03-01 as a journal: its metadata note: "a, b" cannot be written as a journal tag (a value must be non-empty, without commas or line breaks, and not start or end with a space)',
      'cannot write transaction "x" on 2024-03-01 as a journal: its metadata key "two words" is empty or has a space, ":" or ","',
      'cannot write transaction "x" on 2024-03-01, posting to (virtual) as a journal: the account name "(virtual)" would be read as a virtual posting',
      'cannot write transaction "x" on 2024-03-01, posting to b as a journal: the commodity symbol "E\\"UR" has a double quote or a line break',
    ].join('\n'));
  });

  it('round-trips postings, prices, costs, assertions, comments, tags, links and metadata', () => {
    const original = [
      transaction({
        date: '2024-01-31' as IsoDate, status: '!', code: '', payee: 'Shop', description: '', comment: 'first line\nsecond: line, with a tag', tags: ['a', 'b'], links: ['l1'],
        metadata: { second: 'line', k: 'v' },
        postings: [
          posting('Assets:Broker', '3.125', 'VANGUARD 500', { cost: { perUnit: amount('EUR', '100.004'), date: '2024-01-30' as IsoDate }, balanceAssertion: { amount: amount('VANGUARD 500', '3.125') } }),
          posting('Assets:Cash', '-312.5125', 'EUR', { status: '*', comment: 'cash', tags: ['t', '^p'], metadata: { m: 'n' } }),
          posting('Expenses:Fees', '2', 'EUR'),
          posting('Expenses:Fees', '-2', 'EUR'),
        ],
      }),
      transaction({ postings: [
        posting('a', '10', 'EUR', { price: { kind: 'unit', amount: amount('$', '1.1') } }),
        posting('b', '-5', 'EUR', { price: { kind: 'total', amount: amount('$', '5.5') } }),
        posting('c', '-5.5', '$'),
        posting('d', '0', ''),
      ] }),
      transaction({ postings: [posting('yen', '1000', 'JPY'), posting('yen:out', '-1000', 'JPY')] }),
    ];
    expect(roundTrip(original)).toEqual(original);
  });
});
