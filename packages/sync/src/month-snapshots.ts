import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { free, from, getBackend, getHeads } from '@automerge/automerge';
import { type DocumentId, generateAutomergeUrl, parseAutomergeUrl } from '@automerge/automerge-repo';
import type { PeriodDoc } from './documents.js';

/**
 * New month documents of a large batch (an import), built and saved off the main thread. A new month is
 * made whole in one Automerge change (as `repo.create` makes it) and saved (`Automerge.save`); the main
 * thread then stores the saved bytes as automerge-repo's snapshot chunk, as a join stores a peer's
 * (network/saved-bytes.ts). On a 100k import this is ~0.9 s of Automerge work (hashing and deflating
 * ~70 MB of packs) that the main thread used to do in line; now it brings the index up to date meanwhile.
 * The document is the same either way: its content, one change, automerge-repo's chunk name.
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

/** A new document id, as automerge-repo gives one (`repo.create`). */
export function newDocumentId(): DocumentId {
  return parseAutomergeUrl(generateAutomergeUrl()).documentId;
}

/** Builds and saves one new month, here (the worker runs this too). */
export function saveNewMonth(month: NewMonth): SavedMonth {
  const doc = from(month.doc as unknown as Record<string, unknown>);
  try {
    return { documentId: month.documentId, heads: getHeads(doc), bytes: getBackend(doc).saveNoCompress() };
  } finally {
    free(doc); // its wasm memory goes back at once (it never shrinks, but it is reused)
  }
}

/** The compiled worker, beside this module in dist/; run from TypeScript sources (tests) there is none, and months are built here. */
const WORKER_URL = new URL('./month-worker.js', import.meta.url);

/**
 * One thread building new months in order. Spawned when a large batch starts (its ~80 ms start-up, mostly
 * loading Automerge's wasm, overlaps the packing), closed when the batch is applied.
 */
export class MonthBuilder {
  private readonly worker: Worker | undefined;
  private readonly waiting = new Map<string, { resolve: (saved: SavedMonth) => void; reject: (error: Error) => void }>();
  private failed: Error | undefined;

  constructor(useThread = existsSync(fileURLToPath(WORKER_URL))) {
    if (!useThread) return;
    this.worker = new Worker(WORKER_URL);
    this.worker.on('message', (saved: SavedMonth) => {
      const waiting = this.waiting.get(saved.documentId);
      this.waiting.delete(saved.documentId);
      waiting?.resolve(saved);
    });
    const fail = (error: Error) => {
      this.failed = error;
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    // Whatever ends the thread (an error, close, a crash), nothing waits on it after.
    this.worker.on('exit', (code) => { fail(this.failed ?? new Error(`the month-building thread stopped (exit code ${code})`)); });
  }

  /** The month saved. Its packs are copied to the thread (the caller keeps its own). */
  build(month: NewMonth): Promise<SavedMonth> {
    if (this.worker === undefined) {
      try {
        return Promise.resolve(saveNewMonth(month));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.set(month.documentId, { resolve, reject });
      this.worker!.postMessage(month);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}
