import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataFolder } from '../data-folder.js';
import { writeFileAtomic } from '../file-storage-adapter.js';

/*
 * How far a join has got, for `tallystick status` in another terminal: a join fetches the catalog, learns
 * from it how many months there are, then fetches them, and only records the co-op at the very end, so
 * until then the folder holds no co-op to report on. `network/join.json` says what is here so far; it is
 * removed when the join ends, and ignored once its process is gone.
 */
export interface JoinProgress {
  readonly format: 'tallystick-join-progress';
  readonly pid: number;
  readonly coop: string;
  readonly name: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** `connecting`: waiting for the inviting peer to admit this device; `fetching`: receiving the documents. */
  readonly phase: 'connecting' | 'fetching';
  /** Documents the catalog lists (itself and its months), once it has arrived; 0 before. */
  readonly documentsListed: number;
  /** Documents received so far. */
  readonly documentsReceived: number;
  /** Bytes of the received documents saved in storage so far. */
  readonly bytesSaved: number;
}

export function joinProgressPath(folder: DataFolder): string {
  return join(folder.dir, 'network', 'join.json');
}

export async function writeJoinProgress(folder: DataFolder, progress: Omit<JoinProgress, 'format' | 'pid' | 'updatedAt'>): Promise<void> {
  const record: JoinProgress = { format: 'tallystick-join-progress', pid: process.pid, updatedAt: new Date().toISOString(), ...progress };
  await writeFileAtomic(joinProgressPath(folder), Buffer.from(`${JSON.stringify(record, null, 2)}\n`), false);
}

export async function clearJoinProgress(folder: DataFolder): Promise<void> {
  await rm(joinProgressPath(folder), { force: true });
}

/** The progress of a join running now on this folder, if any (a file left by a killed join is not). */
export async function readJoinProgress(folder: DataFolder): Promise<JoinProgress | undefined> {
  let progress: JoinProgress;
  try {
    progress = JSON.parse(await readFile(joinProgressPath(folder), 'utf8')) as JoinProgress;
  } catch {
    return undefined; // no join running, or it ended (it removes the file)
  }
  if (progress.format !== 'tallystick-join-progress' || !Number.isInteger(progress.pid)) return undefined;
  try {
    process.kill(progress.pid, 0);
  } catch {
    return undefined; // killed before it could remove its file: not running
  }
  return progress;
}

/** Bytes the chunks of these documents take in storage (what a device has received of them so far). */
export async function storedBytes(storageDir: string, documentIds: Iterable<string>): Promise<number> {
  let total = 0;
  for (const documentId of documentIds) total += await folderBytes(join(storageDir, 'docs', documentId));
  return total;
}

async function folderBytes(path: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += await folderBytes(child);
    else if (entry.isFile() && !entry.name.startsWith('.tmp-')) total += (await stat(child)).size;
  }
  return total;
}
