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
  const size = Math.ceil(fieldsList.length / threads);
  const slices = Array.from({ length: threads }, (_, index) => fieldsList.slice(index * size, (index + 1) * size));
  const results = await Promise.all(slices.map((slice) => signSlice(slice, signer)));
  const entries: Entry[] = [];
  results.forEach((signed, sliceIndex) => {
    const slice = slices[sliceIndex]!;
    assert(signed.length === slice.length, 'a signing worker returned a different number of entries');
    signed.forEach((stored, index) => {
      const fields = slice[index]!;
      const body = { v: ENTRY_VERSION, ...fields, author: signer.publicKey, basis: [...fields.basis].sort() } as EntryBody;
      entries.push({ id: stored.id as EntryId, body, stored: { text: stored.text, sig: stored.sig } });
    });
  });
  return entries;
}

function signSlice(fields: readonly Omit<EntryBody, 'v' | 'author'>[], signer: NodeEntrySigner): Promise<{ id: string; text: string; sig: string }[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./sign-worker.js', import.meta.url));
    worker.once('message', (signed: { id: string; text: string; sig: string }[]) => {
      resolve(signed);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0 && code !== 1) reject(new Error(`signing worker exited with code ${code}`)); });
    worker.postMessage({ privateKey: signer.keyForWorker(), fields });
  });
}
