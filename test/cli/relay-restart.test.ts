import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { PASSPHRASE, assertCliBuilt, makeTemporaryFolder, tallystickOk } from './run-tallystick.js';

/*
 * A member behind NAT stays reachable through the office peer's relay when that peer restarts (js-libp2p
 * #3601: a reservation not renewed after the relay restarts). Ana's office peer relays; Bea's peer listens
 * on nothing but a slot on that relay and WebRTC through it (`peer --listen /p2p-circuit --listen /webrtc
 * --connect OFFICE`); Cy's device reaches Bea only that way (`sync --connect` Bea's relayed WebRTC
 * address). Cy syncs with Bea twice (the second time with what the first taught Cy's device about Bea),
 * Ana's peer restarts, and Cy reaches Bea again without Bea being touched. Then Dee joins with an invite
 * Bea made: Bea is reachable only through the relay, so the join goes over WebRTC signalled through it.
 *
 * WebRTC gathers no loopback candidates (DECISIONS 23): everything runs in a network namespace of its own,
 * with a veth pair whose both ends are inside it.
 */

const NAMESPACE = `tallystick-relay-${process.pid}`;
const IN_NAMESPACE = ['ip', 'netns', 'exec', NAMESPACE];
let root: string;
const folder = (name: string) => join(root, name);
let anaPeer: CliProcess;
let beaPeer: CliProcess;
let beaAddress: string;

const inNamespace = (dataDir: string, args: readonly string[]) => new CliProcess(dataDir, args, PASSPHRASE, { prefix: IN_NAMESPACE });

async function runInNamespace(dataDir: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const run = inNamespace(dataDir, args);
  return { code: await run.exited, output: run.output };
}

/** Cy's one-shot sync with Bea through the relay, tried until it succeeds (a restarted relay takes a moment to hold Bea's slot again). */
async function syncCyWithBea(timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await runInNamespace(folder('cy'), ['sync', '--connect', beaAddress, '--timeout', '20']);
    if (result.code === 0) return result.output;
    if (Date.now() > deadline) throw new Error(`Cy did not sync with Bea through the relay within ${timeoutMs} ms:\n${result.output}\nBea's peer:\n${beaPeer.output}`);
  }
}

beforeAll(async () => {
  assertCliBuilt();
  execFileSync('ip', ['netns', 'add', NAMESPACE]);
  execFileSync('ip', ['netns', 'exec', NAMESPACE, 'sh', '-e', '-c', [
    'ip link set lo up', 'ip link add tsveth0 type veth peer name tsveth1', 'ip addr add 198.51.100.1/24 dev tsveth0',
    'ip link set tsveth0 up', 'ip link set tsveth1 up'].join('\n')]);
  root = makeTemporaryFolder('relay-restart');
  await tallystickOk(folder('ana'), ['init', '--coop', 'Riverside', '--member', 'Ana', '--rule', 'quorum:1']);
  await tallystickOk(folder('ana'), ['add', '--date', '2025-03-01', '--description', 'Flour', '-p', 'Expenses:Flour  40.00 USD', '-p', 'Assets:Cash']);
  anaPeer = inNamespace(folder('ana'), ['peer', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws']);
  const anaAddress = await anaPeer.address();
  const code = (await tallystickOk(folder('ana'), ['invite'])).trim();
  for (const member of ['Bea', 'Cy']) {
    const refused = await runInNamespace(folder(member.toLowerCase()), ['join', code]);
    const key = /This device's key: ([0-9a-f]{64})/u.exec(refused.output)?.[1];
    expect(key, refused.output).toBeDefined();
    const mark = anaPeer.output.length;
    const proposal = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(folder('ana'), ['propose', 'add-member', member, '--device', key!]))![1]!;
    await tallystickOk(folder('ana'), ['vote', proposal, 'yes']);
    await anaPeer.waitFor(/devices admitted/u, mark);
    const joined = await runInNamespace(folder(member.toLowerCase()), ['join', code]);
    expect(joined.code, joined.output).toBe(0);
  }
  beaPeer = inNamespace(folder('bea'), ['peer', '--listen', '/p2p-circuit', '--listen', '/webrtc', '--connect', anaAddress]);
  const line = await beaPeer.waitFor(/listening on \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+\/p2p-circuit\/webrtc\/p2p\//u, 0, 30_000);
  beaAddress = /listening on (\S+)/u.exec(line)![1]!;
}, 120_000);

afterAll(async () => {
  await killAllCliProcesses();
  execFileSync('ip', ['netns', 'delete', NAMESPACE]);
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('a member behind NAT, reached through the office peer\'s relay', () => {
  it('is reached over WebRTC through the relay, again with what the first sync taught the other device', async () => {
    expect(await syncCyWithBea(30_000)).toMatch(/Synced with Bea/u);
    // The first sync noted Bea's relayed addresses in Cy's known peers; they must not spoil the next dial.
    expect(await syncCyWithBea(30_000)).toMatch(/Synced with Bea/u);
  }, 90_000);

  it('is reachable again after the office peer restarts, without Bea\'s peer being touched', async () => {
    const mark = beaPeer.output.length;
    expect(await anaPeer.stop()).toBe(0);
    await beaPeer.waitFor(/ disconnected: Ana /u, mark, 30_000);
    const down = beaPeer.output.length;
    anaPeer = inNamespace(folder('ana'), ['peer']); // the ports of its last run, where Bea's peer redials it
    await anaPeer.address();
    await beaPeer.waitFor(/ connected: Ana /u, down, 90_000);
    expect(await syncCyWithBea()).toMatch(/Synced with Bea/u);
    expect(beaPeer.output).not.toMatch(/stopped/u);
  }, 150_000);

  it('lets a new device join with an invite from that member: over WebRTC through the relay, after the vote', async () => {
    const code = (await tallystickOk(folder('bea'), ['invite'])).trim();
    expect(code).toMatch(/^tallystick-invite:/u);
    const refused = await runInNamespace(folder('dee'), ['join', code]);
    expect(refused.code, refused.output).toBe(1);
    const key = /This device's key: ([0-9a-f]{64})/u.exec(refused.output)?.[1];
    expect(key, refused.output).toBeDefined();
    const mark = anaPeer.output.length;
    const proposal = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(folder('bea'), ['propose', 'add-member', 'Dee', '--device', key!]))![1]!;
    await tallystickOk(folder('bea'), ['vote', proposal, 'yes']);
    // The relay admits Dee's device once the vote has reached it from Bea's peer.
    await anaPeer.waitFor(/roster: 4 members, 4 devices admitted/u, mark, 30_000);
    const joined = await runInNamespace(folder('dee'), ['join', code]);
    expect(joined.code, `${joined.output}\nBea's peer:\n${beaPeer.output}`).toBe(0);
    expect(joined.output).toContain('Joined co-op "Riverside"');
    await beaPeer.waitFor(/ connected: Dee /u, 0, 10_000);
    const balances = async (name: string) => tallystickOk(folder(name), ['balance', '--flat']);
    expect(await balances('dee')).toBe(await balances('bea'));
  }, 120_000);
});
