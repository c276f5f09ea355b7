import { type IsoDate } from '../date.js';
import { type DeviceKey, type EntryId } from '../entry.js';
import { DEFAULT_TIMEBANK_RULES, type TimebankRules } from './rules.js';

/*
 * What the time bank's judge derives (see README.md): plain data, so that the derived index can store
 * it and reports can read it from either. Durations are whole minutes.
 */

/** The community account's party name. Member names are never empty, so it can never name a member. */
export const COMMUNITY = '';

/** An offer of help or a request for it. */
export interface ListingRecord {
  readonly id: EntryId;
  readonly side: 'offer' | 'request';
  readonly member: string;
  /** Open since. */
  readonly date: IsoDate;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly tags: readonly string[];
  readonly at: string;
  readonly closed?: { readonly id: EntryId; readonly date: IsoDate; readonly by: string; readonly note?: string };
}

export type ExchangeStatus = 'pending' | 'confirmed' | 'declined' | 'refused';

/** A confirmation that did not count because a balance limit would have been crossed: the exchange stays pending. */
export interface LimitRefusal {
  readonly entry: EntryId;
  readonly member: string;
  readonly code: string;
  readonly reason: string;
}

/** An exchange logged by a party or recorded from a paper slip, and what became of it. */
export interface ExchangeRecord {
  readonly id: EntryId;
  /** When the hours were given. */
  readonly date: IsoDate;
  readonly provider: string;
  readonly receiver: string;
  readonly minutes: number;
  readonly description: string;
  readonly category?: string;
  readonly listing?: EntryId;
  readonly reverses?: EntryId;
  /** The paper slip's reference: a coordinator recorded it for members without a device. */
  readonly slip?: string;
  /** The member who logged it (for a slip, the coordinator who recorded it). */
  readonly loggedBy: string;
  readonly author: DeviceKey;
  readonly at: string;
  /** The party whose signature it waits for; none for a slip. */
  readonly awaiting?: string;
  status: ExchangeStatus;
  /** The confirmation (or, for a slip, the exchange itself) that made it count, or the decline. */
  answer?: { readonly id: EntryId; readonly date: IsoDate; readonly at: string; readonly reason?: string };
  /** Why it can never count (status `refused`): a slip over a limit, a reversal of what does not count. */
  refusal?: { readonly code: string; readonly reason: string };
  /** Confirmations refused by a limit; the exchange stayed pending (nothing is lost: confirm it again later, or decline). */
  limitRefusals: LimitRefusal[];
}

export type MovementKind = 'exchange' | 'grant' | 'to-community' | 'from-community';

/** A counted change of balances: `minutes` from one party to another, in the time-bank order. */
export interface Movement {
  readonly kind: MovementKind;
  /** The exchange, the community transfer, or (a grant) the entry that adopted the rules or admitted the member. */
  readonly id: EntryId;
  /** When the hours were given (an exchange's date), or the entry's date. */
  readonly date: IsoDate;
  /** Whose balance goes down: the receiver of an exchange, the giver of a gift. */
  readonly from: string;
  /** Whose balance goes up: the provider of an exchange, the receiver of a gift. */
  readonly to: string;
  readonly minutes: number;
  readonly description: string;
  readonly category?: string;
  readonly listing?: EntryId;
  readonly reverses?: EntryId;
  readonly slip?: string;
  /** Who wrote it: the member who logged, the coordinator who recorded, the donor. */
  readonly by: string;
  /** The entry that made it count (a confirmation, or the entry itself). */
  readonly countedBy: EntryId;
  readonly countedAt: string;
  /** For a counted exchange: the counted reversal that undid it. */
  reversedBy?: EntryId;
}

/** One party's totals: exchanged hours, and the net of grants and gifts with the community. */
export interface PartyTotals {
  readonly party: string;
  given: number;
  received: number;
  /** Grants and gifts from the community, less gifts to it (for the community itself: the opposite). */
  community: number;
}

export function balanceOf(totals: Pick<PartyTotals, 'given' | 'received' | 'community'>): number {
  return totals.given - totals.received + totals.community;
}

/** What the time-bank reports read, from the book or from the derived index. */
export interface TimebankView {
  /** The rules in force now (the defaults if the members adopted none). */
  readonly rules: TimebankRules;
  /** Every member who may use the time bank or has a balance, by name, then the community. */
  readonly parties: readonly PartyTotals[];
  /** Counted changes of balances in the time-bank order. */
  readonly movements: readonly Movement[];
  /** Logged exchanges that do not count (pending, declined, refused), in the order they were logged. */
  readonly unsettled: readonly ExchangeRecord[];
  readonly listings: readonly ListingRecord[];
}

/** The judge's result: the view, plus what judging more entries from here needs. */
export interface TimebankBook extends TimebankView {
  /** The control entries the result was judged under: new entries naming exactly these see its roster. */
  readonly heads: readonly EntryId[];
  /** Order key of the last event applied: an extension must come after it. */
  readonly lastKey: string;
}

/** The time bank of a book with no genesis: nothing at all. */
export function emptyTimebank(): TimebankBook {
  return { rules: DEFAULT_TIMEBANK_RULES, parties: [], movements: [], unsettled: [], listings: [], heads: [], lastKey: '' };
}
