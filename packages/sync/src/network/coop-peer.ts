import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocumentId } from '@automerge/automerge-repo';
import type { Libp2p, PeerInfo, IdentifyResult } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { TallystickError } from '@tallystick/core';
import { CoopStore } from '../coop-store.js';
import type { DataFolder } from '../data-folder.js';
import { writeFileAtomic, type StorageProblem } from '../file-storage-adapter.js';
import type { NodeEntrySigner } from '../node-crypto.js';
import { type CoopReplicatorOptions, CoopReplicator, type ReplicationEvent } from './coop-replicator.js';
import { libp2pKeyOfDevice } from './device-identity.js';
import { KnownPeers } from './known-peers.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';
import { serveSnapshots } from './snapshot-protocol.js';
import { createSyncNode } from './sync-node.js';

export type PeerEvent =
  | ReplicationEvent
  | { type: 'listening'; addresses: string[] }
  | { type: 'dial-failed'; address: string; reason: string };

export interface CoopPeerOptions {
  readonly folder: DataFolder;
  readonly coop?: string;
  readonly signer: NodeEntrySigner;
  /** Addresses to listen on (TCP, `/ws` for WebSockets); none: only dial out (a one-shot sync). */
  readonly listen?: readonly string[];
  readonly mdns?: boolean;
  /** Relay (circuit relay v2) for the members' devices behind NAT and their browsers: an always-on peer's job. */
  readonly relay?: boolean;
  /** WebRTC and relayed connections; default: when listening through a relay, or a known peer is reached through one. */
  readonly webrtc?: boolean;
  /** Peers to ask for the catalog if it cannot be read here (besides the known member peers): the addresses given to dial. */
  readonly recoverFrom?: readonly string[];
  /** Keep dialling the known peers that are active member devices (default: true). */
  readonly reconnect?: boolean;
  readonly reconnectIntervalMs?: number;
  readonly replicator?: Omit<CoopReplicatorOptions, 'log'>;
  readonly onStorageProblem?: (problem: StorageProblem) => void;
  readonly log: (event: PeerEvent) => void;
}

/** The outcome of dialling a peer: accepted means its sync channel opened (its hello arrived). */
export type DialOutcome =
  | { readonly ok: true; readonly peerId: string; readonly member: string }
  | { readonly ok: false; readonly code: 'unreachable' | 'refused' | 'no_answer'; readonly reason: string; readonly peerId?: string };

/** Where a data folder keeps what its network side learns (never replicated). */
export function networkPaths(folder: DataFolder): { knownPeers: string; status: string } {
  return { knownPeers: join(folder.dir, 'network', 'peers.json'), status: join(folder.dir, 'network', 'peer.json') };
}

/** What a running peer writes for `tallystick status` (removed when it stops). */
export interface RunningPeerStatus {
  format: 'tallystick-running-peer';
  pid: number;
  coop: string;
  peerId: string;
  addresses: string[];
  startedAt: string;
  connected: { peerId: string; member?: string }[];
  /** The co-op's documents as this peer follows them: here or not, in sync with which connected members, behind which. */
  documents?: { documentId: string; label: string; present: boolean; inSyncWith: string[]; behind: string[] }[];
}

const DIAL_TIMEOUT_MS = 10_000;
const MAXIMUM_BACKOFF_MS = 60_000;

/**
 * One co-op's peer on this device: a libp2p node whose identity is the device key, a gate that admits
 * only the roster's active devices, the co-op's store joined to the network, and a replicator. Dials
 * what it is told and the peers it knows, learns their addresses (identify, mDNS), remembers them in
 * the data folder and keeps redialling those that are members (with backoff), and stops cleanly.
 */
export class CoopPeer {
  private reconnectTimer: ReturnType<typeof setInterval> | undefined;
  private reconnecting = false;
  private readonly backoff = new Map<string, { nextAt: number; delayMs: number }>();
  private readonly lastRefusalLogged = new Map<string, number>();
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private statusDueAt = 0;
  private readonly startedAt = new Date();
  private stopped = false;

  private constructor(
    readonly node: Libp2p, readonly store: CoopStore, readonly replicator: CoopReplicator, readonly gate: RosterGate,
    readonly known: KnownPeers, readonly adapter: Libp2pNetworkAdapter, private readonly options: CoopPeerOptions,
  ) {}

  static async start(options: CoopPeerOptions): Promise<CoopPeer> {
    const folder = options.folder;
    const coopId = folder.coopId(options.coop);
    const gate = new RosterGate(folder.config.coops[coopId]!.name);
    // The node and the replicator report to the peer, which needs them to exist first.
    const late: { peer?: CoopPeer } = {};
    const known = await KnownPeers.load(networkPaths(folder).knownPeers);
    const viaRelay = (address: string) => address.includes('/p2p-circuit') || address.includes('/webrtc');
    // A relay server needs neither: it only passes the limited connections that signal WebRTC.
    const webrtc = options.webrtc ?? ((options.listen ?? []).some(viaRelay) || known.all().some((peer) => peer.addresses.some(viaRelay)));
    const node = await createSyncNode({
      privateKey: await libp2pKeyOfDevice(options.signer), isAllowedPeer: (peerId) => gate.allows(peerId),
      onRefused: (peerId, direction) => { late.peer?.refused(peerId, direction); },
      listenAddresses: [...(options.listen ?? [])], mdns: options.mdns ?? false, relay: options.relay ?? false, webrtc, start: false,
    });
    const adapter = new Libp2pNetworkAdapter(node, {
      isAllowedPeer: (peerId) => gate.allows(peerId),
      log: (event) => { options.log({ type: 'problem', reason: `${event.event} ${event.peerId}: ${event.reason}` }); },
    });
    let store: CoopStore;
    try {
      store = await openRecovering(options, coopId, known, node.peerId.toString());
    } catch (error) {
      await node.stop();
      throw error;
    }
    const replicator = new CoopReplicator(store, node, gate, adapter, { ...options.replicator, log: (event) => { late.peer?.replicated(event); } });
    const peer = new CoopPeer(node, store, replicator, gate, known, adapter, options);
    late.peer = peer;
    try {
      await replicator.start();
      await serveSnapshots(node, {
        sharesWith: (peerId, documentId) => replicator.sharesWith(documentId as DocumentId, peerId),
        read: (documentId) => replicator.readSnapshot(documentId),
        log: (reason) => { options.log({ type: 'problem', reason }); },
      });
      await node.start();
    } catch (error) {
      await replicator.stop().catch(() => undefined); // the error that stopped the start is the one to report
      await node.stop();
      throw error;
    }
    peer.wire();
    if (peer.addresses().length > 0) options.log({ type: 'listening', addresses: peer.addresses() });
    if (options.reconnect ?? true) {
      peer.reconnectTimer = setInterval(() => { void peer.redialKnownPeers(); }, options.reconnectIntervalMs ?? 2_000);
      void peer.redialKnownPeers();
    }
    return peer;
  }

  get peerId(): string {
    return this.node.peerId.toString();
  }

  /** Where others can dial this peer (each ending in /p2p/PEER-ID). */
  addresses(): string[] {
    return this.node.getMultiaddrs().map((address) => address.toString());
  }

  /** Dials an address and waits until the remote's sync channel opens, or it refuses, or time runs out. */
  async dial(address: string, timeoutMs = DIAL_TIMEOUT_MS): Promise<DialOutcome> {
    let target;
    try {
      target = multiaddr(address);
    } catch (error) {
      return { ok: false, code: 'unreachable', reason: `"${address}" is not a multiaddr (${describe(error)})` };
    }
    const named = /\/p2p\/([^/]+)$/u.exec(address)?.[1];
    if (named !== undefined && !this.gate.allows(named)) {
      const decision = this.gate.check(named);
      return { ok: false, code: 'refused', peerId: named, reason: `not dialled: ${decision.allowed ? '' : decision.reason}` };
    }
    return waitForChannel(this.node, this.adapter, this.gate, async (signal) => this.node.dial(target, { signal }), timeoutMs);
  }

  /** Stops: no more dialling, everything received written to disk (months before the catalog), peers remembered. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.reconnectTimer);
    clearTimeout(this.statusTimer);
    await this.replicator.stop();
    await this.known.flush();
    await this.node.stop();
    await rm(networkPaths(this.options.folder).status, { force: true });
  }

  private wire(): void {
    // An address learnt later (a relay slot, a WebRTC address through it) is told as it appears.
    const told = new Set(this.addresses());
    this.node.addEventListener('self:peer:update', () => {
      const fresh = this.addresses().filter((address) => !told.has(address));
      for (const address of fresh) told.add(address);
      if (fresh.length === 0 || this.stopped) return;
      this.options.log({ type: 'listening', addresses: fresh });
      this.scheduleStatus(); // `tallystick invite` reads the addresses from the status file
    });
    this.node.addEventListener('peer:identify', (event: CustomEvent<IdentifyResult>) => {
      const peerId = event.detail.peerId.toString();
      const decision = this.gate.check(peerId);
      if (!decision.allowed) return;
      const addresses = event.detail.listenAddrs.map((address) => address.toString()).filter(isDiallable);
      this.known.note(peerId, { member: decision.member, addresses });
    });
    this.node.addEventListener('peer:discovery', (event: CustomEvent<PeerInfo>) => {
      const peerId = event.detail.id.toString();
      if (peerId === this.peerId || !this.gate.allows(peerId) || this.node.getConnections(event.detail.id).length > 0) return;
      const addresses = event.detail.multiaddrs.map((address) => address.toString()).filter(isDiallable);
      this.known.note(peerId, { addresses });
      this.backoff.delete(peerId);
      void this.redialKnownPeers();
    });
    this.scheduleStatus();
  }

  private replicated(event: ReplicationEvent): void {
    const now = new Date();
    if (event.type === 'connected') this.known.note(event.peerId, { member: event.member, seen: now });
    if (event.type === 'disconnected') this.known.note(event.peerId, { seen: now });
    if (event.type === 'in-sync') this.known.note(event.peerId, { seen: now, synced: now });
    if (event.type === 'connected' || event.type === 'disconnected') this.backoff.delete(event.peerId);
    if (event.type === 'federation') this.dialForFederation(event.peers);
    if (event.type === 'connected' || event.type === 'disconnected') this.scheduleStatus();
    // What status shows of the documents (here, in sync with whom) changes with these: at most once a second,
    // as changes can arrive many times a second.
    else if (['saved', 'in-sync', 'held-back', 'recovered'].includes(event.type)) this.scheduleStatus(1_000);
    this.options.log(event);
  }

  /**
   * A federation followed from now on names peers of its members (the inviter `federation fetch` got it
   * from): they are remembered and dialled like any known peer, once the federation's devices admit them.
   */
  private dialForFederation(addresses: readonly string[]): void {
    for (const address of addresses) {
      const peerId = /\/p2p\/([^/]+)$/u.exec(address)?.[1];
      if (peerId === undefined || peerId === this.peerId) continue;
      this.known.note(peerId, { addresses: [address] });
      this.backoff.delete(peerId);
    }
    if (addresses.length > 0 && this.reconnectTimer !== undefined) void this.redialKnownPeers();
  }

  private refused(peerId: string, direction: 'inbound' | 'outbound'): void {
    const decision = this.gate.check(peerId);
    if (decision.allowed) return;
    if (this.known.get(peerId) !== undefined) this.known.note(peerId, { refused: { at: new Date(), reason: decision.reason } });
    // A refused peer that keeps dialling is logged once a minute, not at every attempt.
    const last = this.lastRefusalLogged.get(peerId) ?? 0;
    if (Date.now() - last < 60_000) return;
    if (this.lastRefusalLogged.size > 1_000) this.lastRefusalLogged.clear();
    this.lastRefusalLogged.set(peerId, Date.now());
    this.options.log({ type: 'refused', peerId, direction, code: decision.code, reason: decision.reason });
  }

  /** Dials each known member peer that is not connected, at most once per its backoff (2 s doubling to 60 s). */
  private async redialKnownPeers(): Promise<void> {
    if (this.reconnecting || this.stopped) return;
    this.reconnecting = true;
    try {
      for (const known of this.known.all()) {
        if (this.stopped) return;
        if (known.peerId === this.peerId || !this.gate.allows(known.peerId) || known.addresses.length === 0) continue;
        if (this.adapter.connectedPeers().includes(known.peerId)) continue;
        const backoff = this.backoff.get(known.peerId);
        if (backoff !== undefined && Date.now() < backoff.nextAt) continue;
        const delayMs = Math.min(MAXIMUM_BACKOFF_MS, (backoff?.delayMs ?? 1_000) * 2);
        this.backoff.set(known.peerId, { nextAt: Date.now() + delayMs, delayMs });
        for (const address of known.addresses) {
          const outcome = await this.dial(address, 5_000);
          if (outcome.ok || outcome.code === 'refused') break;
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Writes the status file after `delayMs`, or sooner if a write is already due sooner (an address or a connection is told at once). */
  private scheduleStatus(delayMs = 100): void {
    if (this.stopped) return;
    const dueAt = Date.now() + delayMs;
    if (this.statusTimer !== undefined && this.statusDueAt <= dueAt) return;
    clearTimeout(this.statusTimer);
    this.statusDueAt = dueAt;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.writeStatus().catch((error: unknown) => { this.options.log({ type: 'problem', reason: `writing the status file: ${describe(error)}` }); });
    }, delayMs);
  }

  private memberOf(peerId: string): string {
    const decision = this.gate.check(peerId);
    return decision.allowed ? decision.member : peerId;
  }

  private async writeStatus(): Promise<void> {
    if (this.stopped) return;
    const status: RunningPeerStatus = {
      format: 'tallystick-running-peer', pid: process.pid, coop: this.store.coopId, peerId: this.peerId,
      addresses: this.addresses(), startedAt: this.startedAt.toISOString(),
      connected: this.adapter.connectedPeers().map((peerId) => {
        const decision = this.gate.check(peerId);
        return { peerId, ...(decision.allowed ? { member: decision.member } : {}) };
      }),
      documents: this.replicator.documentReport().map((document) => ({ ...document, inSyncWith: document.inSyncWith.map((peerId) => this.memberOf(peerId)), behind: document.behind.map((peerId) => this.memberOf(peerId)) })),
    };
    // Not fsynced: it describes this process while it runs, and is removed when it stops.
    await writeFileAtomic(networkPaths(this.options.folder).status, Buffer.from(`${JSON.stringify(status, null, 2)}\n`), false);
  }
}

/**
 * Opens the co-op's store; if its catalog cannot be read (its chunks were damaged and put aside), fetches
 * it again from a member's peer first (recover-catalog.ts): the addresses given, then the peers this
 * device synced with. Without a catalog there is no roster, so the peer could not decide whom to admit.
 */
async function openRecovering(options: CoopPeerOptions, coopId: string, known: KnownPeers, peerId: string): Promise<CoopStore> {
  const open = () => CoopStore.open(options.folder, coopId, options.onStorageProblem, { peerId });
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof TallystickError) || error.code !== 'catalog_unavailable') throw error;
    const given = (options.recoverFrom ?? []).flatMap((address) => {
      const named = /\/p2p\/([^/]+)$/u.exec(address)?.[1];
      return named === undefined ? [] : [{ peerId: named, addresses: [address] }];
    });
    // The peers this device knows, most recently seen first: what one sends is checked before it is kept.
    const remembered = known.all().filter((candidate) => candidate.peerId !== peerId)
      .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
    const { recoverCatalog } = await import('./recover-catalog.js');
    const recovery = await recoverCatalog({
      folder: options.folder, coopId, signer: options.signer, candidates: [...given, ...remembered],
      ...(options.onStorageProblem === undefined ? {} : { onStorageProblem: options.onStorageProblem }),
    });
    if (!recovery.ok) throw new TallystickError('catalog_unavailable', `${error.message}\nIt could not be recovered from a member's peer either: ${recovery.reason}`);
    options.log({ type: 'recovered', documents: ['catalog'], files: recovery.recovered.length, from: recovery.member });
    return open();
  }
}

/**
 * The node a device without a roster yet (joining, fetching a federation, recovering its catalog) dials an
 * inviter with. It admits the inviter (the gate trusts that peer id alone to sync) and, only at the
 * connection, the relays the invite's addresses go through: an inviter behind NAT is reached by WebRTC
 * signalled over a limited relayed connection, on which nothing is synced (the adapter asks the gate alone).
 */
export async function createInviteeNode(signer: NodeEntrySigner, gate: RosterGate, invite: { readonly addresses: readonly string[] }): Promise<Libp2p> {
  const relays = new Set(invite.addresses.flatMap((address) => {
    const relay = /\/p2p\/([^/]+)\/p2p-circuit/u.exec(address)?.[1];
    return relay === undefined ? [] : [relay];
  }));
  return createSyncNode({
    privateKey: await libp2pKeyOfDevice(signer), isAllowedPeer: (peerId) => gate.allows(peerId) || relays.has(peerId),
    listenAddresses: [], webrtc: relays.size > 0,
  });
}

/**
 * The inviter's addresses in the order to try them: direct ones first, then WebRTC through a relay; a bare
 * relayed address is left out, since the books never travel over a limited (relayed) connection.
 */
function inviterAddresses(addresses: readonly string[]): string[] {
  const relayed = (address: string) => address.includes('/p2p-circuit');
  const direct = addresses.filter((address) => !relayed(address));
  return [...direct, ...addresses.filter((address) => relayed(address) && address.includes('/p2p-circuit/webrtc'))];
}

/**
 * Dials the inviter at each address an invite names, in turn (one may reach another program on this
 * machine; a refusal says more than silence), and accepts only the inviter's own peer id.
 */
export async function dialInviter(
  node: Libp2p, adapter: Libp2pNetworkAdapter, gate: RosterGate,
  invite: { readonly peer: string; readonly addresses: readonly string[] }, timeoutMs: number, noAddress: string,
): Promise<DialOutcome> {
  const addresses = inviterAddresses(invite.addresses);
  const none = addresses.length < invite.addresses.length && addresses.length === 0
    ? 'the invitation names the inviting peer only through a relay without WebRTC (its peer listens with --listen /p2p-circuit but not --listen /webrtc), and nothing is synced over a relayed connection'
    : noAddress;
  let outcome: DialOutcome = { ok: false, code: 'unreachable', reason: none };
  for (const address of addresses) {
    const attempt = await waitForChannel(node, adapter, gate, async (signal) => node.dial(multiaddr(address), { signal }), timeoutMs);
    if (attempt.ok) { outcome = attempt; break; }
    if (attempt.code === 'refused' || outcome.ok || outcome.code !== 'refused') outcome = attempt;
  }
  if (outcome.ok && outcome.peerId !== invite.peer) {
    return { ok: false, code: 'refused', peerId: outcome.peerId, reason: `the peer at that address is ${outcome.peerId}, not the inviter ${invite.peer}` };
  }
  return outcome;
}

/**
 * Runs a dial and waits for the verdict. The remote refuses right after the noise handshake, so a
 * refused dial may first "succeed" and then close: accepted means the sync channel's hello arrived.
 */
export async function waitForChannel(
  node: Libp2p, adapter: Libp2pNetworkAdapter, gate: RosterGate,
  dial: (signal: AbortSignal) => Promise<{ remotePeer: { toString(): string } }>, timeoutMs: number,
): Promise<DialOutcome> {
  let remote: string;
  try {
    remote = (await dial(AbortSignal.timeout(timeoutMs))).remotePeer.toString();
  } catch (error) {
    return classifyDialError(error);
  }
  const accepted = (peerId: string): DialOutcome => {
    const decision = gate.check(peerId);
    return { ok: true, peerId, member: decision.allowed ? decision.member : '?' };
  };
  if (adapter.connectedPeers().includes(remote)) return accepted(remote);
  return new Promise((resolve) => {
    const finish = (outcome: DialOutcome) => {
      clearTimeout(timer);
      adapter.off('peer-candidate', onCandidate);
      node.removeEventListener('connection:close', onClose);
      resolve(outcome);
    };
    const onCandidate = ({ peerId }: { peerId: string }) => { if (peerId === remote) finish(accepted(remote)); };
    const onClose = () => {
      if (node.getConnections().some((connection) => connection.remotePeer.toString() === remote)) return;
      finish({ ok: false, code: 'refused', peerId: remote, reason: 'it closed the connection right after the handshake, as a peer does with a device that is not an active device of a member in its roster' });
    };
    const timer = setTimeout(() => { finish({ ok: false, code: 'no_answer', peerId: remote, reason: `no sync channel within ${timeoutMs} ms` }); }, timeoutMs);
    adapter.on('peer-candidate', onCandidate);
    node.addEventListener('connection:close', onClose);
  });
}

function classifyDialError(error: unknown): DialOutcome {
  const text = describe(error);
  const name = error instanceof Error ? error.name : '';
  if (/denied|gater/iu.test(`${name} ${text}`)) return { ok: false, code: 'refused', reason: `this device does not admit that peer (${text})` };
  // The remote hung up once the handshake named us: its gate refused this device.
  if (/UnexpectedEOF|EncryptionFailed|StreamReset|ConnectionClosed|MuxerClosed|unexpected end/iu.test(`${name} ${text}`)) {
    return { ok: false, code: 'refused', reason: `it closed the connection during the handshake (${text}), as a peer does with a device that is not an active device of a member in its roster` };
  }
  return { ok: false, code: 'unreachable', reason: text };
}

/**
 * An address others could dial: not a wildcard, naming a transport we speak, and not a bare relayed one
 * (a limited connection, which never carries the books: its `/webrtc` sibling does).
 */
function isDiallable(address: string): boolean {
  const bareRelay = address.includes('/p2p-circuit') && !address.includes('/p2p-circuit/webrtc');
  return !address.includes('/ip4/0.0.0.0/') && !address.includes('/ip6/::/') && /\/tcp\/\d+/u.test(address) && !bareRelay;
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  // A WebSocket dial fails with an ErrorEvent, whose cause is in `error` or `message`.
  const event = error as { error?: unknown; message?: unknown } | null;
  if (typeof event === 'object' && event !== null) {
    if (event.error !== undefined) return describe(event.error);
    if (typeof event.message === 'string' && event.message !== '') return event.message;
  }
  return String(error);
}
