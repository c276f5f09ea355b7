import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAllChanges, getHeads, load, toJS } from '@automerge/automerge';
import { type AutomergeUrl, type DocumentId, generateAutomergeUrl, parseAutomergeUrl } from '@automerge/automerge-repo';
import type { Entry } from '@tallystick/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// The built package: the batch thread runs compiled JavaScript (dist/batch-worker.js), not the TypeScript source.
import {
  BatchThread, type CatalogDoc, CoopStore, DataFolder, type NewEntry, NodeEntrySigner, type PeriodDoc, UNLOAD_AFTER_WRITE_ENTRIES, encodePack,
  generateDevicePrivateKey, headsHash, periodDocuments,
} from '@tallystick/sync';

/*
 * A large batch's new months are built and saved on a thread of their own and stored as snapshot chunks:
 * the documents must be what the store would have made in line, readable after a reopen, and on disk
 * before the catalog names them.
 */

let dir: string;
const NOW = new Date('2024-06-01T10:00:00.000Z');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tallystick-months-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function newDocumentId(): DocumentId {
  return parseAutomergeUrl(generateAutomergeUrl()).documentId;
}

function period(month: string, packs: number): PeriodDoc {
  const days: PeriodDoc['days'] = {};
  for (let index = 0; index < packs; index += 1) {
    const date = `${month}-${String(1 + (index % 28)).padStart(2, '0')}`;
    (days[date] ??= {})[`key${index}`] = encodePack(`#seal\tauthor\tsig\nline ${index} ${'x'.repeat(index)}`);
  }
  return { tallystick: 'period', schema: 1, coop: 'c0ffee00c0ffee00c0ffee00c0ffee00', month, days };
}

describe('BatchThread: new months', () => {
  it('saves the same document on its thread as in line: the content given, in one change, under the heads it names', async () => {
    const months = ['2024-01', '2024-02', '2024-03'].map((month, index) => ({ documentId: newDocumentId(), doc: period(month, 5 + index * 20) }));
    const threaded = new BatchThread(true);
    const inline = new BatchThread(false);
    try {
      const [onThread, inLine] = await Promise.all([Promise.all(months.map((month) => threaded.build(month))), Promise.all(months.map((month) => inline.build(month)))]);
      months.forEach((month, index) => {
        for (const saved of [onThread[index]!, inLine[index]!]) {
          expect(saved.documentId).toBe(month.documentId);
          const doc = load<PeriodDoc>(saved.bytes);
          expect(toJS(doc)).toEqual(month.doc);
          expect(getAllChanges(doc)).toHaveLength(1);
          expect(getHeads(doc)).toEqual(saved.heads);
        }
      });
    } finally {
      await threaded.close();
      await inline.close();
    }
  });

  it('fails a build whose thread dies, instead of waiting for ever', async () => {
    const builder = new BatchThread(true);
    await builder.close();
    await expect(builder.build({ documentId: newDocumentId(), doc: period('2024-01', 1) })).rejects.toThrow(/stopped|terminated/u);
  });
});

describe('CoopStore: a large batch', () => {
  it('stores each new month as one snapshot chunk before the catalog names it, and reads every entry back after a reopen', async () => {
    const folder = await DataFolder.open(dir, { create: true });
    const signer = new NodeEntrySigner(generateDevicePrivateKey());
    const store = await CoopStore.found(folder, { coopName: 'Bakery', memberName: 'Ada', signer, now: new Date('2024-01-01T08:00:00.000Z') });
    const transaction = (date: string, index: number): NewEntry => ({
      kind: 'transaction',
      payload: { date, status: '', description: `sale ${index}`, tags: [], links: [], metadata: {}, postings: [{ account: 'Assets:Cash', amount: ['USD', `${index}.25`] }, { account: 'Income:Sales', amount: ['USD', `-${index}.25`] }] },
    });
    // A small batch first, so that the large one also adds to a month the store already holds (the in-line path).
    const first = store.signEntries([{ kind: 'account', payload: { account: 'Assets:Cash', type: 'asset' } }, transaction('2024-01-05', 0)], signer, NOW);
    await store.appendEntries(first);
    const catalogId = (folder.config.coops[store.coopId]!.catalog as AutomergeUrl).slice('automerge:'.length);
    const catalog = await store.repo.find<CatalogDoc>(folder.config.coops[store.coopId]!.catalog as AutomergeUrl);
    const violations: string[] = [];
    const save = store.storage.save.bind(store.storage);
    store.storage.save = (key, data) => {
      if (key[0] === catalogId) {
        for (const { month, documentId } of periodDocuments(catalog.doc())) {
          const chunks = existsSync(join(store.storage.root, 'docs', documentId)) ? readdirSync(join(store.storage.root, 'docs', documentId), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.name.startsWith('.tmp-')) : [];
          if (chunks.length === 0) violations.push(`catalog chunk written while period ${month} had no chunk on disk`);
        }
      }
      return save(key, data);
    };
    const count = UNLOAD_AFTER_WRITE_ENTRIES + 500;
    const large = store.signEntries(Array.from({ length: count }, (_, index) => transaction(`2024-0${1 + (index % 6)}-${String(1 + (index % 27)).padStart(2, '0')}`, index + 1)), signer, NOW);
    const progress: number[] = [];
    await store.appendEntries(large, (done) => progress.push(done));
    await store.close();
    expect(violations).toEqual([]);
    expect(progress.at(-1)).toBe(count);

    const reopened = await CoopStore.open(await DataFolder.open(dir));
    try {
      const read = await reopened.readEntries();
      expect(read.unverified).toEqual([]);
      const ids = (entries: readonly Entry[]) => entries.map((entry) => entry.id).sort();
      expect(ids(read.entries)).toEqual(ids([...first, ...large, ...read.entries.filter((entry) => entry.body.kind === 'genesis')]));
      const periods = periodDocuments((await reopened.repo.find<CatalogDoc>(folder.config.coops[store.coopId]!.catalog as AutomergeUrl)).doc());
      expect(periods.map((entry) => entry.month)).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06']);
      for (const { month, documentId } of periods.filter((entry) => entry.month !== '2024-01')) {
        // Made on the thread: one snapshot chunk, named as automerge-repo names it, holding one change.
        const chunks = await readdir(join(reopened.storage.root, 'docs', documentId, 'snapshot'));
        const handle = await reopened.repo.find<PeriodDoc>(`automerge:${documentId}` as AutomergeUrl);
        expect(chunks, month).toEqual([headsHash(getHeads(handle.doc()))]);
        expect(getAllChanges(handle.doc()), month).toHaveLength(1);
      }
    } finally {
      await reopened.close();
    }
  });
});
