import { access } from 'node:fs/promises';
import { TallystickError } from '@tallystick/core';
import { DataFolder, generateDevicePrivateKey, readDevicePublicKey, unlockDeviceKeyFile, writeDeviceKeyFile } from '@tallystick/sync';
import { type DialOutcome, type Invite, decodeInvite, encodeInvite, peerIdOfDevice } from '@tallystick/sync/network';
import { type CommandContext, openFolder, print, readPassphrase, warn } from '../context.js';
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
const JOIN_WAIT_MAXIMUM_ATTEMPTS = 1_200; // an hour at one attempt every 3 s

export async function inviteCommand(context: CommandContext, options: { address: string[] }): Promise<void> {
  const folder = await openFolder(context);
  const coopId = folder.coopId(context.coop);
  const record = folder.config.coops[coopId]!;
  const peerId = peerIdOfDevice(await readDevicePublicKey(folder.keyPath));
  const running = await readRunningPeer(folder);
  const given = options.address.map((address) => (address.includes('/p2p/') ? address : `${address}/p2p/${peerId}`));
  const addresses = given.length > 0 ? given : (running?.coop === coopId ? running.addresses : []);
  if (addresses.length === 0) {
    throw new TallystickError('no_peer_running', 'an invite names where this device\'s peer listens, and none is running: start `tallystick peer` on this device first (it keeps running), or pass --address MULTIADDR');
  }
  // Loopback addresses last: they reach the inviter only from this same machine.
  const ordered = [...addresses].sort((a, b) => Number(isLoopback(a)) - Number(isLoopback(b)));
  const invite: Invite = { coop: coopId, name: record.name, catalog: record.catalog.replace(/^automerge:/u, ''), genesis: record.genesis, peer: peerId, addresses: ordered };
  print(context, encodeInvite(invite));
  warn(context, [
    `An invite to ${record.name}. On the new device run: tallystick join CODE`,
    'It prints that device\'s key; then a member proposes it and the members vote:',
    '  tallystick propose add-member NAME --device KEY   (a new member)',
    '  tallystick propose add-device MEMBER KEY          (another device of a member)',
    `The code grants nothing by itself: this peer refuses any device the members have not voted in.${running ? '' : ' Keep `tallystick peer` running so the new device can reach it.'}`,
  ].join('\n'));
}

export async function joinCommand(context: CommandContext, code: string, options: { wait?: boolean }): Promise<void> {
  const invite = decodeInvite(code);
  if (invite.federation === true) throw new TallystickError('federation_invite', `this code invites a co-op into federation "${invite.name}": run \`tallystick federation fetch CODE\` on that co-op's data folder`);
  const folder = await DataFolder.open(context.dataDir, { create: true });
  if (folder.config.coops[invite.coop]) {
    throw new TallystickError('already_joined', `this data folder already holds co-op "${folder.config.coops[invite.coop]!.name}": run \`tallystick sync\` to catch up with its peers`);
  }
  const signer = (await exists(folder.keyPath))
    ? await unlockDeviceKeyFile(folder.keyPath, await readPassphrase(context))
    : await writeDeviceKeyFile(folder.keyPath, generateDevicePrivateKey(), await newPassphrase(context));
  await folder.saveConfig(); // a data folder with a key and no co-op yet: `whoami` works on it
  print(context, `This device's key: ${signer.publicKey}`);
  const { fetchCoop } = await import('@tallystick/sync/network');
  print(context, `Fetching ${invite.name} from the inviting member's peer…`);
  const attempts = options.wait ? JOIN_WAIT_MAXIMUM_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await fetchCoop({ folder, signer, invite });
    if (outcome.ok) break;
    if (attempt >= attempts) throw notJoined(invite, outcome, signer.publicKey, options.wait === true);
    if (attempt === 1) warn(context, `Not admitted yet (${outcome.reason}). Waiting for the members to vote this device in; trying every ${JOIN_RETRY_MS / 1000} s (Ctrl-C to stop).`);
    await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS));
  }
  // The inviter is the first peer this device knows: `sync` and `peer` dial it without being told.
  const { KnownPeers, networkPaths } = await import('@tallystick/sync/network');
  const known = await KnownPeers.load(networkPaths(folder).knownPeers);
  known.note(invite.peer, { addresses: invite.addresses, seen: context.now(), synced: context.now() });
  await known.flush();
  print(context, `Joined co-op "${invite.name}" (${invite.coop}): this device holds its books now (try \`tallystick balance\`). Keep them in sync with \`tallystick sync\`, or keep \`tallystick peer\` running.`);
}

function notJoined(invite: Invite, outcome: Extract<DialOutcome, { ok: false }>, key: string, waited: boolean): TallystickError {
  if (outcome.code !== 'refused') {
    return new TallystickError('peer_unreachable', `could not reach the peer of ${invite.name} that the invite names (${outcome.reason}): is \`tallystick peer\` running there, and reachable from here? Nothing was written`);
  }
  return new TallystickError('not_admitted', [
    `the peer of ${invite.name} did not admit this device${waited ? ' within an hour' : ''}: ${outcome.reason}. Nothing was written.`,
    'A member must vote this device in first. On a member\'s device:',
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
