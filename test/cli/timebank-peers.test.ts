import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntrySigner } from '../../packages/core/src/index.js';
import { CoopStore, DataFolder, type NewEntry, unlockDeviceKeyFile } from '../../packages/sync/src/index.js';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { CAROL } from '../helpers/timebank-coop.js';
import { PASSPHRASE, STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, snapshotBooks, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * Issue 5's proof over real peers: each device is its own data folder and its own processes, and every
 * document that moves between devices goes over libp2p on 127.0.0.1. Alice's machine runs `tallystick
 * peer`; Bob and Cora (a coordinator) ask to join with Alice's invite, are voted in, join, and from then
 * on reach Alice's peer with `tallystick sync`. Carol has no device (her key is a fixed test key, never used):
 * Cora records her hours from paper slips. Mallory is no member: Alice's peer refuses her device at the
 * connection, and an entry she signs anyway (written straight into Bob's folder, as someone holding his
 * disk could) travels with Bob's documents and is listed as rejected on both sides.
 * Alice's own commands write to her folder while her peer runs: the peer picks up what they wrote (it
 * looks every second) and prints so; the test waits on that line before another device syncs, and on the
 * peer's `saved:` line after a sync before reading Alice's folder. No fixed sleeps.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];

let root: string;
let alicePeer: CliProcess;
let invite: string;
const folders: Record<string, string> = {};
const keys: Record<string, string> = {};

const ok = (who: string, ...args: string[]) => tallystickOk(folders[who]!, args);
const run = (who: string, ...args: string[]) => runTallystick(folders[who]!, args);
const json = <T>(who: string, ...args: string[]) => tallystickJson<T>(folders[who]!, args);

/**
 * A command on Alice's machine that writes: done once her running peer has taken in what it wrote (so a
 * sync now carries it) and saved it again (so that this `saved:` line is not taken for a later sync's).
 */
async function onAlice(...args: string[]): Promise<string> {
  const mark = alicePeer.output.length;
  const output = await ok('Alice', ...args);
  const line = await alicePeer.waitFor(/picked up changes written on this device/u, mark);
  await alicePeer.waitFor(/saved: /u, alicePeer.output.indexOf(line, mark));
  return output;
}

/** The label of this month's period document, where the CLI files confirmations and declines (dated today, local time). */
function thisMonth(): string {
  const now = new Date();
  return `period ${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

/**
 * `tallystick sync` on a member's device, to the inviter it remembers (Alice's peer). It exits once Alice's
 * peer reports holding this device's heads; then waits until that peer has saved each document named in
 * `brings` (`catalog`, `period 2024-06`), which may take one flush or several: Alice's folder is read next.
 */
async function sync(who: string, brings: readonly string[] = []): Promise<void> {
  const mark = alicePeer.output.length;
  expect(await ok(who, 'sync')).toMatch(/^Synced with Alice: \d+ documents? in sync\.$/mu);
  for (const label of brings) await alicePeer.waitFor(new RegExp(`saved: (.*, )?${label}(,|$)`, 'u'), mark);
}

/** Signs entries with a device key straight into a data folder's documents, bypassing every check the CLI makes. */
async function writeAs(keyPath: string, into: string, entries: readonly NewEntry[]): Promise<string[]> {
  const signer: EntrySigner = await unlockDeviceKeyFile(keyPath, PASSPHRASE);
  const store = await CoopStore.open(await DataFolder.open(into));
  try {
    const written = store.signEntries(entries, signer, new Date());
    await store.appendEntries(written);
    return written.map((entry) => entry.id);
  } finally {
    await store.close();
  }
}

interface BalanceJson {
  member: string | null;
  balance: string;
}

async function balances(who: string): Promise<Record<string, string>> {
  const rows = await json<BalanceJson[]>(who, 'hours', 'balances');
  return Object.fromEntries(rows.map((row) => [row.member ?? 'community', row.balance]));
}

interface PendingJson {
  waitingForMe: { id: string; description: string; reverses?: string; limitRefusals?: { code: string }[] }[];
  waitingForOthers: { id: string; description: string }[];
}

const waitingFor = async (who: string) => (await json<PendingJson>(who, 'hours', 'pending')).waitingForMe;

/** Admits a member by Alice's proposal and vote (quorum 1: Alice alone decides), on her machine while her peer runs. */
async function admit(name: string, key: string, role?: string): Promise<void> {
  const proposed = await ok('Alice', 'propose', 'add-member', name, '--device', key, ...(role ? ['--role', role] : []));
  const id = /^Proposed ([0-9a-f]+):/mu.exec(proposed)![1]!;
  expect(await ok('Alice', 'vote', id, 'yes')).toContain('the proposal is adopted');
}

/** `join CODE` on a new device: refused (no member's device yet), it prints the key for the members to vote in. */
async function askToJoin(who: string): Promise<string> {
  folders[who] = join(root, who.toLowerCase());
  const refused = await runTallystick(folders[who], ['join', invite]);
  expect(refused.code, refused.stderr).toBe(1);
  expect(refused.stderr).toContain('did not admit this device');
  return /This device's key: ([0-9a-f]{64})/u.exec(refused.stdout)![1]!;
}

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('timebank-peers');
  folders.Alice = join(root, 'alice');
  await tallystickOk(folders.Alice, ['init', '--coop', 'Riverside Time Bank', '--member', 'Alice', '--role', 'member=timebank,vote', '--role', 'coordinator=coordinate,vote', '--rule', 'quorum:1']);
  alicePeer = new CliProcess(folders.Alice, ['peer', ...LOOPBACK], PASSPHRASE);
  await alicePeer.address();
  invite = (await ok('Alice', 'invite')).trim();
  [keys.Bob, keys.Cora] = await Promise.all([askToJoin('Bob'), askToJoin('Cora')]);
  const mark = alicePeer.output.length;
  await admit('Bob', keys.Bob!);
  await admit('Cora', keys.Cora!, 'coordinator');
  await admit('Carol', CAROL.publicKey);
  const roster = await alicePeer.waitFor(/roster: 4 members, 4 devices admitted/u, mark);
  await alicePeer.waitFor(/saved: catalog/u, alicePeer.output.indexOf(roster, mark));
  const joined = await Promise.all([ok('Bob', 'join', invite), ok('Cora', 'join', invite)]);
  for (const output of joined) expect(output).toContain('Joined co-op "Riverside Time Bank"');
}, 60_000);

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

describe('the time bank between real peers (libp2p on 127.0.0.1, one data folder per device)', () => {
  it('Alice logs two hours for Bob on her machine; Bob syncs, sees it pending, confirms, syncs; both see Alice +2:00, Bob -2:00', async () => {
    expect(await onAlice('hours', 'log', '--to', 'Bob', '--hours', '2', '--date', '2024-06-01', '--description', 'fixed the bike'))
      .toMatch(/^Logged [0-9a-f]{12}: Alice gave Bob 2:00 on 2024-06-01 \(fixed the bike\)/u);
    expect(await waitingFor('Bob')).toEqual([]);
    await sync('Bob');
    const [pending] = await waitingFor('Bob');
    expect(pending).toMatchObject({ description: 'fixed the bike' });
    expect(await ok('Bob', 'hours', 'pending')).toContain('Alice gave Bob 2:00: fixed the bike; logged by Alice, waiting for Bob');
    expect(await balances('Bob')).toMatchObject({ Alice: '0:00', Bob: '0:00' });
    expect(await ok('Bob', 'hours', 'confirm', pending!.id.slice(0, 8))).toContain('Balances now: Alice +2:00, Bob -2:00.');
    await sync('Bob', [thisMonth(), 'catalog']);
    const expected = { Alice: '+2:00', Bob: '-2:00', Carol: '0:00', community: '0:00' };
    expect(await balances('Bob')).toEqual(expected);
    expect(await balances('Alice')).toEqual(expected);
    expect((await json<PendingJson>('Alice', 'hours', 'pending')).waitingForOthers).toEqual([]);
  }, 30_000);

  it('a decline: Bob logs an hour he received from Alice; Alice declines it on her machine with a reason; Bob sees why after a sync', async () => {
    await ok('Bob', 'hours', 'log', '--from', 'Alice', '--minutes', '60', '--date', '2024-06-02', '--description', 'soup');
    await sync('Bob', ['period 2024-06']);
    const [soup] = await waitingFor('Alice');
    expect(soup).toMatchObject({ description: 'soup' });
    expect(await onAlice('hours', 'decline', soup!.id.slice(0, 10), '--reason', 'that was Carol')).toContain('will not count; Bob sees why');
    await sync('Bob');
    const history = await json<{ unsettled: { id: string; status: string; note: string }[] }>('Bob', 'hours', 'history');
    expect(history.unsettled).toEqual([expect.objectContaining({ id: soup!.id, status: 'declined', note: 'declined: that was Carol' })]);
    expect(await balances('Bob')).toMatchObject({ Alice: '+2:00', Bob: '-2:00' });
  }, 30_000);

  it('a limit proposed on Alice\'s machine and voted on Bob\'s refuses a confirmation that would cross it, with the reason', async () => {
    const proposed = await onAlice('propose', 'timebank-rules', 'lowest=-3', 'highest=10');
    const proposal = /^Proposed ([0-9a-f]+):/mu.exec(proposed)![1]!;
    await sync('Bob');
    expect(await ok('Bob', 'vote', proposal, 'yes')).toContain('the proposal is adopted');
    await sync('Bob', ['catalog']);
    for (const who of ['Alice', 'Bob']) expect(await ok(who, 'hours', 'rules')).toContain('lowest balance -3:00, highest balance 10:00, no opening grant');
    await onAlice('hours', 'log', '--to', 'Bob', '--hours', '1:30', '--date', '2024-06-03', '--description', 'gutters');
    await sync('Bob');
    const [gutters] = await waitingFor('Bob');
    expect(gutters).toMatchObject({ description: 'gutters' });
    const before = snapshotBooks(folders.Bob!);
    const refused = await run('Bob', 'hours', 'confirm', gutters!.id.slice(0, 10));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`tallystick: cannot confirm ${gutters!.id.slice(0, 12)}: it would take Bob's balance to -3:30, below the lowest the rules allow (-3:00); nothing was written. It stays pending: confirm it once the balance allows, or decline it\n`);
    expect(snapshotBooks(folders.Bob!)).toEqual(before);
    expect((await waitingFor('Bob')).map((exchange) => exchange.id)).toEqual([gutters!.id]);
  }, 30_000);

  it('a reversal logged by Alice and confirmed by Bob returns the balances; then the refused exchange fits and counts', async () => {
    const history = await json<{ counted: { id: string; description: string }[] }>('Alice', 'hours', 'history');
    const bike = history.counted.find((row) => row.description === 'fixed the bike')!;
    expect(await onAlice('hours', 'reverse', bike.id.slice(0, 12), '--date', '2024-06-05', '--description', 'the bike was Carol\'s job'))
      .toContain(`of ${bike.id.slice(0, 12)}: Bob gives Alice back 2:00`);
    await sync('Bob');
    const reversal = (await waitingFor('Bob')).find((exchange) => exchange.reverses === bike.id);
    expect(await ok('Bob', 'hours', 'confirm', reversal!.id.slice(0, 12))).toContain('Balances now: Bob 0:00, Alice 0:00.');
    await sync('Bob', [thisMonth()]);
    for (const who of ['Alice', 'Bob']) expect(await balances(who)).toEqual({ Alice: '0:00', Bob: '0:00', Carol: '0:00', community: '0:00' });
    expect(await ok('Alice', 'hours', 'history')).toMatch(new RegExp(`${bike.id.slice(0, 12)} .*reversed by ${reversal!.id.slice(0, 12)}`, 'u'));
    const [gutters] = await waitingFor('Bob');
    expect(await ok('Bob', 'hours', 'confirm', gutters!.id.slice(0, 12))).toContain('Balances now: Alice +1:30, Bob -1:30.');
    await sync('Bob', [thisMonth()]);
    expect(await balances('Alice')).toMatchObject({ Alice: '+1:30', Bob: '-1:30' });
  }, 30_000);

  it('Cora, a coordinator, records a paper slip for Carol (no device) on her own machine; after syncs every device counts it', async () => {
    await sync('Cora');
    expect(await ok('Cora', 'hours', 'record', '--provider', 'Carol', '--receiver', 'Alice', '--hours', '1', '--slip', 'slip 17', '--date', '2024-06-06', '--description', 'mended a coat'))
      .toMatch(/Recorded [0-9a-f]{12} from paper slip slip 17: Carol gave Alice 1:00 on 2024-06-06\. It counts now\./u);
    await sync('Cora', ['period 2024-06']);
    await sync('Bob');
    const expected = { Alice: '+0:30', Bob: '-1:30', Carol: '+1:00', community: '0:00' };
    for (const who of ['Alice', 'Bob', 'Cora']) expect(await balances(who)).toEqual(expected);
    expect(await ok('Alice', 'hours', 'history', 'Carol')).toMatch(/\+1:00\s+\+1:00\s+[0-9a-f]{12}\s+to Alice: mended a coat \[paper slip slip 17, recorded by Cora\]/u);
  }, 30_000);

  it('a non-member\'s device is refused at the connection and gets nothing; an entry it signs anyway that reaches a member\'s folder is rejected with its reason', async () => {
    folders.Mallory = join(root, 'mallory');
    await ok('Mallory', 'init', '--coop', 'Elsewhere', '--member', 'Mallory');
    keys.Mallory = (await json<{ device: string }>('Mallory', 'whoami')).device;
    const mark = alicePeer.output.length;
    const joining = await run('Mallory', 'join', invite);
    expect(joining.code).toBe(1);
    expect(joining.stderr).toContain('did not admit this device: it closed the connection right after the handshake');
    const attempt = await run('Mallory', 'sync', '--connect', await alicePeer.address());
    expect(attempt.code).toBe(1);
    expect(attempt.stderr).toContain('no peer synced with this device');
    expect(attempt.stderr).not.toMatch(STACK_TRACE);
    await alicePeer.waitFor(new RegExp(`refused .*device ${keys.Mallory.slice(0, 16)}… is not a device of any member of Riverside Time Bank`, 'u'), mark);
    expect((await json<{ documents: unknown[] }>('Mallory', 'status')).documents).toHaveLength(1); // its own catalog only
    expect((await run('Mallory', 'hours', 'balances')).stdout).not.toContain('Alice');

    // Someone holding Bob's disk signs an exchange with Mallory's key into his folder; Bob's next sync carries it to Alice.
    const [forged] = await writeAs(join(folders.Mallory, 'device-key.json'), folders.Bob!, [
      { kind: 'exchange', payload: { date: '2024-06-07', provider: 'Bob', receiver: 'Alice', minutes: 600, description: 'forged' } },
    ]);
    await sync('Bob', ['period 2024-06']);
    const reason = { id: forged, kind: 'exchange', code: 'not_a_member_device', reason: `author device ${keys.Mallory.slice(0, 16)}… is not a device of any member` };
    for (const who of ['Bob', 'Alice']) {
      const rejected = await run(who, 'rejected', '--json');
      expect(rejected.code).toBe(1);
      expect(JSON.parse(rejected.stdout)).toContainEqual(reason);
      expect(await balances(who)).toEqual({ Alice: '+0:30', Bob: '-1:30', Carol: '+1:00', community: '0:00' });
    }
    expect(await waitingFor('Alice')).toEqual([]);
  }, 30_000);
});
