import { createHash } from 'node:crypto';
import { free, from, getBackend, getHeads } from '@automerge/automerge';
import type { DocumentId } from '@automerge/automerge-repo';
import type { PeriodDoc } from './documents.js';

/**
 * New month documents of a large batch (an import), built and saved off the main thread (batch-thread.ts).
 * A new month is made whole in one Automerge change (as `repo.create` makes it) and saved; the main thread
 * then stores the saved bytes as automerge-repo's snapshot chunk, as a join stores a peer's
 * (network/saved-bytes.ts). On a 100k import this is ~0.7 s of Automerge work (hashing ~70 MB of packs)
 * that the main thread used to do in line; now it brings the index up to date meanwhile. The document is
 * the same either way: its content, one change, automerge-repo's chunk name (docs/DECISIONS.md 35).
 */
export interface NewMonth {
  readonly documentId: DocumentId;
  readonly doc: PeriodDoc;
}

export interface SavedMonth {
  readonly documentId: DocumentId;
  readonly heads: string[];
  readonly bytes: Uint8Array;
}

/** automerge-repo's name for a snapshot chunk (its storage/keyHash.ts): SHA-256 of the heads, in hex. */
export function headsHash(heads: readonly string[]): string {
  return createHash('sha256').update(Buffer.concat(heads.map((head) => Buffer.from(head, 'utf8')))).digest('hex');
}

/**
 * Builds and saves one new month. Saved without Automerge's compression: the packs in it are deflated
 * already, and deflating them again cost 0.25 s of a 100k import for 0.7% less disk (DECISIONS 35).
 */
export function saveNewMonth(month: NewMonth): SavedMonth {
  const doc = from(month.doc as unknown as Record<string, unknown>);
  try {
    return { documentId: month.documentId, heads: getHeads(doc), bytes: getBackend(doc).saveNoCompress() };
  } finally {
    free(doc); // its wasm memory goes back at once (it never shrinks, but it is reused)
  }
}
