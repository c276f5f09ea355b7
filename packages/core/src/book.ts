import { type AccountName, type AccountType } from './account.js';
import { type Amount } from './amount.js';
import { type IsoDate } from './date.js';
import { type DeviceKey, type EntryId, type EntryKind } from './entry.js';
import { type Transaction } from './transaction.js';
import { type ProposalRecord } from './governance/derive-roster.js';
import { type RosterChange } from './governance/replay.js';
import { type Roster } from './governance/roster.js';
import { type TimebankBook } from './timebank/records.js';

/** A transaction that counts, with where it came from. */
export interface RecordedTransaction {
  readonly id: EntryId;
  readonly author: DeviceKey;
  readonly at: string;
  readonly n: number;
  readonly transaction: Transaction;
  readonly reverses?: EntryId;
  readonly importKey?: string;
}

export interface AccountDeclaration {
  readonly account: AccountName;
  readonly open?: IsoDate;
  readonly close?: IsoDate;
  readonly type?: AccountType;
  readonly commodities?: readonly string[];
  readonly note?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface CommodityDeclaration {
  readonly symbol: string;
  readonly precision?: number;
  readonly format?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface PriceRecord {
  readonly date: IsoDate;
  readonly commodity: string;
  readonly price: Amount;
}

/** A dated assertion (beancount `balance`): the account's balance, subaccounts included, at the start of `date`. */
export interface DatedAssertion {
  readonly id: EntryId;
  readonly date: IsoDate;
  readonly account: AccountName;
  readonly amount: Amount;
}

export interface LockRecord {
  readonly id: EntryId;
  readonly through: IsoDate;
  readonly author: DeviceKey;
  readonly at: string;
}

/** A member who may currently act (not removed), with the devices that may act for them (not revoked). */
export interface Member {
  readonly name: string;
  readonly devices: readonly DeviceKey[];
  readonly role?: string;
}

/** The co-op's governance, as derived from every control entry that counts (see governance/README.md). */
export interface GovernanceSummary {
  /** The roster after every control entry that counts: what a new entry naming all of them is judged by. */
  readonly roster: Roster;
  /** Every proposal that counts, in co-op order, with its tally and outcome. */
  readonly proposals: readonly ProposalRecord[];
  /** Decided roster changes in the order they took effect. */
  readonly changes: readonly RosterChange[];
}

/** An entry present in the documents that does not count, and why. Nothing is ever deleted. */
export interface RejectedEntry {
  readonly id: string;
  readonly kind?: EntryKind;
  readonly code: string;
  readonly reason: string;
}

/** Everything the documents say, once every entry has been checked: the input to every report. */
export interface Book {
  readonly coopName: string;
  /** Current members (not removed) and their devices that may act (not revoked). */
  readonly members: readonly Member[];
  /** Accepted transactions in ledger order: date, then author time, then batch position, then id. */
  readonly transactions: readonly RecordedTransaction[];
  readonly accounts: ReadonlyMap<AccountName, AccountDeclaration>;
  readonly commodities: ReadonlyMap<string, CommodityDeclaration>;
  readonly prices: readonly PriceRecord[];
  readonly assertions: readonly DatedAssertion[];
  /** Accepted lock entries and adopted lock proposals. */
  readonly locks: readonly LockRecord[];
  /** The latest lock date among all accepted locks (what a new entry must be after). */
  readonly lockedThrough?: IsoDate;
  /** Reversed transaction id → id of the reversal that counts. */
  readonly reversedBy: ReadonlyMap<EntryId, EntryId>;
  readonly governance: GovernanceSummary;
  /** The time bank: balances, exchanges, offers and requests (timebank/README.md). */
  readonly timebank: TimebankBook;
  readonly rejected: readonly RejectedEntry[];
}
