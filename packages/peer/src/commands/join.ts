import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TallystickError } from '@tallystick/core';
import { type DataFolder as DataFolderType, DataFolder, type NodeEntrySigner, generateDevicePrivateKey, readDevicePublicKey, unlockDeviceKeyFile, writeDeviceKeyFile } from '@tallystick/sync';
import type { DialOutcome, JoinStep, JoinTimings } from '@tallystick/sync/network';
// The invite codes alone: libp2p (about a third of join's start-up) loads while the device key is unlocked.
import { type Invite, decodeInvite, decodeJoinRequest, encodeInvite, encodeJoinRequest, joinRequestProof, proofHolds } from '@tallystick/sync/network/invite';
import { type CommandContext, openFolder, print, readPassphrase, warn } from '../context.js';
import { proposeCommand, voteCommand } from './governance-write.js';
import { newPassphrase } from './init.js';
import { readRunningPeer } from './status.js';

/*
 * Joining a co-op from a second device. `invite` (on a member's device) prints a code naming the co-op and
 * where that member's peer listens; `join CODE` (on the new device) makes this device's key, prints it,
 * and tries to fetch the co-op. The member's peer refuses the new device at the connection until the
 * members have voted its key in (propose add-member / add-device, then vote), so a code alone grants
 * nothing; once admitted, `join` fetches the catalog, checks it is the co-op the code names, then syncs.
 */

const JOIN_RETRY_MS = 3_000;
export const JOIN_WAIT_MAXIMUM_ATTEMPTS = 1_200; // an hour at one attempt every 3 s

/** An invite of a named new member, kept on the inviting device until a join request redeems it (once). */
interface OpenInvite {
  coop: string;
  member: string;
  role?: string;
  secret: string;
  created: string;
  redeemedBy?: string;
}

function invitesPath(folder: DataFolderType): string {
  return join(folder.dir, 'network', 'invites.json');
}

async function readInvites(folder: DataFolderType): Promise<OpenInvite[]> {
  try {
    return JSON.parse(await readFile(invitesPath(folder), 'utf8')) as OpenInvite[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TallystickError('invites_unreadable', `${invitesPath(folder)} cannot be read (${(error as Error).message}); move it aside to invite again`);
  }
}

async function writeInvites(folder: DataFolderType, invites: readonly OpenInvite[]): Promise<void> {
  const path = invitesPath(folder);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(invites, null, 2), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

export async function inviteCommand(context: CommandContext, options: { address: string[]; member?: string; role?: string }): Promise<void> {
  const folder = await openFolder(context);
  const coopId = folder.coopId(context.coop);
  const record = folder.config.coops[coopId]!;
  const { peerIdOfDevice } = await import('@tallystick/sync/network');
  const peerId = peerIdOfDevice(await readDevicePublicKey(folder.keyPath));
  const running = await readRunningPeer(folder);
  const given = options.address.map((address) => (address.includes('/p2p/') ? address : `${address}/p2p/${peerId}`));
  const addresses = given.length > 0 ? given : (running?.coop === coopId ? running.addresses : []);
  if (addresses.length === 0) {
    throw new TallystickError('no_peer_running', 'an invite names where this device\'s peer listens, and none is running: start `tallystick peer` on this device first (it keeps running), or pass --address MULTIADDR');
  }
  // Loopback addresses last: they reach the inviter only from this same machine.
  const ordered = [...addresses].sort((a, b) => Number(isLoopback(a)) - Number(isLoopback(b)));
  const member = options.member?.trim();
  const secret = member ? randomBytes(16).toString('hex') : undefined;
  if (member && secret) {
    const invites = await readInvites(folder);
    invites.push({ coop: coopId, member, ...(options.role ? { role: options.role } : {}), secret, created: context.now().toISOString() });
    await writeInvites(folder, invites);
  }
  const invite: Invite = {
    coop: coopId, name: record.name, catalog: record.catalog.replace(/^automerge:/u, ''), genesis: record.genesis, peer: peerId, addresses: ordered,
    ...(member && secret ? { member, secret } : {}),
  };
  print(context, encodeInvite(invite));
  if (member) {
    warn(context, [
      `An invite for ${member} to ${record.name}, good once. On the new device run: tallystick join CODE`,
      'It prints a join request; bring it back here and run: tallystick admit REQUEST',
      `That proposes ${member} with that device and votes yes as you; the other members vote as the co-op's rule says.`,
      'The code grants nothing by itself: this peer refuses any device the members have not voted in.',
    ].join('\n'));
    return;
  }
  warn(context, [
    `An invite to ${record.name}. On the new device run: tallystick join CODE`,
    'It prints that device\'s key; then a member proposes it and the members vote:',
    '  tallystick propose add-member NAME --device KEY   (a new member)',
    '  tallystick propose add-device MEMBER KEY          (another device of a member)',
    `The code grants nothing by itself: this peer refuses any device the members have not voted in.${running ? '' : ' Keep `tallystick peer` running so the new device can reach it.'}`,
  ].join('\n'));
}

export async function joinCommand(context: CommandContext, code: string, options: { wait?: boolean }): Promise<void> {
  // Loading libp2p and the sync code runs on this thread while scrypt unlocks the key on another (or while
  // the passphrase is typed); fetchInvitedCoop's import of the same module then finds it loaded.
  import('@tallystick/sync/network').catch(() => undefined);
  const joining = await prepareJoin(context, code, { existing: () => readPassphrase(context), fresh: () => newPassphrase(context) });
  print(context, `This device's key: ${joining.signer.publicKey}`);
  if (joining.request !== undefined) {
    print(context, `Join request for ${joining.invite.member} (give it to the member who invited you, who runs \`tallystick admit\` with it): ${joining.request}`);
  }
  print(context, `Fetching ${joining.invite.name} from the inviting member's peer…`);
  let replica: JoinTimings | undefined;
  await fetchInvitedCoop(context, joining, {
    onReplicated: (timings) => { replica = timings; },
    attempts: options.wait ? JOIN_WAIT_MAXIMUM_ATTEMPTS : 1, wait: options.wait === true,
    onRefused: (outcome, attempt) => {
      if (attempt === 1) warn(context, `Not admitted yet (${outcome.reason}). Waiting for the members to vote this device in; trying every ${JOIN_RETRY_MS / 1000} s (Ctrl-C to stop).`);
    },
  });
  if (replica !== undefined) print(context, describeReplica(replica));
  print(context, `Joined co-op "${joining.invite.name}" (${joining.invite.coop}): this device holds its books now (try \`tallystick balance\`). Keep them in sync with \`tallystick sync\`, or keep \`tallystick peer\` running.`);
}

/** One line on what the replica took (the bench reads it): from the dial, and since this process started. */
function describeReplica(replica: JoinTimings): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  return `Replica: ${replica.documents} documents (${(replica.savedBytes / 1048576).toFixed(1)} MiB as saved bytes) fetched, checked and stored in ${seconds(replica.replicaMs)} s from the dial`
    + ` (admitted ${seconds(replica.dialMs)} s, catalog ${seconds(replica.catalogMs)} s, months ${seconds(replica.monthsMs)} s); this process had run ${seconds(performance.now())} s.`;
}

/** A device about to join: the invite read, its data folder ready, its key made (or unlocked), and its join request for a named invite. */
export interface JoiningDevice {
  readonly invite: Invite;
  readonly folder: DataFolderType;
  readonly signer: NodeEntrySigner;
  readonly request?: string;
}

/**
 * The first half of joining, shared by `join` and the app's onboarding: reads the code, refuses a
 * federation's code or a co-op this folder holds already, and makes this device's key (or unlocks the
 * one the folder has, from an earlier attempt). Nothing of the co-op is written yet.
 */
export async function prepareJoin(context: CommandContext, code: string, passphrase: { existing: () => Promise<string>; fresh: () => Promise<string> }): Promise<JoiningDevice> {
  const invite = decodeInvite(code);
  if (invite.federation === true) throw new TallystickError('federation_invite', `this code invites a co-op into federation "${invite.name}": run \`tallystick federation fetch CODE\` on that co-op's data folder`);
  const folder = await DataFolder.open(context.dataDir, { create: true });
  if (folder.config.coops[invite.coop]) {
    throw new TallystickError('already_joined', `this data folder already holds co-op "${folder.config.coops[invite.coop]!.name}": run \`tallystick sync\` to catch up with its peers`);
  }
  const signer = (await exists(folder.keyPath))
    ? await unlockDeviceKeyFile(folder.keyPath, await passphrase.existing())
    : await writeDeviceKeyFile(folder.keyPath, generateDevicePrivateKey(), await passphrase.fresh());
  await folder.saveConfig(); // a data folder with a key and no co-op yet: `whoami` works on it
  const request = invite.member && invite.secret
    ? encodeJoinRequest({ coop: invite.coop, member: invite.member, device: signer.publicKey, proof: joinRequestProof(invite.secret, invite.coop, signer.publicKey) })
    : undefined;
  return { invite, folder, signer, ...(request === undefined ? {} : { request }) };
}

export interface FetchInvitedOptions {
  /** Tries before giving up (one every JOIN_RETRY_MS). */
  readonly attempts: number;
  /** Whether the member asked to wait (the refusal then says how long it waited). */
  readonly wait: boolean;
  readonly onRefused?: (outcome: Extract<DialOutcome, { ok: false }>, attempt: number) => void;
  readonly onProgress?: (progress: JoinStep) => void;
  readonly onReplicated?: (replica: JoinTimings) => void;
}

/**
 * The second half: fetches the co-op from the inviting peer (refused until the members have voted this
 * device in, so it tries again), then remembers the inviter as the first peer this device knows.
 */
export async function fetchInvitedCoop(context: CommandContext, joining: JoiningDevice, options: FetchInvitedOptions): Promise<void> {
  const { invite, folder, signer } = joining;
  const { clearJoinProgress, fetchCoop, KnownPeers, networkPaths, writeJoinProgress } = await import('@tallystick/sync/network');
  // `status` in another terminal shows how far the join has got (sync/network/join-progress.ts).
  const startedAt = context.now().toISOString();
  try {
    for (let attempt = 1; ; attempt += 1) {
      await writeJoinProgress(folder, { phase: 'connecting', coop: invite.coop, name: invite.name, startedAt, documentsListed: 0, documentsReceived: 0, bytesSaved: 0 });
      const outcome = await fetchCoop({ folder, signer, invite, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.onReplicated ? { onReplicated: options.onReplicated } : {}) });
      if (outcome.ok) break;
      if (attempt >= options.attempts) throw notJoined(invite, outcome, signer.publicKey, options.wait);
      options.onRefused?.(outcome, attempt);
      await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS));
    }
  } finally {
    await clearJoinProgress(folder);
  }
  // The inviter is the first peer this device knows: `sync` and `peer` dial it without being told.
  const known = await KnownPeers.load(networkPaths(folder).knownPeers);
  known.note(invite.peer, { addresses: invite.addresses, seen: context.now(), synced: context.now() });
  await known.flush();
}

/**
 * Redeems a join request on the inviting device: it must answer an open invite of this folder (same
 * co-op and member, proof made with that invite's secret); then this device proposes the member with the
 * requesting device and votes yes. The invite is used up, whatever the vote's outcome.
 */
export async function admitCommand(context: CommandContext, code: string): Promise<void> {
  const request = decodeJoinRequest(code);
  const folder = await openFolder(context);
  const coopId = folder.coopId(context.coop);
  if (request.coop !== coopId) throw new TallystickError('wrong_coop', `this join request is for another co-op (${request.coop}), not ${folder.config.coops[coopId]!.name}`);
  const invites = await readInvites(folder);
  const invite = invites.find((candidate) => candidate.coop === coopId && candidate.member === request.member && proofHolds(candidate.secret, request));
  if (!invite) throw new TallystickError('no_open_invite', `no invite made on this device matches this join request for ${request.member} (an invite is redeemed on the device that made it, with the code it printed); nothing was written`);
  if (invite.redeemedBy !== undefined) {
    throw new TallystickError('invite_used', `the invite for ${invite.member} was used already (by device ${invite.redeemedBy.slice(0, 16)}…); make a new one with \`tallystick invite --member ${invite.member}\`. Nothing was written`);
  }
  await proposeCommand(context, 'add-member', [invite.member], { device: request.device, ...(invite.role ? { role: invite.role } : {}), note: `invited on ${invite.created.slice(0, 10)}` });
  invite.redeemedBy = request.device;
  await writeInvites(folder, invites);
  const { loadBookView } = await import('../context.js');
  const proposals = (await loadBookView(context)).governance.proposals;
  const proposal = proposals.filter((item) => item.action.kind === 'add-member' && item.action.devices.includes(request.device)).at(-1);
  if (proposal) await voteCommand(context, proposal.id, 'yes');
}

function notJoined(invite: Invite, outcome: Extract<DialOutcome, { ok: false }>, key: string, waited: boolean): TallystickError {
  if (outcome.code !== 'refused') {
    return new TallystickError('peer_unreachable', `could not reach the peer of ${invite.name} that the invite names (${outcome.reason}): is \`tallystick peer\` running there, and reachable from here? Nothing was written`);
  }
  return new TallystickError('not_admitted', [
    `the peer of ${invite.name} did not admit this device${waited ? ' within an hour' : ''}: ${outcome.reason}. Nothing was written.`,
    ...(invite.member ? [`Give the join request printed above to the member who invited you: they run \`tallystick admit REQUEST\`, and the members vote.`, 'Or, on a member\'s device:'] : ['A member must vote this device in first. On a member\'s device:']),
    `  tallystick propose add-member YOUR-NAME --device ${key}`,
    `  (or: tallystick propose add-device MEMBER ${key}, for another device of an existing member)`,
    'and the members vote; then run `tallystick join CODE` again here (with --wait it keeps trying).',
  ].join('\n'));
}

function isLoopback(address: string): boolean {
  return address.startsWith('/ip4/127.') || address.startsWith('/ip6/::1/');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // no key yet: join makes one
  }
}
