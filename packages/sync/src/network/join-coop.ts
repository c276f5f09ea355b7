import type { AutomergeUrl, DocumentId, PeerId as RepoPeerId } from '@automerge/automerge-repo';
import { multiaddr } from '@multiformats/multiaddr';
import { TallystickError } from '@tallystick/core';
import { CoopStore } from '../coop-store.js';
import type { DataFolder } from '../data-folder.js';
import { type CatalogDoc, periodDocuments } from '../documents.js';
import type { StorageProblem } from '../file-storage-adapter.js';
import type { NodeEntrySigner } from '../node-crypto.js';
import { CatalogRosterReader } from './catalog-roster.js';
import { type DialOutcome, waitForChannel } from './coop-peer.js';
import { libp2pKeyOfDevice } from './device-identity.js';
import { storedBytes, writeJoinProgress } from './join-progress.js';
import type { Invite } from './invite.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';
import { createSyncNode } from './sync-node.js';

/** Months fetched in parallel while joining, and the most a catalog may make a joining device fetch. */
const MONTHS_AT_ONCE = 32;
const MAXIMUM_MONTHS = 10_000;

export interface JoinOptions {
  readonly folder: DataFolder;
  readonly signer: NodeEntrySigner;
  readonly invite: Invite;
  readonly timeoutMs?: number;
  readonly onStorageProblem?: (problem: StorageProblem) => void;
}

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
  const node = await createSyncNode({ privateKey: await libp2pKeyOfDevice(options.signer), isAllowedPeer: (peerId) => gate.allows(peerId), listenAddresses: [] });
  const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer: (peerId) => gate.allows(peerId), log: () => undefined });
  const { repo, storage } = CoopStore.openRepo(folder, options.onStorageProblem, { peerId: node.peerId.toString() });
  const wanted = new Set<string>([invite.catalog]);
  const onlyTheCoop = async (peerId: RepoPeerId, documentId?: DocumentId) => peerId === invite.peer && documentId !== undefined && wanted.has(documentId);
  repo.shareConfig = { announce: onlyTheCoop, access: onlyTheCoop };
  repo.networkSubsystem.addNetworkAdapter(adapter);
  try {
    let outcome: DialOutcome = { ok: false, code: 'unreachable', reason: 'the invite names no address of the inviting peer' };
    // Every address in turn (one may reach another program on this machine): a refusal says more than silence.
    for (const address of invite.addresses) {
      const attempt = await waitForChannel(node, adapter, gate, async (signal) => node.dial(multiaddr(address), { signal }), timeoutMs);
      if (attempt.ok) { outcome = attempt; break; }
      if (attempt.code === 'refused' || outcome.ok || outcome.code !== 'refused') outcome = attempt;
    }
    if (!outcome.ok) return outcome;
    if (outcome.peerId !== invite.peer) {
      return { ok: false, code: 'refused', peerId: outcome.peerId, reason: `the peer at that address is ${outcome.peerId}, not the inviter ${invite.peer}` };
    }
    // A peer that admits this device for a federation only answers that the co-op's catalog is unavailable.
    const handle = await repo.find<CatalogDoc>(`automerge:${invite.catalog}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
      throw new TallystickError('not_admitted', `the inviting peer did not hand over the catalog of ${invite.name} (${(error as Error).message}): this device is not a member device of that co-op; nothing was written`);
    });
    checkCatalog(handle.doc(), invite, options.signer.publicKey);
    const months = periodDocuments(handle.doc()).slice(0, MAXIMUM_MONTHS).map((period) => period.documentId as DocumentId);
    for (const documentId of months) wanted.add(documentId);
    // `status` in another terminal shows how far the join has got (join-progress.ts).
    const startedAt = new Date().toISOString();
    let received = 1;
    const saved: DocumentId[] = [];
    const report = async () => writeJoinProgress(folder, {
      phase: 'fetching', coop: invite.coop, name: invite.name, startedAt, documentsListed: months.length + 1, documentsReceived: received, bytesSaved: await storedBytes(folder.storageDir, saved),
    });
    await report();
    for (let start = 0; start < months.length; start += MONTHS_AT_ONCE) {
      const batch = months.slice(start, start + MONTHS_AT_ONCE);
      await Promise.all(batch.map((documentId) => repo.find(`automerge:${documentId}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) }).then(() => { received += 1; }, (error: unknown) => {
        throw new TallystickError('join_incomplete', `the inviting peer did not send month document ${documentId} of ${invite.name} (${(error as Error).message}); the co-op was not recorded here: run join again`);
      })));
      await repo.flush(batch);
      await storage.whenIdle();
      saved.push(...batch);
      await report();
    }
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
