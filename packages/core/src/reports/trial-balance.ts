import { type AccountName } from '../account.js';
import { type Amount, MixedAmount } from '../amount.js';
import { assert } from '../errors.js';
import { type Accumulation, type AmountList, type DateRangeOptions, aggregatePostings, clipColumns, compareAccounts } from './aggregate.js';
import { checkDepth } from './balance.js';
import { type ReportPeriod } from './periods.js';
import { type ReportInput } from './report-input.js';

export interface TrialBalanceOptions extends DateRangeOptions {
  /** `historical` (the default): balances at the end date. `change`: movements between begin and end. */
  readonly accumulation?: Accumulation;
  readonly depth?: number;
  readonly showZero?: boolean;
  /** Name of the row that holds the difference left by priced postings; `Equity:Conversions` by default. */
  readonly conversionsAccount?: AccountName;
}

export interface TrialBalanceRow {
  readonly account: AccountName;
  /** The positive part of the balance, per commodity. */
  readonly debit: AmountList;
  /** The negative part of the balance, per commodity, shown positive. */
  readonly credit: AmountList;
}

export interface TrialBalanceReport {
  readonly period: ReportPeriod;
  readonly accumulation: Accumulation;
  readonly rows: readonly TrialBalanceRow[];
  /**
   * Postings priced in another commodity (`10 EUR @ 1.10 USD`) balance by cost, not by amount, so their
   * amounts alone leave a difference per commodity; like beancount's Equity:Conversions, this row holds
   * it, so that debits equal credits. Absent when there is no such difference.
   */
  readonly conversions?: TrialBalanceRow;
  readonly totals: { readonly debit: AmountList; readonly credit: AmountList };
  /** Largest number of decimal places per commodity among all postings read. */
  readonly precisions: ReadonlyMap<string, number>;
}

/** Every account's balance split into debit and credit columns; the two columns' totals are equal. */
export function trialBalanceReport(input: ReportInput, options: TrialBalanceOptions = {}): TrialBalanceReport {
  checkDepth(options.depth);
  const accumulation = options.accumulation ?? 'historical';
  const aggregation = aggregatePostings(input.postings, {
    ...(options.begin ? { begin: options.begin } : {}),
    ...(options.end ? { end: options.end } : {}),
    accumulation,
  });
  const balances = clipColumns(aggregation.columns, options.depth, 1);
  const rows: TrialBalanceRow[] = [];
  const net = new MixedAmount();
  for (const account of [...balances.keys()].sort(compareAccounts)) {
    const balance = balances.get(account)![0]!;
    net.addAll(balance);
    if (!options.showZero && balance.isZero()) continue;
    rows.push({ account, ...debitAndCredit(balance.amounts()) });
  }
  const conversions = net.isZero() ? undefined : { account: options.conversionsAccount ?? ('Equity:Conversions' as AccountName), ...debitAndCredit(net.negate().amounts()) };
  const debit = new MixedAmount();
  const credit = new MixedAmount();
  for (const row of conversions ? [...rows, conversions] : rows) {
    for (const value of row.debit) debit.add(value);
    for (const value of row.credit) credit.add(value);
  }
  const totals = { debit: debit.amounts(), credit: credit.amounts() };
  assert(sameAmounts(totals.debit, totals.credit), 'trial balance: total debits must equal total credits');
  return { period: aggregation.periods[0]!, accumulation, rows, ...(conversions ? { conversions } : {}), totals, precisions: aggregation.precisions };
}

function debitAndCredit(amounts: AmountList): { debit: Amount[]; credit: Amount[] } {
  return {
    debit: amounts.filter((value) => !value.quantity.isNegative()),
    credit: amounts.filter((value) => value.quantity.isNegative()).map((value) => ({ commodity: value.commodity, quantity: value.quantity.negate() })),
  };
}

export function sameAmounts(a: AmountList, b: AmountList): boolean {
  return a.length === b.length && a.every((value, index) => value.commodity === b[index]!.commodity && value.quantity.equals(b[index]!.quantity));
}
