import { join } from 'node:path';
import type { EntrySigner } from '../../packages/core/src/index.js';
import { CoopStore, DataFolder, type NewEntry, unlockDeviceKeyFile } from '../../packages/sync/src/index.js';
import { PASSPHRASE } from '../cli/run-tallystick.js';

/** Signs entries with a key folder's device key straight into a folder's documents (what a peer's sync would bring). */
export async function writeAs(keyFolder: string, into: string, entries: readonly NewEntry[]): Promise<string[]> {
  const signer: EntrySigner = await unlockDeviceKeyFile(join(keyFolder, 'device-key.json'), PASSPHRASE);
  const store = await CoopStore.open(await DataFolder.open(into));
  try {
    const written = store.signEntries(entries, signer, new Date());
    await store.appendEntries(written);
    return written.map((entry) => entry.id);
  } finally {
    await store.close();
  }
}
