import {
  type CoopId, type Entry, type Federation, type FederationCoop, type UnitOfAccount, Decimal, TallystickError, creditPostingsFor,
} from '@tallystick/core';
import type { CoopStore, FederationStore, NewFederationEntry, NodeEntrySigner } from '@tallystick/sync';
import { readCurrentIndex } from '@tallystick/sync/book-index';
import { type DataFolder } from '@tallystick/sync/data-folder';
import { type CommandContext, loadSync, openFolder, openStore, unlockSigner, warn } from './context.js';
import { writeEntries } from './write-entries.js';

/*
 * What the federation, credit and clear commands share: the co-op store and the federation's store of
 * this data folder, signing federation entries for the co-op (refused up front if the federation would
 * not count them), and posting settled payments and applied clearings into the co-op's own books.
 */

export const DEFAULT_CREDIT_ACCOUNT = 'Equity:Mutual credit';

export interface CreditSession {
  readonly context: CommandContext;
  readonly folder: DataFolder;
  readonly store: CoopStore;
  readonly federation: FederationStore;
  signer?: NodeEntrySigner;
}

/** Opens the co-op and its federation, runs `action`, and closes both. */
export async function withFederation<T>(context: CommandContext, action: (session: CreditSession) => Promise<T>): Promise<T> {
  const folder = await openFolder(context);
  const store = await openStore(context, folder);
  try {
    const { FederationStore } = await loadSync();
    const federation = await FederationStore.open(store, context.federation);
    return await action({ context, folder, store, federation });
  } finally {
    await store.close();
  }
}

/** The device key, unlocked once per session (the passphrase is asked only by commands that write). */
export async function signerOf(session: CreditSession): Promise<NodeEntrySigner> {
  session.signer ??= await unlockSigner(session.context, session.folder);
  return session.signer;
}

/**
 * Signs federation entries for the session's co-op, has core judge them with everything the
 * federation holds (refusing, with core's reason, what would not count: nothing is written then),
 * writes them, and posts any new settlement into the co-op's books. Returns the entries and the
 * federation as it now is.
 */
export async function writeFederationEntries(session: CreditSession, entries: readonly NewFederationEntry[]): Promise<{ written: Entry[]; federation: Federation }> {
  const signer = await signerOf(session);
  const signed = session.federation.sign(session.store, signer, entries, session.context.now());
  const federation = session.federation.preview(session.store, signed);
  const ids = new Set<string>(signed.map((entry) => entry.id));
  const refused = federation.rejected.find((entry) => ids.has(entry.id));
  if (refused) throw new TallystickError(refused.code, `the federation would not count this ${refused.kind ?? 'entry'} (${refused.code}: ${refused.reason}); nothing was written`);
  await session.federation.write(session.store, signed);
  await postCreditToBooks(session, federation);
  return { written: signed, federation };
}

/**
 * Posts every settlement of the federation that involves this co-op and is not in its books yet (by
 * import key), against the account the co-op chose. Returns how many transactions were written.
 */
export async function postCreditToBooks(session: CreditSession, federation: Federation = session.federation.read().federation): Promise<number> {
  const account = session.federation.record.accounts[session.store.coopId];
  if (account === undefined) return 0; // this co-op of the folder is not a member here
  const { rebuildIndex, refuseDamagedStorage } = await loadSync();
  // A month lost to damage may hold a settlement already posted: posting it again would only be refused later.
  await refuseDamagedStorage(session.folder.storageDir, 'mutual credit was not posted to the books');
  const view = (await readCurrentIndex(session.folder, session.store.coopId)) ?? (await rebuildIndex(session.store)).view;
  const fresh = creditPostingsFor(federation, session.store.coopId, account).filter((posting) => !view.importKeys.has(posting.importKey));
  const locked = view.lockedThrough;
  const open = fresh.filter((posting) => locked === undefined || posting.transaction.date > locked);
  if (open.length < fresh.length) warn(session.context, `tallystick: ${fresh.length - open.length} mutual credit transaction(s) are dated on or before the lock date ${locked} and were not posted; post them by hand with a later date`);
  if (open.length === 0) return 0;
  await writeEntries(session.context, session.store, await signerOf(session), open.map((posting) => ({ kind: 'transaction', payload: posting.transaction })));
  return open.length;
}

/** A member co-op by name or id (or unique id prefix). */
export function coopNamed(federation: Federation, text: string): FederationCoop {
  const match = federation.coops.find((coop) => coop.name === text || coop.id === text)
    ?? onlyOne(federation.coops.filter((coop) => coop.id.startsWith(text.toLowerCase()) && text.length >= 6));
  if (!match) throw new TallystickError('unknown_coop', `federation ${federation.name} has no co-op "${text}" (it has: ${federation.coops.map((coop) => coop.name).join(', ')})`);
  return match;
}

function onlyOne<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/** An amount typed by a user in the federation's unit: a plain decimal with at most the unit's places. */
export function amountIn(unit: UnitOfAccount, text: string, options: { zeroAllowed?: boolean } = {}): Decimal {
  const value = Decimal.tryParse(text.trim());
  if (value === undefined || value.isNegative()) throw new TallystickError('invalid_amount', `"${text}" is not an amount: expected a decimal like 120.00 in ${unit.commodity}`);
  if (value.normalize().scale > unit.scale) throw new TallystickError('invalid_amount', `${text} has more than the ${unit.scale} decimal places of ${unit.commodity}`);
  if (value.isZero() && !options.zeroAllowed) throw new TallystickError('invalid_amount', 'the amount must be above zero');
  return value.withScale(Math.max(value.scale, unit.scale));
}

export function nameOf(federation: Federation, coop: CoopId | string): string {
  return federation.coops.find((candidate) => candidate.id === coop)?.name ?? coop;
}

/** A federation entry id by full id or unique prefix, among the given ones. */
export function idByPrefix<T extends { id: string }>(items: readonly T[], text: string, what: string): T {
  const prefix = text.trim().toLowerCase();
  const matches = prefix.length >= 4 ? items.filter((item) => item.id.startsWith(prefix)) : [];
  if (matches.length === 1) return matches[0]!;
  throw new TallystickError(`unknown_${what}`, matches.length > 1 ? `"${text}" names several ${what}s: give more of the id` : `no ${what} has id "${text}"`);
}
