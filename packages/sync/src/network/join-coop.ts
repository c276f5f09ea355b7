import { type Doc, free, getHeads, hasHeads, load } from '@automerge/automerge';
import type { AutomergeUrl, DocHandle, DocumentId, PeerId as RepoPeerId, Repo } from '@automerge/automerge-repo';
import type { Connection } from '@libp2p/interface';
import { TallystickError } from '@tallystick/core';
import { CoopStore } from '../coop-store.js';
import type { DataFolder } from '../data-folder.js';
import { type CatalogDoc, periodDocuments } from '../documents.js';
import type { FileStorageAdapter, StorageProblem } from '../file-storage-adapter.js';
import type { NodeEntrySigner } from '../node-crypto.js';
import { CatalogRosterReader } from './catalog-roster.js';
import { type DialOutcome, createInviteeNode, dialInviter } from './coop-peer.js';
import { storedBytes, writeJoinProgress } from './join-progress.js';
import type { Invite } from './invite.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';
import { headsHash } from '../month-snapshots.js';
import { storeFromSavedBytes, type StoredFromSavedBytes } from './saved-bytes.js';
import { fetchSnapshots, type SnapshotAnswer } from './snapshot-protocol.js';

/** Months fetched in parallel while joining, and the most a catalog may make a joining device fetch. */
const MONTHS_AT_ONCE = 32;
const MAXIMUM_MONTHS = 10_000;

export interface JoinOptions {
  readonly folder: DataFolder;
  readonly signer: NodeEntrySigner;
  readonly invite: Invite;
  readonly timeoutMs?: number;
  readonly onStorageProblem?: (problem: StorageProblem) => void;
  /** Told how the months arrived: stored from the inviter's saved bytes, or synced change by change. */
  readonly onMonthsFetched?: (counts: { fromSavedBytes: number; synced: number }) => void;
  /** Told each step: dialling the inviter, then the catalog, then months fetched of months listed. */
  readonly onProgress?: (progress: JoinStep) => void;
  /** Told, once the co-op is recorded, how long the replica itself took (what `join` prints). */
  readonly onReplicated?: (replica: JoinTimings) => void;
}

/** The replica itself, timed from the dial: what a fresh replica costs apart from starting the process. */
export interface JoinTimings {
  /** From dialling the inviter to every document checked and stored (fsynced) and the co-op recorded. */
  readonly replicaMs: number;
  /** Dialling the inviter until it admitted this device (its sync channel opened). */
  readonly dialMs: number;
  /** Fetching and checking the catalog. */
  readonly catalogMs: number;
  /** Fetching, checking and storing every month, and storing the catalog. */
  readonly monthsMs: number;
  /** Documents now here (the catalog and its months). */
  readonly documents: number;
  /** Bytes stored from the inviter's saved bytes. */
  readonly savedBytes: number;
}

/** Where a join is: what the app's onboarding shows while it runs. */
export type JoinStep =
  | { readonly step: 'connecting' }
  | { readonly step: 'catalog' }
  | { readonly step: 'months'; readonly done: number; readonly total: number };

/**
 * Joining: fetch the co-op from the inviting peer, check it is the co-op the invite names (co-op id,
 * genesis) and that its roster lists this device, store its months and then its catalog, and only then
 * record the co-op in the data folder: a join cut short (even by kill -9) leaves no co-op behind, never
 * one whose catalog names months that are not here. Until the members have voted this device in, the
 * inviter refuses it at the connection: the outcome says so and nothing is written.
 * This device trusts only the inviter's peer id here (it has no roster yet), and asks it only for the
 * catalog and the months the catalog lists.
 */
export async function fetchCoop(options: JoinOptions): Promise<DialOutcome> {
  const { folder, invite } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const gate = new RosterGate(invite.name);
  gate.trust(invite.peer, 'the inviting member');
  const node = await createInviteeNode(options.signer, gate, invite);
  const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer: (peerId) => gate.allows(peerId), log: () => undefined });
  const { repo, storage } = CoopStore.openRepo(folder, options.onStorageProblem, { peerId: node.peerId.toString() });
  // Only what the sync protocol is asked for: nothing, when the saved bytes bring everything.
  const wanted = new Set<string>();
  const onlyTheCoop = async (peerId: RepoPeerId, documentId?: DocumentId) => peerId === invite.peer && documentId !== undefined && wanted.has(documentId);
  repo.shareConfig = { announce: onlyTheCoop, access: onlyTheCoop };
  repo.networkSubsystem.addNetworkAdapter(adapter);
  const progress = options.onProgress ?? (() => undefined);
  try {
    const started = performance.now();
    progress({ step: 'connecting' });
    const outcome = await dialInviter(node, adapter, gate, invite, timeoutMs, 'the invite names no address of the inviting peer');
    if (!outcome.ok) return outcome;
    const dialled = performance.now();
    progress({ step: 'catalog' });
    // Not the limited relayed connection that signalled WebRTC to an inviter behind NAT: the books never travel on it.
    const connection = node.getConnections().find((open) => open.remotePeer.toString() === invite.peer && open.status === 'open' && open.limits === undefined);
    const catalog = await fetchCatalog(repo, connection, wanted, invite, options.signer.publicKey, timeoutMs);
    const periods = periodDocuments(catalog.doc).slice(0, MAXIMUM_MONTHS);
    const name = catalog.doc.name;
    const catalogFetched = performance.now();
    // `status` in another terminal shows how far the join has got (join-progress.ts); the app is told by onProgress.
    const startedAt = new Date().toISOString();
    let received = 1;
    const saved: DocumentId[] = [];
    const report = async () => writeJoinProgress(folder, {
      phase: 'fetching', coop: invite.coop, name: invite.name, startedAt, documentsListed: periods.length + 1, documentsReceived: received, bytesSaved: await storedBytes(folder.storageDir, saved),
    });
    await report();
    const seeded = connection === undefined
      ? { complete: new Set<string>(), behind: new Map<string, string[]>(), bytes: 0 }
      : await seedFromSnapshots(connection, periods, storage, invite, timeoutMs, () => { received += 1; progress({ step: 'months', done: received - 1, total: periods.length }); });
    const stored = periods.map((period) => period.documentId as DocumentId).filter((documentId) => seeded.complete.has(documentId));
    received = 1 + stored.length;
    if (stored.length > 0) {
      saved.push(...stored);
      await report();
    }
    progress({ step: 'months', done: received - 1, total: periods.length });
    // What the saved bytes lacked (or a peer without the snapshot protocol): the sync protocol, from what is stored.
    const months = periods.map((period) => period.documentId as DocumentId).filter((documentId) => !seeded.complete.has(documentId));
    for (const documentId of months) wanted.add(documentId);
    for (let start = 0; start < months.length; start += MONTHS_AT_ONCE) {
      const batch = months.slice(start, start + MONTHS_AT_ONCE);
      await Promise.all(batch.map(async (documentId) => {
        try {
          const month = await repo.find(`automerge:${documentId}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) });
          // A month stored from saved bytes is ready at once: wait for the changes the inviter had beyond them.
          const heads = seeded.behind.get(documentId);
          if (heads !== undefined) await whenHasHeads(month, heads, timeoutMs);
        } catch (error) {
          throw new TallystickError('join_incomplete', `the inviting peer did not send month document ${documentId} of ${invite.name} (${(error as Error).message}); the co-op was not recorded here: run join again`);
        }
        received += 1;
        progress({ step: 'months', done: received - 1, total: periods.length });
      }));
      await repo.flush(batch);
      await storage.whenIdle();
      saved.push(...batch);
      await report();
    }
    options.onMonthsFetched?.({ fromSavedBytes: periods.length - months.length + seeded.behind.size, synced: months.length });
    // The catalog last, once every month it names is here (docs/DECISIONS.md 16).
    if (catalog.handle === undefined) await storage.save([invite.catalog, 'snapshot', headsHash(catalog.heads)], catalog.bytes!);
    else await repo.flush([catalog.handle.documentId]);
    await storage.whenIdle();
    folder.config.coops[invite.coop] = { name, catalog: `automerge:${invite.catalog}`, genesis: invite.genesis };
    folder.config.defaultCoop ??= invite.coop;
    await folder.saveConfig();
    const finished = performance.now();
    options.onReplicated?.({
      replicaMs: finished - started, dialMs: dialled - started, catalogMs: catalogFetched - dialled, monthsMs: finished - catalogFetched,
      documents: periods.length + 1, savedBytes: seeded.bytes + (catalog.bytes?.length ?? 0),
    });
    return outcome;
  } finally {
    repo.networkSubsystem.removeNetworkAdapter(adapter);
    await node.stop();
  }
}

/** The catalog, checked: the inviter's saved bytes when it has the snapshot protocol, else the sync protocol. */
interface FetchedCatalog {
  readonly doc: CatalogDoc;
  readonly heads: string[];
  /** Its saved bytes, to store once the months are here; none when it came by the sync protocol (then a handle). */
  readonly bytes?: Uint8Array;
  readonly handle?: DocHandle<CatalogDoc>;
}

/**
 * The catalog first, to learn the months: one round trip for its saved bytes, which are loaded (Automerge checks
 * them) and checked like a synced catalog (the invite's co-op and genesis, this device in its roster). Bytes that
 * lack some of the inviter's changes, or a peer without the protocol, fall back to the sync protocol.
 */
async function fetchCatalog(repo: Repo, connection: Connection | undefined, wanted: Set<string>, invite: Invite, device: string, timeoutMs: number): Promise<FetchedCatalog> {
  let answer: SnapshotAnswer | undefined;
  if (connection !== undefined) {
    // A peer without the protocol (or one that stops answering) leaves the catalog to the sync protocol.
    await fetchSnapshots(connection, [invite.catalog], { signal: AbortSignal.timeout(timeoutMs), onAnswer: (given) => { answer = given; } }).catch(() => undefined);
  }
  if (answer !== undefined && 'data' in answer) {
    let doc: Doc<CatalogDoc>;
    try {
      doc = load<CatalogDoc>(answer.data);
    } catch (error) {
      throw new TallystickError('bad_document', `the inviting peer sent the catalog of ${invite.name} as bytes that are not a readable Automerge document (${(error as Error).message}); nothing was written`);
    }
    // Bytes behind the inviter's memory may predate the vote that admitted this device: checked once synced.
    if (hasHeads(doc, [...answer.heads])) {
      checkCatalog(doc, invite, device);
      return { doc, heads: getHeads(doc), bytes: answer.data };
    }
    free(doc);
  }
  wanted.add(invite.catalog);
  // A peer that admits this device for a federation only answers that the co-op's catalog is unavailable.
  const handle = await repo.find<CatalogDoc>(`automerge:${invite.catalog}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
    throw new TallystickError('not_admitted', `the inviting peer did not hand over the catalog of ${invite.name} (${(error as Error).message}): this device is not a member device of that co-op; nothing was written`);
  });
  checkCatalog(handle.doc(), invite, device);
  return { doc: handle.doc(), heads: getHeads(handle.doc()), handle };
}

/**
 * A fresh replica's months from the inviter's saved bytes (snapshot-protocol.ts, saved-bytes.ts) rather than rebuilt
 * change by change by the sync protocol. Each must be a month document of this co-op for the month the catalog
 * names, and is stored (fsynced) as a snapshot chunk; a month that is not is refused, and the join with it.
 * Returns the months stored with every change the inviter had; the others (unanswered, or behind the inviter's
 * memory) are synced. A peer that does not speak the protocol, or stops answering, leaves them to the sync protocol.
 */
async function seedFromSnapshots(
  connection: Connection, periods: readonly { month: string; documentId: string }[],
  storage: FileStorageAdapter, invite: Invite, timeoutMs: number, onStored: () => void,
): Promise<StoredFromSavedBytes> {
  const monthOf = new Map(periods.map((period) => [period.documentId, period.month]));
  try {
    return await storeFromSavedBytes(connection, periods.map((period) => period.documentId), storage, {
      signal: AbortSignal.timeout(timeoutMs * Math.max(1, Math.ceil(periods.length / MONTHS_AT_ONCE))),
      fields: ['tallystick', 'coop', 'month'],
      check: (documentId, { root }) => (root.tallystick === 'period' && root.coop === invite.coop && root.month === monthOf.get(documentId) ? undefined : `it is not the month ${monthOf.get(documentId)} of this co-op`),
      onRefused: (documentId, reason) => {
        throw new TallystickError('bad_document', `the inviting peer sent month document ${documentId} (${monthOf.get(documentId)}) of ${invite.name}, but ${reason}; the co-op was not recorded here`);
      },
      onStored,
    });
  } catch (error) {
    if (error instanceof TallystickError) throw error;
    return { complete: new Set(), behind: new Map(), bytes: 0 };
  }
}

/** Resolves once a document holds the given heads (the sync protocol brought the rest), or fails after a while. */
async function whenHasHeads(handle: DocHandle<unknown>, heads: readonly string[], timeoutMs: number): Promise<void> {
  const holds = () => hasHeads(handle.doc() as Doc<unknown>, [...heads]);
  if (holds()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { handle.off('heads-changed', check); reject(new Error(`its changes beyond the saved bytes did not arrive within ${timeoutMs} ms`)); }, timeoutMs);
    const check = () => {
      if (!holds()) return;
      clearTimeout(timer);
      handle.off('heads-changed', check);
      resolve();
    };
    handle.on('heads-changed', check);
  });
}

/** The fetched catalog must be the invite's co-op, and must already list this device as a member's. */
function checkCatalog(catalog: CatalogDoc, invite: Invite, device: string): void {
  if (catalog.tallystick !== 'catalog' || catalog.coop !== invite.coop || catalog.genesis !== invite.genesis) {
    throw new TallystickError('wrong_coop', `the inviting peer sent a document that is not the catalog of co-op ${invite.name} (${invite.coop}); nothing was written`);
  }
  const roster = new CatalogRosterReader(invite.coop, invite.genesis).read(catalog);
  const admitted = roster.members.some((member) => !member.removed && member.devices.some((key) => key === device));
  if (!admitted) {
    throw new TallystickError('not_admitted', `the catalog of ${invite.name} does not list this device (${device.slice(0, 16)}…) as a member's yet; nothing was written`);
  }
}
