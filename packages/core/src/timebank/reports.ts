import { quoteCsvField } from '../formats/csv/csv-write.js';
import { formatMinutes } from './duration.js';
import { COMMUNITY, type ExchangeRecord, type ListingRecord, type Movement, type MovementKind, type TimebankView, balanceOf } from './records.js';

/*
 * The time bank's reports, from a TimebankView (the book's, or the derived index's): balances, a
 * member's history, hours per month, busiest categories, what waits for a member, and a CSV export.
 * Pure functions of the view; the CLI prints what they return.
 */

export interface HoursBalanceRow {
  /** A member's name, or '' for the community account. */
  readonly party: string;
  readonly given: number;
  readonly received: number;
  /** Grants and gifts from the community less gifts to it (for the community: what it holds from gifts and grants). */
  readonly community: number;
  readonly balance: number;
}

/** Every member's balance, then the community's; they always sum to zero. */
export function timebankBalances(view: Pick<TimebankView, 'parties'>): HoursBalanceRow[] {
  return view.parties.map((totals) => ({ party: totals.party, given: totals.given, received: totals.received, community: totals.community, balance: balanceOf(totals) }));
}

export function partyName(party: string): string {
  return party === COMMUNITY ? 'the community' : party;
}

export interface HistoryRow {
  readonly id: string;
  readonly kind: MovementKind;
  readonly date: string;
  readonly status: ExchangeRecord['status'];
  /** The other party ('' for the community). */
  readonly counterparty: string;
  /** Positive when the member's balance goes up. */
  readonly minutes: number;
  /** The member's balance after it (counted rows only, in the time-bank order). */
  readonly balance?: number;
  readonly description: string;
  readonly by: string;
  readonly slip?: string;
  readonly reverses?: string;
  readonly reversedBy?: string;
  /** Why it does not count (declined, refused) or the last limit refusal of a pending one. */
  readonly note?: string;
}

/** What counted for a member, with the running balance, and their exchanges that do not count (yet). */
export function memberHistory(view: Pick<TimebankView, 'movements' | 'unsettled'>, member: string): { counted: HistoryRow[]; unsettled: HistoryRow[]; balance: number } {
  const counted: HistoryRow[] = [];
  let balance = 0;
  for (const movement of view.movements) {
    if (movement.from !== member && movement.to !== member) continue;
    const minutes = movement.to === member ? movement.minutes : -movement.minutes;
    balance += minutes;
    counted.push({
      id: movement.id, kind: movement.kind, date: movement.date, status: 'confirmed', counterparty: movement.to === member ? movement.from : movement.to,
      minutes, balance, description: movement.description, by: movement.by,
      ...(movement.slip === undefined ? {} : { slip: movement.slip }),
      ...(movement.reverses === undefined ? {} : { reverses: movement.reverses }),
      ...(movement.reversedBy === undefined ? {} : { reversedBy: movement.reversedBy }),
    });
  }
  const unsettled = view.unsettled.filter((exchange) => exchange.provider === member || exchange.receiver === member).map((exchange) => unsettledRow(exchange, member));
  return { counted, unsettled, balance };
}

function unsettledRow(exchange: ExchangeRecord, member: string): HistoryRow {
  const note = exchange.status === 'declined' ? `declined: ${exchange.answer?.reason ?? ''}`
    : exchange.status === 'refused' ? `refused: ${exchange.refusal?.reason ?? ''}`
      : exchange.limitRefusals.length > 0 ? `a confirmation was refused: ${exchange.limitRefusals[exchange.limitRefusals.length - 1]!.reason}`
        : `waiting for ${exchange.awaiting ?? '?'} to confirm`;
  return {
    id: exchange.id, kind: 'exchange', date: exchange.date, status: exchange.status,
    counterparty: exchange.provider === member ? exchange.receiver : exchange.provider,
    minutes: exchange.provider === member ? exchange.minutes : -exchange.minutes,
    description: exchange.description, by: exchange.loggedBy, note,
    ...(exchange.slip === undefined ? {} : { slip: exchange.slip }),
    ...(exchange.reverses === undefined ? {} : { reverses: exchange.reverses }),
  };
}

/** Exchanges that stand: counted, neither a reversal nor reversed (the two cancel out). */
function standingExchanges(movements: readonly Movement[]): Movement[] {
  return movements.filter((movement) => movement.kind === 'exchange' && movement.reverses === undefined && movement.reversedBy === undefined);
}

export interface MonthRow {
  readonly month: string;
  readonly exchanges: number;
  readonly minutes: number;
}

/** Hours exchanged per month (by the date the hours were given), reversed exchanges left out. */
export function hoursByMonth(view: Pick<TimebankView, 'movements'>): MonthRow[] {
  const months = new Map<string, { exchanges: number; minutes: number }>();
  for (const movement of standingExchanges(view.movements)) {
    const month = movement.date.slice(0, 7);
    const row = months.get(month) ?? { exchanges: 0, minutes: 0 };
    row.exchanges += 1;
    row.minutes += movement.minutes;
    months.set(month, row);
  }
  return [...months].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, row]) => ({ month, ...row }));
}

export interface CategoryRow {
  readonly category: string;
  readonly exchanges: number;
  readonly minutes: number;
}

/** Categories by hours exchanged, the busiest first (exchanges with no category under '(none)'). */
export function busiestCategories(view: Pick<TimebankView, 'movements'>): CategoryRow[] {
  const categories = new Map<string, { exchanges: number; minutes: number }>();
  for (const movement of standingExchanges(view.movements)) {
    const category = movement.category ?? '(none)';
    const row = categories.get(category) ?? { exchanges: 0, minutes: 0 };
    row.exchanges += 1;
    row.minutes += movement.minutes;
    categories.set(category, row);
  }
  return [...categories].map(([category, row]) => ({ category, ...row }))
    .sort((a, b) => b.minutes - a.minutes || b.exchanges - a.exchanges || (a.category < b.category ? -1 : 1));
}

/** Pending exchanges that wait for a member's answer, and those the member logged that wait for someone else. */
export function pendingFor(view: Pick<TimebankView, 'unsettled'>, member: string): { forMe: ExchangeRecord[]; forOthers: ExchangeRecord[] } {
  const pending = view.unsettled.filter((exchange) => exchange.status === 'pending');
  return {
    forMe: pending.filter((exchange) => exchange.awaiting === member),
    forOthers: pending.filter((exchange) => exchange.loggedBy === member && exchange.awaiting !== member),
  };
}

export interface ListingQuery {
  readonly side?: 'offer' | 'request';
  /** Case-insensitive words, each found in the title, description, category or tags. */
  readonly text?: string;
  readonly category?: string;
  readonly includeClosed?: boolean;
}

export function findListings(listings: readonly ListingRecord[], query: ListingQuery): ListingRecord[] {
  const words = (query.text ?? '').toLowerCase().split(/\s+/u).filter((word) => word !== '');
  const category = query.category?.toLowerCase();
  return listings.filter((listing) => {
    if (query.side !== undefined && listing.side !== query.side) return false;
    if (!query.includeClosed && listing.closed) return false;
    if (category !== undefined && listing.category.toLowerCase() !== category) return false;
    const haystack = [listing.title, listing.description, listing.category, ...listing.tags].join('\n').toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

const CSV_COLUMNS = ['date', 'kind', 'status', 'credited', 'debited', 'minutes', 'hours', 'description', 'category', 'by', 'slip', 'id', 'reverses', 'reversed_by', 'answered_by', 'note'];

/**
 * Every exchange and community movement as CSV (RFC 4180, a header row): counted ones in the time-bank
 * order, then those that do not count. `credited` is whose balance goes up (a provider), `debited` whose
 * goes down; the community account is written `community`.
 */
export function writeTimebankCsv(view: Pick<TimebankView, 'movements' | 'unsettled'>): string {
  const party = (name: string) => (name === COMMUNITY ? 'community' : name);
  const rows: string[][] = [CSV_COLUMNS];
  for (const movement of view.movements) {
    rows.push([
      movement.date, movement.kind, 'confirmed', party(movement.to), party(movement.from), String(movement.minutes), formatMinutes(movement.minutes),
      movement.description, movement.category ?? '', movement.by === COMMUNITY ? 'rules' : movement.by, movement.slip ?? '', movement.id,
      movement.reverses ?? '', movement.reversedBy ?? '', movement.countedBy, '',
    ]);
  }
  for (const exchange of view.unsettled) {
    rows.push([
      exchange.date, 'exchange', exchange.status, exchange.provider, exchange.receiver, String(exchange.minutes), formatMinutes(exchange.minutes),
      exchange.description, exchange.category ?? '', exchange.loggedBy, exchange.slip ?? '', exchange.id, exchange.reverses ?? '', '',
      exchange.answer?.id ?? '', exchange.answer?.reason ?? exchange.refusal?.reason ?? exchange.limitRefusals[exchange.limitRefusals.length - 1]?.reason ?? '',
    ]);
  }
  return rows.map((row) => row.map((field) => quoteCsvField(field, ',')).join(',')).join('\n') + '\n';
}
