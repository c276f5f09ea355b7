import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ToolBalance, hledgerBalances, hledgerCheck, hledgerVersion, sortBalances } from '../../../../../test/oracles/hledger.js';
import { ledgerBalances, ledgerVersion } from '../../../../../test/oracles/ledger.js';
import { type AccountName } from '../../account.js';
import { type Amount } from '../../amount.js';
import { type CommodityDeclaration } from '../../book.js';
import { type IsoDate } from '../../date.js';
import { Decimal } from '../../decimal.js';
import { type Posting, type Transaction, transactionResidual } from '../../transaction.js';
import { type ParsedBook } from '../parsed-book.js';
import { parseJournal } from './parse-journal.js';
import { writeJournal } from './write-journal.js';

/*
 * The real hledger and ledger as oracles: for each journal, every account's own balance in every
 * commodity must be what we get by summing the postings we parsed.
 */

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tallystick-journal-'));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function writeFiles(name: string, files: Readonly<Record<string, string>>): string {
  for (const [path, text] of Object.entries(files)) {
    const target = join(directory, name, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return join(directory, name, 'main.journal');
}

function parseFile(file: string): ParsedBook {
  return parseJournal(readFileSync(file, 'utf8'), {
    file,
    readIncludedFile: (path, from) => {
      const target = resolve(dirname(from), path);
      return { file: target, text: readFileSync(target, 'utf8') };
    },
  });
}

/** Each account's own postings summed per commodity, as the oracles report them. */
function ourBalances(transactions: readonly Transaction[]): ToolBalance[] {
  const totals = new Map<string, { account: string; commodity: string; quantity: Decimal }>();
  for (const transaction of transactions) {
    for (const { account, amount } of transaction.postings) {
      const key = `${account}\u0000${amount.commodity}`;
      const current = totals.get(key);
      totals.set(key, { account, commodity: amount.commodity, quantity: current ? current.quantity.add(amount.quantity) : amount.quantity });
    }
  }
  return sortBalances([...totals.values()].filter((total) => !total.quantity.isZero()).map((total) => ({
    account: total.account, commodity: total.commodity, amount: total.quantity.normalize().toString(),
  })));
}

type Tool = 'hledger' | 'ledger';

interface Fixture {
  readonly name: string;
  readonly tools: readonly Tool[];
  readonly files: Readonly<Record<string, string>>;
}

const FIXTURES: readonly Fixture[] = [
  {
    name: 'commodities, separators and costs',
    tools: ['hledger', 'ledger'],
    files: {
      'main.journal': `commodity $1,000.00
commodity "VANGUARD 500"
    format 1,000.000 "VANGUARD 500"

2024-01-01 * opening
    Assets:Bank:Checking      $12,345.67
    Assets:Bank:Checking      -$45.67
    Assets:Bank               $-100
    Assets:Wallet             ¥ 5000
    Equity:Opening            $-12,200.00
    Equity:Opening            -5000 ¥

2024-01-15 Broker | buy fund units
    Assets:Broker             3.125 "VANGUARD 500" @ $400.10
    Assets:Broker             0.0625 "VANGUARD 500" @@ $25
    Assets:Bank:Checking

2024-02-01 exchange
    Assets:Bank:Checking      -$1,100.50
    Assets:Bank:Euro          1000 EUR @ $1.1005

2024-02-02 implicit conversion
    Assets:Bank:Euro          -100 EUR
    Expenses:Travel           12000 JPY

2024-02-03 split three ways
    Expenses:Food             12.5 EUR
    Expenses:Food:Drinks      2.5EUR
    Expenses:Travel           300 JPY
    Assets:Bank:Euro
`,
    },
  },
  {
    name: 'decimal comma declared with a format subdirective',
    tools: ['hledger', 'ledger'],
    files: {
      'main.journal': `commodity EUR
    format 1.000,00 EUR

2024-03-01 rent
    Expenses:Rent             1.234,56 EUR
    Expenses:Rent             1.000 EUR
    Expenses:Fees             0,125 EUR
    Assets:Bank              -2.234,685 EUR
`,
    },
  },
  {
    name: 'directives, assertions, comments and include',
    tools: ['hledger', 'ledger'],
    files: {
      'main.journal': `; a journal with most directives
# another comment style
account Assets:Cash  ; type: A
account Income:Dues  ; type: R
P 2024-01-01 EUR $1.08

Y 2024
01/02 * (1) Member | dues  ; period:2024-01, paid:
    ; receipt:
    Assets:Cash                 50.00 EUR = 50.00 EUR
    Income:Dues                -50.00 EUR  ; member: ann

comment
2024-01-03 not a transaction
    Assets:Cash  1000 EUR
    Income:Dues
end comment

alias cash = Assets:Cash
apply account Club
2024-01-04 inside apply account
    Expenses:Snacks              7.25 EUR
    Assets:Petty
end apply account

2024-01-05 alias and subaccount
    cash:Drawer                  3 EUR
    cash                        -3 EUR = 47 EUR

include sub/more.journal
`,
      'sub/more.journal': `2024-02-01 from an included file
    [Budget:Food]                20 EUR
    [Budget:Pool]               -20 EUR
    Expenses:Food                20 EUR
    Assets:Cash                 -20 EUR = 27 EUR
`,
    },
  },
  {
    name: 'lots: bought and sold at cost',
    tools: ['hledger', 'ledger'],
    files: {
      'main.journal': `2024-01-01 buy
    Assets:Broker      10 AAPL {$50.00} [2024-01-01] @ $50.00
    Assets:Broker      4 AAPL {{$240}} @@ $240
    Assets:Cash

2024-02-01 sell at cost
    Assets:Broker      -3 AAPL {$50.00} @ $50.00
    Assets:Cash        $150

2024-02-02 buy without a price
    Assets:Broker      2 AAPL {$70}
    Assets:Cash        $-140
`,
    },
  },
  {
    name: 'hledger-only syntax: ==, =*, regex aliases, decimal-mark, D, one-line commodity formats, balance assignments',
    tools: ['hledger'],
    files: {
      'main.journal': `decimal-mark ,
commodity 1.000,00 EUR
D 1.000,00 EUR
alias /^exp:(.*)$/ = Expenses:\\1

2024-01-01 opening
    Assets:Bank           1.500,5
    Assets:Bank:Savings   250 EUR
    Equity:Opening

2024-01-02 checks
    Assets:Bank           0 EUR == 1.500,50 EUR
    Assets:Bank           0 EUR =* 1.750,50 EUR
    exp:Food              10
    Assets:Bank:Savings   = 240 EUR
`,
    },
  },
  {
    name: 'ledger-only: a sale at a price above its lot cost, with the gain',
    tools: ['ledger'],
    files: {
      'main.journal': `2024-01-01 buy
    Assets:Broker      10 AAPL {$50} @ $50
    Assets:Cash

2024-06-01 sell
    Assets:Broker      -10 AAPL {$50} @ $60
    Assets:Cash        $600
    Income:Gains       $-100
`,
    },
  },
];

describe('journal oracles: hledger and ledger agree with our balances', () => {
  it('runs the installed tools', async () => {
    expect(await hledgerVersion()).toMatch(/^hledger \d/u);
    expect(await ledgerVersion()).toMatch(/^Ledger \d/u);
  });

  for (const fixture of FIXTURES) {
    it(`${fixture.name} (${fixture.tools.join(', ')})`, async () => {
      const file = writeFiles(fixture.name.replace(/\W+/gu, '-'), fixture.files);
      const ours = ourBalances(parseFile(file).transactions.map((sourced) => sourced.value));
      expect(ours.length).toBeGreaterThan(1);
      if (fixture.tools.includes('hledger')) {
        await hledgerCheck(file);
        expect(await hledgerBalances(file)).toEqual(ours);
      }
      if (fixture.tools.includes('ledger')) expect(await ledgerBalances(file)).toEqual(ours);
    });
  }

  it('the files we write from each fixture are accepted by both tools with the same balances', async () => {
    for (const fixture of FIXTURES.filter((each) => each.tools.length === 2)) {
      const book = parseFile(writeFiles(`${fixture.name.replace(/\W+/gu, '-')}-source`, fixture.files));
      const transactions = book.transactions.map((sourced) => sourced.value);
      const text = writeJournal({ transactions, accounts: book.accounts.map((each) => each.value), commodities: book.commodities.map((each) => each.value), prices: book.prices.map((each) => each.value) });
      const file = writeFiles(`${fixture.name.replace(/\W+/gu, '-')}-written`, { 'main.journal': text });
      await hledgerCheck(file);
      expect(await hledgerBalances(file)).toEqual(ourBalances(transactions));
      expect(await ledgerBalances(file)).toEqual(ourBalances(transactions));
      expect(parseFile(file).transactions.map((sourced) => sourced.value)).toEqual(transactions);
    }
  });
});

/* ---- property: random balanced books, written, checked by both tools, parsed back ---- */

interface CommoditySpec {
  readonly symbol: string;
  readonly scale: number;
}

const COMMODITIES: readonly CommoditySpec[] = [
  { symbol: '$', scale: 2 },
  { symbol: 'EUR', scale: 2 },
  { symbol: 'JPY', scale: 0 },
  { symbol: 'VANGUARD 500', scale: 3 },
  { symbol: 'BTC', scale: 8 },
  { symbol: '', scale: 1 },
];

const DECLARATIONS: readonly CommodityDeclaration[] = [
  { symbol: 'EUR', precision: 2, format: '1.000,00 EUR' },
  { symbol: '$', precision: 2, format: '$1,000.00' },
  { symbol: 'VANGUARD 500', precision: 3 },
  { symbol: 'JPY', precision: 0 },
];

const ACCOUNTS = ['Assets:Bank', 'Assets:Bank:Savings', 'Assets:Cash', 'Liabilities:Card One', 'Expenses', 'Expenses:Food', 'Income:Dues', 'Equity:Opening'] as AccountName[];
const WORDS = ['rent', 'dues', 'food', 'Coop', 'March', 'bank-fee', 'x1'];

const word = fc.constantFrom(...WORDS);
const text = fc.array(word, { minLength: 1, maxLength: 3 }).map((words) => words.join(' '));
const tagList = fc.uniqueArray(fc.constantFrom('a', 'b', 'review'), { maxLength: 2 });
const metadata = fc.dictionary(fc.constantFrom('project', 'member', 'ref'), word, { maxKeys: 2 });

const conversionArbitrary = fc.record({
  kind: fc.constantFrom('unit', 'total', 'cost'),
  commodity: fc.constantFrom(...COMMODITIES),
  units: fc.bigInt({ min: 1n, max: 10n ** 6n }),
  scale: fc.integer({ min: 0, max: 3 }),
});

const legArbitrary = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  commodity: fc.constantFrom(...COMMODITIES),
  units: fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }),
  conversion: fc.option(conversionArbitrary, { nil: undefined }),
  status: fc.constantFrom('', '', '*', '!'),
  comment: fc.option(text, { nil: undefined }),
  tags: tagList,
  metadata,
  assert: fc.boolean(),
});

const transactionArbitrary = fc.record({
  day: fc.integer({ min: 0, max: 60 }),
  status: fc.constantFrom('', '*', '!'),
  code: fc.option(fc.constantFrom('1', 'A-7', ''), { nil: undefined }),
  payee: fc.option(text, { nil: undefined }),
  description: fc.oneof(text, fc.constant('')),
  comment: fc.option(text, { nil: undefined }),
  tags: tagList,
  links: fc.uniqueArray(fc.constantFrom('trip', 'inv-1'), { maxLength: 1 }),
  metadata,
  legs: fc.array(legArbitrary, { minLength: 1, maxLength: 3 }),
  balancingAccount: fc.constantFrom(...ACCOUNTS),
});

type GeneratedTransaction = typeof transactionArbitrary extends fc.Arbitrary<infer T> ? T : never;

function toTransaction(generated: GeneratedTransaction): Transaction {
  const date = new Date(Date.UTC(2024, 0, 1 + generated.day)).toISOString().slice(0, 10) as IsoDate;
  const postings: Posting[] = generated.legs.map((leg) => {
    const posting: Posting & { price?: Posting['price']; cost?: Posting['cost'] } = {
      account: leg.account,
      amount: { commodity: leg.commodity.symbol, quantity: Decimal.of(leg.units, leg.commodity.scale) },
      ...(leg.status !== '' ? { status: leg.status as '*' | '!' } : {}),
      ...(leg.comment !== undefined ? { comment: leg.comment } : {}),
      ...(leg.tags.length > 0 ? { tags: leg.tags } : {}),
      ...(Object.keys(leg.metadata).length > 0 ? { metadata: leg.metadata } : {}),
    };
    const conversion = leg.conversion;
    if (!conversion || conversion.commodity.symbol === leg.commodity.symbol || leg.units === 0n) return posting;
    const price: Amount = { commodity: conversion.commodity.symbol, quantity: Decimal.of(conversion.units, conversion.scale) };
    if (conversion.kind === 'cost') return { ...posting, cost: { perUnit: price } };
    return { ...posting, price: { kind: conversion.kind as 'unit' | 'total', amount: price } };
  });
  for (const residual of transactionResidual(postings).amounts()) {
    postings.push({ account: generated.balancingAccount, amount: { commodity: residual.commodity, quantity: residual.quantity.negate() } });
  }
  if (postings.length < 2) postings.push({ account: 'Equity:Opening' as AccountName, amount: { commodity: postings[0]!.amount.commodity, quantity: Decimal.ZERO } });
  return {
    date,
    status: generated.status as Transaction['status'],
    ...(generated.code !== undefined ? { code: generated.code } : {}),
    ...(generated.payee !== undefined ? { payee: generated.payee } : {}),
    description: generated.description,
    tags: generated.tags,
    links: generated.links,
    metadata: generated.metadata,
    ...(generated.comment !== undefined ? { comment: generated.comment } : {}),
    postings,
  };
}

/** Sorts by date (so hledger's date order and ledger's file order agree) and adds true `=` assertions where asked. */
function withAssertions(transactions: Transaction[], asks: readonly GeneratedTransaction[]): Transaction[] {
  const order = transactions.map((_, index) => index).sort((a, b) => (transactions[a]!.date < transactions[b]!.date ? -1 : transactions[a]!.date > transactions[b]!.date ? 1 : a - b));
  const running = new Map<string, Decimal>();
  return order.map((index) => {
    const transaction = transactions[index]!;
    const legs = asks[index]!.legs;
    return {
      ...transaction,
      postings: transaction.postings.map((posting, position) => {
        const key = `${posting.account}\u0000${posting.amount.commodity}`;
        const balance = (running.get(key) ?? Decimal.ZERO).add(posting.amount.quantity);
        running.set(key, balance);
        // ledger compares an assertion without a commodity with the whole balance: the writer leaves those out.
        const asks = legs[position]?.assert === true && posting.amount.commodity !== '';
        return asks ? { ...posting, balanceAssertion: { amount: { commodity: posting.amount.commodity, quantity: balance } } } : posting;
      }),
    };
  });
}

describe('journal property: random books written by writeJournal', () => {
  it('are accepted by hledger and ledger with our balances, and parse back to the same transactions', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(transactionArbitrary, { minLength: 1, maxLength: 6 }), async (generated) => {
      const transactions = withAssertions(generated.map(toTransaction), generated);
      const text = writeJournal({ transactions, commodities: DECLARATIONS });
      run += 1;
      const file = writeFiles(`property-${run}`, { 'main.journal': text });
      expect(parseJournal(text, { file }).transactions.map((sourced) => sourced.value)).toEqual(transactions);
      const ours = ourBalances(transactions);
      await hledgerCheck(file);
      expect(await hledgerBalances(file)).toEqual(ours);
      expect(await ledgerBalances(file)).toEqual(ours);
    }), { seed: 20240601, numRuns: 25, endOnFailure: true });
  }, 300_000);
});
