import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@tallystick/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The built package: the batch thread runs compiled JavaScript (dist/batch-worker.js), not the TypeScript source.
import {
  BatchPreparer, BatchThread, CoopStore, DataFolder, type NewEntry, NodeEntrySigner, checkPack, generateDevicePrivateKey, packBatch,
} from '@tallystick/sync';

/*
 * A large batch prepared on its own thread while it is made (an import): the entries sealed and the packs
 * made are exactly what the store makes in line, whichever the thread or in line, and a malformed entry
 * is refused before anything is signed.
 */

let dir: string;
const NOW = new Date('2024-06-01T10:00:00.000Z');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tallystick-batch-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sale(date: string, index: number, withText: boolean): NewEntry {
  const payload = {
    date, description: `sale ${index} ✓ "quoted"\n`, links: [], metadata: {}, status: '', tags: [],
    postings: [{ account: 'Assets:Cash', amount: ['USD', `${index}.25`] }, { account: 'Income:Sales', amount: ['USD', `-${index}.25`] }],
  } as never;
  return withText ? { kind: 'transaction', payload, payloadText: canonicalJson(payload) } : { kind: 'transaction', payload };
}

async function founded(): Promise<{ store: CoopStore; signer: NodeEntrySigner }> {
  const folder = await DataFolder.open(dir, { create: true });
  const signer = new NodeEntrySigner(generateDevicePrivateKey());
  const store = await CoopStore.found(folder, { coopName: 'Bakery', memberName: 'Ada', signer, now: new Date('2024-01-01T08:00:00.000Z') });
  return { store, signer };
}

describe('BatchPreparer', () => {
  it('seals and packs exactly what the store does in line, on its thread as in line', async () => {
    const { store, signer } = await founded();
    try {
      const entries: NewEntry[] = [
        { kind: 'account', payload: { account: 'Assets:Cash', type: 'asset' } },
        ...Array.from({ length: 4500 }, (_, index) => sale(`2024-0${1 + (index % 4)}-${String(1 + (index % 28)).padStart(2, '0')}`, index, index % 3 !== 0)),
      ];
      const inline = store.signEntries(entries, signer, NOW);
      for (const useThread of [true, false]) {
        const preparer = new BatchPreparer({ coop: store.coopId, author: signer.publicKey, at: NOW.toISOString(), basis: store.controlHeads() }, new BatchThread(useThread));
        try {
          expect(preparer.thread.threaded).toBe(useThread);
          for (let start = 0; start < entries.length; start += 1000) preparer.add(entries.slice(start, start + 1000));
          const sealed = await preparer.seal(signer);
          expect(sealed).toEqual(inline);
          const packed = await preparer.pack(sealed);
          expect(packed).toEqual(packBatch(inline));
          // And what it packed reads back verified, every entry once.
          const values = [...Object.entries(packed.catalog), ...[...packed.months.values()].flatMap(({ days }) => Object.values(days).flatMap((day) => Object.entries(day)))];
          const checks = values.flatMap(([key, value]) => checkPack(key, value));
          expect(checks.filter((checked) => !checked.ok)).toEqual([]);
          expect(checks.map((checked) => (checked.ok ? checked.entry.id : '')).sort()).toEqual(inline.map((entry) => entry.id).sort());
        } finally {
          await preparer.close();
        }
      }
    } finally {
      await store.close();
    }
  });

  it('refuses a malformed entry when sealing, on its thread as in line, and signs nothing', async () => {
    const { store, signer } = await founded();
    try {
      for (const useThread of [true, false]) {
        const preparer = new BatchPreparer({ coop: store.coopId, author: signer.publicKey, at: NOW.toISOString(), basis: store.controlHeads() }, new BatchThread(useThread));
        try {
          const signed: string[] = [];
          const watching = { publicKey: signer.publicKey, sign: (message: string) => { signed.push(message); return signer.sign(message); } };
          // Added without complaint: the check is made on the thread, of the text that would be signed.
          expect(() => preparer.add([sale('2024-01-05', 1, true), { kind: 'transaction', payload: { date: '2024-01-06', postings: 'none' } as never }])).not.toThrow();
          await expect(preparer.seal(watching)).rejects.toThrow(/invalid transaction entry/u);
          expect(signed).toEqual([]);
          // A payload text that is not the canonical JSON of the payload (its fields out of order) is refused too.
          const twisted = new BatchPreparer({ coop: store.coopId, author: signer.publicKey, at: NOW.toISOString(), basis: store.controlHeads() }, new BatchThread(useThread));
          try {
            const { payload, payloadText } = sale('2024-01-05', 2, true) as { payload: Record<string, unknown>; payloadText: string };
            const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(payloadText) as Record<string, unknown>).reverse()));
            expect(reordered).not.toBe(payloadText);
            twisted.add([{ kind: 'transaction', payload, payloadText: reordered }]);
            await expect(twisted.seal(watching)).rejects.toThrow(/not canonical JSON/u);
            expect(signed).toEqual([]);
          } finally {
            await twisted.close();
          }
        } finally {
          await preparer.close();
        }
      }
    } finally {
      await store.close();
    }
  });
});
