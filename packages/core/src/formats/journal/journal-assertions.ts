import { type AccountName } from '../../account.js';
import { type Amount, formatAmountPlain } from '../../amount.js';
import { type IsoDate } from '../../date.js';
import { Decimal } from '../../decimal.js';
import { type SourceLocation, ParseError, TallystickError } from '../../errors.js';
import { type BalanceAssertion, type Transaction } from '../../transaction.js';

/** A transaction for the assertion pass: complete, or waiting for its balance assignments. */
export interface AssertionItem {
  readonly date: IsoDate;
  /** The complete transaction, when it has no balance assignment. */
  readonly transaction?: Transaction;
  /** For a transaction with balance assignments: its postings as written, and how to complete it. */
  readonly written?: readonly WrittenPosting[];
  complete?(assigned: ReadonlyMap<number, Amount>): Transaction;
  readonly assertionSources: ReadonlyMap<BalanceAssertion, SourceLocation>;
}

export interface WrittenPosting {
  readonly account: AccountName;
  readonly amount?: Amount;
  readonly balanceAssertion?: BalanceAssertion;
  readonly isAssignment: boolean;
}

/**
 * Checks balance assertions and works out balance assignments as hledger does: transactions in date
 * order (file order within a day), each posting's assertion checked just after the posting is
 * counted, `=` against the account's own postings, `=*` with its subaccounts, `==` also requiring
 * every other commodity to be zero. Problems go to `errors`; returns the completed transactions.
 */
export function applyBalanceAssertions(items: readonly AssertionItem[], errors: TallystickError[]): (Transaction | undefined)[] {
  const balances = new RunningBalances(items.some(hasInclusiveAssertion));
  const order = items.map((_, index) => index).sort((a, b) => (items[a]!.date < items[b]!.date ? -1 : items[a]!.date > items[b]!.date ? 1 : a - b));
  const completed: (Transaction | undefined)[] = items.map((item) => item.transaction);
  for (const index of order) {
    const item = items[index]!;
    let transaction = item.transaction;
    if (!transaction) {
      try {
        transaction = item.complete!(assignedAmounts(item.written!, balances));
      } catch (error) {
        if (!(error instanceof TallystickError)) throw error;
        errors.push(error);
        continue;
      }
      completed[index] = transaction;
    }
    const postings = transaction.postings;
    for (let position = 0; position < postings.length; position += 1) {
      const posting = postings[position]!;
      balances.add(posting.account, posting.amount);
      const assertion = posting.balanceAssertion;
      // An elided posting split per commodity carries one assertion: check it after its last part.
      if (!assertion || postings[position + 1]?.balanceAssertion === assertion) continue;
      const problem = assertionProblem(balances, posting.account, assertion);
      if (problem) errors.push(new ParseError(item.assertionSources.get(assertion)!, `${problem} on ${transaction.date}`, `${formatAmountPlain(assertion.amount)} as asserted`, 'balance_assertion_failed'));
    }
  }
  return completed;
}

function hasInclusiveAssertion(item: AssertionItem): boolean {
  const postings = item.transaction?.postings ?? item.written ?? [];
  return postings.some((posting) => posting.balanceAssertion?.inclusive === true);
}

/** The amount each assignment posting needs for its asserted balance, counting earlier postings of the transaction. */
function assignedAmounts(written: readonly WrittenPosting[], balances: RunningBalances): Map<number, Amount> {
  const assigned = new Map<number, Amount>();
  for (let index = 0; index < written.length; index += 1) {
    const posting = written[index]!;
    if (!posting.isAssignment) continue;
    const { amount: target, inclusive } = posting.balanceAssertion!;
    let current = balances.get(posting.account, target.commodity, inclusive === true);
    for (let earlier = 0; earlier < index; earlier += 1) {
      const other = written[earlier]!;
      const amount = other.amount ?? assigned.get(earlier);
      if (!amount || amount.commodity !== target.commodity) continue;
      if (other.account === posting.account || (inclusive && other.account.startsWith(`${posting.account}:`))) current = current.add(amount.quantity);
    }
    assigned.set(index, { commodity: target.commodity, quantity: target.quantity.subtract(current) });
  }
  return assigned;
}

function assertionProblem(balances: RunningBalances, account: AccountName, assertion: BalanceAssertion): string | undefined {
  const inclusive = assertion.inclusive === true;
  const scope = inclusive ? `${account} (subaccounts included)` : `${account} (own postings)`;
  const actual = balances.get(account, assertion.amount.commodity, inclusive);
  if (!actual.equals(assertion.amount.quantity)) {
    return `a balance of ${formatAmountPlain({ commodity: assertion.amount.commodity, quantity: actual })} in ${scope}`;
  }
  if (assertion.total) {
    const others = balances.all(account, inclusive).filter((amount) => amount.commodity !== assertion.amount.commodity);
    if (others.length > 0) return `also ${others.map(formatAmountPlain).join(', ')} in ${scope}, which "==" requires to be zero,`;
  }
  return undefined;
}

/** Per-account, per-commodity running totals; subaccount-inclusive totals only when some assertion needs them. */
class RunningBalances {
  private readonly own = new Map<string, Map<string, Decimal>>();
  private readonly inclusive: Map<string, Map<string, Decimal>> | undefined;

  constructor(trackInclusive: boolean) {
    this.inclusive = trackInclusive ? new Map() : undefined;
  }

  add(account: AccountName, amount: Amount): void {
    addTo(this.own, account, amount);
    if (!this.inclusive) return;
    for (let end = account.length; end > 0; end = account.lastIndexOf(':', end - 1)) {
      addTo(this.inclusive, account.slice(0, end), amount);
    }
  }

  get(account: AccountName, commodity: string, inclusive: boolean): Decimal {
    return (inclusive ? this.inclusive! : this.own).get(account)?.get(commodity) ?? Decimal.ZERO;
  }

  all(account: AccountName, inclusive: boolean): Amount[] {
    const totals = (inclusive ? this.inclusive! : this.own).get(account) ?? new Map<string, Decimal>();
    return [...totals].filter(([, quantity]) => !quantity.isZero()).map(([commodity, quantity]) => ({ commodity, quantity }));
  }
}

function addTo(totals: Map<string, Map<string, Decimal>>, account: string, amount: Amount): void {
  let byCommodity = totals.get(account);
  if (!byCommodity) {
    byCommodity = new Map();
    totals.set(account, byCommodity);
  }
  const current = byCommodity.get(amount.commodity);
  byCommodity.set(amount.commodity, current ? current.add(amount.quantity) : amount.quantity);
}
