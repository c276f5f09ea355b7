import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountName } from '../account.js';
import { type Amount, MixedAmount } from '../amount.js';
import { type IsoDate, makeDate } from '../date.js';
import { Decimal } from '../decimal.js';
import { type AmountList } from './aggregate.js';
import { balanceReport } from './balance.js';
import { balanceSheetReport, incomeStatementReport } from './financial-statements.js';
import { registerReport } from './register.js';
import { type ReportPosting } from './report-input.js';
import { trialBalanceReport } from './trial-balance.js';

const ACCOUNTS = [
  'Assets', 'Assets:Bank', 'Assets:Bank:Checking', 'Assets:Bank:Savings', 'Assets:Cash', 'Liabilities:Card', 'Liabilities:Loans:Car',
  'Equity:Opening', 'Income:Salary', 'Income:Interest', 'Expenses:Food', 'Expenses:Food:Restaurants', 'Expenses:Rent',
] as AccountName[];
const COMMODITIES = ['USD', 'EUR', ''];

const quantity = fc.record({ units: fc.bigInt({ min: -100_000n, max: 100_000n }), scale: fc.integer({ min: 0, max: 3 }) })
  .map(({ units, scale }) => Decimal.of(units, scale));
const date = fc.record({ year: fc.integer({ min: 2023, max: 2024 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) })
  .map(({ year, month, day }) => makeDate(year, month, day));
/** A transaction balanced per commodity: the last posting of each commodity takes the negated sum. */
const transaction = fc.record({
  date,
  legs: fc.array(fc.record({ commodity: fc.constantFrom(...COMMODITIES), accounts: fc.array(fc.constantFrom(...ACCOUNTS), { minLength: 2, maxLength: 4 }), quantities: fc.array(quantity, { minLength: 3, maxLength: 3 }) }), { minLength: 1, maxLength: 2 }),
});
const ledger = fc.array(transaction, { maxLength: 25 }).map((transactions) => {
  const sorted = [...transactions].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return sorted.flatMap((each, index): ReportPosting[] => each.legs.flatMap(({ commodity, accounts, quantities }) => {
    const amounts: Amount[] = accounts.slice(0, -1).map((_, leg) => ({ commodity, quantity: quantities[leg % quantities.length]! }));
    const rest = amounts.reduce((sum, value) => sum.add(value.quantity), Decimal.ZERO).negate();
    amounts.push({ commodity, quantity: rest });
    return accounts.map((account, leg) => ({ date: each.date, account, amount: amounts[leg]!, transactionId: `t${String(index).padStart(4, '0')}`, description: `#${index}` }));
  }));
});
const shuffled = ledger.chain((postings) => fc.shuffledSubarray(postings, { minLength: postings.length, maxLength: postings.length }).map((shuffle) => ({ postings, shuffle })));

const RUNS = { seed: 20240601, numRuns: 150 };

/** Compared by value: "1046.0" and "1046" are the same amount. */
const plain = (list: AmountList | undefined) => (list ?? []).map((value) => `${value.quantity.normalize().toString()} ${value.commodity}`);
const sum = (lists: Iterable<AmountList>) => {
  const total = new MixedAmount();
  for (const list of lists) for (const value of list) total.add(value);
  return plain(total.amounts());
};

describe('report properties', () => {
  it('flat balances summed equal the tree roots and the grand total, at every depth and in every column', () => {
    fc.assert(fc.property(ledger, fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), (postings, depth) => {
      const options = { interval: 'quarterly' as const, ...(depth ? { depth } : {}) };
      const flat = balanceReport({ postings }, options);
      const tree = balanceReport({ postings }, { ...options, mode: 'tree' });
      const roots = tree.rows.filter((row) => row.indent === 0);
      flat.periods.forEach((_, column) => {
        expect(sum(flat.rows.map((row) => row.amounts[column]!))).toEqual(sum(roots.map((row) => row.amounts[column]!)));
        expect(sum(roots.map((row) => row.amounts[column]!))).toEqual(plain(flat.totals.amounts[column]));
      });
      expect(sum(flat.rows.map((row) => row.total))).toEqual(sum(roots.map((row) => row.total)));
      // The postings balance, so everything sums to zero.
      expect(flat.totals.total).toEqual([]);
    }), RUNS);
  });

  it('every report is independent of the order postings arrive in', () => {
    fc.assert(fc.property(shuffled, ({ postings, shuffle }) => {
      const reports = (input: readonly ReportPosting[]) => [
        balanceReport({ postings: input }),
        balanceReport({ postings: input }, { mode: 'tree', interval: 'monthly', begin: '2023-04-10' as IsoDate }),
        balanceReport({ postings: input }, { depth: 2, accumulation: 'historical', interval: 'yearly' }),
        trialBalanceReport({ postings: input }, { end: '2024-07-01' as IsoDate }),
        balanceSheetReport({ postings: input }, { interval: 'quarterly' }),
        incomeStatementReport({ postings: input }, { mode: 'tree', begin: '2023-06-01' as IsoDate }),
      ];
      expect(reports(shuffle)).toEqual(reports(postings));
      // The register's running total depends on order by nature: the same order gives the same register.
      const position = new Map(postings.map((posting, index) => [posting, index]));
      const resorted = [...shuffle].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.transactionId! < b.transactionId! ? -1 : a.transactionId! > b.transactionId! ? 1 : position.get(a)! - position.get(b)!));
      expect(registerReport({ postings: resorted }, { accountPattern: 'assets' })).toEqual(registerReport({ postings }, { accountPattern: 'assets' }));
    }), RUNS);
  });

  it('trial balance debits equal credits', () => {
    fc.assert(fc.property(ledger, date, (postings, end) => {
      const report = trialBalanceReport({ postings }, { end });
      expect(plain(report.totals.debit)).toEqual(plain(report.totals.credit));
      expect(sum(report.rows.map((row) => row.debit))).toEqual(plain(report.totals.debit));
      expect(sum(report.rows.map((row) => row.credit))).toEqual(plain(report.totals.credit));
      expect(report.conversions).toBeUndefined();
    }), RUNS);
  });

  it('balance sheet: assets = liabilities + equity (with current earnings), in every column', () => {
    fc.assert(fc.property(ledger, (postings) => {
      const report = balanceSheetReport({ postings }, { interval: 'monthly' });
      const [assets, liabilities, equity] = report.sections;
      report.periods.forEach((_, column) => {
        const shownLiabilitiesAndEquity = sum([liabilities.totals.amounts[column]!, equity.totals.amounts[column]!].map((list) => list.map((value) => ({ commodity: value.commodity, quantity: value.quantity.negate() }))));
        expect(plain(assets.totals.amounts[column])).toEqual(shownLiabilitiesAndEquity);
        expect(report.net.amounts[column]).toEqual([]);
      });
      // Current earnings are the income statement's net to date.
      const income = incomeStatementReport({ postings });
      expect(plain(report.currentEarnings.total)).toEqual(plain(income.net.total));
    }), RUNS);
  });
});
