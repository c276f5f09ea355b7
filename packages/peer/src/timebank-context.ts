import { readdir } from 'node:fs/promises';
import {
  type DeviceKey, type Entry, type ExchangeRecord, type ListingRecord, type Movement, type Permission, type Roster, type TimebankBook, COMMUNITY,
  RosterState, TallystickError, extendTimebank, isControlKind, isTimebankKind, materialize, partyName,
} from '@tallystick/core';
import type { BookView, CoopStore } from '@tallystick/sync';
import { refuseDamagedStorage } from '@tallystick/sync/storage-damage';
import { type TimebankSummary, readCurrentTimebankIndex, readCurrentTimebankSummary } from '@tallystick/sync/timebank-index';
import { type CommandContext, loadSync, openFolder, progress, warn } from './context.js';

/*
 * What the time-bank commands share: the time bank from its derived index (the cold fast path: one
 * small file for balances, pending and listings; the movements file too for history and reports), else
 * rebuilt from the documents; who this device acts for; ids found from a prefix; and the check that
 * has core judge signed entries before anything is written.
 */

/**
 * The time bank as of the documents now: the summary only, or with its movements (with `party`, only
 * those from or to that party: enough for the party's history).
 */
export async function loadTimebank(context: CommandContext, what: { movements: true; party?: string }): Promise<TimebankBook>;
export async function loadTimebank(context: CommandContext, what: { movements: false }): Promise<TimebankSummary>;
export async function loadTimebank(context: CommandContext, what: { movements: boolean; party?: string }): Promise<TimebankSummary | TimebankBook> {
  const folder = await openFolder(context);
  const coopId = folder.coopId(context.coop);
  await refuseDamagedStorage(folder.storageDir, 'the time bank is not shown');
  if (!(await hasPendingBatches(folder.pendingDir))) {
    const current = what.movements ? await readCurrentTimebankIndex(folder, coopId, what.party === undefined ? {} : { party: what.party }) : await readCurrentTimebankSummary(folder, coopId);
    if (current) return current;
  }
  const { CoopStore, rebuildIndex } = await loadSync();
  const store = await CoopStore.open(folder, coopId, (problem) => warn(context, `tallystick: storage: ${problem.reason}: ${problem.path} was put aside as ${problem.quarantinedAs}`));
  try {
    const bar = progress(context, 'reading documents');
    const { book } = await rebuildIndex(store, { onProgress: bar.update });
    bar.done();
    await refuseDamagedStorage(folder.storageDir, 'the time bank is not shown');
    return book.timebank;
  } finally {
    await store.close();
  }
}

async function hasPendingBatches(pendingDir: string): Promise<boolean> {
  try {
    return (await readdir(pendingDir)).some((name) => name.endsWith('.batch') || name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The member this device acts for and the rights its role gives, or why it may not act. */
export function actingMember(roster: Roster, device: string, needs: readonly Permission[], what: string): string {
  const member = roster.members.find((candidate) => candidate.devices.includes(device as DeviceKey) || candidate.revokedDevices.includes(device as DeviceKey));
  const refuse = (why: string) => new TallystickError('may_not_write_timebank', `this device may not ${what}: ${why}; nothing was written`);
  if (!member) throw refuse(`its key ${device.slice(0, 16)}… is no member's device (\`tallystick whoami\`)`);
  if (member.removed) throw refuse(`${member.name} was removed from the co-op`);
  if (member.revokedDevices.includes(device as DeviceKey)) throw refuse(`it was revoked as a device of ${member.name}`);
  const may = roster.roles.find((role) => role.name === member.role)?.may ?? [];
  if (!needs.some((right) => may.includes(right))) throw refuse(`${member.name}'s role ${member.role} may not (it needs '${needs.join("' or '")}')`);
  return member.name;
}

/** A member who may use the time bank, by name (exactly, or ignoring case when that is unambiguous). */
export function timebankMember(roster: Roster, name: string): string {
  const state = RosterState.ofRoster(roster);
  const exact = roster.members.find((member) => member.name === name);
  const folded = roster.members.filter((member) => member.name.toLowerCase() === name.toLowerCase());
  const member = exact ?? (folded.length === 1 ? folded[0] : undefined);
  if (!member || member.removed) throw new TallystickError('unknown_member', `"${name}" is not a member of the co-op (\`tallystick members\` lists them)`);
  if (!state.permissionsOf(member.name)?.has('timebank')) throw new TallystickError('not_in_timebank', `${member.name}'s role ${member.role} may not use the time bank`);
  return member.name;
}

function idPrefix(idOrPrefix: string, what: string, listedBy: string): string {
  const wanted = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f]{4,64}$/u.test(wanted)) throw new TallystickError(`invalid_${what.replace(/ /gu, '_')}_id`, `"${idOrPrefix}" is not an id: expected at least 4 hex digits, as \`${listedBy}\` shows`);
  return wanted;
}

function onlyMatch<T>(matches: readonly T[], idOrPrefix: string, what: string, listedBy: string): T {
  if (matches.length === 0) throw new TallystickError(`unknown_${what.replace(/ /gu, '_')}`, `no ${what} has an id starting ${idOrPrefix.trim().toLowerCase()}; \`${listedBy}\` lists them`);
  if (matches.length > 1) throw new TallystickError(`ambiguous_${what.replace(/ /gu, '_')}`, `${matches.length} ${what}s have ids starting ${idOrPrefix.trim().toLowerCase()}: give more digits`);
  return matches[0]!;
}

/** A logged exchange that does not count yet (pending, declined, refused), by id or prefix. */
export function findUnsettled(timebank: Pick<TimebankSummary, 'unsettled'>, idOrPrefix: string): ExchangeRecord {
  const wanted = idPrefix(idOrPrefix, 'exchange', 'tallystick hours pending');
  return onlyMatch(timebank.unsettled.filter((exchange) => exchange.id.startsWith(wanted)), idOrPrefix, 'pending exchange', 'tallystick hours pending');
}

/** A counted exchange, by id or prefix. */
export function findCounted(movements: readonly Movement[], idOrPrefix: string): Movement {
  const wanted = idPrefix(idOrPrefix, 'exchange', 'tallystick hours history');
  return onlyMatch(movements.filter((movement) => movement.kind === 'exchange' && movement.id.startsWith(wanted)), idOrPrefix, 'counted exchange', 'tallystick hours history');
}

export function findListing(listings: readonly ListingRecord[], idOrPrefix: string, side?: 'offer' | 'request'): ListingRecord {
  const what = side ?? 'listing';
  const wanted = idPrefix(idOrPrefix, what, `tallystick ${side ?? 'offer'}s list`);
  return onlyMatch(listings.filter((listing) => listing.id.startsWith(wanted) && (side === undefined || listing.side === side)), idOrPrefix, what, `tallystick ${side ?? 'offer'}s list --all`);
}

export function displayParty(party: string): string {
  return party === COMMUNITY ? 'the community' : partyName(party);
}

/**
 * Throws with core's reason if the co-op's rules would not count a signed time-bank entry. Judged on
 * top of the index when that is exact (fast); else against every entry the store holds.
 */
export async function judgeTimebankBeforeWriting(store: CoopStore, view: Pick<BookView, 'governance'>, signed: readonly Entry[]): Promise<void> {
  const { readCurrentTimebankSummary: readSummary, indexPaths, readVerifiedEntries } = await import('@tallystick/sync');
  const summary = await readSummary(store.folder, store.coopId);
  const extended = summary ? extendTimebank(summary, signed, RosterState.ofRoster(view.governance.roster)) : undefined;
  let refused = extended?.rejected;
  if (refused === undefined) {
    const read = await store.readEntries({ knownGood: await readVerifiedEntries(indexPaths(store.folder, store.coopId).entries) });
    const relevant = read.entries.filter((entry) => isControlKind(entry.body.kind) || isTimebankKind(entry.body.kind));
    const ids = new Set<string>(signed.map((entry) => entry.id));
    refused = materialize({ genesisId: read.genesisId, entries: [...relevant, ...signed] }).rejected.filter((entry) => ids.has(entry.id));
  }
  const first = refused[0];
  if (first) throw new TallystickError(first.code, `the co-op's rules would not count this ${first.kind ?? 'entry'} (${first.code}: ${first.reason}); nothing was written`);
}
