import { type EntryBody, type EntryId, prepareEntry } from '@tallystick/core';
import { describe, expect, it } from 'vitest';
// The built package: a worker thread runs compiled JavaScript (dist/prepare-worker.js), not the TypeScript source.
import { NodeEntrySigner, PARALLEL_PREPARE_THRESHOLD, generateDevicePrivateKey, nodeEntryCrypto, prepareEntries } from '@tallystick/sync';

/* Worker threads are used only on machines with cores to spare; whichever way, the entries are the same. */

describe('prepareEntries', () => {
  it('gives exactly the entries prepared inline, on worker threads as inline, in order', async () => {
    const author = new NodeEntrySigner(generateDevicePrivateKey()).publicKey;
    const fields = Array.from({ length: PARALLEL_PREPARE_THRESHOLD + 7 }, (_, n): Omit<EntryBody, 'v' | 'author'> => ({
      kind: 'transaction', coop: 'c0ffee00c0ffee00c0ffee00c0ffee00' as never, at: '2024-06-01T10:00:00.000Z', n, basis: ['a'.repeat(64) as EntryId],
      payload: {
        date: `2024-0${1 + (n % 9)}-1${n % 10}`, status: '', description: `sale ${n}`, tags: [], links: [], metadata: {},
        postings: [{ account: 'Assets:Cash', amount: ['EUR', `${n}.50`] }, { account: 'Income:Sales', amount: ['EUR', `-${n}.50`] }],
      },
    }));
    const inline = fields.map((one) => prepareEntry(one, author, nodeEntryCrypto));
    const threaded = await prepareEntries(fields, author, 4);
    const sameAsInline = await prepareEntries(fields, author, 2);
    expect(threaded.length).toBe(fields.length);
    expect(threaded).toEqual(inline);
    expect(sameAsInline).toEqual(inline);
  });
});
