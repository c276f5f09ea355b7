import {
  type ExchangeRecord, type HistoryRow, type ListingRecord, COMMUNITY, RosterState, TallystickError, describeTimebankRules, findListings, formatMinutes,
  hoursByMonth, memberHistory, pendingFor, timebankBalances,
} from '@tallystick/core';
import { hoursConfirmCommand, hoursDeclineCommand, hoursLogCommand } from '../commands/hours-write.js';
import { thisMember, timebankMemberOrFormer } from '../commands/hours-read.js';
import { listingAddCommand, listingCloseCommand } from '../commands/listings.js';
import { type CommandContext, loadBookView } from '../context.js';
import { displayParty, loadTimebank } from '../timebank-context.js';
import type {
  BookApi, ListingLine, PendingExchange, Saved, ServiceResult, TimebankHistory, TimebankHistoryLine, TimebankOverview, TimebankPending,
} from './protocol.js';
import {
  readAnswerHoursInput, readCloseListingInput, readHistoryRequest, readListingInput, readListingsRequest, readLogHoursInput,
} from './timebank-requests.js';

/*
 * The Time bank area's handlers. Reads go through what `hours balances|pending|history|months|rules`
 * and `offers list` read (the time-bank index, core's reports); writes call the commands themselves
 * (`hours log|confirm|decline`, `offers|requests add|close`), so every rule and refusal is theirs.
 */

export type TimebankMethod = 'timebank' | 'timebankPending' | 'timebankHistory' | 'hoursByMonth' | 'listings' | 'addListing' | 'closeListing' | 'logHours' | 'confirmHours' | 'declineHours';

export interface TimebankServiceParts {
  /** Runs a handler, turning a TallystickError into words. */
  readonly answer: <T>(work: () => Promise<T>) => Promise<ServiceResult<T>>;
  /** Runs writes one at a time. */
  readonly serially: <T>(work: () => Promise<T>) => Promise<T>;
  /** A command context whose output is captured; the passphrase only for this request. */
  readonly context: (passphrase?: string) => { context: CommandContext; output: () => string };
}

export function createTimebankService({ answer, serially, context }: TimebankServiceParts): Pick<BookApi, TimebankMethod> {
  /** Validates the request, then runs the command with the request's passphrase and answers what it printed. */
  const write = <I extends { readonly passphrase?: string }>(read: () => I, work: (command: CommandContext, input: I) => Promise<void>) => answer(() => serially(async (): Promise<Saved> => {
    const input = read();
    const { context: command, output } = context(input.passphrase);
    await work(command, input);
    return { message: appWords(output()) };
  }));
  return {
    timebank: () => answer(async () => timebankOverview(context().context)),
    timebankPending: () => answer(async (): Promise<TimebankPending> => {
      const command = context().context;
      const me = await thisMember(command, await loadBookView(command));
      const pending = pendingFor(await loadTimebank(command, { movements: false }), me);
      return { me, waitingForMe: pending.forMe.map(pendingExchange), waitingForOthers: pending.forOthers.map(pendingExchange) };
    }),
    timebankHistory: (request) => answer(async (): Promise<TimebankHistory> => {
      const { member } = readHistoryRequest(request);
      const command = context().context;
      const view = await loadBookView(command);
      const name = member === undefined ? await thisMember(command, view) : timebankMemberOrFormer(view.governance.roster, member);
      const history = memberHistory(await loadTimebank(command, { movements: true, party: name }), name);
      return { member: name, balance: formatMinutes(history.balance, { sign: true }), counted: history.counted.map(historyLine), unsettled: history.unsettled.map(historyLine) };
    }),
    hoursByMonth: () => answer(async () => hoursByMonth(await loadTimebank(context().context, { movements: true })).map((row) => ({ ...row, hours: formatMinutes(row.minutes) }))),
    listings: (request) => answer(async (): Promise<ListingLine[]> => {
      const query = readListingsRequest(request);
      const command = context().context;
      const me = await memberOrUndefined(command);
      return findListings((await loadTimebank(command, { movements: false })).listings, query).map((listing) => listingLine(listing, me));
    }),
    addListing: (request) => write(() => readListingInput(request), (command, input) => listingAddCommand(command, input.side, {
      title: input.title, category: input.category, ...(input.description !== undefined ? { description: input.description } : {}), tag: [...(input.tags ?? [])],
    })),
    closeListing: (request) => write(() => readCloseListingInput(request), (command, input) => listingCloseCommand(command, input.side, input.listingId, input.note !== undefined ? { note: input.note } : {})),
    logHours: (request) => write(() => readLogHoursInput(request), (command, input) => hoursLogCommand(command, {
      ...(input.direction === 'gave' ? { to: input.member } : { from: input.member }),
      ...(input.hours !== undefined ? { hours: input.hours } : {}), ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
      ...(input.date !== undefined ? { date: input.date } : {}), description: input.description,
      ...(input.category !== undefined ? { category: input.category } : {}),
      ...(input.listing ? { [input.listing.side]: input.listing.id } : {}),
    })),
    confirmHours: (request) => write(() => readAnswerHoursInput(request, false), (command, input) => hoursConfirmCommand(command, input.exchangeId)),
    declineHours: (request) => write(() => readAnswerHoursInput(request, true), (command, input) => hoursDeclineCommand(command, input.exchangeId, { reason: input.reason ?? '' })),
  };
}

async function timebankOverview(command: CommandContext): Promise<TimebankOverview> {
  const view = await loadBookView(command);
  const roster = view.governance.roster;
  let me: string | undefined;
  let mayNotWhy: string | undefined;
  try {
    me = await thisMember(command, view);
  } catch (error) {
    if (!(error instanceof TallystickError)) throw error;
    mayNotWhy = error.message.replace(/; nothing was written$/u, '').replace(/ \(`tallystick [^`]*`\)/u, '');
  }
  const state = RosterState.ofRoster(roster);
  const timebank = await loadTimebank(command, { movements: false });
  const rows = timebankBalances(timebank);
  const { rules } = timebank;
  return {
    ...(me !== undefined ? { me } : {}), ...(mayNotWhy !== undefined ? { mayNotWhy } : {}),
    members: roster.members.filter((member) => !member.removed && member.name !== me && state.permissionsOf(member.name)?.has('timebank') === true).map((member) => member.name).sort(),
    balances: rows.map((row) => ({
      party: row.party, name: displayParty(row.party), balanceMinutes: row.balance, balance: formatMinutes(row.balance, { sign: true }),
      given: formatMinutes(row.given), received: formatMinutes(row.received), community: formatMinutes(row.community, { sign: true }),
    })),
    total: formatMinutes(rows.reduce((total, row) => total + row.balance, 0), { sign: true }),
    rules: {
      words: describeTimebankRules(rules),
      ...(rules.lowestBalanceMinutes !== undefined ? { lowestBalance: formatMinutes(rules.lowestBalanceMinutes) } : {}),
      ...(rules.highestBalanceMinutes !== undefined ? { highestBalance: formatMinutes(rules.highestBalanceMinutes) } : {}),
      openingGrant: formatMinutes(rules.openingGrantMinutes), communityLowestBalance: formatMinutes(rules.communityLowestBalanceMinutes),
    },
    categories: [...new Set(timebank.listings.map((listing) => listing.category))].sort(),
  };
}

/** The member this device acts for, or undefined when it is no member's (listings are readable by anyone holding the documents). */
async function memberOrUndefined(command: CommandContext): Promise<string | undefined> {
  try {
    return await thisMember(command, await loadBookView(command));
  } catch (error) {
    if (error instanceof TallystickError) return undefined;
    throw error;
  }
}

function pendingExchange(exchange: ExchangeRecord): PendingExchange {
  const refusal = exchange.limitRefusals[exchange.limitRefusals.length - 1];
  return {
    id: exchange.id, date: exchange.date, provider: exchange.provider, receiver: exchange.receiver, minutes: exchange.minutes, duration: formatMinutes(exchange.minutes),
    description: exchange.description, loggedBy: exchange.loggedBy,
    ...(exchange.category !== undefined ? { category: exchange.category } : {}), ...(exchange.awaiting !== undefined ? { awaiting: exchange.awaiting } : {}),
    ...(exchange.reverses !== undefined ? { reverses: exchange.reverses } : {}), ...(refusal ? { refusal: refusal.reason } : {}),
  };
}

function historyLine(row: HistoryRow): TimebankHistoryLine {
  return {
    id: row.id, kind: row.kind, date: row.date, status: row.status, counterparty: row.counterparty === COMMUNITY ? 'the community' : row.counterparty,
    minutes: row.minutes, change: formatMinutes(row.minutes, { sign: true }), ...(row.balance !== undefined ? { balance: formatMinutes(row.balance, { sign: true }) } : {}),
    description: row.description, by: row.by,
    ...(row.slip !== undefined ? { slip: row.slip } : {}), ...(row.reverses !== undefined ? { reverses: row.reverses } : {}),
    ...(row.reversedBy !== undefined ? { reversedBy: row.reversedBy } : {}), ...(row.note !== undefined ? { note: row.note } : {}),
  };
}

function listingLine(listing: ListingRecord, me: string | undefined): ListingLine {
  return {
    id: listing.id, side: listing.side, member: listing.member, date: listing.date, title: listing.title, description: listing.description,
    category: listing.category, tags: [...listing.tags], mine: me !== undefined && listing.member === me,
    ...(listing.closed ? { closed: { date: listing.closed.date, by: listing.closed.by, ...(listing.closed.note !== undefined ? { note: listing.closed.note } : {}) } } : {}),
  };
}

/** The commands end with hints at the next command to type; the app has buttons for that. */
export function appWords(printed: string): string {
  return printed.split('\n').map((line) => line.replace(/(?:[;:,] ?|,? as | )?\(?`tallystick [^`]*`(?: shows| lists them)?\)?/gu, '').trim()).filter((line) => line !== '').join(' ');
}
