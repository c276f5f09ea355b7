import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type CoopId, type DeviceKey, type Entry, type EntryBody, type EntryId, type EntrySeal, type EntrySigner, type PreparedEntry,
  ENTRY_VERSION, assert, bodyProblem, canonicalJson, entryBody, entryText,
} from '@tallystick/core';
import { type NewMonth, type SavedMonth, saveNewMonth } from './month-snapshots.js';
import { nodeEntryCrypto } from './node-crypto.js';
import { type PackedEntries, packBatchInParallel, packOf, sealByPack } from './packing.js';

/*
 * A large batch (an import) is written with the help of one thread of its own, so that the machine's
 * second core works while the main thread parses (docs/DECISIONS.md 35):
 * - *prepare*: while the main thread turns the file's transactions into entries, the thread writes each
 *   entry's canonical text, hashes it (its id) and validates it as a reader would, chunk by chunk;
 * - *pack*: once the main thread has sealed the batch (one signature per day: the key never leaves the
 *   main thread), the thread makes each sealed group's pack (text, key, deflate), as packing.ts does;
 * - *build*: each new month's document is made and saved by Automerge (month-snapshots.ts), while the
 *   main thread brings the index up to date.
 * When the thread has several packs or months waiting, the main thread makes the next one itself. The
 * results are the same either way, byte for byte (tests hold them together). Run from TypeScript sources
 * (unit tests) there is no compiled worker: everything is then done in line, the same way.
 */

/** What every entry of a batch shares. */
export interface BatchHeader {
  readonly coop: CoopId;
  readonly author: DeviceKey;
  readonly at: string;
  /** Sorted. */
  readonly basis: readonly EntryId[];
}

/** What the thread needs of an entry to write its text: its kind, and its payload as canonical JSON. */
export interface PrepareItem {
  readonly kind: string;
  readonly payloadText: string;
}

export type BatchRequest =
  | { readonly id: number; readonly type: 'prepare'; readonly header: BatchHeader; readonly first: number; readonly items: readonly PrepareItem[] }
  | { readonly id: number; readonly type: 'pack'; readonly seal: SealOfPack; readonly texts: readonly string[] }
  | { readonly id: number; readonly type: 'build'; readonly month: NewMonth };

/** A sealed group's seal, as a pack's first line names it. */
export interface SealOfPack {
  readonly author: string;
  readonly sig: string;
  readonly ids: readonly string[];
}

export type BatchAnswer =
  | { readonly id: number; readonly ids: string; readonly texts: string }
  | { readonly id: number; readonly key: string; readonly value: Uint8Array }
  | { readonly id: number; readonly saved: SavedMonth };

/** The texts and ids of entries `first`, `first + 1`, … (joined by newlines: no entry text holds one, canonical JSON escapes them). */
export function prepareTexts(header: BatchHeader, first: number, items: readonly PrepareItem[]): { ids: string; texts: string } {
  const ids: string[] = [];
  const texts: string[] = [];
  items.forEach((item, index) => {
    const text = entryText({ v: ENTRY_VERSION, kind: item.kind as EntryBody['kind'], coop: header.coop, at: header.at, n: first + index, basis: header.basis as EntryId[], author: header.author }, item.payloadText);
    // Validated as every reader validates it, from its text: a bug cannot sign a malformed entry, nor a text
    // that is not the canonical JSON of what it says (the payload's text comes from the caller).
    const parsed: unknown = JSON.parse(text);
    const problem = bodyProblem(parsed);
    assert(problem === undefined, `createEntry: invalid ${item.kind} entry: ${problem}`);
    assert(canonicalJson(parsed) === text, `createEntry: the text of a ${item.kind} entry is not canonical JSON`);
    texts.push(text);
    ids.push(nodeEntryCrypto.sha256Hex(text));
  });
  return { ids: ids.join('\n'), texts: texts.join('\n') };
}

/**
 * One sealed group's pack, made from its texts as the store makes it (packText, then key and deflate): the
 * entries are rebuilt with what packing reads of them (id, text, seal).
 */
export function packSealed(seal: SealOfPack, texts: readonly string[]): { key: string; value: Uint8Array } {
  const made: EntrySeal = { author: seal.author as DeviceKey, sig: seal.sig, ids: seal.ids as EntryId[] };
  assert(texts.length === seal.ids.length, 'a pack\'s texts and its seal\'s ids differ in number');
  // Deflated here, not on libuv's pool: one-shot zlib on the pool costs ~0.1 ms a pack in dispatch (3,650 packs: 0.36 s against 0.1 s here).
  return packOf(texts.map((text, index): Entry => ({ id: seal.ids[index] as EntryId, body: undefined as unknown as EntryBody, stored: { text, sig: '' }, seal: made })));
}

/** The compiled worker, beside this module in dist/. */
const WORKER_URL = new URL('./batch-worker.js', import.meta.url);

/** One thread for one batch; requests are answered in the order made. In line when there is no compiled worker. */
export class BatchThread {
  private readonly worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: (answer: BatchAnswer) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(useThread = existsSync(fileURLToPath(WORKER_URL))) {
    if (!useThread) return;
    // A young generation of 8 MiB, not V8's default: the thread keeps nothing between requests, and the
    // smaller nursery took ~40 MiB off a 100k import's peak at no cost in time.
    this.worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.on('message', (answer: BatchAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      waiting?.resolve(answer);
    });
    const fail = (error: Error) => {
      this.failed ??= error;
      for (const waiting of this.waiting.values()) waiting.reject(this.failed);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    // Whatever ends the thread (an error, close, a crash), nothing waits on it after.
    this.worker.on('exit', (code) => { fail(new Error(`the batch thread stopped (exit code ${code})`)); });
  }

  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** Texts and ids of entries `first`, … (see prepareTexts). */
  async prepare(header: BatchHeader, first: number, items: readonly PrepareItem[]): Promise<{ ids: string; texts: string }> {
    if (this.worker === undefined) return prepareTexts(header, first, items);
    const answer = await this.ask({ id: 0, type: 'prepare', header, first, items }) as Extract<BatchAnswer, { ids: string }>;
    return { ids: answer.ids, texts: answer.texts };
  }

  /** A sealed group's pack (see packSealed); its texts are copied to the thread. */
  async pack(group: readonly Entry[]): Promise<{ key: string; value: Uint8Array }> {
    const seal = group[0]?.seal;
    assert(seal !== undefined && group.every((entry) => entry.seal === seal), 'a batch thread packs one sealed group at a time');
    const texts = group.map((entry) => entry.stored.text);
    const sealOfPack = { author: seal.author, sig: seal.sig, ids: seal.ids };
    if (this.worker === undefined || await this.behind()) return packSealed(sealOfPack, texts);
    const answer = await this.ask({ id: 0, type: 'pack', seal: sealOfPack, texts }) as Extract<BatchAnswer, { key: string }>;
    return { key: answer.key, value: answer.value };
  }

  /** A new month saved. Its packs are copied to the thread (the caller keeps its own). */
  async build(month: NewMonth): Promise<SavedMonth> {
    if (this.worker === undefined || await this.behind()) return saveNewMonth(month);
    return (await this.ask({ id: 0, type: 'build', month }) as Extract<BatchAnswer, { saved: SavedMonth }>).saved;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  /**
   * Whether the thread has more work waiting than it needs to stay busy, once what it finished meanwhile
   * is taken: the caller then does this piece itself (the result is the same), so that neither thread
   * waits on the other at the end of a batch.
   */
  private async behind(): Promise<boolean> {
    if (this.waiting.size < SHARE_FROM) return false;
    await new Promise((resolve) => { setImmediate(resolve); });
    return this.waiting.size >= SHARE_FROM;
  }

  private ask(request: BatchRequest): Promise<BatchAnswer> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker!.postMessage({ ...request, id });
    });
  }
}

/** Entries prepared on a batch thread while the main thread makes them; see BatchThread. */
export class BatchPreparer {
  readonly thread: BatchThread;
  private readonly header: BatchHeader;
  private readonly bodies: EntryBody[] = [];
  private readonly chunks: Promise<{ ids: string; texts: string }>[] = [];
  private waiting: PrepareItem[] = [];

  constructor(header: BatchHeader, thread = new BatchThread()) {
    this.header = { ...header, basis: [...header.basis].sort() };
    this.thread = thread;
  }

  /** Has each entry's text written, hashed and validated on the thread (prepareTexts). */
  add(entries: readonly { kind: string; payload: unknown; payloadText?: string }[]): void {
    const { coop, at, author } = this.header;
    const basis = this.header.basis as EntryId[];
    for (const entry of entries) {
      // The body prepareEntry makes; its check is made on the thread, of the text that is signed.
      this.bodies.push(entryBody({ kind: entry.kind as EntryBody['kind'], coop, at, n: this.bodies.length, basis, payload: entry.payload as never }, author));
      this.waiting.push({ kind: entry.kind, payloadText: entry.payloadText ?? canonicalJson(entry.payload) });
      if (this.waiting.length >= PREPARE_CHUNK) this.send();
    }
  }

  /** Every entry added, signed: one seal per day (see packing.ts's sealByPack), made here. */
  async seal(signer: EntrySigner): Promise<Entry[]> {
    assert(signer.publicKey === this.header.author, 'a batch is sealed by the device it was prepared for');
    this.send();
    const prepared: PreparedEntry[] = [];
    for (const chunk of await Promise.all(this.chunks)) {
      const ids = chunk.ids.split('\n');
      const texts = chunk.texts.split('\n');
      ids.forEach((id, index) => {
        const body = this.bodies[prepared.length]!;
        prepared.push({ id: id as EntryId, body, text: texts[index]! });
      });
    }
    assert(prepared.length === this.bodies.length, 'a batch thread prepared a different number of entries');
    return sealByPack(prepared, signer);
  }

  /** The sealed entries (what `seal` returned) packed on the thread, one pack at a time: the packs packing.ts makes of them. */
  pack(written: readonly Entry[]): Promise<PackedEntries> {
    return packBatchInParallel(written, (group) => this.thread.pack(group));
  }

  async close(): Promise<void> {
    await this.thread.close();
  }

  private send(): void {
    if (this.waiting.length === 0) return;
    const chunk = this.thread.prepare(this.header, this.bodies.length - this.waiting.length, this.waiting);
    chunk.catch(() => undefined); // awaited by seal; this only keeps a failure from being reported as unhandled meanwhile
    this.chunks.push(chunk);
    this.waiting = [];
  }
}

const PREPARE_CHUNK = 2000;

/** Packs or months waiting on the thread from which the main thread makes the next one itself. */
const SHARE_FROM = 4;
