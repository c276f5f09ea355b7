import { createHash } from 'node:crypto';
import { type Entry, type EntrySeal, type EntrySigner, type PreparedEntry, assert, sealEntries } from '@tallystick/core';
import { type StoredPack, datedPayload, encodePack, encodePackBytes, monthOfDate, packText } from './documents.js';
import type { BatchPack } from './packed-batch.js';
import { nodeEntryCrypto as crypto } from './node-crypto.js';

/*
 * How a batch of signed entries becomes packs (see documents.ts): sealed one seal per day (or the catalog),
 * each seal's entries one pack, keyed by the hash of its text, deflated. Used by the store, and by the
 * batch thread that prepares and packs a large batch (batch-thread.ts), so that both make the same packs.
 */

/** A batch as it goes into the documents: the catalog's packs, and each month's packs by day. */
export interface PackedEntries {
  readonly catalog: Record<string, StoredPack>;
  readonly months: Map<string, { days: Record<string, Record<string, StoredPack>>; entries: number }>;
  /** How many entries the packs hold (progress is told in entries). */
  readonly entries: number;
}

export function packBatch(entries: readonly Entry[]): PackedEntries {
  const packed = emptyPacked();
  for (const [where, list] of entriesByWhere(entries)) for (const [key, value] of Object.entries(packs(list))) addPack(packed, where, key, value, list.length);
  return { ...packed, entries: entries.length };
}

/** One pack made from its entries: its key and stored value (see `packs`). */
export type PackMaker = (group: readonly Entry[]) => Promise<{ key: string; value: Uint8Array }>;

/** `packs`' way, the deflate on libuv's thread pool (the same zlib, level and bytes). */
export const packOnThreadPool: PackMaker = async (group) => {
  const utf8 = Buffer.from(packText(group), 'utf8');
  return { key: createHash('sha256').update(utf8).digest('hex').slice(0, 32), value: await encodePackBytes(utf8) };
};

/**
 * `packBatch`, with each pack made by `makePack` while the main thread goes on to the next: by default
 * deflated on the thread pool while the main thread writes the next packs' texts and keys (a 100k import
 * deflates ~70 MB: ~0.4 s of CPU off the main thread), or wholly on a batch thread (batch-thread.ts). At
 * most PACKS_DEFLATING at once, so the packs' texts never all exist together. The same packs, byte for byte.
 */
export async function packBatchInParallel(entries: readonly Entry[], makePack: PackMaker = packOnThreadPool): Promise<PackedEntries> {
  const made: { where: string; entries: number; key?: string; value?: Uint8Array }[] = [];
  const deflating: Promise<void>[] = [];
  for (const [where, list] of entriesByWhere(entries)) {
    for (const group of packGroups(list)) {
      const pack: (typeof made)[number] = { where, entries: group.length };
      made.push(pack); // filed below in this order, whichever ends first
      const done = makePack(group).then(({ key, value }) => { pack.key = key; pack.value = value; });
      done.catch(() => undefined); // awaited below; this only keeps a failure from being reported as unhandled meanwhile
      deflating.push(done);
      if (deflating.length >= PACKS_DEFLATING) await deflating.shift();
    }
  }
  await Promise.all(deflating);
  const packed = emptyPacked();
  for (const pack of made) addPack(packed, pack.where, pack.key!, pack.value!, pack.entries);
  return { ...packed, entries: entries.length };
}

const PACKS_DEFLATING = 16;

export function entriesByWhere(entries: readonly Entry[]): Map<string, Entry[]> {
  const byWhere = new Map<string, Entry[]>();
  for (const entry of entries) {
    const where = datedPayload(entry.body.payload) ?? 'catalog';
    const list = byWhere.get(where);
    if (list) list.push(entry);
    else byWhere.set(where, [entry]);
  }
  return byWhere;
}

export function emptyPacked(): PackedEntries {
  return { catalog: {}, months: new Map(), entries: 0 };
}

/** Files a pack under its day (or the catalog); `entries` counts towards its month's progress. */
export function addPack(packed: PackedEntries, where: string, key: string, value: StoredPack, entries: number): void {
  if (where === 'catalog') { packed.catalog[key] = value; return; }
  const month = monthOfDate(where);
  let period = packed.months.get(month);
  if (!period) packed.months.set(month, period = { days: {}, entries: 0 });
  (period.days[where] ??= {})[key] = value;
  period.entries += entries;
}

/** The packs of a batch as the write-ahead file lists them. */
export function batchPacks(packed: PackedEntries): BatchPack[] {
  const list: BatchPack[] = Object.entries(packed.catalog).map(([key, value]) => ({ where: 'catalog', key, bytes: packBytes(value) }));
  for (const { days } of packed.months.values()) {
    for (const [date, dayPacks] of Object.entries(days)) for (const [key, value] of Object.entries(dayPacks)) list.push({ where: date, key, bytes: packBytes(value) });
  }
  return list;
}

export function packBytes(value: StoredPack): Uint8Array {
  assert(value instanceof Uint8Array, 'a new pack is stored as deflated bytes');
  return value;
}

/** Entries that go into one pack share a seal: one per day (or the catalog), at most MAX_SEAL_GROUP each. */
const MAX_SEAL_GROUP = 50_000;

export function sealByPack(prepared: readonly PreparedEntry[], signer: EntrySigner): Entry[] {
  // Positions in the batch by day (or catalog), so that each sealed entry goes back to its place.
  const groups = new Map<string, number[]>();
  prepared.forEach((entry, index) => {
    const where = datedPayload(entry.body.payload) ?? 'catalog';
    const group = groups.get(where);
    if (group) group.push(index);
    else groups.set(where, [index]);
  });
  const sealed = new Array<Entry>(prepared.length);
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += MAX_SEAL_GROUP) {
      const positions = group.slice(start, start + MAX_SEAL_GROUP);
      sealEntries(positions.map((position) => prepared[position]!), signer).forEach((entry, index) => { sealed[positions[index]!] = entry; });
    }
  }
  return sealed;
}

/** Entries grouped as they are packed: each seal with exactly its entries, in its order; entries signed alone. */
export function sealGroups(entries: readonly Entry[]): { seals: Map<EntrySeal, Entry[]>; alone: Entry[] } {
  const seals = new Map<EntrySeal, Entry[]>();
  const alone: Entry[] = [];
  for (const entry of entries) {
    if (!entry.seal) { alone.push(entry); continue; }
    const group = seals.get(entry.seal);
    if (group) group.push(entry);
    else seals.set(entry.seal, [entry]);
  }
  for (const [seal, group] of seals) {
    const byId = new Map(group.map((entry) => [entry.id, entry]));
    assert(byId.size === seal.ids.length, 'a batch holds part of a seal\'s entries');
    seals.set(seal, seal.ids.map((id) => { const entry = byId.get(id); assert(entry !== undefined, 'a batch holds part of a seal\'s entries'); return entry; }));
  }
  return { seals, alone };
}

/** The write-ahead lines of a batch: `#seal<TAB>AUTHOR<TAB>SIG` before each sealed group's `<TAB>TEXT` lines; `SIG<TAB>TEXT` alone. */
export function* batchLines(entries: readonly Entry[]): Iterable<Entry | string> {
  const { seals, alone } = sealGroups(entries);
  yield* alone;
  for (const [seal, group] of seals) {
    yield `#seal\t${seal.author}\t${seal.sig}`;
    yield* group;
  }
}

/** Packs entries (one pack per seal, one for those signed alone) under the hash of each pack's text, so that writing the same pack twice changes nothing. */
export function packs(entries: readonly Entry[]): Record<string, StoredPack> {
  const result: Record<string, StoredPack> = {};
  for (const group of packGroups(entries)) {
    const { key, value } = packOf(group);
    result[key] = value;
  }
  return result;
}

/** One pack's key (the hash of its text) and stored value (deflated here, in one shot). */
export function packOf(group: readonly Entry[]): { key: string; value: Uint8Array } {
  const text = packText(group);
  return { key: crypto.sha256Hex(text).slice(0, 32), value: encodePack(text) };
}

/** The entries of each pack: those signed alone (if any), then each seal's. */
export function packGroups(entries: readonly Entry[]): Entry[][] {
  const { seals, alone } = sealGroups(entries);
  return [...(alone.length > 0 ? [alone] : []), ...seals.values()];
}

