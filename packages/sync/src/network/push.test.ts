import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeads } from '@automerge/automerge';
import { afterEach, describe, expect, it } from 'vitest';
import { CoopStore, type NewEntry, checkPack } from '../coop-store.js';
import { DataFolder } from '../data-folder.js';
import { type PeriodDoc } from '../documents.js';
import { NodeEntrySigner, generateDevicePrivateKey } from '../node-crypto.js';
import { CoopPeer } from './coop-peer.js';
import { decodeInvite, encodeInvite } from './invite.js';
import { fetchCoop } from './join-coop.js';

/*
 * An entry appended on a peer goes to connected member peers as it is made (CoopReplicator pushes the
 * change, DECISIONS 34), not at automerge-repo's next sync round nor once the sender's disk has it.
 * Real libp2p nodes on 127.0.0.1, real data folders.
 */

const folders: string[] = [];
const peers: CoopPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

interface Device { dir: string; signer: NodeEntrySigner }

function device(label: string): Device {
  const dir = mkdtempSync(join(tmpdir(), `tallystick-push-${label}-`));
  folders.push(dir);
  return { dir, signer: new NodeEntrySigner(generateDevicePrivateKey()) };
}

function transaction(date: string, description: string): NewEntry<'transaction'> {
  return {
    kind: 'transaction',
    payload: {
      date, status: '', description, tags: [], links: [], metadata: {},
      postings: [{ account: 'expenses:supplies', amount: ['EUR', '1.00'] }, { account: 'assets:cash', amount: ['EUR', '-1.00'] }],
    },
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startPeer(on: Device, listen: string[]): Promise<CoopPeer> {
  const peer = await CoopPeer.start({
    folder: await DataFolder.open(on.dir), signer: on.signer, listen, reconnect: false,
    replicator: { localPollMs: 0 }, log: () => undefined,
  });
  peers.push(peer);
  return peer;
}

/** Ana founds the co-op with Bea as a member, writes March's first entry, and both peers run, connected and in sync. */
async function connectedPair(): Promise<{ ana: CoopPeer; bea: CoopPeer; signer: NodeEntrySigner }> {
  const [anaDevice, beaDevice] = [device('ana'), device('bea')];
  const founded = await CoopStore.found(await DataFolder.open(anaDevice.dir, { create: true }), {
    coopName: 'Riverside', memberName: 'Ana', signer: anaDevice.signer, now: new Date(), rule: { kind: 'quorum', yes: 1 },
  });
  const deadline = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
  const [proposal] = founded.signEntries([{ kind: 'proposal', payload: { action: { kind: 'add-member', name: 'Bea', devices: [beaDevice.signer.publicKey], role: 'member' }, deadline } } as NewEntry], anaDevice.signer, new Date());
  await founded.appendEntries([proposal!]);
  await founded.appendEntries(founded.signEntries([{ kind: 'vote', payload: { proposal: proposal!.id, choice: 'yes' } } as NewEntry], anaDevice.signer, new Date()));
  await founded.appendEntries(founded.signEntries([transaction('2025-03-01', 'first of March')], anaDevice.signer, new Date()));
  await founded.close();
  const ana = await startPeer(anaDevice, ['/ip4/127.0.0.1/tcp/0']);
  const record = (await DataFolder.open(anaDevice.dir)).config.coops[ana.store.coopId]!;
  const invite = decodeInvite(encodeInvite({
    coop: ana.store.coopId, name: record.name, catalog: record.catalog.replace('automerge:', ''), genesis: record.genesis,
    peer: ana.peerId, addresses: ana.addresses(),
  }));
  const joined = await fetchCoop({ folder: await DataFolder.open(beaDevice.dir, { create: true }), signer: beaDevice.signer, invite });
  expect(joined).toMatchObject({ ok: true });
  const bea = await startPeer(beaDevice, []);
  const dial = await bea.dial(ana.addresses()[0]!);
  expect(dial).toMatchObject({ ok: true });
  await bea.replicator.whenInSyncWith(ana.peerId);
  return { ana, bea, signer: anaDevice.signer };
}

/** The March document on a peer (followed by its replicator) and the ids of the entries it holds. */
function march(peer: CoopPeer): { ids: () => Set<string>; documentId: string } {
  const state = peer.replicator.documentStates().find((document) => document.label === 'period 2025-03');
  if (state === undefined) throw new Error('March is not followed');
  const ids = () => {
    const handle = peer.store.repo.handles[state.documentId as keyof typeof peer.store.repo.handles];
    if (handle?.isReady() !== true) return new Set<string>();
    const days = (handle.doc() as PeriodDoc).days;
    return new Set(Object.values(days).flatMap((packs) => Object.entries(packs).flatMap(([key, pack]) => checkPack(key, pack).flatMap((checked) => (checked.ok ? [checked.entry.id] : [])))));
  };
  return { ids, documentId: state.documentId };
}

describe('pushing appends to connected peers', () => {
  it('sends an entry to a connected member while the sender\'s write still waits on the disk, and the sync protocol agrees after', async () => {
    const { ana, bea, signer } = await connectedPair();
    // March is loaded in Ana's store once she has appended to it in this process.
    await ana.store.appendEntries(ana.store.signEntries([transaction('2025-03-02', 'loads March')], signer, new Date()));
    await waitFor('March on Bea', () => march(bea).ids().size === 2);

    // A large batch for other months goes first, written alone (it reports progress): a write-ahead batch,
    // 2,000 entries, new months, fsyncs. The next append's write waits behind all of that, but its entry is
    // in March, and on its way to Bea, as soon as it is made.
    const large = ana.store.signEntries(Array.from({ length: 2_000 }, (_, index) => transaction(`2025-0${4 + (index % 3)}-1${index % 10}`, `bulk ${index}`)), signer, new Date());
    const [entry] = ana.store.signEntries([transaction('2025-03-03', 'urgent')], signer, new Date());
    let bulkSaved = false;
    const bulk = ana.store.appendEntries(large, () => undefined).then(() => { bulkSaved = true; });
    let saved = false;
    const appended = ana.store.appendEntries([entry!]).then(() => { saved = true; });
    await waitFor('the urgent entry on Bea', () => march(bea).ids().has(entry!.id));
    expect(bulkSaved, 'the urgent entry waited for the large batch before it was sent').toBe(false);
    expect(saved, 'Bea held the entry only once Ana\'s write had returned').toBe(false);
    expect(ana.replicator.pushes.sent).toBeGreaterThanOrEqual(2);
    expect(bea.replicator.pushes.applied).toBeGreaterThanOrEqual(1);
    await Promise.all([bulk, appended]);

    // The sync protocol, which still runs, leaves both with the same heads.
    await waitFor('the same heads', () => {
      const anaHandle = ana.store.repo.handles[march(ana).documentId as keyof typeof ana.store.repo.handles];
      const beaHandle = bea.store.repo.handles[march(bea).documentId as keyof typeof bea.store.repo.handles];
      return anaHandle !== undefined && beaHandle !== undefined && getHeads(anaHandle.doc() as object).join() === getHeads(beaHandle.doc() as object).join();
    });
    expect([...march(bea).ids()].sort()).toEqual([...march(ana).ids()].sort());
  }, 120_000);

  it('delivers a burst of appends made faster than automerge-repo\'s sync rounds, pushed as they go into the month', async () => {
    const { ana, bea, signer } = await connectedPair();
    await ana.store.appendEntries(ana.store.signEntries([transaction('2025-03-02', 'loads March')], signer, new Date()));
    await waitFor('March on Bea', () => march(bea).ids().size === 2);
    const sentBefore = ana.replicator.pushes.sent;
    const entries = Array.from({ length: 20 }, (_, index) => ana.store.signEntries([transaction('2025-03-04', `burst ${index}`)], signer, new Date())[0]!);
    await Promise.all(entries.map((entry) => ana.store.appendEntries([entry])));
    await waitFor('the burst on Bea', () => entries.every((entry) => march(bea).ids().has(entry.id)));
    // The first goes at once, the rest (made within milliseconds of it) together: fewer changes than entries.
    expect(ana.replicator.pushes.sent - sentBefore).toBeGreaterThanOrEqual(2);
    expect(ana.replicator.pushes.sent - sentBefore).toBeLessThan(20);
    expect(bea.replicator.pushes.applied).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
