import { Writable } from 'node:stream';
import { TallystickError } from '@tallystick/core';
import { FileStorageAdapter, type NodeEntrySigner } from '@tallystick/sync';
import type { CoopPeer, DialOutcome, KnownPeer, PeerEvent } from '@tallystick/sync/network';
import { type CommandContext, openFolder, unlockSigner } from '../context.js';
import { describePeerEvent } from '../commands/network-text.js';
import { dialGiven, federationServer, startListeningPeer } from '../commands/peer.js';
import { type RunningPeer, readRunningPeer } from '../commands/status.js';
import type { Changes, Saved, SyncPeerLine, SyncStatus } from './protocol.js';

/*
 * The co-op's peer, hosted by the app's service (`tallystick ui`, Electron main): the same CoopPeer that
 * `tallystick peer` runs, started once the folder holds a co-op and the device key is unlocked, stopped
 * (everything received saved) when the service closes. One peer per data folder: when a `tallystick peer`
 * already runs on it (its status file names a live process), the service leaves the network to it and
 * shows what that peer reports; it starts its own once that one has stopped.
 */

export interface SyncHostOptions {
  /** Where to listen (default: the ports of the last run, else any free TCP and WebSocket port). */
  readonly listen: readonly string[];
  /** Peers to dial at start, besides the known ones (which are redialled anyway). */
  readonly connect: readonly string[];
}

export interface SyncHost {
  /** Starts the peer, unlocking the key with the passphrase given (else the environment's); answers what happened, in words. */
  start(passphrase?: string): Promise<string>;
  /** Starts the peer with a key already unlocked (just made by founding or joining). */
  startWith(signer: NodeEntrySigner): Promise<string>;
  status(): Promise<SyncStatus>;
  connect(address: string): Promise<Saved>;
  changes(): Promise<Changes>;
  /**
   * Runs `work` with this service's peer stopped, then starts it again: fetching a federation dials the
   * inviter with this device's identity, which the running peer holds.
   */
  whilePaused<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once the peer follows every federation of the data folder (one founded or fetched since it started); restarts it if it does not take them up by itself. */
  followFederations(): Promise<void>;
  stop(): Promise<void>;
}

const RECENT_EVENTS = 30;
/** Several windows poll `changes`; the storage listing is read at most this often. */
const CHANGES_FRESH_MS = 400;
const MAXIMUM_ADDRESS_CHARACTERS = 500;
/** How long the service waits for its running peer to follow a federation founded or fetched here before restarting it. */
const FOLLOW_FEDERATION_WAIT_MS = 3000;

export function createSyncHost(options: SyncHostOptions | undefined, context: () => CommandContext, log: (line: string) => void): SyncHost {
  let peer: CoopPeer | undefined;
  let starting: Promise<string> | undefined;
  let stopped = false;
  /** A `tallystick peer` ran on the folder when this service wanted to start its own. */
  let deferred = false;
  let lastProblem: string | undefined;
  const recent: string[] = [];
  const onEvent = (event: PeerEvent) => {
    const text = describePeerEvent(event);
    if (text !== undefined && event.type !== 'roster') remember(text);
  };
  const remember = (text: string) => {
    const stamp = new Date().toTimeString().slice(0, 8);
    for (const line of text.split('\n')) {
      log(`tallystick peer: ${line}`);
      recent.push(`${stamp} ${line}`);
    }
    recent.splice(0, Math.max(0, recent.length - RECENT_EVENTS));
  };
  let changes = { version: 0, fingerprint: '', readAt: 0 };
  /** The key the peer was started with, to start it again (after a fetch, or to follow a new federation). */
  let unlocked: NodeEntrySigner | undefined;

  const startWith = (signer: NodeEntrySigner): Promise<string> => {
    if (options === undefined) return Promise.resolve('Sync is off in this service.');
    if (peer !== undefined) return Promise.resolve('This device already syncs.');
    unlocked = signer;
    starting ??= (async () => {
      const command = context();
      const folder = await openFolder(command);
      const running = await readRunningPeer(folder);
      if (running !== undefined && running.pid !== process.pid) {
        deferred = true;
        return elsewhereWords(running);
      }
      const late: { peer?: CoopPeer } = {};
      const onFederationChanged = hostedFederationServer(command, signer, () => late.peer, remember);
      const started = await startListeningPeer(command, folder, signer, { listen: options.listen, mdns: false, log: onEvent, onFederationChanged });
      if (stopped) {
        await started.stop();
        return 'The service is stopping.';
      }
      peer = started;
      late.peer = started;
      // Payments that arrived while no peer ran are answered now, not at the next change.
      for (const federationId of Object.keys(folder.config.federations ?? {})) onFederationChanged(federationId);
      lastProblem = undefined;
      log(`tallystick peer: syncing co-op "${started.store.name}" as peer ${started.peerId}`);
      await dialGiven(started, options.connect, onEvent);
      return `This device syncs now, as peer ${started.peerId}.`;
    })().catch((error: unknown) => {
      lastProblem = error instanceof Error ? error.message : String(error);
      throw error;
    }).finally(() => { starting = undefined; });
    return starting;
  };

  return {
    startWith,
    start: async (passphrase) => {
      if (options === undefined) return 'Sync is off in this service.';
      if (peer !== undefined) return 'This device already syncs.';
      const command = context();
      const folder = await openFolder(command);
      const running = await readRunningPeer(folder);
      if (running !== undefined && running.pid !== process.pid) {
        deferred = true;
        return elsewhereWords(running);
      }
      const withPassphrase = passphrase === undefined ? command : { ...command, env: { ...command.env, TALLYSTICK_PASSPHRASE: passphrase } };
      return startWith(await unlockSigner(withPassphrase, folder));
    },
    status: async () => {
      if (peer !== undefined) return runningStatus(peer, recent);
      if (options === undefined) return idleStatus('off', 'Sync is off: this service was started without it.', [], recent);
      const folder = await openFolder(context());
      const running = await readRunningPeer(folder);
      const { KnownPeers, networkPaths } = await import('@tallystick/sync/network');
      const known = (await KnownPeers.load(networkPaths(folder).knownPeers)).all();
      if (running !== undefined && running.pid !== process.pid) return elsewhereStatus(running, known, recent);
      // The peer this service deferred to has stopped: it takes over, once, when it can unlock the key by itself.
      if (deferred && context().env.TALLYSTICK_PASSPHRASE && starting === undefined) {
        deferred = false;
        void startWith(await unlockSigner(context(), folder)).catch(() => undefined); // a failure is in lastProblem, shown below next time
      }
      const why = lastProblem === undefined ? 'This device does not sync yet: enter your passphrase to start (the device key is its identity on the network).' : `This device does not sync: ${lastProblem}`;
      return idleStatus('locked', why, known, recent);
    },
    connect: async (address) => {
      const given = address.trim();
      if (given === '' || given.length > MAXIMUM_ADDRESS_CHARACTERS || !given.startsWith('/')) {
        throw new TallystickError('invalid_address', 'Enter the address of another device\'s peer, like /ip4/192.168.1.20/tcp/4001/p2p/12D3KooW… (its Sync screen shows it).');
      }
      if (peer === undefined) throw new TallystickError('not_syncing', 'This device is not syncing yet: start sync first (or connect from the peer that runs on this data folder).');
      const [outcome] = await dialGiven(peer, [given], onEvent);
      return { message: dialWords(outcome!) };
    },
    changes: async () => {
      if (Date.now() - changes.readAt < CHANGES_FRESH_MS) return { version: changes.version };
      const folder = await openFolder(context());
      const fingerprint = await new FileStorageAdapter(folder.storageDir).fingerprint();
      changes = { version: changes.version + (fingerprint === changes.fingerprint || changes.readAt === 0 ? 0 : 1), fingerprint, readAt: Date.now() };
      return { version: changes.version };
    },
    whilePaused: async (work) => {
      await starting?.catch(() => undefined);
      const running = peer;
      peer = undefined;
      await running?.stop();
      try {
        return await work();
      } finally {
        if (running !== undefined && unlocked !== undefined && !stopped) {
          await startWith(unlocked).catch((error: unknown) => { log(`tallystick peer: did not start again: ${String(error)}`); });
        }
      }
    },
    followFederations: async () => {
      await starting?.catch(() => undefined);
      const running = peer;
      if (running === undefined || unlocked === undefined || stopped) return;
      const federations = Object.values((await openFolder(context())).config.federations ?? {});
      const followsAll = (): boolean => {
        const followed = new Set(running.replicator.documentStates().map((document) => document.documentId));
        return federations.every((record) => followed.has(record.document.replace(/^automerge:/u, '')));
      };
      // The running peer re-reads the folder's config every second and follows a new federation by itself
      // (keeping its connections); it is restarted only if it has not done so after a few of its polls.
      for (let waited = 0; !followsAll() && waited < FOLLOW_FEDERATION_WAIT_MS; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (followsAll() || peer !== running) return;
      peer = undefined;
      await running.stop();
      await startWith(unlocked);
    },
    stop: async () => {
      stopped = true;
      await starting?.catch(() => undefined);
      await peer?.stop();
      peer = undefined;
    },
  };
}

function runningStatus(peer: CoopPeer, recent: readonly string[]): SyncStatus {
  const connected = new Set(peer.adapter.connectedPeers());
  const known = new Map(peer.known.all().filter((line) => line.peerId !== peer.peerId).map((line) => [line.peerId, line]));
  for (const peerId of connected) if (!known.has(peerId)) known.set(peerId, { peerId, addresses: [] });
  const peers: SyncPeerLine[] = [...known.values()].map((line) => {
    const decision = peer.gate.check(line.peerId);
    return peerLine(line, { connected: connected.has(line.peerId), inSync: peer.replicator.isInSyncWith(line.peerId), member: decision.allowed ? decision.member : line.member });
  });
  const documents = peer.replicator.documentStates().filter((document) => !document.label.startsWith('federation ')).map(({ label, present }) => ({ label, present }));
  const missing = documents.filter((document) => !document.present).length;
  const summary = connected.size === 0
    ? 'This device syncs, but no member\'s device is connected right now: what is written here is sent when one connects.'
    : `Connected to ${connected.size} device${connected.size === 1 ? '' : 's'}; ${missing === 0 ? 'every document is here' : `${missing} document${missing === 1 ? '' : 's'} still arriving`}.`;
  return { state: 'running', summary, peerId: peer.peerId, addresses: peer.addresses(), peers, documents, recent: [...recent] };
}

function elsewhereStatus(running: RunningPeer, known: readonly KnownPeer[], recent: readonly string[]): SyncStatus {
  const connected = new Map(running.connected.map((line) => [line.peerId, line.member]));
  const peers = known.filter((line) => line.peerId !== running.peerId).map((line) => peerLine(line, { connected: connected.has(line.peerId), inSync: false, member: connected.get(line.peerId) ?? line.member }));
  return { state: 'elsewhere', summary: elsewhereWords(running), peerId: running.peerId, addresses: running.addresses, peers, documents: [], recent: [...recent] };
}

function idleStatus(state: 'locked' | 'off', summary: string, known: readonly KnownPeer[], recent: readonly string[]): SyncStatus {
  return { state, summary, addresses: [], peers: known.map((line) => peerLine(line, { connected: false, inSync: false, member: line.member })), documents: [], recent: [...recent] };
}

function peerLine(line: KnownPeer, facts: { connected: boolean; inSync: boolean; member: string | undefined }): SyncPeerLine {
  return {
    peerId: line.peerId, connected: facts.connected, inSync: facts.connected && facts.inSync, addresses: [...line.addresses],
    ...(facts.member !== undefined ? { member: facts.member } : {}),
    ...(line.lastSeen !== undefined ? { lastSeen: line.lastSeen } : {}), ...(line.lastSync !== undefined ? { lastSync: line.lastSync } : {}),
    ...(line.lastRefused !== undefined ? { lastRefused: line.lastRefused } : {}),
  };
}

function elsewhereWords(running: RunningPeer): string {
  const since = running.startedAt.replace('T', ' ').slice(0, 16);
  return `A Tallystick peer already runs on this data folder (process ${running.pid}, since ${since} UTC) and keeps this device in sync; the app shows what it reports. To sync from the app instead, stop it (tallystick peer --stop) and reopen this screen.`;
}

function dialWords(outcome: DialOutcome): string {
  if (outcome.ok) return `Connected to ${outcome.member}'s device; documents are syncing.`;
  switch (outcome.code) {
    case 'refused':
      // This device's own gate: the address names a device that is no member's in the books here.
      if (/^(not dialled|this device does not admit)/u.test(outcome.reason)) {
        throw new TallystickError('not_a_member_device', `This device does not sync with that one: ${outcome.reason.replace(/^not dialled: /u, '')}. Only member devices the co-op has voted in may sync.`);
      }
      throw new TallystickError('not_admitted', `That device did not accept this one: ${outcome.reason}. Only member devices the co-op has voted in may sync.`);
    case 'no_answer': throw new TallystickError('no_answer', `That device answered but did not start syncing (${outcome.reason}). Try again in a moment.`);
    case 'unreachable': throw new TallystickError('peer_unreachable', `Could not reach that address (${outcome.reason}). Check that the other device is running Tallystick and that the address is complete.`);
  }
}

/**
 * The hosted peer's part in its federations, `tallystick peer`'s own (`federationServer`): what it did and
 * what failed go to the recent activity instead of the terminal.
 */
function hostedFederationServer(command: CommandContext, signer: NodeEntrySigner, peer: () => CoopPeer | undefined, tell: (line: string) => void): (federationId: string) => void {
  const lines = new Writable({ write(chunk: Buffer | string, _encoding, callback) { for (const line of chunk.toString().split('\n')) if (line.trim() !== '') tell(`federation: ${line.trim()}`); callback(); } });
  return federationServer({ ...command, stdout: lines, stderr: lines }, signer, peer, (message) => { tell(`federation: ${message}`); });
}
