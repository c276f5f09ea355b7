import { type AccountName, accountAndAncestors } from './account.js';
import { type Amount, MixedAmount } from './amount.js';
import { type Book } from './book.js';
import { type IsoDate } from './date.js';
import { Decimal } from './decimal.js';
import { type SourceLocation, TallystickError, formatLocation } from './errors.js';
import { type ParsedBook } from './formats/parsed-book.js';
import { type BalanceAssertion, type Transaction } from './transaction.js';

/** Either what an importer read (with sources) or the materialized book. */
export type BalanceAssertionInput = Pick<ParsedBook, 'transactions' | 'assertions'> | Pick<Book, 'transactions' | 'assertions'>;

/** One balance that is not what an assertion says. */
export class BalanceAssertionFailure extends TallystickError {
  readonly source?: SourceLocation;
  readonly account: AccountName;
  readonly commodity: string;
  readonly expected: Decimal;
  readonly actual: Decimal;
  readonly date: IsoDate;
  constructor(details: { source?: SourceLocation; account: AccountName; commodity: string; expected: Decimal; actual: Decimal; date: IsoDate; note?: string }) {
    const { source, account, commodity, expected, actual, date, note } = details;
    const scale = Math.max(expected.scale, actual.scale);
    const where = source ? `${formatLocation(source)}: ` : '';
    const what = commodity === '' ? account : `${account} in ${commodity}`;
    super('balance_assertion_failed', `${where}balance assertion failed for ${what} on ${date}: expected ${expected.toString(scale)}, actual ${actual.toString(scale)}${note ? ` (${note})` : ''}`);
    this.name = 'BalanceAssertionFailure';
    if (source) this.source = source;
    this.account = account;
    this.commodity = commodity;
    this.expected = expected;
    this.actual = actual;
    this.date = date;
  }
}

interface DatedCheck {
  readonly date: IsoDate;
  readonly account: AccountName;
  readonly amount: Amount;
  readonly source?: SourceLocation;
}

interface SourcedTransaction {
  readonly transaction: Transaction;
  readonly source?: SourceLocation;
}

/**
 * Walks the transactions in ledger order (date, then the order given) and returns every failed assertion:
 * - a posting's `= AMOUNT` (as hledger): the account's own balance in that commodity just after the posting;
 *   `total` (`==`) also wants every other commodity at zero; `inclusive` (`=*`) counts subaccounts;
 * - a dated assertion (as beancount's `balance`): the balance with subaccounts at the START of the date,
 *   before that day's transactions. Matched exactly (no tolerance).
 * Posting assertions carry their transaction's source: postings have no source of their own.
 */
export function checkBalanceAssertions(input: BalanceAssertionInput): BalanceAssertionFailure[] {
  // Nothing to check is the common case of a large import: running balances of 100k transactions cost ~1 s.
  if (input.assertions.length === 0 && !input.transactions.some(hasPostingAssertion)) return [];
  const transactions = inDateOrder(input.transactions.map(sourcedTransaction), (item) => item.transaction.date);
  const dated = inDateOrder(input.assertions.map(datedCheck), (item) => item.date);
  const balances = new RunningBalances();
  const failures: BalanceAssertionFailure[] = [];
  let next = 0;
  const checkDatedThrough = (date: IsoDate | undefined) => {
    for (; next < dated.length && (date === undefined || dated[next]!.date <= date); next += 1) {
      const check = dated[next]!;
      const actual = balances.inclusive(check.account).get(check.amount.commodity);
      if (!actual.equals(check.amount.quantity)) {
        failures.push(new BalanceAssertionFailure({ ...optionalSource(check.source), account: check.account, commodity: check.amount.commodity, expected: check.amount.quantity, actual, date: check.date }));
      }
    }
  };
  for (const { transaction, source } of transactions) {
    checkDatedThrough(transaction.date);
    for (const posting of transaction.postings) {
      balances.add(posting.account, posting.amount);
      if (posting.balanceAssertion) failures.push(...checkPostingAssertion(balances, posting.account, posting.balanceAssertion, transaction.date, source));
    }
  }
  checkDatedThrough(undefined);
  return failures;
}

function hasPostingAssertion(item: ParsedBook['transactions'][number] | Book['transactions'][number]): boolean {
  return sourcedTransaction(item).transaction.postings.some((posting) => posting.balanceAssertion !== undefined);
}

function checkPostingAssertion(balances: RunningBalances, account: AccountName, assertion: BalanceAssertion, date: IsoDate, source: SourceLocation | undefined): BalanceAssertionFailure[] {
  const balance = assertion.inclusive ? balances.inclusive(account) : balances.own(account);
  const { commodity, quantity: expected } = assertion.amount;
  const failures: BalanceAssertionFailure[] = [];
  const actual = balance.get(commodity);
  if (!actual.equals(expected)) failures.push(new BalanceAssertionFailure({ ...optionalSource(source), account, commodity, expected, actual, date }));
  if (assertion.total) {
    for (const other of balance.amounts()) {
      if (other.commodity === commodity) continue;
      failures.push(new BalanceAssertionFailure({
        ...optionalSource(source), account, commodity: other.commodity, expected: Decimal.of(0n, other.quantity.scale), actual: other.quantity, date,
        note: `a total assertion (==) of ${commodity === '' ? 'the unnamed commodity' : commodity} wants every other commodity at zero`,
      }));
    }
  }
  return failures;
}

/** Own and subaccount-inclusive balances, kept up to date posting by posting. */
class RunningBalances {
  private readonly ownBalances = new Map<AccountName, MixedAmount>();
  private readonly inclusiveBalances = new Map<AccountName, MixedAmount>();

  add(account: AccountName, value: Amount): void {
    balanceOf(this.ownBalances, account).add(value);
    for (const ancestor of accountAndAncestors(account)) balanceOf(this.inclusiveBalances, ancestor).add(value);
  }

  own(account: AccountName): MixedAmount {
    return this.ownBalances.get(account) ?? new MixedAmount();
  }

  inclusive(account: AccountName): MixedAmount {
    return this.inclusiveBalances.get(account) ?? new MixedAmount();
  }
}

function balanceOf(map: Map<AccountName, MixedAmount>, account: AccountName): MixedAmount {
  let balance = map.get(account);
  if (!balance) map.set(account, (balance = new MixedAmount()));
  return balance;
}

function sourcedTransaction(item: ParsedBook['transactions'][number] | Book['transactions'][number]): SourcedTransaction {
  return 'value' in item ? { transaction: item.value, source: item.source } : { transaction: item.transaction };
}

function datedCheck(item: ParsedBook['assertions'][number] | Book['assertions'][number]): DatedCheck {
  return 'value' in item ? { ...item.value, source: item.source } : { date: item.date, account: item.account, amount: item.amount };
}

/** A stable sort by date: within a date, the given (file or ledger) order counts. */
function inDateOrder<T>(items: T[], dateOf: (item: T) => IsoDate): T[] {
  return items.sort((a, b) => {
    const x = dateOf(a);
    const y = dateOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function optionalSource(source: SourceLocation | undefined): { source?: SourceLocation } {
  return source ? { source } : {};
}
