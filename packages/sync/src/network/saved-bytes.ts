import { getBackend, init } from '@automerge/automerge';
import type { Connection } from '@libp2p/interface';
import type { FileStorageAdapter } from '../file-storage-adapter.js';
import { headsHash } from '../month-snapshots.js';
import { fetchSnapshots, type SnapshotAnswer } from './snapshot-protocol.js';

/*
 * Documents a device lacks, taken as another peer's saved bytes (snapshot-protocol.ts) instead of rebuilt change
 * by change by the sync protocol: each answer is loaded here (Automerge checks its bytes and change hashes),
 * checked to be the document asked for (its root fields: right co-op, right month), and only then stored as
 * automerge-repo's snapshot chunk, fsynced. Used by `join` (docs/DECISIONS.md 28) and by a replicating peer
 * for months the catalog lists that its storage lacks (33).
 */

/** What a document's saved bytes say about themselves, read without building the JavaScript document. */
export interface SavedDocument {
  readonly heads: string[];
  /** The root's scalar and text fields asked for (undefined when absent or of another kind). */
  readonly root: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Whether every one of the given heads (the sending peer's) is in the bytes' history. */
  readonly holds: boolean;
}

/**
 * Loads saved bytes into a bare Automerge document (the same checked load as `Automerge.load`: checksums, change
 * hashes, no missing dependency) and reads a few root fields, then frees it. `Automerge.load` would also build the
 * whole document as JavaScript objects, a third of its time on a month, only for these fields to be read.
 * Throws when the bytes are not a whole Automerge document.
 */
export function readSavedDocument(data: Uint8Array, fields: readonly string[], theirHeads: readonly string[] = []): SavedDocument {
  const backend = getBackend(init());
  try {
    backend.loadIncremental(data);
    if (backend.getMissingDeps().length > 0) throw new Error('they lack changes their changes depend on');
    const root: Record<string, string | number | boolean | undefined> = {};
    for (const field of fields) {
      const value = backend.getWithType('_root', field);
      if (value === null) root[field] = undefined;
      else if (value[0] === 'text') root[field] = backend.text(value[1]);
      else if (value[0] === 'str' || value[0] === 'int' || value[0] === 'uint' || value[0] === 'f64' || value[0] === 'boolean') root[field] = value[1];
      else root[field] = undefined;
    }
    const heads = backend.getHeads();
    // Their heads are usually these very heads; looking a change up by hash costs more than the rest of the check.
    const holds = theirHeads.every((head) => heads.includes(head)) || theirHeads.every((head) => backend.getChangeByHash(head) !== null);
    return { heads, root, holds };
  } finally {
    backend.free();
  }
}

export interface StoredFromSavedBytes {
  /** Stored, holding every change the peer had in memory. */
  readonly complete: Set<string>;
  /** Stored, but the peer had changes beyond them (its memory was ahead of its disk): sync the rest. */
  readonly behind: Map<string, string[]>;
  /** Bytes stored in all. */
  readonly bytes: number;
}

/**
 * Asks a connected peer for documents' saved bytes; each answer is checked by `check` (given what the bytes
 * say of themselves; returns why they are refused, or undefined) and stored only if it passes. A refusal goes
 * to `onRefused`, which may throw to stop everything (a join), or note it and carry on (a peer: the sync
 * protocol then fetches that document). Documents the peer does not answer are left out of both sets.
 * Resolves once every answer is stored and fsynced; a peer that stops answering or lacks the protocol throws.
 */
export async function storeFromSavedBytes(connection: Connection, documentIds: readonly string[], storage: FileStorageAdapter, options: {
  readonly signal: AbortSignal;
  readonly fields: readonly string[];
  readonly check: (documentId: string, saved: SavedDocument) => string | undefined;
  readonly onRefused: (documentId: string, reason: string) => void;
  /** Told of each document stored, with the heads the peer said it had (its memory, maybe ahead of the bytes). */
  readonly onStored?: (documentId: string, theirHeads: readonly string[]) => void;
}): Promise<StoredFromSavedBytes> {
  const complete = new Set<string>();
  const behind = new Map<string, string[]>();
  const writes: Promise<void>[] = [];
  let bytes = 0;
  const onAnswer = (answer: SnapshotAnswer): void => {
    if (!('data' in answer)) return;
    let saved: SavedDocument;
    try {
      saved = readSavedDocument(answer.data, options.fields, answer.heads);
    } catch (error) {
      options.onRefused(answer.documentId, `its bytes are not a readable Automerge document (${(error as Error).message})`);
      return;
    }
    const refusal = options.check(answer.documentId, saved);
    if (refusal !== undefined) {
      options.onRefused(answer.documentId, refusal);
      return;
    }
    bytes += answer.data.length;
    // Stored while the next answers arrive: the fsyncs of many months overlap.
    writes.push(storage.save([answer.documentId, 'snapshot', headsHash(saved.heads)], answer.data).then(() => {
      if (saved.holds) complete.add(answer.documentId);
      else behind.set(answer.documentId, [...answer.heads]);
      options.onStored?.(answer.documentId, answer.heads);
    }));
  };
  try {
    await fetchSnapshots(connection, documentIds, { signal: options.signal, onAnswer });
  } finally {
    await Promise.allSettled(writes);
    await storage.whenIdle();
  }
  await Promise.all(writes); // a failed write is reported, now that the others have settled
  return { complete, behind, bytes };
}

