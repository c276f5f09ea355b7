import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { beanCheck, beancountBalances, normalizeBalances, transactionBalances } from '../../../../../test/oracles/beancount.js';
import { type AccountName } from '../../account.js';
import { type Amount, MixedAmount } from '../../amount.js';
import { type IsoDate, addDays } from '../../date.js';
import { Decimal } from '../../decimal.js';
import { type Posting, type Transaction, isBalanced, postingWeight } from '../../transaction.js';
import { type DatedAssertionDraft } from '../parsed-book.js';
import { parseBeancount } from './parse-beancount.js';
import { beancountNamesFor, writeBeancount, type WriteBeancountInput } from './write-beancount.js';

const workDirectory = mkdtempSync(join(tmpdir(), 'tallystick-beancount-property-'));
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

/** Names beancount accepts as they are, and names it does not (mapped by the writer, restored on reading). */
const ACCOUNTS = ['Assets:Bank:Checking', 'assets:cash box', 'Expenses:Food', 'expenses:café', 'income:salary', 'Liabilities:Card', 'Equity:Opening', 'bank:unknown type', 'Assets:A_b', 'Revenues:Sales'] as AccountName[];
const COMMODITIES = ['USD', '$', '€', 'EUR', 'hours', 'VANGUARD 500', 'X'];
const TEXT = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', '\t', 'é', '€', ';', '#', '^', '{', 'n'), maxLength: 12 });
const COMMENT = fc.string({ unit: fc.constantFrom('a', ' ', ';', '"', 'é', '\n'), maxLength: 10 });
const TAG = fc.constantFrom('trip', 'work-2024', 'a/b.c', 'with space', 'ünï');
const KEY = fc.constantFrom('note', 'invoice-id', 'Upper', 'with space', 'x_y');

const quantity = (maximum: bigint) => fc.tuple(fc.bigInt({ min: -maximum, max: maximum }), fc.integer({ min: 0, max: 4 })).map(([units, scale]) => Decimal.of(units, scale));
const positive = fc.tuple(fc.bigInt({ min: 1n, max: 1_000_000n }), fc.integer({ min: 0, max: 3 })).map(([units, scale]) => Decimal.of(units, scale));

interface PostingShape {
  account: AccountName;
  commodity: string;
  quantity: Decimal;
  kind: 'plain' | 'unit-price' | 'total-price' | 'cost';
  other: string;
  rate: Decimal;
  label?: string;
  status?: '' | '*' | '!';
  comment?: string;
  tags?: string[];
  metadata?: Record<string, string>;
}

const postingShape: fc.Arbitrary<PostingShape> = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  commodity: fc.constantFrom(...COMMODITIES),
  quantity: quantity(100_000_000n).filter((value) => !value.isZero()),
  kind: fc.constantFrom('plain', 'plain', 'unit-price', 'total-price', 'cost'),
  other: fc.constantFrom(...COMMODITIES),
  rate: positive,
  label: fc.option(fc.constantFrom('lot A', 'b"c'), { nil: undefined }),
  status: fc.option(fc.constantFrom('' as const, '*' as const, '!' as const), { nil: undefined }),
  comment: fc.option(COMMENT, { nil: undefined }),
  tags: fc.option(fc.array(TAG, { maxLength: 2 }), { nil: undefined }),
  metadata: fc.option(fc.dictionary(KEY, TEXT, { maxKeys: 2 }), { nil: undefined }),
}, { requiredKeys: ['account', 'commodity', 'quantity', 'kind', 'other', 'rate'] });

const transactionShape = fc.record({
  day: fc.integer({ min: 0, max: 200 }),
  status: fc.constantFrom('' as const, '*' as const, '!' as const),
  code: fc.option(TEXT, { nil: undefined }),
  payee: fc.option(TEXT, { nil: undefined }),
  description: TEXT,
  tags: fc.array(TAG, { maxLength: 3 }),
  links: fc.array(fc.constantFrom('inv-1', 'bad link'), { maxLength: 2 }),
  metadata: fc.dictionary(KEY, TEXT, { maxKeys: 2 }),
  comment: fc.option(COMMENT, { nil: undefined }),
  postings: fc.array(postingShape, { minLength: 1, maxLength: 3 }),
  balancing: fc.constantFrom(...ACCOUNTS),
  sell: fc.option(fc.record({ day: fc.integer({ min: 0, max: 30 }), withDate: fc.boolean(), account: fc.constantFrom(...ACCOUNTS) }), { nil: undefined }),
});

type TransactionShape = typeof transactionShape extends fc.Arbitrary<infer T> ? T : never;

const START = '2021-01-01' as IsoDate;

/** Builds balanced transactions; lots bought at cost are sometimes partly sold later, with or without the lot's date. */
function buildTransactions(shapes: readonly TransactionShape[]): Transaction[] {
  const transactions: Transaction[] = [];
  const sells: Transaction[] = [];
  for (const shape of shapes) {
    const date = addDays(START, shape.day);
    const postings: Posting[] = shape.postings.map((part) => buildPosting(part));
    const residual = new MixedAmount();
    for (const posting of postings) residual.add(postingWeight(posting));
    for (const amount of residual.amounts()) postings.push({ account: shape.balancing, amount: { commodity: amount.commodity, quantity: amount.quantity.negate() } });
    if (postings.length < 2) postings.push({ account: shape.balancing, amount: { commodity: postings[0]!.amount.commodity, quantity: Decimal.ZERO } });
    const transaction: Transaction = {
      date,
      status: shape.status,
      ...(shape.code !== undefined ? { code: shape.code } : {}),
      ...(shape.payee !== undefined ? { payee: shape.payee } : {}),
      description: shape.description,
      tags: shape.tags,
      links: shape.links,
      metadata: shape.metadata,
      ...(shape.comment !== undefined ? { comment: shape.comment } : {}),
      postings,
    };
    expect(isBalanced(transaction)).toBe(true);
    transactions.push(transaction);
    const bought = postings.find((posting) => posting.cost && posting.amount.quantity.sign() > 0);
    if (bought && shape.sell) sells.push(sellPart(bought, date, shape.sell));
  }
  return [...transactions, ...sells];
}

function buildPosting(part: PostingShape): Posting {
  const other = part.other === part.commodity ? (part.commodity === 'USD' ? 'EUR' : 'USD') : part.other;
  const base: Posting = {
    account: part.account,
    amount: { commodity: part.commodity, quantity: part.kind === 'cost' ? part.quantity.abs() : part.quantity },
    ...(part.status !== undefined ? { status: part.status } : {}),
    ...(part.comment !== undefined ? { comment: part.comment } : {}),
    ...(part.tags !== undefined ? { tags: part.tags } : {}),
    // An empty metadata record reads back as none, as beancount has no way to tell them apart.
    ...(part.metadata !== undefined && Object.keys(part.metadata).length > 0 ? { metadata: part.metadata } : {}),
  };
  const rate: Amount = { commodity: other, quantity: part.rate };
  switch (part.kind) {
    case 'plain': return base;
    case 'unit-price': return { ...base, price: { kind: 'unit', amount: rate } };
    case 'total-price': return { ...base, price: { kind: 'total', amount: rate } };
    case 'cost': return { ...base, cost: { perUnit: rate, ...(part.label !== undefined ? { label: part.label } : {}) } };
  }
}

function sellPart(bought: Posting, boughtOn: IsoDate, sell: { day: number; withDate: boolean; account: AccountName }): Transaction {
  const units = bought.amount.quantity.divide(Decimal.of(2n), bought.amount.quantity.scale + 1, 'down');
  const cost = bought.cost!;
  const selling: Posting = {
    account: bought.account,
    amount: { commodity: bought.amount.commodity, quantity: units.negate() },
    cost: { perUnit: cost.perUnit, ...(sell.withDate ? { date: boughtOn } : {}), ...(cost.label !== undefined ? { label: cost.label } : {}) },
  };
  const weight = postingWeight(selling);
  return {
    date: addDays(boughtOn, sell.day),
    status: '*',
    description: 'Sell half a lot',
    tags: [],
    links: [],
    metadata: {},
    postings: [selling, { account: sell.account, amount: { commodity: weight.commodity, quantity: weight.quantity.negate() } }],
  };
}

/** One true dated assertion: an account's balance, subaccounts included, at the start of a day. */
function assertionFor(transactions: readonly Transaction[], account: AccountName, day: number): DatedAssertionDraft | undefined {
  const date = addDays(START, day);
  const total = new MixedAmount();
  let commodity: string | undefined;
  for (const transaction of transactions) {
    for (const posting of transaction.postings) {
      if (posting.account !== account && !posting.account.startsWith(`${account}:`)) continue;
      commodity ??= posting.amount.commodity;
      if (transaction.date < date) total.add(posting.amount);
    }
  }
  return commodity === undefined ? undefined : { date, account, amount: { commodity, quantity: total.get(commodity) } };
}

describe('beancount property: random books written, checked by beancount, read back', () => {
  it('bean-check accepts them, beancount balances equal ours, and parse(write(book)) gives the same transactions', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(transactionShape, { minLength: 1, maxLength: 6 }),
        fc.option(fc.tuple(fc.constantFrom(...ACCOUNTS), fc.integer({ min: 0, max: 240 })), { nil: undefined }),
        async (shapes, assertionAt) => {
          const transactions = buildTransactions(shapes);
          const assertion = assertionAt ? assertionFor(transactions, ...assertionAt) : undefined;
          const input: WriteBeancountInput = { transactions, operatingCurrencies: ['$'], ...(assertion ? { assertions: [assertion] } : {}) };
          const text = writeBeancount(input);
          const file = join(workDirectory, `book-${run++}.beancount`);
          writeFileSync(file, text);
          const names = beancountNamesFor(input);
          const [, theirs] = await Promise.all([beanCheck(file), beancountBalances(file)]);
          expect(normalizeBalances(theirs)).toEqual(transactionBalances(transactions, (account) => names.accounts.get(account as AccountName)!, (commodity) => names.commodities.get(commodity)!));
          const back = parseBeancount(text, { file });
          expect(back.transactions.map((entry) => entry.value)).toEqual(transactions);
          if (assertion) expect(back.assertions.map((entry) => entry.value)).toEqual([assertion]);
        },
      ),
      { seed: 20_240_501, numRuns: 20 },
    );
  });
});
