import {
  type ExchangeRecord, type PayloadOf, type Permission, type Roster, type TimebankRules, DEFAULT_TIMEBANK_RULES, MAX_EXCHANGE_MINUTES, TallystickError, balanceOf,
  formatMinutes, parseHours, parseIsoDate, parseMinutes,
} from '@tallystick/core';
import type { BookView } from '@tallystick/sync';
import type { TimebankSummary } from '@tallystick/sync/timebank-index';
import { type CommandContext, loadBookView, openFolder, openStore, print, today, unlockSigner } from '../context.js';
import { actingMember, displayParty, findCounted, findListing, findUnsettled, judgeTimebankBeforeWriting, loadTimebank, timebankMember } from '../timebank-context.js';
import { writeEntries } from '../write-entries.js';

/*
 * The time-bank commands that write: log, confirm, decline, reverse, and for coordinators record (a
 * paper slip) and grant (from the community); give (to the community). Each refuses up front, from the
 * indexes and before asking for the passphrase, what the rules would not count; then core judges the
 * signed entry itself before anything is written.
 */

export interface DurationOptions {
  minutes?: string;
  hours?: string;
}

export interface LogOptions extends DurationOptions {
  to?: string;
  from?: string;
  date?: string;
  description?: string;
  category?: string;
  offer?: string;
  request?: string;
}

export async function hoursLogCommand(context: CommandContext, options: LogOptions): Promise<void> {
  if ((options.to === undefined) === (options.from === undefined)) throw new TallystickError('invalid_exchange', 'say who with --to MEMBER (you gave them hours) or --from MEMBER (they gave you hours), one of the two');
  const { view, timebank, me } = await actingAs(context, ['timebank'], 'log hours');
  const other = timebankMember(view.governance.roster, (options.to ?? options.from)!);
  if (other === me) throw new TallystickError('invalid_exchange', 'an exchange is between two members: --to/--from names someone else');
  const listingId = options.offer ?? options.request;
  const listing = listingId === undefined ? undefined : findListing(timebank.listings, listingId, options.offer !== undefined ? 'offer' : 'request');
  const payload: PayloadOf<'exchange'> = {
    date: dateOf(context, options.date), provider: options.to !== undefined ? me : other, receiver: options.to !== undefined ? other : me,
    minutes: durationOf(options), description: oneLine(options.description, 'description'),
    ...categoryOf(options.category ?? listing?.category), ...(listing ? { listing: listing.id } : {}),
  };
  const id = await writeTimebankEntry(context, view, { kind: 'exchange', payload });
  print(context, `Logged ${id.slice(0, 12)}: ${payload.provider} gave ${payload.receiver} ${formatMinutes(payload.minutes)} on ${payload.date} (${payload.description}).`);
  print(context, `It counts once ${other} confirms it on their device: \`tallystick hours confirm ${id.slice(0, 12)}\` (or declines it).`);
}

export async function hoursConfirmCommand(context: CommandContext, idOrPrefix: string): Promise<void> {
  const { view, timebank, me } = await actingAs(context, ['timebank'], 'confirm hours');
  const exchange = answerable(timebank, idOrPrefix, me);
  const problem = limitProblem(timebank, { from: exchange.receiver, to: exchange.provider, minutes: exchange.minutes }, rulesOf(view.governance.roster));
  if (problem) throw new TallystickError(problem.code, `cannot confirm ${exchange.id.slice(0, 12)}: ${problem.reason}; nothing was written. It stays pending: confirm it once the balance allows, or decline it`);
  await writeTimebankEntry(context, view, { kind: 'exchange-confirm', payload: { date: today(context.now()), exchange: exchange.id } });
  const after = await loadTimebank(context, { movements: false });
  const balance = (member: string) => formatMinutes(balanceOf(after.parties.find((party) => party.party === member) ?? { given: 0, received: 0, community: 0 }), { sign: true });
  print(context, `Confirmed ${exchange.id.slice(0, 12)}: ${exchange.provider} gave ${exchange.receiver} ${formatMinutes(exchange.minutes)} on ${exchange.date} (${exchange.description}).`);
  print(context, `Balances now: ${exchange.provider} ${balance(exchange.provider)}, ${exchange.receiver} ${balance(exchange.receiver)}.`);
}

export async function hoursDeclineCommand(context: CommandContext, idOrPrefix: string, options: { reason?: string }): Promise<void> {
  const reason = oneLine(options.reason, 'reason');
  const { view, timebank, me } = await actingAs(context, ['timebank'], 'decline hours');
  const exchange = answerable(timebank, idOrPrefix, me);
  await writeTimebankEntry(context, view, { kind: 'exchange-decline', payload: { date: today(context.now()), exchange: exchange.id, reason } });
  print(context, `Declined ${exchange.id.slice(0, 12)} (${exchange.provider} gave ${exchange.receiver} ${formatMinutes(exchange.minutes)}): ${reason}. It will not count; ${exchange.loggedBy} sees why.`);
}

/** A counted exchange is never edited: its correction is a new exchange giving the hours back, confirmed by the other party. */
export async function hoursReverseCommand(context: CommandContext, idOrPrefix: string, options: { date?: string; description?: string }): Promise<void> {
  const { view, me } = await actingAs(context, ['timebank', 'coordinate'], 'reverse an exchange');
  const timebank = await loadTimebank(context, { movements: true });
  const original = findCounted(timebank.movements, idOrPrefix);
  if (original.reversedBy !== undefined) throw new TallystickError('already_reversed', `${original.id.slice(0, 12)} is already reversed by ${original.reversedBy.slice(0, 12)}; nothing was written`);
  const waiting = timebank.unsettled.find((exchange) => exchange.reverses === original.id && exchange.status === 'pending');
  if (waiting) throw new TallystickError('already_reversed', `a reversal of ${original.id.slice(0, 12)} is already waiting to be confirmed: ${waiting.id.slice(0, 12)}; nothing was written`);
  const party = me === original.to || me === original.from;
  const payload: PayloadOf<'exchange'> = {
    date: dateOf(context, options.date), provider: original.from, receiver: original.to, minutes: original.minutes,
    description: oneLine(options.description ?? `reverses ${original.id.slice(0, 12)}: ${original.description}`.slice(0, 4096), 'description'),
    reverses: original.id, ...categoryOf(original.category),
    ...(party ? {} : { slip: `reversal of ${original.id.slice(0, 12)}` }),
  };
  if (!party) actingMember(view.governance.roster, await deviceKey(context), ['coordinate'], 'reverse an exchange it is not a party to');
  const id = await writeTimebankEntry(context, view, { kind: 'exchange', payload });
  print(context, `Logged reversal ${id.slice(0, 12)} of ${original.id.slice(0, 12)}: ${payload.provider} gives ${payload.receiver} back ${formatMinutes(payload.minutes)}.`);
  if (party) print(context, `It counts once ${me === payload.provider ? payload.receiver : payload.provider} confirms it: \`tallystick hours confirm ${id.slice(0, 12)}\`.`);
}

export interface RecordOptions extends DurationOptions {
  provider?: string;
  receiver?: string;
  slip?: string;
  date?: string;
  description?: string;
  category?: string;
}

/** A coordinator records an exchange from a paper slip, for members without a device: it counts at once. */
export async function hoursRecordCommand(context: CommandContext, options: RecordOptions): Promise<void> {
  const { view, timebank, me } = await actingAs(context, ['coordinate'], 'record a paper slip');
  const roster = view.governance.roster;
  const provider = timebankMember(roster, required(options.provider, '--provider MEMBER'));
  const receiver = timebankMember(roster, required(options.receiver, '--receiver MEMBER'));
  if (provider === receiver) throw new TallystickError('invalid_exchange', 'the provider and the receiver must be two members');
  if (me === provider || me === receiver) throw new TallystickError('slip_by_party', `${me} is a party: log it with \`tallystick hours log\` and let the other party confirm it; nothing was written`);
  const payload: PayloadOf<'exchange'> = {
    date: dateOf(context, options.date), provider, receiver, minutes: durationOf(options), description: oneLine(options.description, 'description'),
    slip: oneLine(options.slip, 'slip (the paper slip\'s reference)'), ...categoryOf(options.category),
  };
  refuseOverLimit(timebank, { from: receiver, to: provider, minutes: payload.minutes }, rulesOf(roster));
  const id = await writeTimebankEntry(context, view, { kind: 'exchange', payload });
  print(context, `Recorded ${id.slice(0, 12)} from paper slip ${payload.slip}: ${provider} gave ${receiver} ${formatMinutes(payload.minutes)} on ${payload.date}. It counts now.`);
}

/** Gives hours to the community account: one's own, or (a coordinator) a member's from a paper slip. */
export async function hoursGiveCommand(context: CommandContext, options: DurationOptions & { member?: string; slip?: string; date?: string; description?: string }): Promise<void> {
  const slip = options.slip !== undefined;
  const { view, timebank, me } = await actingAs(context, slip ? ['coordinate'] : ['timebank'], slip ? 'record a gift from a paper slip' : 'give hours to the community');
  const member = slip ? timebankMember(view.governance.roster, required(options.member, '--member MEMBER (whose hours the slip gives)')) : me;
  if (!slip && options.member !== undefined && options.member !== me) throw new TallystickError('not_your_hours', `you may give only your own hours; a coordinator records a member's gift with --member and --slip`);
  const payload: PayloadOf<'community-transfer'> = {
    date: dateOf(context, options.date), direction: 'to-community', member, minutes: durationOf(options),
    description: oneLine(options.description ?? 'a gift to the community', 'description'), ...(slip ? { slip: oneLine(options.slip, 'slip') } : {}),
  };
  refuseOverLimit(timebank, { from: member, to: '', minutes: payload.minutes }, rulesOf(view.governance.roster));
  const id = await writeTimebankEntry(context, view, { kind: 'community-transfer', payload });
  print(context, `Saved ${id.slice(0, 12)}: ${member} gave the community ${formatMinutes(payload.minutes)}.`);
}

/** A coordinator gives the community's hours to a member, as far as the rules let the community go. */
export async function hoursGrantCommand(context: CommandContext, memberName: string, options: DurationOptions & { date?: string; description?: string }): Promise<void> {
  const { view, timebank } = await actingAs(context, ['coordinate'], 'give the community\'s hours');
  const member = timebankMember(view.governance.roster, memberName);
  const payload: PayloadOf<'community-transfer'> = {
    date: dateOf(context, options.date), direction: 'from-community', member, minutes: durationOf(options), description: oneLine(options.description, 'description'),
  };
  refuseOverLimit(timebank, { from: '', to: member, minutes: payload.minutes }, rulesOf(view.governance.roster));
  const id = await writeTimebankEntry(context, view, { kind: 'community-transfer', payload });
  print(context, `Saved ${id.slice(0, 12)}: the community gave ${member} ${formatMinutes(payload.minutes)}.`);
}

async function actingAs(context: CommandContext, needs: readonly Permission[], what: string): Promise<{ view: BookView; timebank: TimebankSummary; me: string }> {
  const view = await loadBookView(context);
  const me = actingMember(view.governance.roster, await deviceKey(context), needs, what);
  return { view, timebank: await loadTimebank(context, { movements: false }), me };
}

async function deviceKey(context: CommandContext): Promise<string> {
  const { readDevicePublicKey } = await import('@tallystick/sync');
  return readDevicePublicKey((await openFolder(context)).keyPath);
}

/** The pending exchange `idOrPrefix` names, if it waits for this member's answer. */
function answerable(timebank: TimebankSummary, idOrPrefix: string, me: string): ExchangeRecord {
  const exchange = findUnsettled(timebank, idOrPrefix);
  const short = exchange.id.slice(0, 12);
  if (exchange.status !== 'pending') throw new TallystickError('already_answered', `${short} is ${exchange.status} already; nothing was written`);
  if (exchange.awaiting !== me) {
    throw new TallystickError(me === exchange.loggedBy ? 'own_exchange' : 'not_a_party', me === exchange.loggedBy
      ? `you logged ${short}; ${exchange.awaiting ?? 'the other party'} confirms or declines it on their device; nothing was written`
      : `${short} is between ${exchange.provider} and ${exchange.receiver}; only ${exchange.awaiting ?? 'the other party'} answers it; nothing was written`);
  }
  return exchange;
}

/** The limits as the materializer will judge them (timebank/ledger.ts), checked before signing. */
function limitProblem(timebank: TimebankSummary, change: { from: string; to: string; minutes: number }, rules: TimebankRules): { code: string; reason: string } | undefined {
  const balance = (party: string) => balanceOf(timebank.parties.find((totals) => totals.party === party) ?? { given: 0, received: 0, community: 0 });
  const lowest = change.from === '' ? rules.communityLowestBalanceMinutes : rules.lowestBalanceMinutes;
  const from = balance(change.from) - change.minutes;
  if (lowest !== undefined && from < lowest) return { code: change.from === '' ? 'community_limit' : 'below_lowest_balance', reason: `it would take ${displayParty(change.from)}'s balance to ${formatMinutes(from)}, below the lowest the rules allow (${formatMinutes(lowest)})` };
  const to = balance(change.to) + change.minutes;
  if (change.to !== '' && rules.highestBalanceMinutes !== undefined && to > rules.highestBalanceMinutes) return { code: 'above_highest_balance', reason: `it would take ${change.to}'s balance to ${formatMinutes(to)}, above the highest the rules allow (${formatMinutes(rules.highestBalanceMinutes)})` };
  return undefined;
}

function refuseOverLimit(timebank: TimebankSummary, change: { from: string; to: string; minutes: number }, rules: TimebankRules): void {
  const problem = limitProblem(timebank, change, rules);
  if (problem) throw new TallystickError(problem.code, `${problem.reason}; nothing was written`);
}

function rulesOf(roster: Roster): TimebankRules {
  return roster.timebank ?? DEFAULT_TIMEBANK_RULES;
}

/** Signs one time-bank entry (an exchange, an answer, a transfer or a listing), has core judge it, saves it; returns its id. */
export async function writeTimebankEntry(
  context: CommandContext, view: BookView,
  entry: { kind: 'exchange' | 'exchange-confirm' | 'exchange-decline' | 'community-transfer' | 'listing' | 'listing-close'; payload: unknown },
): Promise<string> {
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const store = await openStore(context, folder);
  try {
    const { written } = await writeEntries(context, store, signer, [entry as never], async (signed) => judgeTimebankBeforeWriting(store, view, signed));
    return written[0]!.id;
  } finally {
    await store.close();
  }
}

export function durationOf(options: DurationOptions): number {
  if ((options.minutes === undefined) === (options.hours === undefined)) throw new TallystickError('invalid_duration', 'give the duration with --hours H (like 2, 1.5 or 1:30) or --minutes N, one of the two');
  const minutes = options.minutes !== undefined ? parseMinutes(options.minutes, '--minutes') : parseHours(options.hours!, '--hours');
  if (minutes < 1 || minutes > MAX_EXCHANGE_MINUTES) throw new TallystickError('invalid_duration', `a duration is from 1 minute to ${MAX_EXCHANGE_MINUTES / 60} hours, not ${formatMinutes(minutes)}`);
  return minutes;
}

/** The date given (not in the future), else today. */
export function dateOf(context: CommandContext, text: string | undefined): string {
  const now = today(context.now());
  const date = parseIsoDate(text ?? now);
  if (date > now) throw new TallystickError('invalid_date', `${date} is in the future: hours are logged once given`);
  return date;
}

export function oneLine(text: string | undefined, what: string): string {
  const value = (text ?? '').trim();
  if (value === '') throw new TallystickError(`missing_${what.split(' ')[0]}`, `a ${what} is needed (--${what.split(' ')[0]} TEXT)`);
  if (/[\r\n]/u.test(value)) throw new TallystickError(`invalid_${what.split(' ')[0]}`, `the ${what.split(' ')[0]} must be one line`);
  if (value.length > 4096) throw new TallystickError(`invalid_${what.split(' ')[0]}`, `the ${what.split(' ')[0]} is longer than 4096 characters`);
  return value;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new TallystickError('missing_option', `${flag} is needed`);
  return value.trim();
}

function categoryOf(category: string | undefined): { category?: string } {
  if (category === undefined) return {};
  const value = oneLine(category, 'category');
  if (value.length > 100) throw new TallystickError('invalid_category', 'a category is at most 100 characters');
  return { category: value };
}

