import type { AutomergeUrl, DocumentId, PeerId as RepoPeerId } from '@automerge/automerge-repo';
import { TallystickError } from '@tallystick/core';
import { CoopStore } from '../coop-store.js';
import type { DataFolder } from '../data-folder.js';
import type { StorageProblem } from '../file-storage-adapter.js';
import type { FederationDoc } from '../federation-store.js';
import type { NodeEntrySigner } from '../node-crypto.js';
import { type DialOutcome, createInviteeNode, dialInviter } from './coop-peer.js';
import { federationDevices } from './federation-gate.js';
import type { Invite } from './invite.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';

export interface FetchFederationOptions {
  readonly folder: DataFolder;
  readonly signer: NodeEntrySigner;
  readonly invite: Invite;
  readonly timeoutMs?: number;
  readonly onStorageProblem?: (problem: StorageProblem) => void;
}

/**
 * An invited co-op's device fetches the federation's document from the inviting member's peer, which
 * admits it (for that document only) because the invitation names its device. This device trusts only
 * the inviter's peer id, shares nothing, and asks only for that document; it checks the federation id
 * and genesis and that the document admits this device, then records the federation in the data folder.
 * Afterwards `tallystick peer`/`sync` keep it replicated like the co-op's own documents (a peer already
 * running on this folder takes it up within a second, and dials the inviter).
 */
export async function fetchFederation(options: FetchFederationOptions): Promise<DialOutcome & { name?: string }> {
  const { folder, invite } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const gate = new RosterGate(invite.name);
  gate.trust(invite.peer, 'the inviting member');
  const node = await createInviteeNode(options.signer, gate, invite);
  const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer: (peerId) => gate.allows(peerId), log: () => undefined });
  const { repo, storage } = CoopStore.openRepo(folder, options.onStorageProblem, { peerId: node.peerId.toString() });
  const onlyTheFederation = async (peerId: RepoPeerId, documentId?: DocumentId) => peerId === invite.peer && documentId === invite.catalog;
  repo.shareConfig = { announce: onlyTheFederation, access: onlyTheFederation };
  repo.networkSubsystem.addNetworkAdapter(adapter);
  try {
    const outcome = await dialInviter(node, adapter, gate, invite, timeoutMs, 'the invitation names no address of the inviting peer');
    if (!outcome.ok) return outcome;
    const handle = await repo.find<FederationDoc>(`automerge:${invite.catalog}` as AutomergeUrl, { signal: AbortSignal.timeout(timeoutMs) });
    const doc = handle.doc();
    if (doc.tallystick !== 'federation' || doc.federation !== invite.coop || doc.genesis !== invite.genesis) {
      throw new TallystickError('wrong_federation', `the inviting peer sent a document that is not federation ${invite.name} (${invite.coop}); nothing was recorded`);
    }
    if (!federationDevices(doc, invite.genesis).some((item) => item.device === options.signer.publicKey)) {
      throw new TallystickError('not_invited', `federation ${invite.name} does not name this device (${options.signer.publicKey.slice(0, 16)}…): the member invites this co-op with the card \`tallystick federation card\` prints on this device`);
    }
    await repo.flush([handle.documentId]);
    await storage.whenIdle();
    const federations = folder.config.federations ?? {};
    // The inviter's addresses: a peer running on this folder (now, or started later) dials it for the federation.
    federations[invite.coop] ??= { name: doc.name, document: handle.url, genesis: invite.genesis, accounts: {}, peers: [...invite.addresses] };
    folder.config.federations = federations;
    await folder.saveConfig();
    return { ...outcome, name: doc.name };
  } finally {
    repo.networkSubsystem.removeNetworkAdapter(adapter);
    await node.stop();
  }
}
