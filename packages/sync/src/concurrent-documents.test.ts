import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { change, clone, from, merge } from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { CoopStore, type NewEntry } from './coop-store.js';
import { DataFolder } from './data-folder.js';
import { type CatalogDoc, type PeriodDoc, periodDays, periodDocuments } from './documents.js';
import { NodeEntrySigner, generateDevicePrivateKey } from './node-crypto.js';

/*
 * Two devices offline each create the same month (or the same day of a month) as a new map under the
 * same key. Automerge keeps one map visible and the other as a conflict: a reader must take both, or a
 * device's entries vanish from the books after a sync (found by the replication tests, issue 4).
 */
describe('reading concurrently created months and days', () => {
  it('lists both period documents of a month two devices created offline', () => {
    const base = from<Pick<CatalogDoc, 'periods'>>({ periods: { '2025-01': { january: true } } });
    const ana = change(clone(base), (doc) => { doc.periods['2025-03'] = { anaMarch: true }; });
    const bea = change(clone(base), (doc) => { doc.periods['2025-03'] = { beaMarch: true }; doc.periods['2025-04'] = { beaApril: true }; });
    const merged = merge(ana, bea);
    expect(Object.keys(merged.periods['2025-03']!)).toHaveLength(1); // what a naive reader sees
    expect(periodDocuments(merged).sort((a, b) => a.documentId.localeCompare(b.documentId))).toEqual([
      { month: '2025-03', documentId: 'anaMarch' }, { month: '2025-04', documentId: 'beaApril' },
      { month: '2025-03', documentId: 'beaMarch' }, { month: '2025-01', documentId: 'january' },
    ]);
  });

  it('reads the packs of a day both devices wrote to offline', () => {
    const base = from<Pick<PeriodDoc, 'days'>>({ days: {} });
    const ana = change(clone(base), (doc) => { doc.days['2025-03-05'] = { anaPack: 'a' }; });
    const bea = change(clone(base), (doc) => { doc.days['2025-03-05'] = { beaPack: 'b' }; });
    const packs = periodDays(merge(ana, bea)).flatMap((day) => Object.keys(day.packs).map((key) => `${day.date} ${key}`)).sort();
    expect(packs).toEqual(['2025-03-05 anaPack', '2025-03-05 beaPack']);
  });
});

describe('writing to a month another device listed but whose document has not arrived', () => {
  it('writes to a month document of its own instead of failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallystick-missing-month-'));
    try {
      const signer = new NodeEntrySigner(generateDevicePrivateKey());
      const entry = (description: string): NewEntry<'transaction'> => ({
        kind: 'transaction',
        payload: { date: '2025-03-05', status: '', description, tags: [], links: [], metadata: {}, postings: [{ account: 'expenses:supplies', amount: ['EUR', '1.00'] }, { account: 'assets:cash', amount: ['EUR', '-1.00'] }] },
      });
      let store = await CoopStore.found(await DataFolder.open(dir, { create: true }), { coopName: 'Riverside', memberName: 'Ana', signer, now: new Date() });
      await store.appendEntries(store.signEntries([entry('first')], signer, new Date()));
      const [, march] = store.documentIds();
      await store.close();
      // As if the catalog had arrived from a peer and the month's document not yet.
      await rm(join(dir, 'storage', 'docs', march!), { recursive: true });
      store = await CoopStore.open(await DataFolder.open(dir));
      try {
        await store.appendEntries(store.signEntries([entry('second')], signer, new Date()));
        expect(store.documentIds()).toHaveLength(3);
        expect(store.documentIds()).toContain(march);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
