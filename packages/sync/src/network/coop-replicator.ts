import { readFile } from 'node:fs/promises';
import { sep } from 'node:path';
import { applyChanges, decodeChange, getChangesSince, getHeads, hasHeads, loadIncremental, save } from '@automerge/automerge';
import type { AutomergeUrl, DocHandle, DocumentId, PeerId as RepoPeerId, Repo } from '@automerge/automerge-repo';
import type { Libp2p } from '@libp2p/interface';
import type { CoopStore } from '../coop-store.js';
import type { FederationRecord } from '../data-folder.js';
import { type CatalogDoc, periodDocuments } from '../documents.js';
import { listDamage, markRecovered } from '../storage-damage.js';
import type { FederationDoc } from '../federation-store.js';
import { CatalogRosterReader } from './catalog-roster.js';
import { FederationGate, federationDevices } from './federation-gate.js';
import { type Libp2pNetworkAdapter, MAXIMUM_PUSHED_CHANGES, type PushedChanges } from './libp2p-network-adapter.js';
import type { RosterGate } from './roster-gate.js';
import { storeFromSavedBytes } from './saved-bytes.js';
import type { SnapshotAnswer } from './snapshot-protocol.js';

/** What a replicating peer tells its user (and its tests), in order. */
export type ReplicationEvent =
  | { type: 'connected'; peerId: string; member: string }
  | { type: 'disconnected'; peerId: string; member?: string }
  | { type: 'refused'; peerId: string; direction: 'inbound' | 'outbound'; code: string; reason: string }
  | { type: 'cut-off'; peerId: string; reason: string }
  | { type: 'roster'; devices: number; members: number }
  | { type: 'saved'; documents: string[] }
  | { type: 'held-back'; missing: string[] }
  | { type: 'local-changes'; documents: string[] }
  | { type: 'in-sync'; peerId: string; member?: string; documents: number }
  | { type: 'recovered'; documents: string[]; files: number; from: string }
  /** A federation of the data folder is replicated from now on (at start, or once another process recorded it); `peers`: addresses to dial for it. */
  | { type: 'federation'; federation: string; name: string; peers: string[] }
  | { type: 'problem'; reason: string };

export interface CoopReplicatorOptions {
  /** Received changes are written to disk this long after the last one arrives (default 100 ms)... */
  flushDelayMs?: number;
  /** ...and never later than this after the first (default 1 s), even while changes keep coming. */
  flushMaximumDelayMs?: number;
  /** How often to look for chunks and federations other processes on this data folder wrote (default 1 s; 0: never). */
  localPollMs?: number;
  log: (event: ReplicationEvent) => void;
  /** Called (at most every 200 ms) when a federation's document changed here, received or written locally. */
  onFederationChanged?: (federationId: string) => void;
}

interface TrackedDocument {
  readonly label: string;
  /** The federation whose document this is; none: one of the co-op's own documents. */
  readonly federation?: string;
  handle?: DocHandle<unknown>;
}

/** Bound on the documents one co-op may list: a catalog naming more is not followed past it. */
const MAXIMUM_DOCUMENTS = 10_000;

/** Local changes larger than this (an import's month) are left to the sync protocol rather than pushed. */
const MAXIMUM_PUSHED_BYTES = 256 * 1024;

/**
 * Keeps one co-op's documents replicated with the peers the gate admits, over a CoopStore's repo:
 * - shares only this co-op's documents (the catalog and the months it lists), only with admitted devices
 *   (automerge-repo's shareConfig: announce and access);
 * - follows the catalog: every month it lists, including ones other devices created, is fetched and kept;
 * - derives the roster from the catalog whenever it changes, and cuts off connected peers it no longer admits;
 * - writes received changes to disk promptly, months before the catalog that names them, so that the
 *   catalog on disk never names a month that is not there (a crash or an early exit leaves readable books);
 * - picks up changes other processes (the CLI) wrote to the same data folder, and sends them on;
 * - knows when it is in sync with a peer: every document's heads equal to the heads that peer reports.
 */
export class CoopReplicator {
  private catalog!: DocHandle<CatalogDoc>;
  private readonly documents = new Map<DocumentId, TrackedDocument>();
  private readonly theirHeads = new Map<string, Map<string, string>>();
  private readonly inSync = new Set<string>();
  private readonly syncWaiters = new Map<string, Array<() => void>>();
  private readonly dirty = new Set<DocumentId>();
  private readonly rosterReader: CatalogRosterReader;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private firstDirtyAt: number | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private syncCheckTimer: ReturnType<typeof setTimeout> | undefined;
  private lastListing: string[] = [];
  /** The data folder's config as last read from disk: a federation another process records there is followed. */
  private configText: string | undefined;
  private lastHeldBack = '';
  /** Documents automerge-repo actually wrote (it skips a save when nothing changed since the last one). */
  private readonly written = new Set<string>();
  private stopped = false;
  private readonly options: Required<Omit<CoopReplicatorOptions, 'onFederationChanged'>> & Pick<CoopReplicatorOptions, 'onFederationChanged'>;
  /** Who may hold each federation document of this folder (also admitted at the connection, see RosterGate). */
  readonly federations = new FederationGate();
  private readonly federationTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * Months the catalog lists that storage lacks (a device long offline, an old backup restored, months another
   * device created), by month: asked of a connected member's peer as saved bytes before the sync protocol may
   * rebuild them change by change (docs/DECISIONS.md 33). Not shared with anyone until then.
   */
  private readonly lacking = new Map<DocumentId, string>();
  private fetchingLacking: Promise<void> | undefined;
  private readonly lackingWaiters = new Map<DocumentId, Array<() => void>>();
  /** Months whose storage is being looked at: not asked for yet, and a member's messages about them wait. */
  private readonly checkingStorage = new Set<DocumentId>();
  private readonly trackedWaiters = new Map<string, Array<() => void>>();
  private readonly stopping = new AbortController();
  private stopPushing: (() => void) | undefined;
  /** Changes pushed to peers as this store made them, and pushed changes taken from peers (each counted once per document and peer). */
  readonly pushes = { sent: 0, applied: 0 };

  constructor(readonly store: CoopStore, private readonly node: Libp2p, readonly gate: RosterGate, private readonly adapter: Libp2pNetworkAdapter, options: CoopReplicatorOptions) {
    this.options = { flushDelayMs: 100, flushMaximumDelayMs: 1_000, localPollMs: 1_000, ...options };
    this.rosterReader = new CatalogRosterReader(store.coopId, store.genesisId);
    gate.useFederations(this.federations);
  }

  get repo(): Repo {
    return this.store.repo;
  }

  /** Reads the roster, sets what is shared with whom, then joins the repo to the network. */
  async start(): Promise<void> {
    const record = this.store.folder.config.coops[this.store.coopId]!;
    this.catalog = await this.repo.find<CatalogDoc>(record.catalog as AutomergeUrl);
    this.documents.set(this.catalog.documentId, { label: 'catalog', handle: this.catalog as DocHandle<unknown> });
    this.catalog.on('heads-changed', () => { this.catalogChanged(); });
    this.refreshRoster();
    // A month being fetched as saved bytes is not offered, and a member peer's sync messages about it wait until it
    // is stored: answered then, they find it here, and the sync protocol has only the rest to bring.
    const announce = async (peerId: RepoPeerId, documentId?: DocumentId) => documentId !== undefined && !this.lacking.has(documentId) && this.sharesWith(documentId, peerId);
    // A member announces a month as it connects, often before its catalog change naming the month is here: turned
    // away then, the month would later be found here with nobody telling this device the member's heads (a sync
    // killed after its months were stored and before its catalog was, never got in sync again). It waits a while.
    const access = async (peerId: RepoPeerId, documentId?: DocumentId) => {
      if (documentId === undefined) return false;
      if (this.gate.allowsMember(peerId)) {
        if (!this.documents.has(documentId)) await this.whenTracked(documentId);
        if (this.lacking.has(documentId)) await this.whenNoLongerLacking(documentId);
      }
      return this.sharesWith(documentId, peerId);
    };
    this.repo.shareConfig = { announce, access };
    this.lastListing = await this.store.storage.listing();
    this.store.storage.startChangeLog();
    this.followCatalog(new Set(this.lastListing.flatMap((name) => name.split(sep).slice(1, 2))));
    // Who may hold each federation's document is known before the first peer connects.
    await Promise.all(this.followFederations());
    this.repo.synchronizer.on('sync-state', ({ peerId, documentId, syncState }) => {
      if (syncState.theirHeads) this.noteTheirHeads(documentId, peerId, syncState.theirHeads);
    });
    this.adapter.on('peer-candidate', ({ peerId }) => {
      const decision = this.gate.check(peerId);
      this.options.log({ type: 'connected', peerId, member: decision.allowed ? decision.member : '?' });
      this.fetchLacking(peerId);
    });
    this.repo.on('doc-metrics', (metrics) => {
      if (metrics.type === 'doc-saved' || metrics.type === 'doc-compacted') this.written.add(metrics.documentId);
    });
    this.adapter.on('peer-disconnected', ({ peerId }) => { this.forgetPeer(peerId); });
    // This store's own changes go to connected peers at once, beside the repo's sync rounds (at most every 100 ms).
    this.stopPushing = this.store.onLocalChange((handle, headsBefore) => { this.pushLocalChange(handle, headsBefore); });
    this.adapter.receiveChangesWith((pushed) => { this.applyPushedChanges(pushed); });
    this.repo.networkSubsystem.addNetworkAdapter(this.adapter);
    if (this.options.localPollMs > 0) {
      this.pollTimer = setInterval(() => { void this.pickUpLocalChanges(); }, this.options.localPollMs);
    }
  }

  /** Stops syncing and writes everything received to disk (a month still missing keeps the catalog back). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.flushTimer);
    clearTimeout(this.syncCheckTimer);
    for (const timer of this.federationTimers.values()) clearTimeout(timer);
    this.stopping.abort();
    await this.fetchingLacking;
    for (const waiters of [...this.lackingWaiters.values(), ...this.trackedWaiters.values()]) for (const resolve of waiters.splice(0)) resolve();
    this.stopPushing?.();
    this.adapter.receiveChangesWith(undefined);
    this.repo.networkSubsystem.removeNetworkAdapter(this.adapter);
    await this.flush();
    await this.recovery;
  }

  /** Writes every received change to disk now (in order: months, then the catalog). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined); // a failed flush is the caller's to report; later ones still run
    await run;
  }

  isInSyncWith(peerId: string): boolean {
    return this.inSync.has(peerId);
  }

  /** Resolves once every document of the co-op has the same heads here and at that peer. */
  whenInSyncWith(peerId: string): Promise<void> {
    if (this.inSync.has(peerId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.syncWaiters.get(peerId) ?? [];
      waiters.push(resolve);
      this.syncWaiters.set(peerId, waiters);
    });
  }

  /** The co-op's documents and whether each is here (labels like `catalog`, `period 2025-03`). */
  documentStates(): { documentId: string; label: string; present: boolean }[] {
    return [...this.documents].map(([documentId, tracked]) => ({ documentId, label: tracked.label, present: tracked.handle?.isReady() ?? false }));
  }

  /**
   * Each document this peer follows (the catalog, every month the catalog here lists, federations): whether
   * it is here yet and which connected peers hold exactly what this device holds. What `status` shows
   * while a device first replicates: the months come from the catalog as soon as it arrives.
   */
  documentReport(): { documentId: string; label: string; present: boolean; inSyncWith: string[]; behind: string[] }[] {
    return [...this.documents].map(([documentId, tracked]) => {
      const peers = this.repo.peers.filter((peerId) => this.sharesWith(documentId, peerId) && this.theirHeads.get(documentId)?.has(peerId) === true);
      const inSyncWith = peers.filter((peerId) => this.documentInSync(documentId, tracked, peerId));
      return { documentId, label: tracked.label, present: tracked.handle?.isReady() ?? false, inSyncWith, behind: peers.filter((peerId) => !inSyncWith.includes(peerId)) };
    });
  }

  /** Each document's heads here (sorted, joined), for documents present: two peers in sync show the same. */
  documentHeads(): Record<string, string> {
    const heads: Record<string, string> = {};
    for (const [documentId, tracked] of this.documents) {
      if (tracked.handle?.isReady() === true) heads[documentId] = [...getHeads(tracked.handle.doc() as object)].sort().join(',');
    }
    return heads;
  }

  /** Documents not (yet) in sync with a peer, by label: what a one-shot sync is still waiting for. */
  documentsBehind(peerId: string): string[] {
    return [...this.documents].filter(([documentId, tracked]) => this.sharesWith(documentId, peerId) && !this.documentInSync(documentId, tracked, peerId)).map(([, tracked]) => tracked.label);
  }

  /**
   * The co-op's documents go to its own admitted devices only; a federation's document to the devices of
   * its co-ops only (federation-gate.ts). A device admitted for a federation never gets the co-op's.
   */
  sharesWith(documentId: DocumentId, peerId: string): boolean {
    const tracked = this.documents.get(documentId);
    if (tracked === undefined) return false;
    return tracked.federation === undefined ? this.gate.allowsMember(peerId) : this.federations.allows(tracked.federation, peerId);
  }

  /**
   * A document as a fresh replica's first copy (snapshot-protocol.ts): the chunks storage holds for it,
   * which cost no Automerge work to hand over, with the heads here (changes not yet on disk reach the
   * receiver by the sync protocol). A document never saved yet is saved whole.
   */
  async readSnapshot(documentId: string): Promise<SnapshotAnswer> {
    const handle = this.documents.get(documentId as DocumentId)?.handle;
    if (handle?.isReady() !== true) return { documentId, unavailable: 'not here' };
    const heads = getHeads(handle.doc() as object);
    const chunks = (await this.store.storage.loadRange([documentId])).filter((chunk) => chunk.key[1] === 'snapshot' || chunk.key[1] === 'incremental');
    // Snapshots first, as automerge-repo's StorageSubsystem loads them.
    chunks.sort((a, b) => (a.key[1] === b.key[1] ? 0 : a.key[1] === 'snapshot' ? -1 : 1));
    const stored = chunks.flatMap((chunk) => (chunk.data === undefined ? [] : [chunk.data]));
    const data = stored.length === 0 ? save(handle.doc() as object) : Buffer.concat(stored);
    return { documentId, heads, data };
  }

  /**
   * A change this store just made (an append) goes to every connected peer the document is shared with,
   * now: automerge-repo would send it at its next sync round, up to 100 ms later (DocSynchronizer's fixed
   * throttle), which at 100 entries a second is most of the time an entry may take to arrive. The sync
   * protocol still runs as before and makes up for a push that was lost or dropped.
   */
  private pushLocalChange(handle: DocHandle<unknown>, headsBefore: string[]): void {
    const documentId = handle.documentId;
    if (this.stopped || !this.documents.has(documentId) || !handle.isReady()) return;
    const peers = this.adapter.connectedPeers().filter((peerId) => this.sharesWith(documentId, peerId));
    if (peers.length === 0) return;
    const changes = getChangesSince(handle.doc() as object, headsBefore);
    if (changes.length > MAXIMUM_PUSHED_CHANGES || changes.reduce((sum, change) => sum + change.byteLength, 0) > MAXIMUM_PUSHED_BYTES) return;
    for (const peerId of peers) this.adapter.sendChanges(peerId, documentId, changes);
    this.pushes.sent += peers.length;
  }

  /**
   * Changes a peer pushed: taken only for a document this peer follows and shares with that peer (the rule
   * the repo applies to sync messages), and only if everything they depend on is here; otherwise they are
   * dropped and the sync protocol, which asks for what is missing, brings them.
   */
  private applyPushedChanges({ peerId, documentId, changes }: PushedChanges): void {
    const handle = this.documents.get(documentId as DocumentId)?.handle;
    if (this.stopped || handle?.isReady() !== true || !this.sharesWith(documentId as DocumentId, peerId)) return;
    const doc = handle.doc() as object;
    const pushed = new Set<string>();
    try {
      for (const change of changes) {
        const decoded = decodeChange(change);
        if (!decoded.deps.every((dep) => pushed.has(dep) || hasHeads(doc, [dep]))) return;
        pushed.add(decoded.hash);
      }
    } catch (error) {
      this.problem(`reading changes pushed by ${peerId}`, error);
      return;
    }
    if (hasHeads(doc, [...pushed])) return; // already here (the sync protocol was first)
    handle.update((current) => applyChanges(current as object, changes)[0]);
    this.pushes.applied += 1;
  }

  /** Tracks the document of every federation this folder belongs to, and derives who may hold it. */
  private followFederations(): Promise<void>[] {
    const finding: Promise<void>[] = [];
    for (const [federationId, record] of Object.entries(this.store.folder.config.federations ?? {})) {
      const documentId = record.document.replace(/^automerge:/u, '') as DocumentId;
      if (this.documents.has(documentId)) continue;
      finding.push(this.track(documentId, `federation ${record.name}`, federationId).then(() => {
        if (!this.stopped) this.options.log({ type: 'federation', federation: federationId, name: record.name, peers: [...(record.peers ?? [])] });
      }));
    }
    return finding;
  }

  /**
   * Federations another process on this data folder recorded while this peer runs (`federation create`,
   * `fetch`, `join`, or the app's service): the config file changed. A new one is followed (its document
   * is read from storage, where that process wrote it before the config); a changed record (a join names
   * the co-op's account) is taken in and its federation served again. The file is written atomically
   * (temp file, rename), so a read sees one whole version.
   */
  private async pickUpFolderConfig(): Promise<void> {
    const folder = this.store.folder;
    const text = await readFile(folder.configPath, 'utf8').catch(() => undefined);
    if (text === undefined || text === this.configText) return;
    this.configText = text;
    let onDisk: unknown;
    try {
      onDisk = (JSON.parse(text) as { federations?: unknown }).federations;
    } catch {
      this.options.log({ type: 'problem', reason: `${folder.configPath} is not valid JSON; federations recorded there are not followed until it is` });
      return;
    }
    if (typeof onDisk !== 'object' || onDisk === null) return;
    const federations = folder.config.federations ?? {};
    const changed: string[] = [];
    for (const [federationId, record] of Object.entries(onDisk as Record<string, unknown>)) {
      if (!isFederationRecord(record) || JSON.stringify(federations[federationId]) === JSON.stringify(record)) continue;
      federations[federationId] = record;
      changed.push(federationId);
    }
    if (changed.length === 0) return;
    folder.config.federations = federations;
    await Promise.all(this.followFederations());
    for (const federationId of changed) {
      const tracked = [...this.documents.values()].find((candidate) => candidate.federation === federationId);
      if (tracked?.handle !== undefined) this.federationChanged(federationId, tracked.handle);
    }
  }

  private federationChanged(federationId: string, handle: DocHandle<unknown>): void {
    const record = this.store.folder.config.federations?.[federationId];
    if (record === undefined || !handle.isReady()) return;
    try {
      this.federations.set(federationId, record.name, federationDevices(handle.doc() as FederationDoc, record.genesis));
    } catch (error) {
      this.problem(`reading federation ${record.name}`, error);
      return;
    }
    this.cutOffUnadmitted();
    this.repo.shareConfigChanged();
    if (this.options.onFederationChanged === undefined || this.federationTimers.has(federationId) || this.stopped) return;
    this.federationTimers.set(federationId, setTimeout(() => {
      this.federationTimers.delete(federationId);
      if (!this.stopped) this.options.onFederationChanged?.(federationId);
    }, 200));
  }

  private catalogChanged(): void {
    this.markDirty(this.catalog.documentId);
    this.refreshRoster();
    this.followCatalog();
  }

  /** The roster from the catalog; peers it no longer admits (a revoked device, a removed member) are cut off. */
  private refreshRoster(): void {
    if (!this.catalog.isReady()) return;
    const roster = this.rosterReader.read(this.catalog.doc());
    this.gate.setRoster(roster, this.catalog.doc().name);
    const active = roster.members.filter((member) => !member.removed);
    this.options.log({ type: 'roster', members: active.length, devices: active.reduce((sum, member) => sum + member.devices.length, 0) });
    this.cutOffUnadmitted();
    this.repo.shareConfigChanged();
  }

  /** Hangs up on connected peers that neither the co-op nor any federation of this folder admits now. */
  private cutOffUnadmitted(): void {
    for (const connection of this.node.getConnections()) {
      const decision = this.gate.check(connection.remotePeer.toString());
      if (decision.allowed) continue;
      this.options.log({ type: 'cut-off', peerId: connection.remotePeer.toString(), reason: decision.reason });
      void this.node.hangUp(connection.remotePeer).catch((error: unknown) => { this.problem('hanging up', error); });
    }
  }

  /**
   * Tracks every month the catalog lists; a month not here yet is asked of the connected peers, as saved bytes
   * when storage holds nothing of it (`stored`: the documents storage held at start; later months are looked up).
   */
  private followCatalog(stored?: ReadonlySet<string>): void {
    if (!this.catalog.isReady()) return;
    for (const { month, documentId } of periodDocuments(this.catalog.doc())) {
      if (this.documents.has(documentId as DocumentId)) continue;
      if (this.documents.size >= MAXIMUM_DOCUMENTS) {
        this.options.log({ type: 'problem', reason: `the catalog lists more than ${MAXIMUM_DOCUMENTS} documents; the rest are not followed` });
        return;
      }
      const tracked: TrackedDocument = { label: `period ${month}` };
      const id = documentId as DocumentId;
      this.documents.set(id, tracked);
      if (stored?.has(documentId) === true) void this.find(id, tracked);
      else if (stored !== undefined) this.lackStored(id, month);
      else {
        this.lacking.set(id, month);
        this.checkingStorage.add(id);
        void this.store.storage.listKeys([documentId]).then((keys) => keys.length > 0, (error: unknown) => {
          this.problem(`reading the storage of period ${month}`, error);
          return true; // the sync protocol, as before
        }).then((here) => {
          this.checkingStorage.delete(id);
          if (!here) {
            this.fetchLacking();
            return;
          }
          this.lacking.delete(id);
          void this.find(id, tracked);
          this.repo.shareConfigChanged();
          for (const resolve of this.lackingWaiters.get(id)?.splice(0) ?? []) resolve();
          this.lackingWaiters.delete(id);
        });
      }
      for (const resolve of this.trackedWaiters.get(documentId)?.splice(0) ?? []) resolve();
      this.trackedWaiters.delete(documentId);
    }
    this.repo.shareConfigChanged();
  }

  /** A month storage lacks: fetched as saved bytes from the first member peer connected (now or later). */
  private lackStored(documentId: DocumentId, month: string): void {
    this.lacking.set(documentId, month);
    this.fetchLacking();
  }

  /**
   * The months storage lacks, as a member peer's saved bytes (saved-bytes.ts): each checked to be that month of
   * this co-op before it is stored, then loaded from storage like any month. The sync protocol then brings what
   * the bytes lack, and every month the peer did not hand over (it lacks it too, refused it, or has no such
   * protocol). One fetch at a time; months listed meanwhile go in the next.
   */
  private fetchLacking(peerId?: string): void {
    if (this.fetchingLacking !== undefined || this.lacking.size === 0 || this.stopped) return;
    const member = [peerId, ...this.adapter.connectedPeers()].find((candidate) => candidate !== undefined && this.gate.allowsMember(candidate));
    const connection = member === undefined ? undefined : this.node.getConnections().find((open) => open.remotePeer.toString() === member && open.status === 'open' && open.limits === undefined);
    if (member === undefined || connection === undefined) return; // tried again when a member's peer connects
    const asked = new Map([...this.lacking].filter(([documentId]) => !this.checkingStorage.has(documentId)));
    if (asked.size === 0) return;
    const storedLabels: string[] = [];
    const fetching = storeFromSavedBytes(connection, [...asked.keys()], this.store.storage, {
      signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(15_000 * Math.ceil(asked.size / 32))]),
      fields: ['tallystick', 'coop', 'month'],
      check: (documentId, { root }) => (root.tallystick === 'period' && root.coop === this.store.coopId && root.month === asked.get(documentId as DocumentId) ? undefined : `it is not the month ${asked.get(documentId as DocumentId)} of this co-op`),
      onRefused: (documentId, reason) => { this.problem(`the saved bytes of period ${asked.get(documentId as DocumentId)} from ${this.memberName(member)}`, new Error(`${reason}; the sync protocol brings it instead`)); },
      onStored: (documentId, theirHeads) => {
        storedLabels.push(`period ${asked.get(documentId as DocumentId)}`);
        // What that peer holds, as it said: its announcement of this month may have been turned away before the
        // catalog listed it here, and once both hold the same heads the sync protocol has nothing to tell.
        this.noteTheirHeads(documentId, member, theirHeads);
      },
    }).then(() => undefined, (error: unknown) => { if (!this.stopped) this.problem(`fetching months as saved bytes from ${this.memberName(member)}`, error); });
    this.fetchingLacking = fetching.then(() => {
      if (storedLabels.length > 0) this.options.log({ type: 'saved', documents: storedLabels });
      for (const documentId of asked.keys()) {
        this.lacking.delete(documentId);
        const tracked = this.documents.get(documentId);
        if (tracked !== undefined && !this.stopped) void this.find(documentId, tracked);
        for (const resolve of this.lackingWaiters.get(documentId)?.splice(0) ?? []) resolve();
        this.lackingWaiters.delete(documentId);
      }
      this.repo.shareConfigChanged();
      this.fetchingLacking = undefined;
      this.fetchLacking();
    });
  }

  private noteTheirHeads(documentId: string, peerId: string, heads: readonly string[]): void {
    const perPeer = this.theirHeads.get(documentId) ?? new Map<string, string>();
    perPeer.set(peerId, [...heads].sort().join(','));
    this.theirHeads.set(documentId, perPeer);
    this.scheduleSyncCheck();
  }

  /** Resolves once the document is followed here, or after 10 s (then it is not shared: turned away as before). */
  private whenTracked(documentId: string): Promise<void> {
    if (this.documents.has(documentId as DocumentId) || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      const waiters = this.trackedWaiters.get(documentId) ?? [];
      waiters.push(() => { clearTimeout(timer); resolve(); });
      this.trackedWaiters.set(documentId, waiters);
    });
  }

  private whenNoLongerLacking(documentId: DocumentId): Promise<void> {
    if (!this.lacking.has(documentId) || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.lackingWaiters.get(documentId) ?? [];
      waiters.push(resolve);
      this.lackingWaiters.set(documentId, waiters);
    });
  }

  private memberName(peerId: string): string {
    const decision = this.gate.check(peerId);
    return decision.allowed ? decision.member : peerId;
  }

  private track(documentId: DocumentId, label: string, federation?: string): Promise<void> {
    const tracked: TrackedDocument = { label, ...(federation === undefined ? {} : { federation }) };
    this.documents.set(documentId, tracked);
    for (const resolve of this.trackedWaiters.get(documentId)?.splice(0) ?? []) resolve();
    this.trackedWaiters.delete(documentId);
    return this.find(documentId, tracked, federation);
  }

  /** Finds a document (from storage, else from the connected peers) and follows its changes. */
  private find(documentId: DocumentId, tracked: TrackedDocument, federation?: string): Promise<void> {
    const label = tracked.label;
    return this.repo.find<unknown>(`automerge:${documentId}` as AutomergeUrl, { allowableStates: ['ready', 'unavailable'] }).then(
      (handle) => {
        tracked.handle = handle;
        handle.on('heads-changed', () => {
          this.markDirty(documentId);
          this.scheduleSyncCheck();
          if (federation !== undefined) this.federationChanged(federation, handle);
        });
        if (handle.isReady()) {
          this.markDirty(documentId);
          // A month stored from saved bytes may need no sync message at all: nothing else would look again.
          this.scheduleSyncCheck();
        }
        if (federation !== undefined) this.federationChanged(federation, handle);
      },
      (error: unknown) => { this.problem(`finding ${label}`, error); },
    );
  }

  private markDirty(documentId: DocumentId): void {
    this.dirty.add(documentId);
    if (this.stopped) return;
    const now = Date.now();
    this.firstDirtyAt ??= now;
    const delay = Math.max(0, Math.min(this.options.flushDelayMs, this.firstDirtyAt + this.options.flushMaximumDelayMs - now));
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flushNow()).catch((error: unknown) => { this.problem('saving', error); });
    }, delay);
  }

  /**
   * Months first, then the catalog, each flushed and fsynced (FileStorageAdapter.whenIdle): the
   * catalog is written only once every month it names is here, else it waits for them.
   */
  private async flushNow(): Promise<void> {
    this.firstDirtyAt = undefined;
    const catalogId = this.catalog.documentId;
    const periods = [...this.dirty].filter((id) => id !== catalogId && this.documents.get(id)?.handle?.isReady() === true);
    this.written.clear();
    if (periods.length > 0) {
      await this.repo.flush(periods);
      await this.store.storage.whenIdle();
      for (const id of periods) this.dirty.delete(id);
    }
    if (this.dirty.has(catalogId)) {
      const missing = [...this.documents.values()].filter((tracked) => tracked.federation === undefined && tracked.handle?.isReady() !== true).map((tracked) => tracked.label);
      if (missing.length === 0) {
        await this.repo.flush([catalogId]);
        await this.store.storage.whenIdle();
        this.dirty.delete(catalogId);
      } else if (missing.join() !== this.lastHeldBack) {
        this.lastHeldBack = missing.join();
        this.options.log({ type: 'held-back', missing });
      }
    }
    const saved = [...this.documents].filter(([id]) => this.written.has(id)).map(([, tracked]) => tracked.label);
    if (saved.length > 0) this.options.log({ type: 'saved', documents: saved });
  }

  private scheduleSyncCheck(): void {
    if (this.syncCheckTimer !== undefined || this.stopped) return;
    this.syncCheckTimer = setTimeout(() => {
      this.syncCheckTimer = undefined;
      this.checkSync();
    }, 10);
  }

  private checkSync(): void {
    for (const peerId of this.repo.peers) {
      const now = [...this.documents].every(([documentId, tracked]) => !this.sharesWith(documentId, peerId) || this.documentInSync(documentId, tracked, peerId));
      if (!now) { this.inSync.delete(peerId); continue; }
      if (this.inSync.has(peerId)) continue;
      this.inSync.add(peerId);
      const decision = this.gate.check(peerId);
      const shared = [...this.documents.keys()].filter((documentId) => this.sharesWith(documentId, peerId)).length;
      this.options.log({ type: 'in-sync', peerId, ...(decision.allowed ? { member: decision.member } : {}), documents: shared });
      // Damaged documents are recovered once in sync with a peer that holds them: saved, then recorded (storage-damage.ts).
      const recovery = this.recovery.then(() => this.recoverDamage(peerId, decision.allowed ? decision.member : undefined));
      this.recovery = recovery.catch((error: unknown) => { this.problem('recovering damaged documents', error); });
      void this.recovery.then(() => { for (const resolve of this.syncWaiters.get(peerId)?.splice(0) ?? []) resolve(); });
    }
  }

  private recovery: Promise<void> = Promise.resolve();

  /**
   * Documents whose chunks were put aside as damaged, now in sync with this peer: what it holds is here
   * again. Written to disk first, then their quarantined files move to `quarantine/recovered/`.
   */
  private async recoverDamage(peerId: string, member: string | undefined): Promise<void> {
    const damaged = await listDamage(this.store.folder.storageDir);
    const ids = new Set(damaged.map((chunk) => chunk.documentId).filter((documentId) => {
      const tracked = this.documents.get(documentId as DocumentId);
      return tracked !== undefined && this.sharesWith(documentId as DocumentId, peerId) && this.documentInSync(documentId as DocumentId, tracked, peerId);
    }));
    if (ids.size === 0) return;
    await this.flush();
    const moved = await markRecovered(this.store.folder.storageDir, ids);
    const labels = [...new Set(moved.map((chunk) => this.documents.get(chunk.documentId as DocumentId)?.label ?? chunk.documentId))];
    this.options.log({ type: 'recovered', documents: labels, files: moved.length, from: member ?? peerId });
  }

  private documentInSync(documentId: DocumentId, tracked: TrackedDocument, peerId: string): boolean {
    if (tracked.handle?.isReady() !== true) return false;
    const theirs = this.theirHeads.get(documentId)?.get(peerId);
    return theirs !== undefined && theirs === [...getHeads(tracked.handle.doc() as object)].sort().join(',');
  }

  private forgetPeer(peerId: string): void {
    this.inSync.delete(peerId);
    for (const perPeer of this.theirHeads.values()) perPeer.delete(peerId);
    const decision = this.gate.check(peerId);
    this.options.log({ type: 'disconnected', peerId, ...(decision.allowed ? { member: decision.member } : {}) });
  }

  /** What other processes wrote to this data folder: federations they recorded first, then chunks. */
  private async pickUpLocalChanges(): Promise<void> {
    if (this.pickingUp || this.stopped) return;
    this.pickingUp = true;
    try {
      await this.pickUpFolderConfig().catch((error: unknown) => { this.problem('reading the data folder\'s config', error); });
      await this.pickUpLocalWrites().catch((error: unknown) => { this.problem('reading local changes', error); });
    } finally {
      this.pickingUp = false;
    }
  }

  private pickingUp = false;

  /**
   * Chunks that another process (a `tallystick add` while this peer runs) wrote to the same data folder:
   * merged into the documents here, so they are sent on. Merging a chunk twice changes nothing.
   */
  private async pickUpLocalWrites(): Promise<void> {
    const storage = this.store.storage;
    // The log restarts before the walk, so a chunk this adapter writes while the walk runs (and that the walk may
    // miss) is still in the log the next time: never mistaken for another process's write.
    const expected = new Set(storage.expectedListing(this.lastListing));
    storage.startChangeLog();
    const listing = await storage.listing();
    for (const name of storage.expectedListing([])) expected.add(name);
    this.lastListing = listing;
    const changed = new Set<string>();
    for (const name of listing) {
      if (expected.has(name)) continue;
      const [docs, documentId, kind, chunk] = name.split(sep);
      if (docs !== 'docs' || documentId === undefined || chunk === undefined || (kind !== 'incremental' && kind !== 'snapshot')) continue;
      const handle = this.documents.get(documentId as DocumentId)?.handle;
      if (handle === undefined) continue;
      const data = await storage.load([documentId, kind, chunk]);
      if (data === undefined) continue;
      handle.update((doc) => loadIncremental(doc as object, data));
      changed.add(this.documents.get(documentId as DocumentId)!.label);
    }
    if (changed.size > 0) this.options.log({ type: 'local-changes', documents: [...changed] });
  }

  private problem(what: string, error: unknown): void {
    this.options.log({ type: 'problem', reason: `${what}: ${error instanceof Error ? error.message : String(error)}` });
  }
}

function isFederationRecord(value: unknown): value is FederationRecord {
  const record = value as Partial<FederationRecord> | null;
  return typeof record === 'object' && record !== null && typeof record.name === 'string' && typeof record.document === 'string'
    && typeof record.genesis === 'string' && typeof record.accounts === 'object' && record.accounts !== null
    && (record.peers === undefined || (Array.isArray(record.peers) && record.peers.every((address) => typeof address === 'string')));
}
