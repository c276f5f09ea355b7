import { type RejectedEntry } from '../book.js';
import { type IsoDate } from '../date.js';
import { type Entry, type EntryId } from '../entry.js';
import { assert } from '../errors.js';
import { formatMinutes } from './duration.js';
import { type Rejection } from '../governance/derive-roster.js';
import { COMMUNITY, type ExchangeRecord, type ListingRecord, type Movement, type PartyTotals, balanceOf } from './records.js';
import { type TimebankRules } from './rules.js';

/*
 * The time bank's state machine: balances, exchanges and listings, changed by events applied in the
 * time-bank order (see README.md). Everything an event needs to be judged is here, so judging the
 * events in one order gives one result on every peer.
 */

/** A grant of the opening hours, from the community, to one member (see grants.ts). */
export interface GrantEvent {
  /** The entry that decided it: the vote (or proposal) adopting the rules or admitting the member. */
  readonly decidedBy: EntryId;
  readonly at: string;
  readonly member: string;
  readonly minutes: number;
}

/** What changes balances or states, with its place in the time-bank order (`key`). */
export type TimebankEvent =
  | { readonly kind: 'confirm'; readonly key: string; readonly entry: Entry<'exchange-confirm'>; readonly member: string; readonly rules: TimebankRules }
  | { readonly kind: 'decline'; readonly key: string; readonly entry: Entry<'exchange-decline'>; readonly member: string }
  | { readonly kind: 'slip'; readonly key: string; readonly entry: Entry<'exchange'>; readonly rules: TimebankRules }
  | { readonly kind: 'transfer'; readonly key: string; readonly entry: Entry<'community-transfer'>; readonly by: string; readonly rules: TimebankRules }
  | { readonly kind: 'close'; readonly key: string; readonly entry: Entry<'listing-close'>; readonly member: string; readonly coordinator: boolean }
  | { readonly kind: 'grant'; readonly key: string; readonly grant: GrantEvent };

/** An event judged against a state that lacks history it needs (an extension of the index): judge everything again. */
export const INCOMPLETE = 'incomplete';

/** The state judging starts from: nothing, or what the derived index kept (pending exchanges, listings, totals). */
export interface LedgerStart {
  readonly exchanges: readonly ExchangeRecord[];
  readonly listings: readonly ListingRecord[];
  readonly parties: readonly PartyTotals[];
  readonly lastKey: string;
}

export class TimebankLedger {
  readonly exchanges = new Map<EntryId, ExchangeRecord>();
  readonly listings = new Map<EntryId, ListingRecord>();
  readonly totals = new Map<string, PartyTotals>();
  /** Counted exchanges by id: what reversals are checked against (only when judging from nothing). */
  private readonly counted = new Map<EntryId, Movement>();
  readonly movements: Movement[] = [];
  readonly rejected: RejectedEntry[] = [];
  lastKey = '';

  /** `complete`: the ledger starts from nothing, so an exchange or listing it does not know does not exist. */
  constructor(readonly complete: boolean, start?: LedgerStart) {
    if (!start) return;
    for (const exchange of start.exchanges) this.exchanges.set(exchange.id, { ...exchange, limitRefusals: [...exchange.limitRefusals] });
    for (const listing of start.listings) this.listings.set(listing.id, listing);
    for (const party of start.parties) this.totals.set(party.party, { ...party });
    this.lastKey = start.lastKey;
  }

  reject(entry: Pick<Entry, 'id' | 'body'>, problem: Rejection): void {
    this.rejected.push({ id: entry.id, kind: entry.body.kind, code: problem.code, reason: problem.reason });
  }

  /** Applies one event; events come in the time-bank order. */
  apply(event: TimebankEvent): typeof INCOMPLETE | undefined {
    assert(event.key > this.lastKey, 'TimebankLedger: events must come in the time-bank order, each once');
    const outcome = this.applyEvent(event);
    if (outcome !== INCOMPLETE) this.lastKey = event.key;
    return outcome;
  }

  private applyEvent(event: TimebankEvent): typeof INCOMPLETE | undefined {
    switch (event.kind) {
      case 'confirm': return this.answer(event.entry, event.member, event.rules);
      case 'decline': return this.answer(event.entry, event.member, undefined);
      case 'slip': return this.countSlip(event.entry, event.rules);
      case 'transfer': return this.transfer(event.entry, event.by, event.rules);
      case 'close': return this.close(event.entry, event.member, event.coordinator);
      case 'grant': {
        const { grant } = event;
        this.move({
          kind: 'grant', id: grant.decidedBy, date: grant.at.slice(0, 10) as IsoDate, from: COMMUNITY, to: grant.member, minutes: grant.minutes,
          description: 'opening grant', by: COMMUNITY, countedBy: grant.decidedBy, countedAt: grant.at,
        });
        return undefined;
      }
    }
  }

  /** A confirmation (with the rules at its basis) or a decline (rules undefined) by the party the exchange waits for. */
  private answer(entry: Entry<'exchange-confirm'> | Entry<'exchange-decline'>, member: string, rules: TimebankRules | undefined): typeof INCOMPLETE | undefined {
    const exchange = this.exchanges.get(entry.body.payload.exchange as EntryId);
    const short = entry.body.payload.exchange.slice(0, 12);
    if (!exchange) {
      if (!this.complete) return INCOMPLETE;
      this.reject(entry, { code: 'unknown_exchange', reason: `answers ${short}…, which is not an exchange logged by a party (missing here, or rejected)` });
      return undefined;
    }
    if (exchange.slip !== undefined) return this.refuseAnswer(entry, 'not_pending', `${short}… was recorded from a paper slip by ${exchange.loggedBy}: it needs no confirmation`);
    if (member !== exchange.awaiting) {
      return member === exchange.loggedBy
        ? this.refuseAnswer(entry, 'own_exchange', `${member} logged ${short}…; the other party, ${exchange.awaiting ?? '?'}, confirms or declines it`)
        : this.refuseAnswer(entry, 'not_a_party', `${member} is not a party to ${short}… (${exchange.provider} gave ${exchange.receiver} ${formatMinutes(exchange.minutes)})`);
    }
    if (exchange.status !== 'pending') return this.refuseAnswer(entry, 'already_answered', `${short}… is already ${exchange.status}${exchange.answer ? ` (by ${exchange.answer.id.slice(0, 12)}…)` : ''}`);
    const date = entry.body.payload.date as IsoDate;
    if (rules === undefined) {
      exchange.status = 'declined';
      exchange.answer = { id: entry.id, date, at: entry.body.at, reason: (entry as Entry<'exchange-decline'>).body.payload.reason };
      return undefined;
    }
    const outcome = this.countExchange(exchange, entry, rules);
    if (outcome === INCOMPLETE || outcome === undefined) return outcome;
    this.reject(entry, outcome);
    if (outcome.code === 'below_lowest_balance' || outcome.code === 'above_highest_balance') {
      exchange.limitRefusals.push({ entry: entry.id, member, code: outcome.code, reason: outcome.reason });
    } else {
      exchange.status = 'refused';
      exchange.refusal = outcome;
    }
    return undefined;
  }

  private refuseAnswer(entry: Entry, code: string, reason: string): undefined {
    this.reject(entry, { code, reason });
    return undefined;
  }

  /** A paper slip counts when it comes in the order, unless it would cross a limit: then it never counts. */
  private countSlip(entry: Entry<'exchange'>, rules: TimebankRules): typeof INCOMPLETE | undefined {
    const exchange = this.exchanges.get(entry.id);
    assert(exchange !== undefined && exchange.status === 'pending', 'TimebankLedger: a slip event without its pending exchange');
    const outcome = this.countExchange(exchange, entry, rules);
    if (outcome === INCOMPLETE || outcome === undefined) return outcome;
    this.reject(entry, outcome);
    exchange.status = 'refused';
    exchange.refusal = outcome;
    return undefined;
  }

  /** Counts an exchange at `by` (its confirmation, or itself), or says why it cannot count. */
  private countExchange(exchange: ExchangeRecord, by: Entry, rules: TimebankRules): Rejection | typeof INCOMPLETE | undefined {
    let original: Movement | undefined;
    if (exchange.reverses !== undefined) {
      if (!this.complete) return INCOMPLETE;
      original = this.counted.get(exchange.reverses);
      const problem = reversalProblem(exchange, original, this.exchanges.get(exchange.reverses));
      if (problem) return problem;
    }
    const problem = this.limitProblem({ from: exchange.receiver, to: exchange.provider, minutes: exchange.minutes }, rules);
    if (problem) return problem;
    exchange.status = 'confirmed';
    exchange.answer = { id: by.id, date: (by.body.payload as { date: string }).date as IsoDate, at: by.body.at };
    const movement: Movement = {
      kind: 'exchange', id: exchange.id, date: exchange.date, from: exchange.receiver, to: exchange.provider, minutes: exchange.minutes,
      description: exchange.description, by: exchange.loggedBy, countedBy: by.id, countedAt: by.body.at,
      ...optional({ category: exchange.category, listing: exchange.listing, reverses: exchange.reverses, slip: exchange.slip }),
    };
    this.move(movement);
    this.counted.set(exchange.id, movement);
    if (original) original.reversedBy = exchange.id;
    return undefined;
  }

  private transfer(entry: Entry<'community-transfer'>, by: string, rules: TimebankRules): undefined {
    const payload = entry.body.payload;
    const toCommunity = payload.direction === 'to-community';
    const change = { from: toCommunity ? payload.member : COMMUNITY, to: toCommunity ? COMMUNITY : payload.member, minutes: payload.minutes };
    const problem = this.limitProblem(change, rules);
    if (problem) {
      this.reject(entry, problem);
      return undefined;
    }
    this.move({
      kind: payload.direction, id: entry.id, date: payload.date as IsoDate, ...change, description: payload.description, by,
      countedBy: entry.id, countedAt: entry.body.at, ...optional({ slip: payload.slip }),
    });
    return undefined;
  }

  private close(entry: Entry<'listing-close'>, member: string, coordinator: boolean): typeof INCOMPLETE | undefined {
    const payload = entry.body.payload;
    const listing = this.listings.get(payload.listing as EntryId);
    if (!listing) {
      if (!this.complete) return INCOMPLETE;
      this.reject(entry, { code: 'unknown_listing', reason: `closes ${payload.listing.slice(0, 12)}…, which is not an offer or request here` });
      return undefined;
    }
    if (listing.member !== member && !coordinator) {
      this.reject(entry, { code: 'not_listing_owner', reason: `${member} may not close ${listing.member}'s ${listing.side} "${listing.title}" (a coordinator may)` });
      return undefined;
    }
    if (listing.closed) {
      this.reject(entry, { code: 'already_closed', reason: `${listing.side} "${listing.title}" was already closed by ${listing.closed.id.slice(0, 12)}…` });
      return undefined;
    }
    this.listings.set(listing.id, { ...listing, closed: { id: entry.id, date: payload.date as IsoDate, by: member, ...optional({ note: payload.note }) } });
    return undefined;
  }

  /**
   * The limits, as the rules at the event's basis say: a balance that goes down may not end below the
   * lowest (the community's own lowest for the community), one that goes up may not end above the highest.
   */
  private limitProblem(change: { from: string; to: string; minutes: number }, rules: TimebankRules): Rejection | undefined {
    const fromBalance = balanceOf(this.party(change.from)) - change.minutes;
    const lowest = change.from === COMMUNITY ? rules.communityLowestBalanceMinutes : rules.lowestBalanceMinutes;
    if (lowest !== undefined && fromBalance < lowest) {
      const who = change.from === COMMUNITY ? 'the community' : change.from;
      return { code: change.from === COMMUNITY ? 'community_limit' : 'below_lowest_balance', reason: `it would take ${who}'s balance to ${formatMinutes(fromBalance)}, below the lowest the rules allow (${formatMinutes(lowest)})` };
    }
    const toBalance = balanceOf(this.party(change.to)) + change.minutes;
    if (change.to !== COMMUNITY && rules.highestBalanceMinutes !== undefined && toBalance > rules.highestBalanceMinutes) {
      return { code: 'above_highest_balance', reason: `it would take ${change.to}'s balance to ${formatMinutes(toBalance)}, above the highest the rules allow (${formatMinutes(rules.highestBalanceMinutes)})` };
    }
    return undefined;
  }

  private move(movement: Movement): void {
    assert(Number.isSafeInteger(movement.minutes) && movement.minutes > 0 && movement.from !== movement.to, 'TimebankLedger: a movement moves whole minutes between two parties');
    const exchanged = movement.kind === 'exchange';
    const from = this.party(movement.from);
    const to = this.party(movement.to);
    if (exchanged) { from.received += movement.minutes; to.given += movement.minutes; } else { from.community -= movement.minutes; to.community += movement.minutes; }
    this.movements.push(movement);
  }

  party(name: string): PartyTotals {
    let totals = this.totals.get(name);
    if (!totals) {
      totals = { party: name, given: 0, received: 0, community: 0 };
      this.totals.set(name, totals);
    }
    return totals;
  }
}

function reversalProblem(exchange: ExchangeRecord, counted: Movement | undefined, logged: ExchangeRecord | undefined): Rejection | undefined {
  const short = exchange.reverses!.slice(0, 12);
  if (!logged) return { code: 'reverses_unknown', reason: `reverses ${short}…, which is not an exchange here` };
  if (logged.provider !== exchange.receiver || logged.receiver !== exchange.provider || logged.minutes !== exchange.minutes) {
    return { code: 'reversal_mismatch', reason: `a reversal gives back exactly what ${short}… moved: ${logged.receiver} gives ${logged.provider} ${formatMinutes(logged.minutes)}` };
  }
  if (!counted) return { code: 'reverses_not_counted', reason: `reverses ${short}…, which did not count when this was confirmed` };
  if (counted.reversedBy !== undefined) return { code: 'already_reversed', reason: `${short}… is already reversed by ${counted.reversedBy.slice(0, 12)}…` };
  return undefined;
}

/** The fields that have a value (records leave absent fields out, so they compare and serialise alike). */
export function optional<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
