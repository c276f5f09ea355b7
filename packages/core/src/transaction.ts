import { type AccountName } from './account.js';
import { type Amount, MixedAmount, formatAmountPlain, negateAmount } from './amount.js';
import { Decimal } from './decimal.js';
import { TallystickError, assert } from './errors.js';
import { type IsoDate } from './date.js';

/**
 * The price attached to a posting: `@ unit` or `@@ total` in journal syntax, `@`/`@@` in beancount.
 * Used for the posting's weight only when there is no lot cost.
 */
export interface PostingPrice {
  readonly kind: 'unit' | 'total';
  readonly amount: Amount;
}

/** A lot's cost basis, `{…}` in beancount (and hledger's lot syntax): cost per unit, optional date and label. */
export interface LotCost {
  readonly perUnit: Amount;
  readonly date?: IsoDate;
  readonly label?: string;
}

/**
 * `=` asserts the account's own balance in one commodity; `==` (total) also asserts every other
 * commodity is zero; `=*` / `==*` (inclusive) count subaccounts too. As hledger defines them.
 */
export interface BalanceAssertion {
  readonly amount: Amount;
  readonly total?: boolean;
  readonly inclusive?: boolean;
}

/** A posting with every amount known (after inference). */
export interface Posting {
  readonly account: AccountName;
  readonly amount: Amount;
  readonly price?: PostingPrice;
  readonly cost?: LotCost;
  /** Journal `= AMOUNT` and its variants: the account's balance after this posting. */
  readonly balanceAssertion?: BalanceAssertion;
  /** Posting-level status mark ('*' or '!'), as plain-text formats allow. */
  readonly status?: TransactionStatus;
  readonly comment?: string;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A posting as written: the amount may be elided, to be inferred so that the transaction balances. */
export interface PostingDraft extends Omit<Posting, 'amount'> {
  readonly amount?: Amount;
}

export type TransactionStatus = '' | '*' | '!';

/** The content of a transaction, as a user or an import gives it. Immutable once recorded. */
export interface Transaction {
  readonly date: IsoDate;
  readonly status: TransactionStatus;
  readonly code?: string;
  readonly payee?: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** beancount ^links */
  readonly links: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly comment?: string;
  readonly postings: readonly Posting[];
}

export interface TransactionDraft extends Omit<Transaction, 'postings'> {
  readonly postings: readonly PostingDraft[];
}

/**
 * The amount a posting contributes to balancing the transaction: its lot cost times the quantity if it
 * has one, else its price, else the amount itself. (hledger and beancount agree on this.)
 */
export function postingWeight(posting: Pick<Posting, 'amount' | 'price' | 'cost'>): Amount {
  const { amount, price, cost } = posting;
  if (cost) {
    return { commodity: cost.perUnit.commodity, quantity: amount.quantity.multiply(cost.perUnit.quantity) };
  }
  if (price) {
    if (price.kind === 'unit') {
      return { commodity: price.amount.commodity, quantity: amount.quantity.multiply(price.amount.quantity) };
    }
    const total = price.amount.quantity.abs();
    return { commodity: price.amount.commodity, quantity: amount.quantity.isNegative() ? total.negate() : total };
  }
  return amount;
}

/** Sum of weights per commodity; a balanced transaction has every residual at zero. */
export function transactionResidual(postings: readonly Pick<Posting, 'amount' | 'price' | 'cost'>[]): MixedAmount {
  const residual = new MixedAmount();
  for (const posting of postings) residual.add(postingWeight(posting));
  return residual;
}

export class UnbalancedTransaction extends TallystickError {
  readonly residual: readonly Amount[];
  constructor(description: string, residual: readonly Amount[]) {
    super(
      'unbalanced_transaction',
      `transaction "${description}" does not balance: postings sum to ${residual.map(formatAmountPlain).join(', ')} (each commodity must sum to zero; add a posting or fix an amount)`,
    );
    this.name = 'UnbalancedTransaction';
    this.residual = residual;
  }
}

/**
 * Completes a draft: infers the one elided amount (one posting per remaining commodity, as hledger
 * does when the residual has several commodities), checks that every commodity sums to zero, and
 * returns a transaction with every amount explicit. Throws `TallystickError` on bad input.
 */
export function balanceTransaction(draft: TransactionDraft): Transaction {
  if (draft.postings.length < 2) {
    throw new TallystickError('too_few_postings', `transaction "${draft.description}" on ${draft.date} has ${draft.postings.length} posting(s); a transaction needs at least two`);
  }
  const elided = draft.postings.filter((posting) => posting.amount === undefined);
  if (elided.length > 1) {
    throw new TallystickError('ambiguous_elided_amounts', `transaction "${draft.description}" on ${draft.date} leaves ${elided.length} amounts out; at most one posting may omit its amount`);
  }
  const explicit = draft.postings.filter((posting): posting is PostingDraft & { amount: Amount } => posting.amount !== undefined);
  const residual = transactionResidual(explicit).amounts();
  const postings: Posting[] = [];
  for (const posting of draft.postings) {
    if (posting.amount !== undefined) {
      postings.push(posting as Posting);
      continue;
    }
    if (residual.length === 0) {
      // Nothing to balance: the inferred amount is zero in the transaction's first commodity.
      const commodity = explicit[0]?.amount.commodity ?? '';
      postings.push({ ...posting, amount: { commodity, quantity: Decimal.ZERO } });
    }
    for (const part of residual) postings.push({ ...posting, amount: negateAmount(part) });
  }
  const remaining = transactionResidual(postings).amounts();
  if (remaining.length > 0) throw new UnbalancedTransaction(draft.description, remaining);
  return { ...draft, postings };
}

/** Checks that a recorded transaction balances exactly; the materializer re-checks every entry. */
export function isBalanced(transaction: Pick<Transaction, 'postings'>): boolean {
  return transactionResidual(transaction.postings).isZero();
}

/**
 * The mirror of a transaction: every posting's amount negated (prices and costs kept, so the weights
 * negate too), dated `date`, linked to the original by the caller through the entry envelope.
 */
export function reverseTransaction(original: Transaction, date: IsoDate, description?: string): Transaction {
  const reversed: Transaction = {
    date,
    status: original.status,
    ...(original.payee !== undefined ? { payee: original.payee } : {}),
    description: description ?? `Reversal of: ${original.description}`,
    tags: original.tags,
    links: original.links,
    metadata: {},
    postings: original.postings.map((posting) => {
      const { balanceAssertion: _assertion, ...rest } = posting;
      return { ...rest, amount: negateAmount(posting.amount) };
    }),
  };
  assert(isBalanced(reversed) === isBalanced(original), 'reversal must balance exactly when the original does');
  return reversed;
}
