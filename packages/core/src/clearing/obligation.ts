import type { Amount } from '../amount.js';
import type { Decimal } from '../decimal.js';

/** Where an obligation was read from, so that a problem with it can name the line and the field. */
export interface ObligationSource {
  readonly file: string;
  readonly line: number;
  readonly debtorColumn: number;
  readonly creditorColumn: number;
  readonly amountColumn: number;
}

/**
 * One debt between co-ops of a federation: `debtor` owes `creditor` `amount`. Co-ops are named by a
 * stable id or name; `id`, when given, orders parallel obligations of the same amount.
 */
export interface Obligation {
  readonly debtor: string;
  readonly creditor: string;
  readonly amount: Amount;
  readonly id?: string;
  readonly source?: ObligationSource;
}

/** What clearing does to one obligation: `cleared` is set off, `remaining` is still owed. */
export interface ObligationSetOff {
  readonly obligation: Obligation;
  readonly cleared: Decimal;
  readonly remaining: Decimal;
}

/**
 * One co-op's debts and claims before and after clearing. Its cleared debts equal its cleared claims,
 * so `netPosition` (what it is owed less what it owes) is the same before and after.
 */
export interface PartyPosition {
  readonly party: string;
  readonly owesBefore: Decimal;
  readonly isOwedBefore: Decimal;
  readonly cleared: Decimal;
  readonly owesAfter: Decimal;
  readonly isOwedAfter: Decimal;
  readonly netPosition: Decimal;
}

/**
 * A set-off plan. Amounts are in `commodity` at `scale` decimal places (the most any obligation used).
 * `obligations` follow the input order; `parties` are sorted by name (UTF-16 code units).
 */
export interface ClearingPlan {
  readonly commodity: string;
  readonly scale: number;
  /** The sum of all obligations before clearing. */
  readonly owed: Decimal;
  /** The sum set off: the most any plan that keeps every net position can clear. */
  readonly cleared: Decimal;
  readonly obligations: readonly ObligationSetOff[];
  readonly parties: readonly PartyPosition[];
}
