import { TallystickError, parseIsoDate } from '@tallystick/core';
import { type CommandContext, loadBookView, openFolder, openStore, print, unlockSigner } from '../context.js';
import { writeEntries } from '../write-entries.js';

/**
 * Closes the period through DATE: from now on no entry dated on or before it counts, on any device that
 * has seen this lock (each entry names the rules it was written under). Locks only move forward.
 */
export async function lockCommand(context: CommandContext, dateText: string): Promise<void> {
  const through = parseIsoDate(dateText);
  const view = await loadBookView(context);
  if (view.lockedThrough && through <= view.lockedThrough) {
    throw new TallystickError('lock_not_later', `the books are already locked through ${view.lockedThrough}; a new lock date must be later`);
  }
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const store = await openStore(context, folder);
  try {
    await writeEntries(context, store, signer, [{ kind: 'lock', payload: { through } }]);
    print(context, `Locked the books through ${through}: entries dated on or before it are refused from now on.`);
  } finally {
    await store.close();
  }
}
