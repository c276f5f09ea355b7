import { type Amount, formatAmountPlain } from '../../amount.js';
import { type SourceLocation, ParseError } from '../../errors.js';
import { type Posting, type PostingDraft, type Transaction, type TransactionDraft, UnbalancedTransaction, balanceTransaction, transactionResidual } from '../../transaction.js';

/** A transaction as read, ready to be balanced: its postings with their virtual-group flag and line. */
export interface TransactionToBalance {
  readonly draft: TransactionDraft;
  /** Per posting of the draft: whether it is a balanced virtual `[..]` posting, and its line. */
  readonly postings: readonly { readonly balancedVirtual: boolean; readonly line: number; readonly column: number }[];
  readonly source: SourceLocation;
}

/**
 * Completes a transaction as hledger and ledger would: real postings balance among themselves and
 * balanced virtual `[..]` postings among themselves (both are imported as real postings); one amount
 * per group may be left out; two commodities without any price convert into each other (an implicit
 * `@@` total price). Throws ParseError naming the transaction's line when it cannot balance.
 */
export function completeTransaction(input: TransactionToBalance): Transaction {
  const { draft } = input;
  if (draft.postings.length < 2) {
    throw new ParseError({ ...input.source, column: 1 }, `a transaction with ${draft.postings.length} posting`, 'at least two postings (a Tallystick transaction moves an amount from one account to another)', 'too_few_postings');
  }
  if (!input.postings.some((posting) => posting.balancedVirtual)) return { ...draft, postings: balanceGroup(input, draft.postings.map((_, index) => index), 'postings') };
  const real = draft.postings.map((_, index) => index).filter((index) => !input.postings[index]!.balancedVirtual);
  const virtual = draft.postings.map((_, index) => index).filter((index) => input.postings[index]!.balancedVirtual);
  const outputs = new Map<number, Posting[]>();
  for (const [group, what] of [[real, 'real postings'], [virtual, 'balanced virtual postings [..]']] as const) {
    if (group.length === 0) continue;
    const balanced = balanceGroup(input, group, what);
    // An elided posting may have become several (one per commodity); the others map one to one.
    const extra = balanced.length - group.length;
    let next = 0;
    for (const index of group) {
      const count = draft.postings[index]!.amount === undefined ? 1 + extra : 1;
      outputs.set(index, balanced.slice(next, next + count));
      next += count;
    }
  }
  return { ...draft, postings: draft.postings.flatMap((_, index) => outputs.get(index) ?? []) };
}

function balanceGroup(input: TransactionToBalance, indexes: readonly number[], what: string): Posting[] {
  const postings = indexes.map((index) => input.draft.postings[index]!);
  const elided = indexes.filter((index) => input.draft.postings[index]!.amount === undefined);
  if (elided.length > 1) {
    throw new ParseError(postingLocation(input, elided[1]!), 'a second posting without an amount', `at most one posting without an amount among the ${what} of the transaction at line ${input.source.line}`, 'ambiguous_elided_amounts');
  }
  if (postings.length === 1 && postings[0]!.amount === undefined) {
    throw new ParseError(postingLocation(input, indexes[0]!), 'the only posting of its group without an amount', 'an amount (there is nothing to balance it against)', 'ambiguous_elided_amounts');
  }
  const group = elided.length === 0 ? inferConversion(postings) : postings;
  if (group.length === 1) {
    // A lone posting in its group (the transaction has others): fine if it weighs nothing.
    const residual = transactionResidual(group as Posting[]);
    if (!residual.isZero()) throw unbalanced(input.source, what, residual.amounts());
    return group as Posting[];
  }
  try {
    return [...balanceTransaction({ ...input.draft, postings: group }).postings];
  } catch (error) {
    if (error instanceof UnbalancedTransaction) throw unbalanced(input.source, what, error.residual);
    throw error;
  }
}

function postingLocation(input: TransactionToBalance, index: number): SourceLocation {
  const posting = input.postings[index]!;
  return { file: input.source.file, line: posting.line, column: posting.column };
}

function unbalanced(source: SourceLocation, what: string, residual: readonly Amount[]): ParseError {
  return new ParseError(
    { ...source, column: 1 },
    `a transaction whose ${what} sum to ${residual.map(formatAmountPlain).join(', ')}`,
    `${what} that sum to zero in each commodity (fix an amount, add a posting, or leave one amount out to have it inferred)`,
    'unbalanced_transaction',
  );
}

/**
 * hledger and ledger let a transaction in exactly two commodities, with no price anywhere, convert
 * one into the other. We record that as an `@@` total price on the one posting that is alone in its
 * commodity, which keeps every amount exact; when each commodity has several postings the unit price
 * would need rounding, so the transaction is left as is (and is reported unbalanced).
 */
function inferConversion(postings: readonly PostingDraft[]): readonly PostingDraft[] {
  if (postings.some((posting) => posting.price !== undefined || posting.cost !== undefined)) return postings;
  const residual = transactionResidual(postings as Posting[]);
  const amounts = residual.amounts();
  if (amounts.length !== 2) return postings;
  const [firstCommodity] = [...new Set(postings.map((posting) => posting.amount!.commodity))].filter((commodity) => !residual.get(commodity).isZero());
  const first = residual.get(firstCommodity!);
  const second = amounts.find((value) => value.commodity !== firstCommodity)!;
  if (first.sign() === second.quantity.sign()) return postings;
  for (const [from, to] of [[firstCommodity!, second.commodity], [second.commodity, firstCommodity!]] as const) {
    const alone = postings.filter((posting) => posting.amount!.commodity === from);
    if (alone.length !== 1) continue;
    const price: Amount = { commodity: to, quantity: residual.get(to).abs() };
    return postings.map((posting) => (posting === alone[0] ? { ...posting, price: { kind: 'total', amount: price } } : posting));
  }
  return postings;
}
