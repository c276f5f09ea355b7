import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type DeviceKey, type EntryBody, type EntryId, ENTRY_VERSION, type PreparedEntry, assert, prepareEntry, sortedBasis } from '@tallystick/core';
import { nodeEntryCrypto } from './node-crypto.js';

/**
 * Prepares a batch of entries (validate the body, write its canonical JSON, hash it: ~20 µs an entry),
 * on worker threads when the batch is large; small batches inline, as a worker costs ~100 ms to start.
 * Signing is not done here: a batch is sealed afterwards, one signature per day (see core's sealEntries).
 * The result is the same either way: entries are deterministic in their fields.
 */
export const PARALLEL_PREPARE_THRESHOLD = 5000;

/**
 * Threads pay only with cores to spare: on 2 cores a 100k import took 9.5 s with two workers and 9.0 s
 * inline (copying the bodies to the threads costs ~0.8 s of the main thread, which waits anyway).
 */
export const PARALLEL_PREPARE_MIN_CORES = 4;

export async function prepareEntries(
  fieldsList: readonly Omit<EntryBody, 'v' | 'author'>[], author: DeviceKey, cores = availableParallelism(),
  /** Each entry's `canonicalJson(payload)` where the caller has it (see core's prepareEntry). */
  payloadTexts: readonly (string | undefined)[] = [],
): Promise<PreparedEntry[]> {
  const threads = Math.min(4, cores);
  if (fieldsList.length < PARALLEL_PREPARE_THRESHOLD || threads < PARALLEL_PREPARE_MIN_CORES) {
    return fieldsList.map((fields, index) => prepareEntry(fields, author, nodeEntryCrypto, payloadTexts[index]));
  }
  // Work goes out in chunks, so that only a few chunks are ever copied to the threads at once.
  const chunks: (readonly Omit<EntryBody, 'v' | 'author'>[])[] = [];
  for (let start = 0; start < fieldsList.length; start += CHUNK_ENTRIES) chunks.push(fieldsList.slice(start, start + CHUNK_ENTRIES));
  const results: { id: string; text: string }[][] = new Array(chunks.length);
  let next = 0;
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./prepare-worker.js', import.meta.url)));
  try {
    await Promise.all(workers.map(async (worker) => {
      for (let chunk = next++; chunk < chunks.length; chunk = next++) {
        const start = chunk * CHUNK_ENTRIES;
        results[chunk] = await prepareChunk(worker, { author, fields: chunks[chunk]!, payloadTexts: payloadTexts.slice(start, start + CHUNK_ENTRIES) });
      }
    }));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  const prepared: PreparedEntry[] = [];
  chunks.forEach((chunk, chunkIndex) => {
    const done = results[chunkIndex]!;
    assert(done.length === chunk.length, 'a preparing worker returned a different number of entries');
    done.forEach((result, index) => {
      const fields = chunk[index]!;
      const body = { v: ENTRY_VERSION, ...fields, author, basis: sortedBasis(fields.basis) } as EntryBody;
      prepared.push({ id: result.id as EntryId, body, text: result.text });
    });
  });
  return prepared;
}

const CHUNK_ENTRIES = 2000;

/** What a preparing thread is sent: a slice of the batch (see prepare-worker.ts). */
export interface PrepareRequest {
  readonly author: DeviceKey;
  readonly fields: readonly Omit<EntryBody, 'v' | 'author'>[];
  readonly payloadTexts: readonly (string | undefined)[];
}

function prepareChunk(worker: Worker, request: PrepareRequest): Promise<{ id: string; text: string }[]> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => { worker.off('message', onMessage); reject(error); };
    const onMessage = (done: { id: string; text: string }[]) => { worker.off('error', onError); resolve(done); };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(request);
  });
}
