import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Entry, type EntryBody, type EntryId, ENTRY_VERSION, assert, createEntry } from '@tallystick/core';
import { type NodeEntrySigner, nodeEntryCrypto } from './node-crypto.js';

/**
 * Signs a batch of entries, on worker threads when it is large (Ed25519 signing is most of a large
 * import's time: ~40 µs an entry here). Small batches are signed inline: a worker costs ~100 ms to start.
 * The result is the same either way: entries are deterministic in their fields and key.
 */
export const PARALLEL_SIGNING_THRESHOLD = 5000;

export async function createEntries(fieldsList: readonly Omit<EntryBody, 'v' | 'author'>[], signer: NodeEntrySigner): Promise<Entry[]> {
  const threads = Math.min(4, availableParallelism());
  if (fieldsList.length < PARALLEL_SIGNING_THRESHOLD || threads < 2) {
    return fieldsList.map((fields) => createEntry(fields, signer, nodeEntryCrypto));
  }
  // Work goes out in chunks, so that only a few chunks are ever copied to the threads at once.
  const chunks: (readonly Omit<EntryBody, 'v' | 'author'>[])[] = [];
  for (let start = 0; start < fieldsList.length; start += CHUNK_ENTRIES) chunks.push(fieldsList.slice(start, start + CHUNK_ENTRIES));
  const signed: { id: string; text: string; sig: string }[][] = new Array(chunks.length);
  let next = 0;
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./sign-worker.js', import.meta.url)));
  try {
    await Promise.all(workers.map(async (worker) => {
      for (let chunk = next++; chunk < chunks.length; chunk = next++) signed[chunk] = await signChunk(worker, chunks[chunk]!, signer);
    }));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  const entries: Entry[] = [];
  chunks.forEach((chunk, chunkIndex) => {
    const results = signed[chunkIndex]!;
    assert(results.length === chunk.length, 'a signing worker returned a different number of entries');
    results.forEach((stored, index) => {
      const fields = chunk[index]!;
      const body = { v: ENTRY_VERSION, ...fields, author: signer.publicKey, basis: [...fields.basis].sort() } as EntryBody;
      entries.push({ id: stored.id as EntryId, body, stored: { text: stored.text, sig: stored.sig } });
    });
  });
  return entries;
}

const CHUNK_ENTRIES = 2000;

function signChunk(worker: Worker, fields: readonly Omit<EntryBody, 'v' | 'author'>[], signer: NodeEntrySigner): Promise<{ id: string; text: string; sig: string }[]> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => { worker.off('message', onMessage); reject(error); };
    const onMessage = (signed: { id: string; text: string; sig: string }[]) => { worker.off('error', onError); resolve(signed); };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage({ privateKey: signer.keyForWorker(), fields });
  });
}
