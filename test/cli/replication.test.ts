import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { type CliResult, PASSPHRASE, REPO_ROOT, STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * Replication with the real `tallystick` command: real peers (separate Node processes, real libp2p
 * nodes on 127.0.0.1) on real data folders. Ana's office machine runs `tallystick peer`; Bea's laptop
 * joins with an invite once voted in, and syncs; a stranger is refused and gets nothing; Bea's device is
 * revoked while connected and is cut off. mDNS runs only inside a network namespace of its own (unshare),
 * where it cannot multicast beyond this machine.
 * Waits are on the peers' own log lines, never on fixed sleeps.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws'];
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const LAUNCHER = join(REPO_ROOT, 'packages', 'peer', 'bin', 'tallystick.mjs');
const startPeer = (dataDir: string, args: readonly string[]) => new CliProcess(dataDir, ['peer', ...args], PASSPHRASE);

let root: string;
let ana: string;
let bea: string;
let stranger: string;
let anaPeer: CliProcess;
let code: string;
let beaKey: string;

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('replication');
  ana = join(root, 'ana');
  bea = join(root, 'bea');
  stranger = join(root, 'stranger');
  // Quorum 1: Ana alone decides, so a revocation needs no vote from the device it revokes.
  await tallystickOk(ana, ['init', '--coop', 'Riverside', '--member', 'Ana', '--rule', 'quorum:1']);
  await tallystickOk(ana, ['add', '--date', '2025-03-01', '--description', 'Flour', '-p', 'Expenses:Flour  40.00 USD', '-p', 'Assets:Cash']);
  anaPeer = startPeer(ana, LOOPBACK);
  await anaPeer.address();
  code = (await tallystickOk(ana, ['invite'])).trim();
});

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

const flat = async (dataDir: string) => Object.fromEntries((await tallystickJson<{ account: string; amount: string; commodity: string }[]>(dataDir, ['balance', '--flat']))
  .map((row) => [row.account, `${row.amount} ${row.commodity}`]));

function expectRefusedToJoin(result: CliResult): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('did not admit this device: it closed the connection right after the handshake');
  expect(result.stderr).toContain('Nothing was written');
  expect(result.stderr).not.toMatch(STACK_TRACE);
}

describe('tallystick peer, invite, join, sync and status between real peers on 127.0.0.1', () => {
  it('admits a second device only once voted in; then both see each other\'s entries', async () => {
    expect(code).toMatch(/^tallystick-invite:[A-Za-z0-9_-]+$/u);
    const first = await runTallystick(bea, ['join', code]);
    expectRefusedToJoin(first);
    beaKey = /This device's key: ([0-9a-f]{64})/u.exec(first.stdout)![1]!;
    expect(first.stderr).toContain(`tallystick propose add-member YOUR-NAME --device ${beaKey}`);
    await anaPeer.waitFor(new RegExp(`refused 12D3KooW.* \\(it dialled us\\): device ${beaKey.slice(0, 16)}… is not a device of any member of Riverside`, 'u'));
    expect((await tallystickJson<{ device: string }>(bea, ['whoami'])).device).toBe(beaKey);

    const mark = anaPeer.output.length;
    const id = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'add-member', 'Bea', '--device', beaKey]))![1]!;
    await tallystickOk(ana, ['vote', id, 'yes']);
    await anaPeer.waitFor(/roster: 2 members, 2 devices admitted/u, mark);
    const joined = await tallystickOk(bea, ['join', code]);
    expect(joined).toContain('Joined co-op "Riverside"');
    // The catalog and its one month, as the inviter's saved bytes, timed from the dial (the bench reads this line).
    expect(joined).toMatch(/^Replica: 2 documents \(0\.0 MiB as saved bytes\) fetched, checked and stored in \d+\.\d\d s from the dial \(admitted \d+\.\d\d s, catalog \d+\.\d\d s, months \d+\.\d\d s\); this process had run \d+\.\d\d s\.$/mu);
    expect(await flat(bea)).toEqual({ 'Assets:Cash': '-40.00 USD', 'Expenses:Flour': '40.00 USD' });

    await tallystickOk(bea, ['add', '--date', '2025-03-02', '--description', 'Sugar', '-p', 'Expenses:Sugar  5.00 USD', '-p', 'Assets:Cash']);
    const beforeSync = anaPeer.output.length;
    expect(await tallystickOk(bea, ['sync'])).toMatch(/Synced with Ana: 2 documents in sync\./u);
    await anaPeer.waitFor(/saved: period 2025-03/u, beforeSync);
    expect(await flat(ana)).toEqual({ 'Assets:Cash': '-45.00 USD', 'Expenses:Flour': '40.00 USD', 'Expenses:Sugar': '5.00 USD' });

    const status = await tallystickJson<{ peerId: string; running: unknown; lastSync: string | null; knownPeers: { member: string }[]; documents: { present: boolean }[] }>(bea, ['status']);
    expect(status).toMatchObject({ running: null, knownPeers: [{ member: 'Ana' }] });
    expect(status.lastSync).not.toBeNull();
    const anaStatus = await tallystickOk(ana, ['status']);
    expect(anaStatus).toMatch(/peer {6}running since/u);
    expect(anaStatus).toContain('listening on /ip4/127.0.0.1/tcp/');
    const second = await runTallystick(ana, ['sync']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^tallystick: a peer is already running on .* \(pid \d+\) and keeps this device in sync; no need to sync besides it/u);
  }, 30_000);

  it('refuses a device that is no member\'s, whichever command it uses, and gives it nothing', async () => {
    await tallystickOk(stranger, ['init', '--coop', 'Elsewhere', '--member', 'Sam']);
    const strangerKey = (await tallystickJson<{ device: string }>(stranger, ['whoami'])).device;
    const mark = anaPeer.output.length;
    expectRefusedToJoin(await runTallystick(stranger, ['join', code]));
    const sync = await runTallystick(stranger, ['sync', '--connect', await anaPeer.address()]);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain('no peer synced with this device');
    await anaPeer.waitFor(new RegExp(`refused .*device ${strangerKey.slice(0, 16)}… is not a device of any member of Riverside`, 'u'), mark);
    const config = await tallystickJson<{ coop: { name: string }; documents: unknown[] }>(stranger, ['status']);
    expect(config).toMatchObject({ coop: { name: 'Elsewhere' } });
    expect(config.documents).toHaveLength(1); // its own catalog, nothing of Riverside's
    expect(await flat(stranger)).toEqual({});
  }, 30_000);

  it('converges after offline edits on both sides, including a month both created, and the restarted peer is where it was', async () => {
    expect(await anaPeer.stop()).toBe(0);
    expect(anaPeer.output).toContain('stopped; everything received is on disk.');
    await tallystickOk(ana, ['add', '--date', '2025-03-03', '--description', 'Ana offline', '-p', 'Expenses:Flour  1.00 USD', '-p', 'Assets:Cash']);
    await tallystickOk(ana, ['add', '--date', '2025-04-01', '--description', 'Ana April', '-p', 'Expenses:Rent  100.00 USD', '-p', 'Assets:Cash']);
    await tallystickOk(bea, ['add', '--date', '2025-03-04', '--description', 'Bea offline', '-p', 'Expenses:Sugar  2.00 USD', '-p', 'Assets:Cash']);
    await tallystickOk(bea, ['add', '--date', '2025-04-02', '--description', 'Bea April', '-p', 'Expenses:Rent  50.00 USD', '-p', 'Assets:Cash']);
    anaPeer = startPeer(ana, []); // no --listen: the ports of the last run, where Bea remembers Ana
    await anaPeer.address();
    const mark = anaPeer.output.length;
    await tallystickOk(bea, ['sync']);
    await anaPeer.waitFor(/saved: .*period 2025-04/u, mark);
    const expected = { 'Assets:Cash': '-198.00 USD', 'Expenses:Flour': '41.00 USD', 'Expenses:Sugar': '7.00 USD', 'Expenses:Rent': '150.00 USD' };
    expect(await flat(bea)).toEqual(expected);
    expect(await flat(ana)).toEqual(expected);
    expect(await tallystickOk(ana, ['register', '--json'])).toBe(await tallystickOk(bea, ['register', '--json']));
  }, 30_000);

  it('finds a member\'s peer on the LAN by mDNS (in a network namespace of its own: no multicast leaves this machine)', async () => {
    expect(await anaPeer.stop()).toBe(0);
    await tallystickOk(bea, ['add', '--date', '2025-04-03', '--description', 'Found by mDNS', '-p', 'Expenses:Rent  3.00 USD', '-p', 'Assets:Cash']);
    // Both peers on new ports, Bea with no address of Ana's that works: only mDNS can bring them together.
    const peer = (who: string) => `${JSON.stringify(NODE)} ${JSON.stringify(LAUNCHER)} --data ${JSON.stringify(who)} peer --mdns --listen /ip4/127.0.0.1/tcp/0 > ${JSON.stringify(`${who}.mdns.log`)} 2>&1 &`;
    const script = [
      'set -e', 'ip link set lo up', 'ip link set lo multicast on', 'ip route add 224.0.0.0/4 dev lo',
      peer(ana), 'A=$!', peer(bea), 'B=$!',
      // Bounded: 150 looks at the logs, 0.1 s apart.
      `for i in $(seq 150); do grep -q 'saved: .*period 2025-04' ${JSON.stringify(`${ana}.mdns.log`)} && grep -q 'in sync with Ana' ${JSON.stringify(`${bea}.mdns.log`)} && break; sleep 0.1; done`,
      'kill -TERM $A $B', 'wait $A $B',
    ].join('\n');
    const result = spawnSync('unshare', ['--net', 'sh', '-c', script], { env: { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '' }, encoding: 'utf8', timeout: 25_000 });
    const anaLog = readFileSync(`${ana}.mdns.log`, 'utf8');
    const beaLog = readFileSync(`${bea}.mdns.log`, 'utf8');
    expect(result.status, `${result.stderr}\n${anaLog}\n${beaLog}`).toBe(0);
    expect(beaLog).toMatch(/in sync with Ana/u);
    expect(anaLog).toMatch(/saved: .*period 2025-04/u);
    expect(await tallystickOk(ana, ['register', '--json'])).toContain('Found by mDNS');
    anaPeer = startPeer(ana, LOOPBACK);
  }, 30_000);

  it('cuts off a connected device when its revocation arrives, and refuses it after', async () => {
    const beaPeer = startPeer(bea, [...LOOPBACK, '--connect', await anaPeer.address()]);
    await beaPeer.waitFor(/in sync with Ana/u);
    const mark = anaPeer.output.length;
    const id = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'revoke-device', 'Bea', beaKey]))![1]!;
    await tallystickOk(ana, ['vote', id, 'yes']);
    await anaPeer.waitFor(new RegExp(`cut off 12D3KooW.*: device ${beaKey.slice(0, 16)}… of Bea was revoked`, 'u'), mark);
    await beaPeer.waitFor(/disconnected: Ana/u);
    await tallystickOk(ana, ['add', '--date', '2025-05-01', '--description', 'After the revocation', '-p', 'Expenses:Rent  7.00 USD', '-p', 'Assets:Cash']);
    expect(await beaPeer.stop()).toBe(0);
    const sync = await runTallystick(bea, ['sync']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain('as a peer does with a device that is not an active device of a member in its roster');
    expect(await tallystickOk(bea, ['register', '--json'])).not.toContain('After the revocation');
    await anaPeer.waitFor(/refused .*of Bea was revoked/u, mark);
    expect(await anaPeer.stop()).toBe(0);
    expect(existsSync(join(ana, 'network', 'peer.json'))).toBe(false);
    expect(readdirSync(join(ana, 'network')).sort()).toEqual(['listen.json', 'peers.json']);
  }, 30_000);
});
