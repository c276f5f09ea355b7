import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TallystickError } from '@tallystick/core';
import type { DataFolder } from '@tallystick/sync';
import type { CoopPeer, DialOutcome, PeerEvent } from '@tallystick/sync/network';
import { type CommandContext, openFolder, print, unlockSigner, warn } from '../context.js';
import { eventPrinter, shortPeer } from './network-text.js';

/*
 * `tallystick peer` (long-running: the co-op's always-on machine, or any member's) and `tallystick sync`
 * (one shot: until both sides hold each other's heads, then exit). Both run the same CoopPeer; the
 * passphrase is needed because the device key is the peer's identity (sync/src/network/device-identity.ts).
 */

const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'];
const DEFAULT_SYNC_TIMEOUT_SECONDS = 60;

export interface PeerOptions {
  listen: string[];
  connect: string[];
  mdns?: boolean;
}

export async function peerCommand(context: CommandContext, options: PeerOptions): Promise<void> {
  const folder = await openFolder(context);
  await refuseSecondPeer(folder, 'run a second one');
  const signer = await unlockSigner(context, folder);
  const log = eventPrinter(context);
  // The federation server runs on the peer's events, so it must exist before the peer does.
  const late: { peer?: CoopPeer } = {};
  const onFederationChanged = federationServer(context, signer, () => late.peer);
  const peer = await startListeningPeer(context, folder, signer, { listen: options.listen, mdns: options.mdns === true, relay: true, log, onFederationChanged, recoverFrom: options.connect });
  late.peer = peer;
  // Payments that arrived while it was down are answered now, not at the next change.
  for (const federationId of Object.keys(folder.config.federations ?? {})) onFederationChanged(federationId);
  print(context, `Peer of co-op "${peer.store.name}" as device ${signer.publicKey.slice(0, 16)}… (peer id ${peer.peerId}). Stop with Ctrl-C.`);
  await dialGiven(peer, options.connect, log);
  const signal = await untilStopSignal();
  print(context, `stopping (${signal})…`);
  await peer.stop();
  print(context, 'stopped; everything received is on disk.');
}

/**
 * A long-running peer (`tallystick peer`, and the app's service): listens where asked, else on the ports of
 * its last run (new ones if those are taken), and remembers the ports it got, so others find it again.
 */
export async function startListeningPeer(
  context: CommandContext, folder: DataFolder, signer: Awaited<ReturnType<typeof unlockSigner>>,
  options: { listen: readonly string[]; mdns: boolean; relay?: boolean; recoverFrom?: readonly string[]; log: (event: PeerEvent) => void; onFederationChanged?: (federationId: string) => void },
): Promise<CoopPeer> {
  const remembered = options.listen.length === 0 ? await rememberedListen(folder) : undefined;
  const listen = options.listen.length > 0 ? options.listen : remembered ?? DEFAULT_LISTEN;
  const start = (addresses: readonly string[]) => startPeer(context, folder, signer, { ...options, listen: addresses, reconnect: true });
  let peer: CoopPeer;
  try {
    peer = await start(listen);
  } catch (error) {
    if (remembered === undefined || !/EADDRINUSE|listen/iu.test(String((error as Error).message))) throw error;
    warn(context, `tallystick: the ports of the last run are taken (${(error as Error).message}); listening on new ones`);
    peer = await start(DEFAULT_LISTEN);
  }
  await rememberListen(folder, listen, peer.addresses());
  return peer;
}

/** Dials each address given; one naming its peer id is remembered and redialled until it answers (it may not be up yet). */
export async function dialGiven(peer: CoopPeer, addresses: readonly string[], log: (event: PeerEvent) => void): Promise<DialOutcome[]> {
  const outcomes: DialOutcome[] = [];
  for (const address of addresses) {
    const outcome = await peer.dial(address);
    outcomes.push(outcome);
    if (!outcome.ok) log({ type: 'dial-failed', address, reason: outcome.reason });
    const named = /\/p2p\/([^/]+)$/u.exec(address)?.[1];
    if (named !== undefined && peer.gate.allows(named)) peer.known.note(named, { addresses: [address] });
  }
  return outcomes;
}

const STOP_WAIT_MS = 30_000;

/** Asks the peer running on this data folder to stop (SIGTERM, as Ctrl-C would) and waits until it has exited. */
export async function stopPeerCommand(context: CommandContext): Promise<void> {
  const folder = await openFolder(context);
  const { readRunningPeer } = await import('./status.js');
  const running = await readRunningPeer(folder);
  if (running === undefined) {
    print(context, 'No peer is running on this data folder.');
    return;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (isAlive(running.pid)) {
    if (Date.now() > deadline) throw new TallystickError('peer_not_stopping', `the peer (pid ${running.pid}) has not stopped after ${STOP_WAIT_MS / 1000} s; its log says why`);
    await sleep(50);
  }
  print(context, `Stopped the peer (pid ${running.pid}).`);
}

/** One peer per data folder: two would be one device connecting twice, and two writers of one store. */
async function refuseSecondPeer(folder: DataFolder, what: string): Promise<void> {
  const { readRunningPeer } = await import('./status.js');
  const running = await readRunningPeer(folder);
  if (running === undefined) return;
  throw new TallystickError('peer_running', `a peer is already running on ${folder.dir} (pid ${running.pid}) and keeps this device in sync; no need to ${what} (\`tallystick status\` shows it; \`tallystick peer --stop\` stops it)`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // gone
  }
}

export interface SyncOptions {
  connect: string[];
  timeout?: string;
}

/** Syncs with the given peers (else the known member peers) until in sync with each, then exits. */
export async function syncCommand(context: CommandContext, options: SyncOptions): Promise<void> {
  const timeoutMs = secondsOf(options.timeout ?? String(DEFAULT_SYNC_TIMEOUT_SECONDS)) * 1000;
  const folder = await openFolder(context);
  await refuseSecondPeer(folder, 'sync besides it');
  const signer = await unlockSigner(context, folder);
  // A target reached through a relay needs the WebRTC and relay transports (loaded only then: they cost seconds).
  const throughRelay = options.connect.some((address) => /\/p2p-circuit|\/webrtc/u.test(address));
  const peer = await startPeer(context, folder, signer, { listen: [], mdns: false, reconnect: false, ...(throughRelay ? { webrtc: true } : {}), recoverFrom: options.connect, log: eventPrinter(context) });
  try {
    const outcomes = await dialTargets(peer, options.connect);
    const accepted = outcomes.filter((outcome): outcome is Extract<DialOutcome, { ok: true }> => outcome.ok);
    if (accepted.length === 0) {
      const reasons = outcomes.map((outcome) => `  ${outcome.ok ? '' : outcome.reason}`).join('\n');
      throw new TallystickError(outcomes.some((outcome) => !outcome.ok && outcome.code === 'refused') ? 'not_admitted' : 'peer_unreachable', `no peer synced with this device:\n${reasons}`);
    }
    const behind: string[] = [];
    for (const outcome of accepted) {
      const synced = await Promise.race([peer.replicator.whenInSyncWith(outcome.peerId).then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!synced) behind.push(`${outcome.member}: ${peer.replicator.documentsBehind(outcome.peerId).join(', ') || 'the connection closed'}`);
    }
    if (behind.length > 0) throw new TallystickError('sync_incomplete', `not in sync after ${timeoutMs / 1000} s (what was received is saved; run sync again):\n  ${behind.join('\n  ')}`);
    const documents = peer.replicator.documentStates().length;
    print(context, `Synced with ${accepted.map((outcome) => outcome.member).join(', ')}: ${documents} document${documents === 1 ? '' : 's'} in sync.`);
  } finally {
    await peer.stop();
  }
}

/** --connect addresses, else every known peer that is an active member device (first address that answers). */
async function dialTargets(peer: CoopPeer, connect: readonly string[]): Promise<DialOutcome[]> {
  if (connect.length > 0) return Promise.all(connect.map((address) => peer.dial(address)));
  const known = peer.known.all().filter((candidate) => candidate.peerId !== peer.peerId && peer.gate.allows(candidate.peerId) && candidate.addresses.length > 0);
  if (known.length === 0) {
    throw new TallystickError('no_peers', 'no peer to sync with yet: pass --connect MULTIADDR (the address `tallystick peer` prints on the other device, or `tallystick status` there)');
  }
  const outcomes: DialOutcome[] = [];
  for (const candidate of known) {
    let outcome: DialOutcome | undefined;
    for (const address of candidate.addresses) {
      const attempt = await peer.dial(address, 5_000);
      // An address may be stale (the peer moved): a refusal at another says more than that silence.
      if (outcome === undefined || attempt.ok || (!outcome.ok && outcome.code !== 'refused')) outcome = attempt;
      if (attempt.ok) break;
    }
    outcomes.push(outcome!.ok ? outcome! : { ...outcome!, reason: `${candidate.member ?? shortPeer(candidate.peerId)}: ${outcome!.reason}` });
  }
  return outcomes;
}

export async function startPeer(
  context: CommandContext, folder: DataFolder, signer: Awaited<ReturnType<typeof unlockSigner>>,
  options: { listen: readonly string[]; mdns: boolean; reconnect: boolean; relay?: boolean; webrtc?: boolean; recoverFrom?: readonly string[]; log: (event: PeerEvent) => void; onFederationChanged?: (federationId: string) => void },
): Promise<CoopPeer> {
  const { CoopPeer } = await import('@tallystick/sync/network');
  const { onFederationChanged, ...rest } = options;
  return CoopPeer.start({
    folder, signer, ...rest, ...(context.coop ? { coop: context.coop } : {}),
    ...(onFederationChanged === undefined ? {} : { replicator: { onFederationChanged } }),
    onStorageProblem: (problem) => warn(context, `tallystick: storage: ${problem.reason}: ${problem.path} was put aside as ${problem.quarantinedAs}`),
  });
}

/**
 * A peer's part in its federations (`tallystick peer`'s, and the app service's): after each change of a
 * federation's document it accepts what the co-op's credit policy covers and posts settlements to the
 * books (credit.ts), one run at a time. A failure is told to `onError` (by default the command's stderr).
 */
export function federationServer(
  context: CommandContext, signer: Awaited<ReturnType<typeof unlockSigner>>, peer: () => CoopPeer | undefined,
  onError: (message: string) => void = (message) => { warn(context, `tallystick: federation: ${message}`); },
): (federationId: string) => void {
  let running: Promise<void> = Promise.resolve();
  return (federationId) => {
    running = running.then(async () => {
      const current = peer();
      if (current === undefined) return;
      const { serveFederationChange } = await import('./credit.js');
      await serveFederationChange(context, current.store, signer, federationId);
    }).catch((error: unknown) => { onError(error instanceof Error ? error.message : String(error)); });
  };
}

/** The listen addresses of the last run with the ports it got, so that a restarted peer is where others remember it. */
async function rememberedListen(folder: DataFolder): Promise<string[] | undefined> {
  try {
    const saved = JSON.parse(await readFile(listenPath(folder), 'utf8')) as { listen?: unknown };
    return Array.isArray(saved.listen) && saved.listen.every((item) => typeof item === 'string') && saved.listen.length > 0 ? saved.listen as string[] : undefined;
  } catch {
    return undefined; // never ran, or unreadable: the defaults (new ports)
  }
}

async function rememberListen(folder: DataFolder, requested: readonly string[], bound: readonly string[]): Promise<void> {
  const { writeFileAtomic } = await import('@tallystick/sync');
  const withPorts = requested.map((spec) => {
    const websocket = spec.endsWith('/ws');
    const match = bound.find((address) => address.includes('/ws') === websocket && /\/tcp\/\d+/u.test(address));
    const port = match === undefined ? undefined : /\/tcp\/(\d+)/u.exec(match)?.[1];
    return port === undefined ? spec : spec.replace(/\/tcp\/\d+/u, `/tcp/${port}`);
  });
  await writeFileAtomic(listenPath(folder), Buffer.from(`${JSON.stringify({ listen: withPorts }, null, 2)}\n`));
}

function listenPath(folder: DataFolder): string {
  return join(folder.dir, 'network', 'listen.json');
}

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function secondsOf(text: string): number {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) throw new TallystickError('invalid_timeout', `--timeout takes whole seconds from 1 to 86400, not "${text}"`);
  return seconds;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => { setTimeout(resolve, ms).unref(); });
}
