import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Entry, materialize } from '@tallystick/core';
import { CoopStore, type NewEntry } from '../coop-store.js';
import { DataFolder } from '../data-folder.js';
import { NodeEntrySigner, generateDevicePrivateKey } from '../node-crypto.js';
import { CoopPeer } from './coop-peer.js';

/*
 * Five member devices under seeded random partitions and heals (real libp2p nodes on 127.0.0.1, real data
 * folders): in each round the devices split into groups that can reach only each other, every device
 * writes entries (often into the same months and days as others), and each group syncs; every few rounds
 * the network heals. After every heal all five hold identical documents (the same heads) and the same
 * entries, every one of them counting, exactly the entries written. TALLYSTICK_PARTITION_SEED replays a
 * run; TALLYSTICK_PARTITION_ROUNDS makes a soak of it.
 */

const SEED = Number(process.env.TALLYSTICK_PARTITION_SEED ?? 4_242);
// 60 rounds (15 heals) take about 15 s here; a soak sets more.
const ROUNDS = Number(process.env.TALLYSTICK_PARTITION_ROUNDS ?? 60);
const HEAL_EVERY = 4;
const DEVICES = 5;

interface Device { name: string; signer: NodeEntrySigner; peer: CoopPeer }

let root: string;
const devices: Device[] = [];
const written = new Set<string>();

/** mulberry32, as test/helpers/generate-journal.ts: a seeded schedule, replayable. */
function createRandom(seed: number): { integer: (count: number) => number } {
  let state = seed >>> 0;
  return {
    integer: (count) => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * count);
    },
  };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tallystick-partition-'));
  const signers = Array.from({ length: DEVICES }, () => new NodeEntrySigner(generateDevicePrivateKey()));
  const founder = await DataFolder.open(join(root, 'd0'), { create: true });
  const store = await CoopStore.found(founder, { coopName: 'Riverside', memberName: 'm0', signer: signers[0]!, now: new Date(), rule: { kind: 'quorum', yes: 1 } });
  const deadline = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
  for (let index = 1; index < DEVICES; index += 1) {
    const [proposal] = store.signEntries([{ kind: 'proposal', payload: { action: { kind: 'add-member', name: `m${index}`, devices: [signers[index]!.publicKey], role: 'member' }, deadline } } as NewEntry], signers[0]!, new Date());
    await store.appendEntries([proposal!]);
    await store.appendEntries(store.signEntries([{ kind: 'vote', payload: { proposal: proposal!.id, choice: 'yes' } } as NewEntry], signers[0]!, new Date()));
  }
  await store.close();
  // Every device starts from the founder's documents (as from a backup), with its own key.
  for (let index = 1; index < DEVICES; index += 1) cpSync(join(root, 'd0'), join(root, `d${index}`), { recursive: true });
  for (const [index, signer] of signers.entries()) {
    const peer = await CoopPeer.start({
      folder: await DataFolder.open(join(root, `d${index}`)), signer, listen: ['/ip4/127.0.0.1/tcp/0'], reconnect: false,
      replicator: { localPollMs: 0, flushDelayMs: 20 }, log: () => undefined,
    });
    devices.push({ name: `m${index}`, signer, peer });
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(devices.map((device) => device.peer.stop()));
  rmSync(root, { recursive: true, force: true });
});

/** Connects exactly the pairs in the same group, hanging up on the others. */
async function partition(groups: readonly number[]): Promise<void> {
  for (let a = 0; a < DEVICES; a += 1) {
    for (let b = a + 1; b < DEVICES; b += 1) {
      const from = devices[a]!.peer;
      const to = devices[b]!.peer;
      const connected = from.adapter.connectedPeers().includes(to.peerId);
      if (groups[a] === groups[b] && !connected) {
        const outcome = await from.dial(to.addresses()[0]!);
        expect(outcome.ok, `m${a} dialling m${b}: ${JSON.stringify(outcome)}`).toBe(true);
      } else if (groups[a] !== groups[b] && connected) {
        await from.node.hangUp(to.node.peerId);
      }
    }
  }
  await waitFor('partitions to take effect', () => devices.every((device, a) => devices.every((other, b) =>
    a === b || device.peer.adapter.connectedPeers().includes(other.peer.peerId) === (groups[a] === groups[b]))));
}

async function writeTransactions(device: Device, count: number, round: number, random: { integer: (count: number) => number }): Promise<void> {
  if (count === 0) return;
  const entries: NewEntry[] = Array.from({ length: count }, (_, index) => {
    const cents = 1 + random.integer(10_000);
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    // Few months and days, so that devices often create the same month or day concurrently.
    const date = `2025-0${1 + random.integer(3)}-0${1 + random.integer(3)}`;
    return {
      kind: 'transaction',
      payload: {
        date, status: '', description: `${device.name} round ${round} #${index}`, tags: [], links: [], metadata: {},
        postings: [{ account: 'expenses:supplies', amount: ['EUR', amount] }, { account: 'assets:cash', amount: ['EUR', `-${amount}`] }],
      },
    } as NewEntry;
  });
  const signed = device.peer.store.signEntries(entries, device.signer, new Date());
  await device.peer.store.appendEntries(signed);
  for (const entry of signed) written.add(entry.id);
}

/**
 * Every device of a group lists the same documents, holds the same ones (a month that only another group
 * holds may be missing here until the heal), with the same heads.
 */
function groupConverged(members: readonly Device[]): boolean {
  const states = members.map((device) => JSON.stringify([device.peer.replicator.documentStates().map((document) => document.documentId).sort(), Object.entries(device.peer.replicator.documentHeads()).sort()]));
  return states.every((state) => state === states[0]);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (seed ${SEED})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Entries each device verified at an earlier heal: an id names its text, so they need no second check. */
const verified = new Map<string, Map<string, Entry>>();

async function transactionIds(device: Device): Promise<string[]> {
  const known = verified.get(device.name) ?? new Map<string, Entry>();
  verified.set(device.name, known);
  const read = await device.peer.store.readEntries({ knownGood: known });
  for (const entry of read.entries) known.set(entry.id, entry);
  expect(read.unverified, device.name).toEqual([]);
  const book = materialize({ genesisId: read.genesisId, entries: read.entries });
  expect(book.rejected, device.name).toEqual([]);
  return read.entries.filter((entry: Entry) => entry.body.kind === 'transaction').map((entry) => entry.id).sort();
}

describe('five peers under seeded random partitions and heals', () => {
  it(`converge after every heal to the same documents and exactly the entries written (${ROUNDS} rounds, seed ${SEED})`, async () => {
    const random = createRandom(SEED);
    let heals = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const heal = round % HEAL_EVERY === 0;
      const groups = Array.from({ length: DEVICES }, () => (heal ? 0 : random.integer(3)));
      await partition(groups);
      for (const device of devices) await writeTransactions(device, random.integer(3), round, random);
      for (const group of new Set(groups)) {
        const members = devices.filter((_, index) => groups[index] === group);
        await waitFor(`round ${round}: group ${group} (${members.map((device) => device.name).join(', ')}) to converge`, () => groupConverged(members));
      }
      if (!heal) continue;
      heals += 1;
      for (const device of devices) expect(device.peer.replicator.documentStates().filter((document) => !document.present), device.name).toEqual([]);
      const expected = [...written].sort();
      for (const device of devices) expect(await transactionIds(device), `${device.name} after round ${round}`).toEqual(expected);
    }
    expect(heals).toBe(Math.floor(ROUNDS / HEAL_EVERY));
    expect(written.size).toBeGreaterThan(ROUNDS);
  }, 60_000);
});
