import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeads } from '@automerge/automerge';
import { type AutomergeUrl, type DocHandle, type DocumentId, type PeerId, Repo, generateAutomergeUrl, parseAutomergeUrl } from '@automerge/automerge-repo';
import {
  type CoopId, type DecisionRule, type DeviceKey, type Entry, type EntryBody, type EntryId, type EntryKind, type EntryRejection,
  type EntrySigner, type PayloadOf, type RejectedEntry, type RoleJson, type StoredEntry, TallystickError, assert,
  checkSealedEntries, checkStoredEntry, createEntry, isControlKind, materialize, prepareEntry,
} from '@tallystick/core';
import { type DataFolder } from './data-folder.js';
import { type CatalogDoc, type PeriodDoc, SCHEMA_VERSION, type StoredPack, datedPayload, decodePack, monthOfDate, periodDays, periodDocuments } from './documents.js';
import { FileStorageAdapter, type StorageProblem } from './file-storage-adapter.js';
import { readEntryLines } from './deflated-lines.js';
import { type PackedBatchFile, isPackedBatch, parsePackedBatch, writePackedBatch } from './packed-batch.js';
import { nodeEntryCrypto } from './node-crypto.js';
import { headsHash } from './month-snapshots.js';
import { BatchPreparer, BatchThread } from './batch-thread.js';
import { type PackedEntries, addPack, batchLines, batchPacks, emptyPacked, packBatch, packBatchInParallel, packs, sealByPack } from './packing.js';

export { batchLines, packs };

/**
 * One co-op's books on this device: opens its documents through automerge-repo over the crash-safe
 * storage, appends signed entries atomically (write-ahead batch, then documents, then flush), and reads
 * every entry back, checked. It decides nothing about what counts: that is core's materializer.
 */
export interface ReadEntries {
  readonly genesisId: EntryId;
  readonly entries: Entry[];
  readonly unverified: RejectedEntry[];
}

export interface NewEntry<K extends EntryKind = EntryKind> {
  readonly kind: K;
  readonly payload: PayloadOf<K>;
  /** `canonicalJson(payload)`, when the caller computed it already (an import does, for the import key). */
  readonly payloadText?: string;
}

export const crypto = nodeEntryCrypto;

/** For a store that syncs with peers: the repo's peer id must be the libp2p peer id (see sync/src/network). */
export interface RepoNetworkOptions {
  readonly peerId?: string;
}

/** Batches at least this large unload each month's document once it is written (see saveAndUnload). */
export const UNLOAD_AFTER_WRITE_ENTRIES = 5000;

/** How many written months of a large batch may be saving at once (each holds its document in memory until saved). */
const MONTHS_SAVING_AT_ONCE = 4;

export class CoopStore {
  readonly folder: DataFolder;
  readonly coopId: CoopId;
  readonly repo: Repo;
  readonly storage: FileStorageAdapter;
  private catalogHandle: DocHandle<CatalogDoc>;
  private readonly periodHandles = new Map<string, DocHandle<PeriodDoc>>();

  private constructor(folder: DataFolder, coopId: CoopId, repo: Repo, storage: FileStorageAdapter, catalog: DocHandle<CatalogDoc>) {
    this.folder = folder;
    this.coopId = coopId;
    this.repo = repo;
    this.storage = storage;
    this.catalogHandle = catalog;
  }

  static openRepo(folder: DataFolder, onProblem?: (problem: StorageProblem) => void, network: RepoNetworkOptions = {}): { repo: Repo; storage: FileStorageAdapter } {
    const storage = new FileStorageAdapter(folder.storageDir, onProblem ? { onProblem } : {});
    // The store saves explicitly (flush after each write), so automerge-repo's own throttled saves would
    // only repeat the same work mid-batch: measured 2× the write time on an import.
    const repo = new Repo({
      storage, network: [], sharePolicy: async () => false, saveDebounceRate: 24 * 3600 * 1000,
      ...(network.peerId === undefined ? {} : { peerId: network.peerId as PeerId }),
    });
    return { repo, storage };
  }

  /** Founds a co-op: a genesis entry naming the founding member and this device, in a new catalog. */
  static async found(folder: DataFolder, options: {
    coopName: string; memberName: string; signer: EntrySigner; now: Date;
    /** The co-op's roles, the founder's role and the decision rule; core's defaults when left out. */
    roles?: RoleJson[]; memberRole?: string; rule?: DecisionRule;
  }): Promise<CoopStore> {
    const coopId = randomBytes(16).toString('hex') as CoopId;
    const founder = { name: options.memberName, devices: [options.signer.publicKey], ...(options.memberRole ? { role: options.memberRole } : {}) };
    const genesis = createEntry({
      kind: 'genesis', coop: coopId, at: options.now.toISOString(), n: 0, basis: [],
      payload: { name: options.coopName, members: [founder], ...(options.roles ? { roles: options.roles } : {}), ...(options.rule ? { rule: options.rule } : {}) },
    }, options.signer, crypto);
    const { repo, storage } = CoopStore.openRepo(folder);
    const catalog = repo.create<CatalogDoc>({
      tallystick: 'catalog', schema: SCHEMA_VERSION, coop: coopId, name: options.coopName, genesis: genesis.id,
      entries: packs([genesis]), periods: {},
    });
    await repo.flush();
    await storage.whenIdle();
    folder.config.coops[coopId] = { name: options.coopName, catalog: catalog.url, genesis: genesis.id };
    folder.config.defaultCoop ??= coopId;
    await folder.saveConfig();
    return new CoopStore(folder, coopId, repo, storage, catalog);
  }

  static async open(folder: DataFolder, requestedCoop?: string, onProblem?: (problem: StorageProblem) => void, network: RepoNetworkOptions = {}): Promise<CoopStore> {
    const coopId = folder.coopId(requestedCoop) as CoopId;
    const record = folder.config.coops[coopId]!;
    const { repo, storage } = CoopStore.openRepo(folder, onProblem, network);
    let catalog: DocHandle<CatalogDoc>;
    try {
      catalog = await repo.find<CatalogDoc>(record.catalog as AutomergeUrl);
    } catch (error) {
      // Not repo.shutdown(): it flushes every handle, and throws on the one that failed to load.
      for (const adapter of repo.networkSubsystem.adapters) adapter.disconnect();
      throw new TallystickError('catalog_unavailable', `the catalog document of co-op "${record.name}" cannot be read from ${folder.storageDir} (${(error as Error).message}); damaged chunks, if any, are in ${join(folder.storageDir, 'quarantine')}. Recover it from a member's peer with \`tallystick sync\` (or \`tallystick peer\`), or from a backup with \`tallystick restore FILE\` (it fills in what is missing and keeps what is here)`);
    }
    const store = new CoopStore(folder, coopId, repo, storage, catalog);
    await store.replayPendingBatches();
    return store;
  }

  get genesisId(): EntryId {
    return this.folder.config.coops[this.coopId]!.genesis as EntryId;
  }

  get name(): string {
    return this.folder.config.coops[this.coopId]!.name;
  }

  /** Everything changed so far is on disk (fsynced) when this resolves. */
  async flush(): Promise<void> {
    // Only documents that loaded: one whose chunks were damaged has nothing to save (and Repo.flush throws on it).
    const ready = Object.values(this.repo.handles).filter((handle) => handle.isReady()).map((handle) => handle.documentId);
    await this.repo.flush(ready);
    await this.storage.whenIdle();
  }

  /** Saves what loaded and disconnects. (Repo.shutdown would also try to save documents that failed to load.) */
  async close(): Promise<void> {
    await this.flush();
    for (const adapter of this.repo.networkSubsystem.adapters) adapter.disconnect();
  }

  /**
   * The newest control entries (genesis, locks, …) in the catalog: those no other control entry names
   * in its basis. A new entry names them as the rules it was written under. Only control entries the
   * materializer accepts count: naming a rejected one (a non-member's lock, one with an unknown basis)
   * would get the new entry rejected as `unknown_basis` on every peer.
   */
  controlHeads(): EntryId[] {
    // Deriving them verifies and materializes every control entry (about 1 ms for three of them), which
    // signing paid on every add: they change only when the catalog does, so they are kept per catalog heads.
    const heads = getHeads(this.catalogHandle.doc()).join(',');
    if (this.controlHeadsCache?.heads !== heads) this.controlHeadsCache = { heads, ids: this.deriveControlHeads() };
    return [...this.controlHeadsCache.ids];
  }

  private controlHeadsCache: { heads: string; ids: readonly EntryId[] } | undefined;

  private deriveControlHeads(): EntryId[] {
    const control: Entry[] = [];
    for (const [key, value] of Object.entries(this.catalogHandle.doc().entries ?? {})) {
      for (const checked of checkPack(key, value)) {
        if (checked.ok && isControlKind(checked.entry.body.kind) && checked.entry.body.coop === this.coopId) control.push(checked.entry);
      }
    }
    const rejected = new Set(materialize({ genesisId: this.genesisId, entries: control }).rejected.map((entry) => entry.id));
    const accepted = control.filter((entry) => !rejected.has(entry.id));
    const named = new Set(accepted.flatMap((entry) => entry.body.basis));
    return accepted.filter((entry) => !named.has(entry.id)).map((entry) => entry.id).sort();
  }

  /**
   * The catalog's packs that hold control entries (genesis, locks, proposals, votes): what the co-op
   * shares into a federation so that every member can re-derive its roster (credit/README.md). Packs
   * are shared whole (a seal signs all of its entries); the CLI writes control entries in packs of their own.
   */
  controlPacks(): Record<string, StoredPack> {
    const shared: Record<string, StoredPack> = {};
    for (const [key, value] of Object.entries(this.catalogHandle.doc().entries ?? {})) {
      if (checkPack(key, value).some((checked) => checked.ok && isControlKind(checked.entry.body.kind))) shared[key] = value;
    }
    return shared;
  }

  /**
   * Signs new entries written together (an add, an import) with consecutive batch positions: one seal
   * per pack they will be stored in (a day of a month, or the catalog), so a batch costs a signature
   * per day rather than per entry.
   */
  signEntries(entries: readonly NewEntry[], signer: EntrySigner, now: Date, firstPosition = 0): Entry[] {
    return sealByPack(this.entryFields(entries, now, firstPosition).map((fields, index) => prepareEntry(fields, signer.publicKey, crypto, entries[index]!.payloadText)), signer);
  }

  /**
   * A large batch's entries prepared on a thread of their own while they are made (an import: see
   * batch-thread.ts): add them to it, `seal` it, and append what it sealed with it. The caller closes it.
   */
  batchPreparer(author: DeviceKey, now: Date): BatchPreparer {
    return new BatchPreparer({ coop: this.coopId, author, at: now.toISOString(), basis: this.controlHeads() });
  }

  private entryFields(entries: readonly NewEntry[], now: Date, firstPosition: number): Omit<EntryBody, 'v' | 'author'>[] {
    const basis = this.controlHeads();
    const at = now.toISOString();
    return entries.map((entry, index) => ({ kind: entry.kind, coop: this.coopId, at, n: firstPosition + index, basis, payload: entry.payload }) as Omit<EntryBody, 'v' | 'author'>);
  }

  /**
   * Appends entries so that they are all there or none is, even if the process is killed at any
   * instant. A batch that touches more than one document (two months, a month and the catalog, a new
   * month) is first written whole (atomically) to pending/, then applied to the documents, flushed, and
   * only then removed; opening the store replays any batch left behind. A batch that goes into one month
   * document already here needs no such file: it is one Automerge change in one document, and that
   * document's chunk reaches the disk whole or not at all (DECISIONS 34). Entries are keyed by id, so a
   * replay never duplicates. `onProgress` is told how many entries are in the documents.
   * A small batch for a month this store holds loaded goes into the document at once, in this call, so
   * that connected peers get it while it is being written. Appends made while one is being written wait,
   * and are then written together (a group commit): one set of fsyncs serves them all, so a steady stream
   * of entries does not queue up behind the disk. Each call still resolves only once its entries are on disk.
   */
  appendEntries(
    entries: readonly Entry[], onProgress?: (done: number, total: number) => void,
    /** The preparer that sealed these very entries (`batchPreparer`): its thread packs them and builds their months. */
    preparer?: BatchPreparer,
  ): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    let early: EarlyAppend | undefined;
    try {
      early = preparer === undefined ? this.loadedMonthOf(entries) : undefined;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      const append: WaitingAppend = { entries, ...(onProgress === undefined ? {} : { onProgress }), ...(preparer === undefined ? {} : { preparer }), resolve, reject };
      if (early === undefined) this.enqueueAppend(append);
      else this.applyEarly(early, append);
    });
  }

  private enqueueAppend(append: WaitingAppend): void {
    this.waitingAppends.push(append);
    if (!this.appending) void this.writeWaitingAppends();
  }

  /**
   * Tells `listener` of every change this store makes to its documents (its own appends; not changes
   * received from peers or loaded from disk), with the heads before it: the replicator sends these to
   * connected peers at once. Returns a function that stops telling it.
   */
  onLocalChange(listener: LocalChangeListener): () => void {
    this.localChangeListeners.add(listener);
    return () => { this.localChangeListeners.delete(listener); };
  }

  private readonly localChangeListeners = new Set<LocalChangeListener>();

  /** A change of ours to a document, told to the local-change listeners once made. */
  private changeDocument<T>(handle: DocHandle<T>, change: (doc: T) => void): void {
    const before = getHeads(handle.doc() as object);
    handle.change(change);
    if (this.localChangeListeners.size === 0 || getHeads(handle.doc() as object).join() === before.join()) return;
    for (const listener of this.localChangeListeners) listener(handle as DocHandle<unknown>, before);
  }

  /**
   * The early path of appendEntries: a small batch whose entries all go to one month whose document this
   * store already has loaded (not the catalog). Returns it, or nothing when the batch takes the queued
   * path. Checks run first, so a bad batch changes nothing.
   */
  private loadedMonthOf(entries: readonly Entry[]): EarlyAppend | undefined {
    if (entries.length >= UNLOAD_AFTER_WRITE_ENTRIES) return undefined;
    for (const entry of entries) assert(entry.body.coop === this.coopId, 'entry for another co-op');
    // Where the entries go, before packing them (the queued path packs them itself).
    const places = new Set(entries.map((entry) => { const date = datedPayload(entry.body.payload); return date === undefined ? 'catalog' : monthOfDate(date); }));
    const [month] = places;
    if (places.size !== 1 || month === undefined || month === 'catalog' || this.periodHandles.get(month)?.isReady() !== true) return undefined;
    const only = onlyMonth(packBatch(entries));
    const handle = only === undefined ? undefined : this.periodHandles.get(only.month);
    return only === undefined || handle?.isReady() !== true ? undefined : { ...only, handle };
  }

  /**
   * Puts an early append into its month's document now, or, if that document changed less than
   * COALESCE_MS ago, together with the appends that follow within that time: a process making appends
   * faster than that (one falling behind, or a burst) pays one Automerge change, and one push, for them
   * all. Then it waits for the month's flush like any append.
   */
  private applyEarly(early: EarlyAppend, append: WaitingAppend): void {
    const documentId = early.handle.documentId;
    const gathering = this.coalescing.get(documentId);
    if (gathering !== undefined) { gathering.push({ early, append }); return; }
    const since = performance.now() - (this.lastEarlyChange.get(documentId) ?? Number.NEGATIVE_INFINITY);
    if (since >= COALESCE_MS) { this.commitEarly([{ early, append }]); return; }
    const batch = [{ early, append }];
    this.coalescing.set(documentId, batch);
    setTimeout(() => {
      this.coalescing.delete(documentId);
      this.commitEarly(batch);
    }, COALESCE_MS - since);
  }

  private readonly coalescing = new Map<DocumentId, { early: EarlyAppend; append: WaitingAppend }[]>();
  private readonly lastEarlyChange = new Map<DocumentId, number>();

  private commitEarly(batch: readonly { early: EarlyAppend; append: WaitingAppend }[]): void {
    const { handle, month } = batch[0]!.early;
    if (this.periodHandles.get(month) !== handle) {
      // The month left the loaded ones meanwhile (a large batch saved and unloaded it): the queued path loads it again.
      for (const { append } of batch) this.enqueueAppend(append);
      return;
    }
    this.changeDocument(handle, (doc) => { for (const { early } of batch) addDays(doc, early.days); });
    this.lastEarlyChange.set(handle.documentId, performance.now());
    for (const { append } of batch) this.enqueueAppend({ ...append, applied: handle.documentId });
  }

  private readonly waitingAppends: WaitingAppend[] = [];
  private appending = false;

  private async writeWaitingAppends(): Promise<void> {
    this.appending = true;
    try {
      for (let group = takeAppendGroup(this.waitingAppends); group.length > 0; group = takeAppendGroup(this.waitingAppends)) {
        try {
          await this.writeGroup(group);
          for (const append of group) append.resolve();
        } catch (error) {
          if (group.length === 1) group[0]!.reject(error);
          // One call's bad entries must not fail the others': each is written again alone (replay is idempotent).
          else for (const append of group) await this.writeGroup([append]).then(append.resolve, append.reject);
        }
      }
    } finally {
      this.appending = false;
    }
  }

  /** Appends already in their documents need only those flushed; the others are written as one batch. */
  private async writeGroup(group: readonly WaitingAppend[]): Promise<void> {
    const queued = group.filter((append) => append.applied === undefined);
    if (queued.length > 0) await this.writeBatch(queued.flatMap((append) => append.entries), group.length === 1 ? group[0]!.onProgress : undefined, group.length === 1 ? group[0]!.preparer : undefined);
    const applied = group.filter((append) => append.applied !== undefined);
    if (applied.length === 0) return;
    await this.flushDocuments(applied.map((append) => append.applied!));
    for (const append of applied) append.onProgress?.(append.entries.length, append.entries.length);
  }

  /** These documents (those still loaded: a month unloaded after a large batch was saved first) are on disk when this resolves. */
  private async flushDocuments(documentIds: readonly DocumentId[]): Promise<void> {
    await this.repo.flush([...new Set(documentIds)].filter((documentId) => this.repo.handles[documentId]?.isReady() === true));
    await this.storage.whenIdle();
  }

  private async writeBatch(entries: readonly Entry[], onProgress?: (done: number, total: number) => void, preparer?: BatchPreparer): Promise<void> {
    for (const entry of entries) assert(entry.body.coop === this.coopId, 'entry for another co-op');
    // The batch holds the very packs the documents get, deflated once (see packed-batch.ts).
    // A prepared batch is packed on its thread; another large one's packs are deflated on the thread pool;
    // a small one's inline (no thread hop on an add's path).
    if (preparer !== undefined) {
      try {
        await this.writePackedEntries(await preparer.pack(entries), onProgress, preparer.thread);
      } finally {
        await preparer.close(); // its work is done: the thread's memory goes back now, not when the caller is done
      }
      return;
    }
    const large = entries.length >= UNLOAD_AFTER_WRITE_ENTRIES;
    // A large batch's thread starts now, to build its new months: its start-up (loading Automerge) overlaps the packing.
    const builder = large ? new BatchThread() : undefined;
    try {
      await this.writePackedEntries(large ? await packBatchInParallel(entries) : packBatch(entries), onProgress, builder);
    } finally {
      await builder?.close();
    }
  }

  private async writePackedEntries(packed: PackedEntries, onProgress: ((done: number, total: number) => void) | undefined, builder: BatchThread | undefined): Promise<void> {
    // Packed, nothing in the documents yet: a caller may start on work of its own meanwhile (writeEntries, the index).
    onProgress?.(0, packed.entries);
    const only = builder === undefined ? onlyMonth(packed) : undefined;
    const handle = only === undefined ? undefined : await this.existingPeriodHandle(only.month);
    if (only !== undefined && handle !== undefined) {
      // One change to one document already on disk: its chunk is written whole or not at all, so no write-ahead file.
      this.changeDocument(handle, (doc) => { addDays(doc, only.days); });
      await this.flushDocuments([handle.documentId]);
      onProgress?.(packed.entries, packed.entries);
      return;
    }
    await mkdir(this.folder.pendingDir, { recursive: true });
    const batchPath = join(this.folder.pendingDir, `${Date.now()}-${randomUUID()}.batch`);
    await writePackedBatch(batchPath, { coop: this.coopId, packs: batchPacks(packed) });
    await this.applyPacks(packed, onProgress, builder);
    await this.flush();
    await rm(batchPath, { force: true });
  }

  private async replayPendingBatches(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.folder.pendingDir)).filter((name) => name.endsWith('.batch') || name.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      const path = join(this.folder.pendingDir, name);
      const batch = await readPendingBatch(path, name);
      if (batch === undefined) {
        // A batch that is not whole was never promised to anyone (it is renamed into place only once written).
        throw new TallystickError('damaged_batch', `pending batch ${path} is damaged; it was not applied. Move it aside to open the books`);
      }
      if (batch.coop !== this.coopId) continue;
      const builder = batch.packed.entries >= UNLOAD_AFTER_WRITE_ENTRIES ? new BatchThread() : undefined;
      try {
        await this.applyPacks(batch.packed, undefined, builder);
      } finally {
        await builder?.close();
      }
      await this.flush();
      await rm(path, { force: true });
    }
  }

  /** `builder`, given for a large batch, builds its new months (month-snapshots.ts); the caller closes it. */
  private async applyPacks(packed: PackedEntries, onProgress?: (done: number, total: number) => void, builder?: BatchThread): Promise<void> {
    const total = packed.entries;
    let done = 0;
    const newPeriods: { month: string; documentId: string }[] = [];
    // A large batch's new months are built and saved on a thread of their own (month-snapshots.ts), and
    // the months it adds to are saved and unloaded as they are written. A few at once, so that one month's
    // file writes and fsyncs overlap the next month's Automerge work instead of the process waiting on the
    // disk 120 times in a row, and the main thread is free meanwhile (to bring the index up to date).
    const large = total >= UNLOAD_AFTER_WRITE_ENTRIES;
    const saving: Promise<void>[] = [];
    try {
      for (const [month, { days, entries: monthEntries }] of [...packed.months].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const handle = await this.existingPeriodHandle(month);
        let saved: Promise<void> | undefined;
        if (handle) {
          this.changeDocument(handle, (doc) => { addDays(doc, days); });
          if (large) saved = this.saveAndUnload(month);
        } else {
          // A new month is created with its content in one step: one Automerge change instead of two.
          const doc: PeriodDoc = { tallystick: 'period', schema: SCHEMA_VERSION, coop: this.coopId, month, days };
          if (builder) {
            const documentId = newDocumentId();
            newPeriods.push({ month, documentId });
            saved = builder.build({ documentId, doc }).then((month) => this.storage.save([month.documentId, 'snapshot', headsHash(month.heads)], month.bytes));
          } else {
            const created = this.repo.create<PeriodDoc>(doc);
            this.periodHandles.set(month, created);
            newPeriods.push({ month, documentId: created.documentId });
          }
        }
        if (saved) {
          saved.catch(() => undefined); // awaited below; this only keeps a failure from being reported as unhandled meanwhile
          saving.push(saved.then(() => { done += monthEntries; onProgress?.(done, total); }));
          if (saving.length >= MONTHS_SAVING_AT_ONCE) await saving.shift();
        } else {
          done += monthEntries;
          onProgress?.(done, total);
        }
      }
      await Promise.all(saving);
    } finally {
      await Promise.allSettled(saving);
    }
    await this.storage.whenIdle();
    const stillLoaded = newPeriods.filter((period) => this.periodHandles.has(period.month));
    if (stillLoaded.length > 0) {
      // The catalog must never reach the disk naming a period document that is not there: a crash between
      // the two writes would leave a store that cannot be opened ("document unavailable"). New ones go first.
      await this.repo.flush(stillLoaded.map((period) => period.documentId as DocumentId));
      await this.storage.whenIdle();
    }
    const catalogPacks = Object.entries(packed.catalog);
    if (catalogPacks.length > 0 || newPeriods.length > 0) {
      this.changeDocument(this.catalogHandle, (doc) => {
        for (const { month, documentId } of newPeriods) {
          if (!doc.periods[month]) doc.periods[month] = {};
          doc.periods[month][documentId] = true;
        }
        for (const [key, value] of catalogPacks) if (!doc.entries[key]) doc.entries[key] = value;
      });
      onProgress?.(total, total);
    }
  }

  /**
   * During a large batch, each month is saved and dropped from memory once written: Automerge's wasm
   * memory never shrinks, so holding every month of a 100k import at once costs hundreds of MiB.
   */
  private async saveAndUnload(month: string): Promise<void> {
    const handle = this.periodHandles.get(month);
    if (!handle) return;
    // Dropped from the loaded months before it is saved: an append made meanwhile takes the queued path
    // instead of changing a document that is about to leave memory unsaved.
    this.periodHandles.delete(month);
    await this.repo.flush([handle.documentId]);
    await this.storage.whenIdle();
    await this.repo.removeFromCache(handle.documentId);
  }

  /**
   * The period document already listed for a month and held here, if any (the first, if concurrent
   * devices made two). A month another device listed whose document has not arrived yet (a sync cut
   * short, a partition) is not written to: the new entries go to a month document of this device's own,
   * as when two devices create a month offline, and readers take both.
   */
  private async existingPeriodHandle(month: string): Promise<DocHandle<PeriodDoc> | undefined> {
    const cached = this.periodHandles.get(month);
    if (cached) return cached;
    const listed = periodDocuments(this.catalogHandle.doc()).filter((period) => period.month === month).map((period) => period.documentId).sort();
    for (const documentId of listed) {
      if (!(await this.holds(documentId))) continue;
      const handle = await this.findPeriod(month, documentId);
      this.periodHandles.set(month, handle);
      return handle;
    }
    return undefined;
  }

  /** Whether a document is here: loaded, or with chunks in storage (damaged ones are found when read). */
  private async holds(documentId: string): Promise<boolean> {
    return this.repo.handles[documentId as DocumentId]?.isReady() === true || (await this.storage.listKeys([documentId])).length > 0;
  }

  /**
   * A month's document, or a clear error if it cannot be read (its chunks damaged and put aside, or
   * missing): a book that silently lacks a month would show wrong balances, so nothing is counted.
   */
  private async findPeriod(month: string, documentId: string): Promise<DocHandle<PeriodDoc>> {
    try {
      const handle = await this.repo.find<PeriodDoc>(`automerge:${documentId}` as AutomergeUrl);
      handle.doc(); // throws if the handle never became ready
      return handle;
    } catch (error) {
      const quarantine = join(this.folder.storageDir, 'quarantine');
      throw new TallystickError('period_unavailable', `the books for ${month} (document ${documentId}) cannot be read from ${this.folder.storageDir}: ${(error as Error).message}. Damaged chunks, if any, were put aside in ${quarantine}. Nothing was counted; run \`tallystick sync\` to get the month again from a peer, or \`tallystick restore FILE\` from a backup`);
    }
  }

  /** Every document id of this co-op: the catalog and all period documents. */
  documentIds(): string[] {
    return [this.catalogHandle.documentId, ...periodDocuments(this.catalogHandle.doc()).map((period) => period.documentId)];
  }

  /**
   * Reads every entry in every document of the co-op. `knownGood` lets a caller skip re-checking
   * entries it verified before (an id is the hash of its text, so an id seen verified stays verified).
   */
  async readEntries(options: { knownGood?: ReadonlyMap<string, Entry>; onProgress?: (done: number, total: number) => void } = {}): Promise<ReadEntries> {
    const entries: Entry[] = [];
    const unverified: RejectedEntry[] = [];
    const takePack = (key: string, value: unknown, where: string, date?: string) => {
      for (const checked of checkPack(key, value, options.knownGood)) {
        if (!checked.ok) { unverified.push({ id: checked.id, code: checked.code, reason: checked.line !== undefined ? `${where}: ${checked.reason}` : checked.reason }); continue; }
        const entryDate = datedPayload(checked.entry.body.payload);
        if (entryDate !== date) { unverified.push({ id: checked.entry.id, kind: checked.entry.body.kind, code: 'misfiled_entry', reason: `entry dated ${entryDate ?? '(none)'} is filed under ${date ?? 'the catalog'}` }); continue; }
        entries.push(checked.entry);
      }
    };
    const catalog = this.catalogHandle.doc();
    for (const [key, value] of Object.entries(catalog.entries ?? {})) takePack(key, value, 'the catalog');
    // Months and days two devices created concurrently are Automerge conflicts: read every side (documents.ts).
    const ids = periodDocuments(catalog);
    let done = 0;
    for (const { month, documentId } of ids) {
      const handle = await this.findPeriod(month, documentId);
      for (const { date, packs } of periodDays(handle.doc())) {
        for (const [key, value] of Object.entries(packs)) takePack(key, value, `period ${month}, ${date}`, date);
      }
      done += 1;
      options.onProgress?.(done, ids.length);
    }
    return { genesisId: this.genesisId, entries: dedupe(entries), unverified };
  }
}

/** The write-ahead file of a batch of entries, as appendEntries writes it. */
export function pendingBatchOf(coop: string, entries: readonly Entry[]): PackedBatchFile {
  return { coop, packs: batchPacks(packBatch(entries)) };
}

/** `pendingBatchOf` as appendEntries builds it, packs deflated on the thread pool (the same file, byte for byte). */
export async function pendingBatchInParallelOf(coop: string, entries: readonly Entry[]): Promise<PackedBatchFile> {
  return { coop, packs: batchPacks(await packBatchInParallel(entries)) };
}

/**
 * A pending batch read back, as packs to apply: every entry in it must verify (this device wrote and
 * signed it) and sit where its date says, else it is a bug, not bad input. Older batch files (deflated
 * entry lines, or JSON) are read too, and packed as a new write would pack them.
 */
async function readPendingBatch(path: string, name: string): Promise<{ coop: string; packed: PackedEntries } | undefined> {
  if (name.endsWith('.json')) return entriesBatch(await readJsonBatch(path), name);
  const bytes = await readFile(path);
  if (!isPackedBatch(bytes)) return entriesBatch(await readLineBatch(path), name);
  const file = parsePackedBatch(bytes);
  if (file === undefined) return undefined;
  const packed = emptyPacked();
  let count = 0;
  for (const pack of file.packs) {
    const checks = checkPack(pack.key, pack.bytes);
    for (const checked of checks) {
      assert(checked.ok, `pending batch ${name} holds an entry this device signed that does not verify`);
      assert((datedPayload(checked.entry.body.payload) ?? 'catalog') === pack.where, `pending batch ${name} files an entry under the wrong day`);
    }
    addPack(packed, pack.where, pack.key, pack.bytes, checks.length);
    count += checks.length;
  }
  return { coop: file.coop, packed: { ...packed, entries: count } };
}

function entriesBatch(batch: PendingBatch | undefined, name: string): { coop: string; packed: PackedEntries } | undefined {
  if (batch === undefined) return undefined;
  const checks = [
    ...batch.singles.map((item) => checkStoredEntry(crypto.sha256Hex(item.text), item, crypto)),
    ...batch.sealed.flatMap((group) => checkSealedEntries(group.texts, group, crypto)),
  ];
  const entries: Entry[] = [];
  for (const checked of checks) {
    assert(checked.ok, `pending batch ${name} holds an entry this device signed that does not verify`);
    entries.push(checked.entry);
  }
  return { coop: batch.coop, packed: packBatch(entries) };
}

interface PendingBatch {
  coop: string;
  singles: StoredEntry[];
  sealed: { author: string; sig: string; texts: string[] }[];
}

async function readLineBatch(path: string): Promise<PendingBatch | undefined> {
  const content = await readEntryLines(path);
  if (!content) return undefined;
  const [header, ...lines] = content.split('\n');
  if (!header?.startsWith('coop ')) return undefined;
  const batch: PendingBatch = { coop: header.slice(5), singles: [], sealed: [] };
  for (const line of lines) {
    const fields = line.split('\t', 3);
    if (fields[0] === '#seal') { batch.sealed.push({ author: fields[1] ?? '', sig: fields[2] ?? '', texts: [] }); continue; }
    const tab = line.indexOf('\t');
    const stored = { sig: line.slice(0, tab), text: line.slice(tab + 1) };
    const group = batch.sealed.at(-1);
    if (stored.sig === '' && group) group.texts.push(stored.text);
    else batch.singles.push(stored);
  }
  return batch;
}

/** Batches written by earlier versions (and by tests that simulate a crash): `{coop, entries: [{id, text, sig}]}`. */
async function readJsonBatch(path: string): Promise<PendingBatch | undefined> {
  try {
    const batch = JSON.parse(await readFile(path, 'utf8')) as { coop: string; entries: StoredEntry[] };
    return { coop: batch.coop, singles: batch.entries, sealed: [] };
  } catch {
    return undefined;
  }
}

export type PackCheck = { ok: true; entry: Entry } | { ok: false; id: string; code: EntryRejection; reason: string; line?: number };

/** Every entry of a stored pack, checked; entries in `known` (verified before, by id) are not checked again. */
export function checkPack(key: string, value: unknown, known?: ReadonlyMap<string, Entry>): PackCheck[] {
  const decoded = decodePack(value);
  const knownEntry = (id: string) => known?.get(id);
  if (decoded.form === 'sealed') return checkSealedEntries(decoded.texts, decoded, crypto, knownEntry);
  return decoded.lines.map((line): PackCheck => {
    if (!line.ok) return { ok: false, id: `${key}:${line.line}`, code: 'malformed_entry', reason: line.reason, line: line.line };
    const id = crypto.sha256Hex(line.stored.text);
    const entry = knownEntry(id);
    if (entry) return { ok: true, entry };
    const checked = checkStoredEntry(id, line.stored, crypto);
    return checked.ok ? checked : { ...checked, id };
  });
}

/** The same entry may be in two period documents of one month (created concurrently): count it once. */
function dedupe(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => (seen.has(entry.id) ? false : (seen.add(entry.id), true)));
}

/** Appends to a loaded month less than this apart go into its document as one change (see applyEarly). */
const COALESCE_MS = 5;

/** An append for one loaded month, as appendEntries' early path puts it into the document. */
interface EarlyAppend {
  readonly month: string;
  readonly days: Record<string, Record<string, StoredPack>>;
  readonly handle: DocHandle<PeriodDoc>;
}

/** A change this store made to one of its documents, and the document's heads before it. */
export type LocalChangeListener = (handle: DocHandle<unknown>, headsBefore: string[]) => void;

/** The one month a batch goes to, with its packs by day; none if it also goes to the catalog or to other months. */
function onlyMonth(packed: PackedEntries): { month: string; days: Record<string, Record<string, StoredPack>> } | undefined {
  if (Object.keys(packed.catalog).length > 0 || packed.months.size !== 1) return undefined;
  const [month, period] = [...packed.months][0]!;
  return { month, days: period.days };
}

/** Adds packs to a month's days; a pack already there (same key, same content) is left as it is. */
function addDays(doc: PeriodDoc, days: Record<string, Record<string, StoredPack>>): void {
  for (const [date, packs] of Object.entries(days)) {
    // Re-read after assigning: an assignment expression yields the plain object, not the document's map.
    if (!doc.days[date]) doc.days[date] = {};
    const day = doc.days[date];
    for (const [key, value] of Object.entries(packs)) if (!day[key]) day[key] = value;
  }
}

interface WaitingAppend {
  readonly entries: readonly Entry[];
  readonly preparer?: BatchPreparer;
  /** Already in this document (appendEntries' early path): only its flush is waited for. */
  readonly applied?: DocumentId;
  readonly onProgress?: (done: number, total: number) => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The next appends to write as one batch, in the order they were made: a call that reports progress, or
 * one large enough to unload months as it goes, is written alone; small ones together, up to that size.
 */
function takeAppendGroup(waiting: WaitingAppend[]): WaitingAppend[] {
  const first = waiting[0];
  if (first === undefined) return [];
  if (first.onProgress !== undefined || first.preparer !== undefined || first.entries.length >= UNLOAD_AFTER_WRITE_ENTRIES) return waiting.splice(0, 1);
  let count = 0;
  let taken = 0;
  for (const append of waiting) {
    if (append.onProgress !== undefined || append.preparer !== undefined || count + append.entries.length >= UNLOAD_AFTER_WRITE_ENTRIES) break;
    count += append.entries.length;
    taken += 1;
  }
  return waiting.splice(0, taken);
}

/** A new document id, as automerge-repo gives one (`repo.create`). */
function newDocumentId(): DocumentId {
  return parseAutomergeUrl(generateAutomergeUrl()).documentId;
}
