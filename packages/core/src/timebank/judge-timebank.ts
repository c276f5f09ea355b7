import { type IsoDate } from '../date.js';
import { type DeviceKey, type Entry, type EntryId } from '../entry.js';
import { assert } from '../errors.js';
import { type Rejection, authorProblem } from '../governance/derive-roster.js';
import { type Permission, instantKey } from '../governance/payloads.js';
import { type RosterState } from '../governance/roster.js';
import { type GrantEvent, INCOMPLETE, type TimebankEvent, TimebankLedger, optional } from './ledger.js';
import { type TimebankKind, isTimebankKind } from './payloads.js';
import { COMMUNITY, type ExchangeRecord, type Movement, type PartyTotals, type TimebankBook } from './records.js';
import { type TimebankRules } from './rules.js';

/*
 * The time bank's judge (README.md). First, each entry is checked against the roster at its own basis
 * (who wrote it, with which right, about whom): exchanges and listings are registered, whatever their
 * order. Then the events that change balances or states (confirmations, declines, paper slips, gifts,
 * closes, opening grants) are applied in the time-bank order: (date, author time, batch position, id).
 * So the result is a function of the set of entries alone, and the same on every peer.
 */

/** The roster an entry was written under, or why its basis does not count here. */
export type RosterAtEntry = (entry: Entry) => Readonly<RosterState> | Rejection;

export interface JudgeTimebankInput {
  /** The time bank's entries, each once, of this co-op, signatures checked. */
  readonly entries: Iterable<Entry>;
  readonly rosterAt: RosterAtEntry;
  /** The roster after every control entry: its rules are in force, its members are listed. */
  readonly roster: Readonly<RosterState>;
  readonly heads: readonly EntryId[];
  readonly grants: readonly GrantEvent[];
}

/** Judges every time-bank entry from nothing. */
export function judgeTimebank(input: JudgeTimebankInput): { book: TimebankBook; rejected: TimebankLedger['rejected'] } {
  const ledger = new TimebankLedger(true);
  const events = registerEntries(ledger, input.entries, input.rosterAt);
  for (const grant of input.grants) events.push({ kind: 'grant', key: grantKey(grant), grant });
  events.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const event of events) assert(ledger.apply(event) === undefined, 'judgeTimebank: a complete ledger lacked history');
  return { book: bookOf(ledger, input.roster, input.heads), rejected: ledger.rejected };
}

/**
 * Judges entries just written on top of a stored result, when that is exact: every entry written under
 * the roster the result was judged at (its heads), every event after the last one judged, nothing that
 * needs history the stored result does not keep (a reversal, an answer to an exchange no longer pending).
 * Returns the new result and the movements to append, or undefined (judge everything again). A
 * property test holds it to `judgeTimebank`.
 */
export function extendTimebank(before: Omit<TimebankBook, 'movements'>, written: readonly Entry[], roster: Readonly<RosterState>): {
  book: Omit<TimebankBook, 'movements'>; movements: Movement[]; rejected: TimebankLedger['rejected'];
} | undefined {
  const heads = before.heads.join(',');
  if (written.some((entry) => !isTimebankKind(entry.body.kind) || [...entry.body.basis].sort().join(',') !== heads)) return undefined;
  const ledger = new TimebankLedger(false, { exchanges: before.unsettled, listings: before.listings, parties: before.parties, lastKey: before.lastKey });
  const events = registerEntries(ledger, written, () => roster);
  events.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (events.length > 0 && events[0]!.key <= before.lastKey) return undefined;
  for (const event of events) if (ledger.apply(event) === INCOMPLETE) return undefined;
  const { movements, ...book } = bookOf(ledger, roster, before.heads);
  return { book, movements: [...movements], rejected: ledger.rejected };
}

/** The order of events: (date, author time, batch position, id); grants after the entry that decided them. */
export function eventKey(entry: Entry): string {
  const date = (entry.body.payload as { date: string }).date;
  return `${date}\u0000${instantKey(entry.body.at)}\u0000${String(entry.body.n).padStart(9, '0')}\u0000${entry.id}`;
}

function grantKey(grant: GrantEvent): string {
  return `${grant.at.slice(0, 10)}\u0000${instantKey(grant.at)}\u0000${'0'.padStart(9, '0')}\u0000${grant.decidedBy}\u0000${grant.member}`;
}

/** Checks each entry against the roster at its basis; registers exchanges and listings; returns the events. */
function registerEntries(ledger: TimebankLedger, entries: Iterable<Entry>, rosterAt: RosterAtEntry): TimebankEvent[] {
  const events: TimebankEvent[] = [];
  for (const entry of entries) {
    assert(isTimebankKind(entry.body.kind), `judgeTimebank: ${entry.body.kind} is not a time-bank entry`);
    const roster = rosterAt(entry);
    if (!('standing' in roster)) { ledger.reject(entry, roster); continue; }
    const outcome = registerEntry(ledger, entry, roster);
    if (outcome === undefined) continue;
    if ('code' in outcome) ledger.reject(entry, outcome);
    else events.push(outcome);
  }
  return events;
}

function registerEntry(ledger: TimebankLedger, entry: Entry, roster: Readonly<RosterState>): TimebankEvent | Rejection | undefined {
  const kind = entry.body.kind as TimebankKind;
  const key = eventKey(entry);
  const rules = roster.timebank;
  switch (kind) {
    case 'listing': {
      const member = authorMember(roster, entry, 'timebank');
      if (typeof member !== 'string') return member;
      const payload = (entry as Entry<'listing'>).body.payload;
      ledger.listings.set(entry.id, {
        id: entry.id, side: payload.side, member, date: payload.date as IsoDate, title: payload.title, description: payload.description,
        category: payload.category, tags: payload.tags, at: entry.body.at,
      });
      return undefined;
    }
    case 'exchange': return registerExchange(ledger, entry as Entry<'exchange'>, roster, key, rules);
    case 'exchange-confirm': case 'exchange-decline': {
      const member = authorMember(roster, entry, 'timebank');
      if (typeof member !== 'string') return member;
      return kind === 'exchange-confirm'
        ? { kind: 'confirm', key, entry: entry as Entry<'exchange-confirm'>, member, rules }
        : { kind: 'decline', key, entry: entry as Entry<'exchange-decline'>, member };
    }
    case 'listing-close': {
      const member = authorMember(roster, entry, 'timebank', 'coordinate');
      if (typeof member !== 'string') return member;
      return { kind: 'close', key, entry: entry as Entry<'listing-close'>, member, coordinator: mayOf(roster, entry.body.author).has('coordinate') };
    }
    case 'community-transfer': return registerTransfer(entry as Entry<'community-transfer'>, roster, key, rules);
  }
}

/** Logged by a party (waits for the other), or recorded from a paper slip by a coordinator who is not one (counts in order). */
function registerExchange(ledger: TimebankLedger, entry: Entry<'exchange'>, roster: Readonly<RosterState>, key: string, rules: TimebankRules): TimebankEvent | Rejection | undefined {
  const payload = entry.body.payload;
  const slip = payload.slip !== undefined;
  const member = authorMember(roster, entry, slip ? 'coordinate' : 'timebank');
  if (typeof member !== 'string') return member;
  const parties = [payload.provider, payload.receiver];
  if (slip && parties.includes(member)) return { code: 'slip_by_party', reason: `${member} is a party to this exchange: a party logs it, and the other confirms (a coordinator records slips for others)` };
  if (!slip && !parties.includes(member)) return { code: 'not_a_party', reason: `${member} is not a party to this exchange (${payload.provider} gave ${payload.receiver}): only a party logs one; a coordinator records paper slips` };
  const problem = partyProblem(roster, payload.provider) ?? partyProblem(roster, payload.receiver);
  if (problem) return problem;
  const record: ExchangeRecord = {
    id: entry.id, date: payload.date as IsoDate, provider: payload.provider, receiver: payload.receiver, minutes: payload.minutes,
    description: payload.description, loggedBy: member, author: entry.body.author as DeviceKey, at: entry.body.at, status: 'pending', limitRefusals: [],
    ...optional({ category: payload.category, listing: payload.listing as EntryId | undefined, reverses: payload.reverses as EntryId | undefined, slip: payload.slip }),
    ...(slip ? {} : { awaiting: member === payload.provider ? payload.receiver : payload.provider }),
  };
  ledger.exchanges.set(entry.id, record);
  return slip ? { kind: 'slip', key, entry, rules } : undefined;
}

function registerTransfer(entry: Entry<'community-transfer'>, roster: Readonly<RosterState>, key: string, rules: TimebankRules): TimebankEvent | Rejection {
  const payload = entry.body.payload;
  const slip = payload.slip !== undefined;
  const right = payload.direction === 'from-community' || slip ? 'coordinate' : 'timebank';
  const member = authorMember(roster, entry, right);
  if (typeof member !== 'string') return member;
  if (payload.direction === 'to-community' && !slip && member !== payload.member) {
    return { code: 'not_your_hours', reason: `${member} may give only their own hours to the community, not ${payload.member}'s (a coordinator records a paper slip)` };
  }
  if (slip && member === payload.member) return { code: 'slip_by_party', reason: `${member} gives their own hours: they sign it themselves, without a slip` };
  const problem = partyProblem(roster, payload.member);
  if (problem) return problem;
  return { kind: 'transfer', key, entry, by: member, rules };
}

/** The author's member, if its device was active and its role may one of `rights`; else the rejection. */
function authorMember(roster: Readonly<RosterState>, entry: Entry, ...rights: Permission[]): string | Rejection {
  const problems = rights.map((right) => authorProblem(roster, entry.body.author, entry.body.kind, right));
  if (problems.some((problem) => problem === undefined)) {
    const standing = roster.standing(entry.body.author);
    assert(standing.kind === 'active', 'judgeTimebank: an allowed author without an active device');
    return standing.member;
  }
  return problems[0]!;
}

function mayOf(roster: Readonly<RosterState>, device: DeviceKey): ReadonlySet<Permission> {
  const standing = roster.standing(device);
  return standing.kind === 'active' ? standing.may : new Set();
}

/** A party must be a member, not removed, whose role may use the time bank. */
function partyProblem(roster: Readonly<RosterState>, name: string): Rejection | undefined {
  const may = roster.permissionsOf(name);
  if (may === undefined) return { code: 'unknown_member', reason: `${name} is not a member of the co-op (or was removed) in the rules its author had seen` };
  if (!may.has('timebank')) return { code: 'not_in_timebank', reason: `${name}'s role may not use the time bank` };
  return undefined;
}

function bookOf(ledger: TimebankLedger, roster: Readonly<RosterState>, heads: readonly EntryId[]): TimebankBook {
  const names = new Set<string>();
  for (const member of roster.toRoster().members) if (roster.permissionsOf(member.name)?.has('timebank')) names.add(member.name);
  for (const name of ledger.totals.keys()) if (name !== COMMUNITY) names.add(name);
  const parties: PartyTotals[] = [...names].sort().map((name) => ({ ...ledger.party(name) }));
  parties.push({ ...ledger.party(COMMUNITY) });
  const unsettled = [...ledger.exchanges.values()].filter((exchange) => exchange.status !== 'confirmed')
    .sort((a, b) => compare(a.date, b.date) || compare(instantKey(a.at), instantKey(b.at)) || compare(a.id, b.id));
  const listings = [...ledger.listings.values()].sort((a, b) => compare(a.date, b.date) || compare(instantKey(a.at), instantKey(b.at)) || compare(a.id, b.id));
  return { rules: roster.timebank, parties, movements: ledger.movements, unsettled, listings, heads: [...heads], lastKey: ledger.lastKey };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
