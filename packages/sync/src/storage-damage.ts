import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { TallystickError } from '@tallystick/core';

/*
 * Damaged storage that has not been recovered yet. The storage adapter moves a chunk that fails its
 * checksum to `storage/quarantine/` (file-storage-adapter.ts) and loads the rest; what it held is then
 * missing from its document, and nothing in the document says so. The quarantine folder itself is the
 * record: a document chunk there means that document may be short, until it is recovered from a peer
 * (in sync with one that holds it) or a backup (merged back in), when its files move on to
 * `quarantine/recovered/`. Nothing is deleted: the damaged files stay for whoever wants to look at them.
 */

export interface DamagedChunk {
  readonly documentId: string;
  /** `snapshot` or `incremental`: a chunk of the document's history. */
  readonly kind: string;
  /** Where the chunk was (relative to the storage folder). */
  readonly was: string;
  /** Where it is now. */
  readonly quarantinedAs: string;
}

const QUARANTINED_CHUNK = /^docs__([A-Za-z0-9]+)__(snapshot|incremental)__(.+)\.\d+\.[0-9a-f]{8}$/u;

export function quarantineFolder(storageDir: string): string {
  return join(storageDir, 'quarantine');
}

/** Document chunks put aside and not yet recovered (sync-state chunks are not history and do not count). */
export async function listDamage(storageDir: string): Promise<DamagedChunk[]> {
  const folder = quarantineFolder(storageDir);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const damaged: DamagedChunk[] = [];
  for (const name of names.sort()) {
    const match = QUARANTINED_CHUNK.exec(name);
    if (!match) continue;
    damaged.push({ documentId: match[1]!, kind: match[2]!, was: join('docs', match[1]!, match[2]!, match[3]!), quarantinedAs: join(folder, name) });
  }
  return damaged;
}

/**
 * Records that these documents were recovered (from `from`: a peer, a backup): their quarantined chunks
 * move to `quarantine/recovered/`. Returns the chunks moved.
 */
export async function markRecovered(storageDir: string, documentIds: Iterable<string>): Promise<DamagedChunk[]> {
  const wanted = new Set(documentIds);
  const moved = (await listDamage(storageDir)).filter((chunk) => wanted.has(chunk.documentId));
  if (moved.length === 0) return [];
  const recovered = join(quarantineFolder(storageDir), 'recovered');
  await mkdir(recovered, { recursive: true });
  for (const chunk of moved) await rename(chunk.quarantinedAs, join(recovered, chunk.quarantinedAs.slice(quarantineFolder(storageDir).length + 1)));
  return moved;
}

/** Refused: a document of the books lost chunks, so totals would be short without saying so. */
export class DamagedStorage extends TallystickError {
  constructor(readonly damaged: readonly DamagedChunk[], what: string) {
    const documents = [...new Set(damaged.map((chunk) => chunk.documentId))];
    const lines = damaged.slice(0, 20).map((chunk) => `  ${chunk.was} (document ${chunk.documentId}) was put aside as ${chunk.quarantinedAs}`);
    if (damaged.length > 20) lines.push(`  … and ${damaged.length - 20} more`);
    super('damaged_storage', [
      `${what}: ${damaged.length} damaged file${damaged.length === 1 ? '' : 's'} of ${documents.length} document${documents.length === 1 ? '' : 's'} in this data folder, so the books here may be short (nothing is shown rather than wrong totals):`,
      ...lines,
      'Recover them from a member\'s peer with `tallystick sync` (or a running `tallystick peer`), or from a backup with `tallystick restore FILE`; the damaged files are kept either way.',
    ].join('\n'));
    this.name = 'DamagedStorage';
  }
}

/** Throws DamagedStorage if any document chunk is quarantined and not recovered. */
export async function refuseDamagedStorage(storageDir: string, what: string): Promise<void> {
  const damaged = await listDamage(storageDir);
  if (damaged.length > 0) throw new DamagedStorage(damaged, what);
}
