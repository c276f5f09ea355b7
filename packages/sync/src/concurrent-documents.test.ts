import { change, clone, from, merge } from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { type CatalogDoc, type PeriodDoc, periodDays, periodDocuments } from './documents.js';

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
