import type { AutomergeUrl, DocumentId, PeerId as RepoPeerId } from '@automerge/automerge-repo';
import { TallystickError } from '@tallystick/core';
import { CoopStore } from '../coop-store.js';
import type { DataFolder } from '../data-folder.js';
import { type CatalogDoc, periodDocuments } from '../documents.js';
import type { StorageProblem } from '../file-storage-adapter.js';
import type { NodeEntrySigner } from '../node-crypto.js';
import { type DamagedChunk, markRecovered } from '../storage-damage.js';
import { CatalogRosterReader } from './catalog-roster.js';
import { type DialOutcome, createInviteeNode, dialInviter } from './coop-peer.js';
import { deviceOfPeerId } from './device-identity.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';

/** A peer to ask for the catalog: one this device synced with before (peers.json), or an address it was given. */
export interface RecoveryCandidate {
  readonly peerId: string;
  readonly addresses: readonly string[];
  readonly member?: string;
}

export interface RecoverCatalogOptions {
  readonly folder: DataFolder;
  readonly coopId: string;
  readonly signer: NodeEntrySigner;
  readonly candidates: readonly RecoveryCandidate[];
  readonly timeoutMs?: number;
  readonly onStorageProblem?: (problem: StorageProblem) => void;
}

export type CatalogRecovery = (Extract<DialOutcome, { ok: true }> & { readonly recovered: readonly DamagedChunk[] }) | Extract<DialOutcome, { ok: false }>;

const MONTHS_AT_ONCE = 32;

/**
 * A co-op's catalog that cannot be read here (its chunks were damaged and put aside, storage-damage.ts)
 * fetched again from a member's peer. Without the catalog there is no roster, so the gate cannot decide
 * who is a member: this device trusts, one at a time, only peers it has synced with before or was told
 * to dial, asks each only for the catalog (and the months it lists that are not here), and keeps what
 * arrives only if it is the catalog the data folder names (document, co-op, genesis), its roster lists
 * this device, and the peer that sent it is an active member device by that very roster. Months are
 * written before the catalog, as everywhere; then the damaged catalog chunks move to `quarantine/recovered/`.
 */
export async function recoverCatalog(options: RecoverCatalogOptions): Promise<CatalogRecovery> {
  const { folder, coopId } = options;
  const record = folder.config.coops[coopId]!;
  const catalogId = record.catalog.replace(/^automerge:/u, '') as DocumentId;
  const timeoutMs = options.timeoutMs ?? 15_000;
  let outcome: Extract<DialOutcome, { ok: false }> = { ok: false, code: 'unreachable', reason: 'this device knows no member peer to ask: pass --connect with the address of a member\'s peer' };
  for (const candidate of options.candidates) {
    if (candidate.addresses.length === 0 || deviceOfPeerId(candidate.peerId) === undefined) continue;
    const attempt = await recoverFrom(options, candidate, catalogId, record, timeoutMs);
    if (attempt.ok) return attempt;
    if (attempt.code === 'refused' || outcome.code !== 'refused') outcome = attempt;
  }
  return outcome;
}

async function recoverFrom(
  options: RecoverCatalogOptions, candidate: RecoveryCandidate, catalogId: DocumentId, record: { name: string; genesis: string }, timeoutMs: number,
): Promise<CatalogRecovery> {
  const { folder, coopId } = options;
  const gate = new RosterGate(record.name);
  gate.trust(candidate.peerId, candidate.member ?? 'a peer this device synced with');
  const node = await createInviteeNode(options.signer, gate, candidate);
  const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer: (peerId) => gate.allows(peerId), log: () => undefined });
  const { repo, storage } = CoopStore.openRepo(folder, options.onStorageProblem, { peerId: node.peerId.toString() });
  const wanted = new Set<string>([catalogId]);
  const onlyTheCoop = async (peerId: RepoPeerId, documentId?: DocumentId) => peerId === candidate.peerId && documentId !== undefined && wanted.has(documentId);
  repo.shareConfig = { announce: onlyTheCoop, access: onlyTheCoop };
  repo.networkSubsystem.addNetworkAdapter(adapter);
  try {
    const outcome = await dialInviter(node, adapter, gate, { peer: candidate.peerId, addresses: candidate.addresses }, timeoutMs, 'no address');
    if (!outcome.ok) return outcome;
    let catalog: CatalogDoc;
    let handle;
    try {
      handle = await repo.find<CatalogDoc>(`automerge:${catalogId}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) });
      catalog = handle.doc();
    } catch (error) {
      return { ok: false, code: 'refused', peerId: candidate.peerId, reason: `${candidate.member ?? candidate.peerId} did not hand over the catalog (${(error as Error).message})` };
    }
    const checked = checkRecoveredCatalog(catalog, coopId, record.genesis, options.signer.publicKey, candidate.peerId);
    if (!checked.ok) return { ok: false, code: 'refused', peerId: candidate.peerId, reason: checked.reason };
    // The months it lists: from storage where they are whole, else from that peer (all before the catalog).
    const months = periodDocuments(catalog).map((period) => period.documentId as DocumentId);
    for (const documentId of months) wanted.add(documentId);
    for (let start = 0; start < months.length; start += MONTHS_AT_ONCE) {
      const batch = months.slice(start, start + MONTHS_AT_ONCE);
      await Promise.all(batch.map(async (documentId) => {
        try {
          await repo.find(`automerge:${documentId}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) });
        } catch (error) {
          throw new TallystickError('recovery_incomplete', `${candidate.member ?? candidate.peerId} did not send month document ${documentId} that the catalog lists (${(error as Error).message}); the catalog was not written: run sync again`);
        }
      }));
      await repo.flush(batch);
      await storage.whenIdle();
    }
    await repo.flush([handle.documentId]);
    await storage.whenIdle();
    const recovered = await markRecovered(folder.storageDir, [catalogId]);
    return { ...outcome, member: checked.member, recovered };
  } finally {
    repo.networkSubsystem.removeNetworkAdapter(adapter);
    await node.stop();
  }
}

/**
 * Whether a catalog received for recovery is kept: it must be this co-op's (co-op id and genesis the data
 * folder names), list this device, and name its sender as an active member device. Entries in it are
 * signed and judged when read, as anything a peer sends.
 */
export function checkRecoveredCatalog(
  catalog: CatalogDoc, coopId: string, genesisId: string, device: string, senderPeerId: string,
): { readonly ok: true; readonly member: string } | { readonly ok: false; readonly reason: string } {
  if (catalog.tallystick !== 'catalog' || catalog.coop !== coopId || catalog.genesis !== genesisId) {
    return { ok: false, reason: 'it sent a document that is not the catalog of this co-op (another co-op, or another genesis); nothing was written' };
  }
  const roster = new CatalogRosterReader(coopId, genesisId).read(catalog);
  const memberOf = (key: string | undefined) => roster.members.find((member) => !member.removed && member.devices.some((candidate) => candidate === key));
  if (memberOf(device) === undefined) return { ok: false, reason: `the catalog it sent does not list this device (${device.slice(0, 16)}…) as a member's; nothing was written` };
  const sender = memberOf(deviceOfPeerId(senderPeerId));
  if (sender === undefined) return { ok: false, reason: 'by the catalog it sent, it is not an active member device itself; nothing was written' };
  return { ok: true, member: sender.name };
}
