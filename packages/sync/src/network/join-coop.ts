import { createHash } from 'node:crypto';
import { type Doc, free, getHeads, hasHeads, load } from '@automerge/automerge';
import type { AutomergeUrl, DocHandle, DocumentId, PeerId as RepoPeerId } from '@automerge/automerge-repo';
import { TallystickError } from '@tallystick/core';
import { CoopStore } from '../coop-store.js';
import type { DataFolder } from '../data-folder.js';
import { type CatalogDoc, type PeriodDoc, periodDocuments } from '../documents.js';
import type { FileStorageAdapter, StorageProblem } from '../file-storage-adapter.js';
import type { NodeEntrySigner } from '../node-crypto.js';
import { CatalogRosterReader } from './catalog-roster.js';
import { type DialOutcome, createInviteeNode, dialInviter } from './coop-peer.js';
import { storedBytes, writeJoinProgress } from './join-progress.js';
import type { Invite } from './invite.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';
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
  const wanted = new Set<string>([invite.catalog]);
  const onlyTheCoop = async (peerId: RepoPeerId, documentId?: DocumentId) => peerId === invite.peer && documentId !== undefined && wanted.has(documentId);
  repo.shareConfig = { announce: onlyTheCoop, access: onlyTheCoop };
  repo.networkSubsystem.addNetworkAdapter(adapter);
  const progress = options.onProgress ?? (() => undefined);
  try {
    progress({ step: 'connecting' });
    const outcome = await dialInviter(node, adapter, gate, invite, timeoutMs, 'the invite names no address of the inviting peer');
    if (!outcome.ok) return outcome;
    progress({ step: 'catalog' });
    // A peer that admits this device for a federation only answers that the co-op's catalog is unavailable.
    const handle = await repo.find<CatalogDoc>(`automerge:${invite.catalog}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
      throw new TallystickError('not_admitted', `the inviting peer did not hand over the catalog of ${invite.name} (${(error as Error).message}): this device is not a member device of that co-op; nothing was written`);
    });
    checkCatalog(handle.doc(), invite, options.signer.publicKey);
    const periods = periodDocuments(handle.doc()).slice(0, MAXIMUM_MONTHS);
    for (const { documentId } of periods) wanted.add(documentId);
    // `status` in another terminal shows how far the join has got (join-progress.ts); the app is told by onProgress.
    const startedAt = new Date().toISOString();
    let received = 1;
    const saved: DocumentId[] = [];
    const report = async () => writeJoinProgress(folder, {
      phase: 'fetching', coop: invite.coop, name: invite.name, startedAt, documentsListed: periods.length + 1, documentsReceived: received, bytesSaved: await storedBytes(folder.storageDir, saved),
    });
    await report();
    // Not the limited relayed connection that signalled WebRTC to an inviter behind NAT: the books never travel on it.
    const connection = node.getConnections().find((open) => open.remotePeer.toString() === invite.peer && open.status === 'open' && open.limits === undefined);
    const seeded = connection === undefined ? { complete: new Set<string>(), behind: new Map<string, string[]>() } : await seedFromSnapshots(connection, periods, storage, invite, timeoutMs);
    const stored = periods.map((period) => period.documentId as DocumentId).filter((documentId) => seeded.complete.has(documentId));
    if (stored.length > 0) {
      received += stored.length;
      saved.push(...stored);
      await report();
    }
    progress({ step: 'months', done: received - 1, total: periods.length });
    // What the saved bytes lacked (or a peer without the snapshot protocol): the sync protocol, from what is stored.
    const months = periods.map((period) => period.documentId as DocumentId).filter((documentId) => !seeded.complete.has(documentId));
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
    await repo.flush([handle.documentId]);
    await storage.whenIdle();
    folder.config.coops[invite.coop] = { name: handle.doc().name, catalog: handle.url, genesis: invite.genesis };
    folder.config.defaultCoop ??= invite.coop;
    await folder.saveConfig();
    return outcome;
  } finally {
    repo.networkSubsystem.removeNetworkAdapter(adapter);
    await node.stop();
  }
}

/**
 * A fresh replica's months from the inviter's saved bytes (snapshot-protocol.ts) rather than rebuilt change by
 * change by the sync protocol. Each is loaded here, which checks the bytes, must be a month document of this
 * co-op for the month the catalog names, and is stored (fsynced) as a snapshot chunk. Returns the months
 * stored with every change the inviter had; the others (unanswered, or behind the inviter's memory) are synced.
 * A peer that does not speak the protocol, or stops answering, leaves every month not stored to the sync protocol.
 */
async function seedFromSnapshots(
  connection: Parameters<typeof fetchSnapshots>[0], periods: readonly { month: string; documentId: string }[],
  storage: FileStorageAdapter, invite: Invite, timeoutMs: number,
): Promise<{ complete: Set<string>; behind: Map<string, string[]> }> {
  const monthOf = new Map(periods.map((period) => [period.documentId, period.month]));
  const complete = new Set<string>();
  const behind = new Map<string, string[]>();
  const writes: Promise<void>[] = [];
  const onAnswer = (answer: SnapshotAnswer): void => {
    if (!('data' in answer)) return;
    const { heads, upToDate } = checkMonthSnapshot(answer, monthOf.get(answer.documentId)!, invite);
    const key = [answer.documentId, 'snapshot', headsHash(heads)];
    writes.push(storage.save(key, answer.data).then(() => {
      if (upToDate) complete.add(answer.documentId);
      else behind.set(answer.documentId, [...answer.heads]);
    }));
  };
  try {
    await fetchSnapshots(connection, periods.map((period) => period.documentId), { signal: AbortSignal.timeout(timeoutMs * Math.max(1, Math.ceil(periods.length / MONTHS_AT_ONCE))), onAnswer });
  } catch (error) {
    if (error instanceof TallystickError) throw error;
  } finally {
    await Promise.all(writes);
    await storage.whenIdle();
  }
  return { complete, behind };
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

/** Loads a month's saved bytes (Automerge checks them) and checks what they are; frees the document after. */
function checkMonthSnapshot(answer: { documentId: string; heads: readonly string[]; data: Uint8Array }, month: string, invite: Invite): { heads: string[]; upToDate: boolean } {
  const refuse = (why: string) => new TallystickError('bad_document', `the inviting peer sent month document ${answer.documentId} (${month}) of ${invite.name}, but ${why}; the co-op was not recorded here`);
  let doc: PeriodDoc;
  try {
    doc = load<PeriodDoc>(answer.data);
  } catch (error) {
    throw refuse(`its bytes are not a readable Automerge document (${(error as Error).message})`);
  }
  try {
    if (doc.tallystick !== 'period' || doc.coop !== invite.coop || doc.month !== month) throw refuse(`it is not the month ${month} of this co-op`);
    return { heads: getHeads(doc), upToDate: hasHeads(doc, [...answer.heads]) };
  } finally {
    free(doc);
  }
}

/** automerge-repo's name for a snapshot chunk (its storage/keyHash.ts): SHA-256 of the heads, in hex. */
function headsHash(heads: readonly string[]): string {
  return createHash('sha256').update(Buffer.concat(heads.map((head) => Buffer.from(head, 'utf8')))).digest('hex');
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
