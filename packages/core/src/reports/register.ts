import { type AccountName } from '../account.js';
import { type Amount, MixedAmount } from '../amount.js';
import { type IsoDate } from '../date.js';
import { TallystickError } from '../errors.js';
import { type AmountList, type DateRangeOptions } from './aggregate.js';
import { notePrecision } from './amount-style.js';
import { type ReportInput, type ReportPosting, accountMatcher } from './report-input.js';

export interface RegisterOptions extends DateRangeOptions {
  /** Case-insensitive regular expression matched anywhere in the account name (as hledger). All accounts if absent. */
  readonly accountPattern?: string;
  /** Start the running total from the matched accounts' balance before `begin` (hledger `--historical`). */
  readonly historical?: boolean;
}

export interface RegisterRow {
  readonly date: IsoDate;
  readonly description?: string;
  readonly transactionId?: string;
  readonly account: AccountName;
  readonly amount: Amount;
  /** The total of the matched postings so far, this one included. */
  readonly runningTotal: AmountList;
}

export interface RegisterReport {
  readonly accountPattern?: string;
  /** Where the running total starts: zero, or the balance before `begin` of a historical register. */
  readonly startingBalance: AmountList;
  readonly rows: readonly RegisterRow[];
  readonly total: AmountList;
  /** Largest number of decimal places per commodity among all postings read. */
  readonly precisions: ReadonlyMap<string, number>;
}

/** hledger `register`: the matching postings in ledger order, each with the running total. */
export function registerReport(input: ReportInput, options: RegisterOptions = {}): RegisterReport {
  const { begin, end } = options;
  if (begin !== undefined && end !== undefined && begin >= end) {
    throw new TallystickError('empty_date_range', `the register begins on ${begin} and ends before ${end}, so it covers no day (the end date is excluded; expected an end after the beginning)`);
  }
  const matches = options.accountPattern === undefined ? () => true : accountMatcher(options.accountPattern);
  const running = new MixedAmount();
  const selected: ReportPosting[] = [];
  const precisions = new Map<string, number>();
  for (const posting of input.postings) {
    notePrecision(precisions, posting.amount);
    if (!matches(posting.account) || (end !== undefined && posting.date >= end)) continue;
    if (begin !== undefined && posting.date < begin) {
      if (options.historical) running.add(posting.amount);
      continue;
    }
    selected.push(posting);
  }
  const startingBalance = running.amounts();
  const rows = inDateOrder(selected).map((posting): RegisterRow => {
    running.add(posting.amount);
    return {
      date: posting.date,
      ...(posting.description !== undefined ? { description: posting.description } : {}),
      ...(posting.transactionId !== undefined ? { transactionId: posting.transactionId } : {}),
      account: posting.account,
      amount: posting.amount,
      runningTotal: running.amounts(),
    };
  });
  return {
    ...(options.accountPattern !== undefined ? { accountPattern: options.accountPattern } : {}),
    startingBalance,
    rows,
    total: running.amounts(),
    precisions,
  };
}

/** Ledger order is date first; input already in that order is kept as it is (the sort is stable). */
function inDateOrder(postings: ReportPosting[]): ReportPosting[] {
  for (let index = 1; index < postings.length; index += 1) {
    if (postings[index]!.date < postings[index - 1]!.date) return postings.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }
  return postings;
}
