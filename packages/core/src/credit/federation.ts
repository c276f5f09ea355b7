import { type RejectedEntry } from '../book.js';
import { type Decimal } from '../decimal.js';
import { type CoopId, type EntryId } from '../entry.js';
import { type UnitOfAccount } from './payloads.js';

/*
 * What every peer derives from a federation's documents (materializeFederation): members, credit
 * lines, who owes whom, payments and clearings with their outcome, and the entries that do not count.
 */

export interface FederationCoop {
  readonly id: CoopId;
  readonly name: string;
  /** The genesis of the co-op's own history: its roster, re-derived from the control entries it shares. */
  readonly genesis: EntryId;
  /** Invited co-ops become members when they join (through their own governance). */
  readonly status: 'invited' | 'member';
}

/** `creditor` lets `debtor` owe it up to `limit`. */
export interface CreditLine {
  readonly creditor: CoopId;
  readonly debtor: CoopId;
  readonly limit: Decimal;
  readonly setBy: EntryId;
}

/** `debtor` owes `creditor` `amount` (> 0). Between two co-ops at most one direction owes. */
export interface Debt {
  readonly debtor: CoopId;
  readonly creditor: CoopId;
  readonly amount: Decimal;
}

export interface CreditPolicy {
  readonly creditor: CoopId;
  readonly debtor: CoopId | '*';
  readonly upTo: Decimal;
  readonly setBy: EntryId;
}

/**
 * One hop of a payment: `from` pays `to`. `lowered` is how much of what `to` owed `from` it cancelled,
 * `raised` how much it added to what `from` owes `to` (known once settled).
 */
export interface PaymentHop {
  readonly from: CoopId;
  readonly to: CoopId;
  /** The hop raised `from`'s debt when the payment was made: `to` must accept (promise) it. */
  readonly needsAcceptance: boolean;
  readonly acceptedBy?: EntryId;
  readonly lowered?: Decimal;
  readonly raised?: Decimal;
}

export type PaymentStatus = 'pending' | 'settled' | 'failed' | 'expired';

export interface PaymentRecord {
  readonly id: EntryId;
  readonly payer: CoopId;
  readonly payee: CoopId;
  readonly path: readonly CoopId[];
  readonly amount: Decimal;
  readonly memo?: string;
  readonly at: string;
  readonly deadline: string;
  readonly status: PaymentStatus;
  readonly hops: readonly PaymentHop[];
  /** Why it failed or expired, in words. */
  readonly reason?: string;
  /** The entry at which it settled, failed or expired. */
  readonly concludedBy?: EntryId;
}

export interface SetOff {
  readonly debtor: CoopId;
  readonly creditor: CoopId;
  readonly amount: Decimal;
}

export type ClearingStatus = 'pending' | 'applied' | 'declined' | 'expired' | 'failed';

export interface ClearingRecord {
  readonly id: EntryId;
  readonly proposer: CoopId;
  readonly at: string;
  readonly deadline: string;
  readonly setOffs: readonly SetOff[];
  /** Every co-op with a set-off, sorted: each must consent. */
  readonly involved: readonly CoopId[];
  readonly consented: readonly CoopId[];
  readonly declined: readonly CoopId[];
  readonly status: ClearingStatus;
  readonly reason?: string;
  readonly concludedBy?: EntryId;
}

/** A change of debts that counts, for the co-ops' books: a settled payment or an applied clearing. */
export type Settlement =
  | { readonly kind: 'payment'; readonly id: EntryId; readonly at: string; readonly payment: PaymentRecord }
  | { readonly kind: 'clearing'; readonly id: EntryId; readonly at: string; readonly clearing: ClearingRecord };

export interface Federation {
  readonly id: string;
  readonly genesisId: EntryId;
  readonly name: string;
  readonly unit: UnitOfAccount;
  readonly coops: readonly FederationCoop[];
  readonly lines: readonly CreditLine[];
  readonly debts: readonly Debt[];
  /** Raises accepted for payments not yet settled: room on a line held for them. */
  readonly promised: readonly Debt[];
  readonly policies: readonly CreditPolicy[];
  readonly payments: readonly PaymentRecord[];
  readonly clearings: readonly ClearingRecord[];
  /** In federation order. */
  readonly settlements: readonly Settlement[];
  /** Federation entries that count and that no later one names in `after`: what a new entry names. */
  readonly heads: readonly EntryId[];
  readonly rejected: readonly RejectedEntry[];
}
