import { type DeviceKey, type Entry, type IsoDate, type Roster, TallystickError } from '@tallystick/core';
import type { BatchPreparer, BookView, CoopStore, NewEntry, NodeEntrySigner } from '@tallystick/sync';
import { type IndexExtension, fingerprintOf, rebuildIndex, readCurrentReportIndex, startIndexExtension } from '@tallystick/sync';
import { type CommandContext, progress } from './context.js';

/**
 * Signs and saves entries written together, then brings the index up to date. Returns only once
 * everything is on disk: a command may say "saved" after this and not before.
 */
export async function writeEntries(
  context: CommandContext, store: CoopStore, signer: NodeEntrySigner, entries: readonly NewEntry[],
  /** Throws (a TallystickError) to refuse the signed entries before anything is written. */
  vet?: (signed: readonly Entry[]) => Promise<void>,
  /** The entries already handed to a preparer (`store.batchPreparer`, an import): it seals and packs them. */
  preparer?: BatchPreparer,
): Promise<{ written: Entry[]; view: BookView }> {
  const current = await readCurrentReportIndex(store.folder, store.coopId);
  if (current) checkMayWriteBooks(current, signer.publicKey, entries);
  const signBar = progress(context, 'signing');
  signBar.update(0, entries.length);
  const written: Entry[] = preparer ? await preparer.seal(signer) : store.signEntries(entries, signer, context.now());
  signBar.done();
  if (vet) await vet(written);
  const before = await readCurrentReportIndex(store.folder, store.coopId);
  const listingBefore = await store.storage.listing();
  store.storage.startChangeLog();
  // The index is extended only if it matched the documents just before, and nobody but us changed them
  // since. The extension is worked out while the documents are written: started at the first progress
  // report (the batch is packed then, and a large one's months are being built on a thread of their own),
  // so that it does not hold up the packing; or at once when the batch is packed on a thread of its own.
  let extension: IndexExtension | undefined;
  const startExtension = () => {
    if (extension === undefined && before !== undefined && fingerprintOf(listingBefore) === before.fingerprint) extension = startIndexExtension(store, before, written);
  };
  // A prepared batch is packed on its thread: the index's turn is now.
  if (preparer !== undefined) startExtension();
  const saveBar = progress(context, 'saving');
  try {
    await store.appendEntries(written, (done, total) => { startExtension(); saveBar.update(done, total); }, preparer);
  } catch (error) {
    await extension?.abandon();
    throw error;
  }
  saveBar.done();
  startExtension();
  const untouched = sameList(await store.storage.listing(), store.storage.expectedListing(listingBefore));
  if (!untouched) await extension?.abandon();
  const view = (untouched ? await extension?.finish() : undefined) ?? (await rebuildIndex(store, { trusted: written })).view;
  return { written, view };
}

/** Kinds of entry that need the `books` permission (as the materializer judges them). */
const BOOKS_KINDS: ReadonlySet<string> = new Set(['transaction', 'account', 'commodity', 'price', 'assertion', 'lock']);

/** Refuses, before signing, entries to the books by a device whose member may not write them now, saying why. */
export function checkMayWriteBooks(
  view: { readonly coopName: string; readonly bookWriters: readonly string[]; readonly governance?: { readonly roster: Pick<Roster, 'members'> } },
  device: string, entries: readonly NewEntry[],
): void {
  if (!entries.some((entry) => BOOKS_KINDS.has(entry.kind)) || view.bookWriters.includes(device)) return;
  const why = view.governance ? whyNotABookWriter(view.governance.roster, device) : 'it is not an active device of a member whose role allows it';
  throw new TallystickError('may_not_write_books', `this device (${device.slice(0, 16)}…) may not write to the books of ${view.coopName}: ${why} (see \`tallystick whoami\`). Nothing was written`);
}

/** Why a device is not among the book writers, in the roster's words. */
function whyNotABookWriter(roster: Pick<Roster, 'members'>, device: string): string {
  const key = device as DeviceKey;
  const owner = roster.members.find((member) => member.devices.includes(key) || member.revokedDevices.includes(key));
  if (!owner) return 'it is not a device of any member of the co-op';
  if (owner.revokedDevices.includes(key)) return `it was ${owner.name}'s device and the members revoked it; a revoked device never writes again`;
  if (owner.removed) return `${owner.name} was removed from the co-op`;
  return `${owner.name}'s role (${owner.role}) may not write the books`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** Refuses dates on or before the lock date, listing each, before anything is written. */
export function checkNotLocked(view: Pick<BookView, 'lockedThrough'>, dated: readonly { date: string; what: string }[]): void {
  const locked = view.lockedThrough;
  if (!locked) return;
  const refused = dated.filter((item) => item.date <= locked);
  if (refused.length === 0) return;
  const shown = refused.slice(0, 10).map((item) => `  ${item.what} dated ${item.date}`).join('\n');
  throw new TallystickError('period_locked', `the books are locked through ${locked as IsoDate}; nothing was written. ${refused.length} entr${refused.length === 1 ? 'y is' : 'ies are'} dated on or before it:\n${shown}${refused.length > 10 ? `\n  … and ${refused.length - 10} more` : ''}\nDate the entry after the lock date (a correction of a closed period is a reversing entry dated now).`);
}

/** Refuses postings to an account after its close date (they would not count), before anything is written. */
export function checkAccountsOpen(view: Pick<BookView, 'accounts'>, transactions: readonly { date: string; description: string; postings: readonly { account: string }[] }[]): void {
  const closed = new Map<string, string>();
  for (const declaration of view.accounts) if (declaration.close) closed.set(declaration.account, declaration.close);
  if (closed.size === 0) return;
  const problems: string[] = [];
  for (const transaction of transactions) {
    for (const posting of transaction.postings) {
      const close = closed.get(posting.account);
      if (close !== undefined && transaction.date > close) problems.push(`  "${transaction.description}" dated ${transaction.date} posts to ${posting.account}, closed on ${close}`);
    }
  }
  if (problems.length === 0) return;
  throw new TallystickError('account_closed', `nothing was written: ${problems.length} posting${problems.length === 1 ? '' : 's'} to closed accounts:\n${problems.slice(0, 10).join('\n')}${problems.length > 10 ? `\n  … and ${problems.length - 10} more` : ''}`);
}
