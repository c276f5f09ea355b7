import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeads, save } from '@automerge/automerge';
import { type AutomergeUrl, type PeerId as RepoPeerId, Repo } from '@automerge/automerge-repo';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntrySigner } from '@tallystick/core';
import { CoopStore, type NewEntry } from '../coop-store.js';
import { DataFolder } from '../data-folder.js';
import { FileStorageAdapter } from '../file-storage-adapter.js';
import { NodeEntrySigner, generateDevicePrivateKey } from '../node-crypto.js';
import { CoopPeer, type PeerEvent } from './coop-peer.js';
import { libp2pKeyOfDevice, peerIdOfDevice } from './device-identity.js';
import { encodeInvite, decodeInvite } from './invite.js';
import { fetchCoop } from './join-coop.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { readSavedDocument } from './saved-bytes.js';
import { fetchSnapshots, serveSnapshots, SNAPSHOT_PROTOCOL, type SnapshotAnswer } from './snapshot-protocol.js';
import { createSyncNode } from './sync-node.js';

/*
 * Real libp2p nodes on 127.0.0.1 and real data folders: the gate, sharing, following the catalog,
 * ordered flushing, revocation and joining, below the CLI (test/cli/replication.test.ts drives the CLI).
 */

const folders: string[] = [];
const peers: CoopPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

interface Device { folder: DataFolder; signer: NodeEntrySigner; events: PeerEvent[] }

async function device(label: string): Promise<Device> {
  const dir = mkdtempSync(join(tmpdir(), `tallystick-peer-${label}-`));
  folders.push(dir);
  return { folder: await DataFolder.open(dir, { create: true }), signer: new NodeEntrySigner(generateDevicePrivateKey()), events: [] };
}

async function found(founder: Device): Promise<void> {
  const store = await CoopStore.found(founder.folder, { coopName: 'Riverside', memberName: 'Ana', signer: founder.signer, now: new Date(), rule: { kind: 'quorum', yes: 1 } });
  await store.close();
}

/** Writes entries as a CLI process would: its own store on the folder, flushed, closed. */
async function write(on: Device, signer: EntrySigner, entries: readonly NewEntry[]): Promise<string[]> {
  const store = await CoopStore.open(await DataFolder.open(on.folder.dir));
  try {
    const written = store.signEntries(entries, signer, new Date());
    await store.appendEntries(written);
    return written.map((entry) => entry.id);
  } finally {
    await store.close();
  }
}

function transaction(date: string, description: string, amount: string): NewEntry<'transaction'> {
  return {
    kind: 'transaction',
    payload: {
      date, status: '', description, tags: [], links: [], metadata: {},
      postings: [{ account: 'expenses:supplies', amount: ['EUR', amount] }, { account: 'assets:cash', amount: ['EUR', `-${amount}`] }],
    },
  };
}

const deadline = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();

/** Ana proposes and (quorum 1) adopts an action by herself. */
async function adopt(ana: Device, action: object): Promise<void> {
  const [proposal] = await write(ana, ana.signer, [{ kind: 'proposal', payload: { action, deadline: deadline() } } as NewEntry]);
  await write(ana, ana.signer, [{ kind: 'vote', payload: { proposal: proposal!, choice: 'yes' } } as NewEntry]);
}

async function startPeer(on: Device, options: { listen?: string[] } = {}): Promise<CoopPeer> {
  const peer = await CoopPeer.start({
    folder: await DataFolder.open(on.folder.dir), signer: on.signer, listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'],
    reconnectIntervalMs: 200, replicator: { localPollMs: 100, flushDelayMs: 20 }, log: (event) => { on.events.push(event); },
  });
  peers.push(peer);
  return peer;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadlineAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadlineAt) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function descriptions(on: Device): Promise<string[]> {
  const store = await CoopStore.open(await DataFolder.open(on.folder.dir));
  try {
    const read = await store.readEntries();
    return read.entries.filter((entry) => entry.body.kind === 'transaction').map((entry) => (entry.body.payload as { description: string }).description).sort();
  } finally {
    await store.close();
  }
}

/** A device's catalog as saved bytes, with its heads: what a snapshot answer carries. */
async function savedCatalog(on: Device): Promise<{ documentId: string; heads: string[]; data: Uint8Array }> {
  const folder = await DataFolder.open(on.folder.dir);
  const store = await CoopStore.open(folder);
  try {
    const handle = await store.repo.find<object>(Object.values(folder.config.coops)[0]!.catalog as AutomergeUrl);
    return { documentId: handle.documentId, heads: getHeads(handle.doc()), data: save(handle.doc()) };
  } finally {
    await store.close();
  }
}

async function inviteFrom(ana: Device, peer: CoopPeer) {
  const record = ana.folder.config.coops[peer.store.coopId]!;
  return decodeInvite(encodeInvite({
    coop: peer.store.coopId, name: record.name, catalog: record.catalog.replace('automerge:', ''), genesis: record.genesis,
    peer: peer.peerId, addresses: peer.addresses(),
  }));
}

/** Ana's co-op with Bea voted in as a member, Ana's peer serving it, and Bea's device holding it (fetched with the invite). */
async function beaJoinsAna(): Promise<{ ana: Device; bea: Device; anaPeer: CoopPeer; invite: Awaited<ReturnType<typeof inviteFrom>> }> {
  const ana = await device('ana');
  const bea = await device('bea');
  await found(ana);
  await adopt(ana, { kind: 'add-member', name: 'Bea', devices: [bea.signer.publicKey], role: 'member' });
  const anaPeer = await startPeer(ana);
  const invite = await inviteFrom(ana, anaPeer);
  expect(await fetchCoop({ folder: bea.folder, signer: bea.signer, invite })).toMatchObject({ ok: true });
  return { ana, bea, anaPeer, invite };
}

describe('CoopPeer (real libp2p nodes on 127.0.0.1, real data folders)', () => {
  it('refuses a device until the members vote it in, then replicates every month both ways', async () => {
    const ana = await device('ana');
    const bea = await device('bea');
    await found(ana);
    await write(ana, ana.signer, [transaction('2025-01-10', 'January paper', '10.00'), transaction('2025-02-03', 'February ink', '4.00')]);
    const anaPeer = await startPeer(ana);
    const invite = await inviteFrom(ana, anaPeer);

    const refused = await fetchCoop({ folder: bea.folder, signer: bea.signer, invite });
    expect(refused).toMatchObject({ ok: false, code: 'refused' });
    expect(Object.keys(bea.folder.config.coops)).toEqual([]);
    await waitFor('ana to log the refusal', () => ana.events.some((event) => event.type === 'refused' && event.peerId === peerIdOfDevice(bea.signer.publicKey)));
    expect(ana.events).toContainEqual(expect.objectContaining({ type: 'refused', code: 'not_a_member_device' }));

    await adopt(ana, { kind: 'add-member', name: 'Bea', devices: [bea.signer.publicKey], role: 'member' });
    await waitFor('ana\'s peer to pick up the vote', () => anaPeer.gate.allows(peerIdOfDevice(bea.signer.publicKey)));
    const fetched: unknown[] = [];
    expect(await fetchCoop({ folder: bea.folder, signer: bea.signer, invite, onMonthsFetched: (counts) => { fetched.push(counts); } })).toMatchObject({ ok: true, peerId: anaPeer.peerId });
    expect(fetched).toEqual([{ fromSavedBytes: 2, synced: 0 }]);

    const beaPeer = await startPeer(bea, { listen: [] });
    expect(await beaPeer.dial(invite.addresses[0]!)).toMatchObject({ ok: true });
    await beaPeer.replicator.whenInSyncWith(anaPeer.peerId);
    await beaPeer.replicator.flush();
    await beaPeer.stop();
    expect(await descriptions(bea)).toEqual(['February ink', 'January paper']);

    // Offline on both sides, including a month neither had, then together again.
    const pickedUp = ana.events.length;
    await write(ana, ana.signer, [transaction('2025-03-01', 'Ana in March', '1.00')]);
    await waitFor('ana\'s peer to pick up her offline entry', () => ana.events.slice(pickedUp).some((event) => event.type === 'local-changes'));
    await write(bea, bea.signer, [transaction('2025-03-02', 'Bea in March', '2.00'), transaction('2025-04-01', 'Bea in April', '3.00')]);
    const again = await startPeer(bea, { listen: [] });
    await waitFor('bea to redial ana from the peers she remembers', () => again.adapter.connectedPeers().includes(anaPeer.peerId));
    await again.replicator.whenInSyncWith(anaPeer.peerId);
    await again.stop();
    await anaPeer.replicator.flush();
    const expected = ['Ana in March', 'Bea in April', 'Bea in March', 'February ink', 'January paper'];
    expect(await descriptions(bea)).toEqual(expected);
    expect(await descriptions(ana)).toEqual(expected);
  }, 30_000);

  it('joins from the inviter\'s saved bytes, syncs what they lack, and refuses a month that is not the one the catalog names', async () => {
    const ana = await device('ana');
    const bea = await device('bea');
    await found(ana);
    await write(ana, ana.signer, [transaction('2025-01-10', 'January paper', '10.00'), transaction('2025-02-03', 'February ink', '4.00')]);
    const catalogBefore = await savedCatalog(ana);
    await adopt(ana, { kind: 'add-member', name: 'Bea', devices: [bea.signer.publicKey], role: 'member' });
    const anaPeer = await startPeer(ana);
    const invite = await inviteFrom(ana, anaPeer);
    await waitFor('ana\'s peer to load every month', () => anaPeer.replicator.documentStates().every((state) => state.present));
    const months = Object.fromEntries(anaPeer.replicator.documentStates().filter((state) => state.label.startsWith('period')).map((state) => [state.label, state.documentId]));
    const january = months['period 2025-01']!;
    const february = months['period 2025-02']!;
    const januaryBefore = await anaPeer.replicator.readSnapshot(january);
    await write(ana, ana.signer, [transaction('2025-01-20', 'January tea', '3.00')]);
    await waitFor('ana\'s peer to pick up the later January entry', () => ana.events.some((event) => event.type === 'local-changes'));
    /** Ana's peer answering snapshot requests its own way (the sync protocol stays honest). */
    const serve = async (read: (documentId: string) => Promise<SnapshotAnswer>) => {
      await anaPeer.node.unhandle(SNAPSHOT_PROTOCOL);
      await serveSnapshots(anaPeer.node, { sharesWith: () => true, read, log: () => undefined });
    };
    const counts = async (on: Device) => {
      const fetched: unknown[] = [];
      expect(await fetchCoop({ folder: on.folder, signer: bea.signer, invite, onMonthsFetched: (counted) => { fetched.push(counted); } })).toMatchObject({ ok: true });
      return fetched;
    };

    // February's bytes handed over as January: loaded, recognised, refused; the co-op is not recorded.
    await serve(async (documentId) => ({ ...(await anaPeer.replicator.readSnapshot(documentId === january ? february : documentId)), documentId }));
    const lied = await device('bea-lied');
    await expect(fetchCoop({ folder: lied.folder, signer: bea.signer, invite })).rejects.toMatchObject({ code: 'bad_document', message: expect.stringContaining('it is not the month 2025-01 of this co-op') });
    expect(Object.keys(lied.folder.config.coops)).toEqual([]);
    // Bytes that are not Automerge at all, for a month and for the catalog.
    const garbage = (documentId: string) => ({ documentId, heads: ['ab'.repeat(32)], data: new Uint8Array([1, 2, 3]) });
    await serve(async (documentId) => (documentId === january ? garbage(documentId) : anaPeer.replicator.readSnapshot(documentId)));
    await expect(fetchCoop({ folder: lied.folder, signer: bea.signer, invite })).rejects.toMatchObject({ code: 'bad_document', message: expect.stringMatching(/month document .* not a readable Automerge document/u) });
    await serve(async (documentId) => (documentId === invite.catalog ? garbage(documentId) : anaPeer.replicator.readSnapshot(documentId)));
    await expect(fetchCoop({ folder: lied.folder, signer: bea.signer, invite })).rejects.toMatchObject({ code: 'bad_document', message: expect.stringMatching(/catalog .* not a readable Automerge document/u) });
    // Another co-op's catalog handed over as this one's: refused before any month is asked for.
    const other = await device('other');
    await found(other);
    const otherCatalog = await savedCatalog(other);
    await serve(async (documentId) => (documentId === invite.catalog ? { ...otherCatalog, documentId } : anaPeer.replicator.readSnapshot(documentId)));
    await expect(fetchCoop({ folder: lied.folder, signer: bea.signer, invite })).rejects.toMatchObject({ code: 'wrong_coop' });
    expect(Object.keys(lied.folder.config.coops)).toEqual([]);
    expect(existsSync(join(lied.folder.storageDir, 'docs', january))).toBe(false);

    // January's bytes from before its last entry, with today's heads: stored, then the rest synced; the same
    // for the catalog's bytes from before the vote that admitted Bea (they would not list her: the sync protocol brings it).
    const januaryNow = await anaPeer.replicator.readSnapshot(january);
    assert('heads' in januaryNow && 'heads' in januaryBefore);
    expect(januaryNow.heads).not.toEqual(januaryBefore.heads);
    await serve(async (documentId) => (documentId === january ? { ...januaryBefore, heads: januaryNow.heads } : anaPeer.replicator.readSnapshot(documentId)));
    const behind = await device('bea-behind');
    expect(await counts(behind)).toEqual([{ fromSavedBytes: 2, synced: 1 }]);
    expect(await descriptions(behind)).toEqual(['February ink', 'January paper', 'January tea']);
    const catalogNow = await anaPeer.replicator.readSnapshot(invite.catalog);
    assert('heads' in catalogNow);
    await serve(async (documentId) => (documentId === invite.catalog ? { ...catalogBefore, heads: catalogNow.heads } : anaPeer.replicator.readSnapshot(documentId)));
    const catalogBehind = await device('bea-catalog-behind');
    expect(await counts(catalogBehind)).toEqual([{ fromSavedBytes: 2, synced: 0 }]);
    expect(await descriptions(catalogBehind)).toEqual(['February ink', 'January paper', 'January tea']);

    // A peer without the snapshot protocol: every month synced.
    await anaPeer.node.unhandle(SNAPSHOT_PROTOCOL);
    expect(await counts(bea)).toEqual([{ fromSavedBytes: 0, synced: 2 }]);
    expect(await descriptions(bea)).toEqual(['February ink', 'January paper', 'January tea']);
  }, 30_000);

  it('fetches months its storage lacks as a member\'s saved bytes, checks each, and leaves a wrong one to the sync protocol', async () => {
    const ana = await device('ana');
    const bea = await device('bea');
    await found(ana);
    await write(ana, ana.signer, [transaction('2025-01-10', 'January paper', '10.00'), transaction('2025-02-03', 'February ink', '4.00')]);
    await adopt(ana, { kind: 'add-member', name: 'Bea', devices: [bea.signer.publicKey], role: 'member' });
    const anaPeer = await startPeer(ana);
    const invite = await inviteFrom(ana, anaPeer);
    expect(await fetchCoop({ folder: bea.folder, signer: bea.signer, invite })).toMatchObject({ ok: true });
    const months = Object.fromEntries(anaPeer.replicator.documentStates().filter((state) => state.label.startsWith('period')).map((state) => [state.label, state.documentId]));
    const january = months['period 2025-01']!;
    const february = months['period 2025-02']!;
    // Bea's January is gone (an old backup restored without it), and Ana created March meanwhile.
    rmSync(join(bea.folder.storageDir, 'docs', january), { recursive: true });
    const before = ana.events.length;
    await write(ana, ana.signer, [transaction('2025-03-01', 'Ana in March', '1.00')]);
    await waitFor('ana\'s peer to pick up March', () => ana.events.slice(before).some((event) => event.type === 'local-changes' && event.documents.includes('catalog')));
    const march = anaPeer.replicator.documentStates().find((state) => state.label === 'period 2025-03')!.documentId;
    /** Ana's peer answering snapshot requests its own way, noting what it was asked for. */
    const asked: string[] = [];
    const serve = async (read: (documentId: string) => Promise<SnapshotAnswer>) => {
      await anaPeer.node.unhandle(SNAPSHOT_PROTOCOL);
      await serveSnapshots(anaPeer.node, { sharesWith: () => true, read: async (documentId) => { asked.push(documentId); return read(documentId); }, log: () => undefined });
    };
    await serve((documentId) => anaPeer.replicator.readSnapshot(documentId));

    const beaPeer = await startPeer(bea, { listen: [] });
    expect(await beaPeer.dial(invite.addresses[0]!)).toMatchObject({ ok: true });
    await beaPeer.replicator.whenInSyncWith(anaPeer.peerId);
    await beaPeer.stop();
    expect(await descriptions(bea)).toEqual(['Ana in March', 'February ink', 'January paper']);
    // Only the months Bea lacked were asked for, and each is stored as Ana's saved bytes, one snapshot chunk: not rebuilt by the sync protocol and saved again.
    const storage = new FileStorageAdapter(bea.folder.storageDir);
    for (const documentId of [january, march]) {
      const served = await anaPeer.replicator.readSnapshot(documentId);
      assert('data' in served);
      const chunks = await storage.loadRange([documentId]);
      expect(chunks.map((chunk) => chunk.key[1])).toEqual(['snapshot']);
      expect(Buffer.from(chunks[0]!.data!).equals(Buffer.from(served.data))).toBe(true);
    }
    expect(asked.sort()).toEqual([january, march].sort());
    expect(bea.events.flatMap((event) => (event.type === 'saved' ? event.documents : []))).toEqual(expect.arrayContaining(['period 2025-01', 'period 2025-03']));

    // February's bytes handed over as January: refused, said so, and January comes by the sync protocol instead.
    rmSync(join(bea.folder.storageDir, 'docs', january), { recursive: true });
    await serve(async (documentId) => ({ ...(await anaPeer.replicator.readSnapshot(documentId === january ? february : documentId)), documentId }));
    bea.events.length = 0;
    const again = await startPeer(bea, { listen: [] });
    expect(await again.dial(invite.addresses[0]!)).toMatchObject({ ok: true });
    await again.replicator.whenInSyncWith(anaPeer.peerId);
    await again.stop();
    expect(bea.events).toContainEqual({ type: 'problem', reason: expect.stringMatching(/saved bytes of period 2025-01 from Ana: it is not the month 2025-01 of this co-op; the sync protocol brings it instead/u) });
    expect(await descriptions(bea)).toEqual(['Ana in March', 'February ink', 'January paper']);
    // What is stored under January's id is January, not the February bytes that were offered for it.
    const stored = Buffer.concat((await storage.loadRange([january])).map((chunk) => chunk.data!));
    expect(readSavedDocument(stored, ['month']).root.month).toBe('2025-01');
  }, 30_000);

  it('gets in sync when a month is on disk that its catalog does not name yet (a sync killed between the two)', async () => {
    const { ana, bea, anaPeer, invite } = await beaJoinsAna();
    const before = ana.events.length;
    await write(ana, ana.signer, [transaction('2025-01-10', 'January paper', '10.00')]);
    await waitFor('ana\'s peer to pick up January', () => ana.events.slice(before).some((event) => event.type === 'local-changes' && event.documents.includes('catalog')));
    // Bea's folder as it was, plus January's chunks as a sync killed before it saved the catalog leaves it.
    const killed = mkdtempSync(join(tmpdir(), 'tallystick-peer-bea-killed-'));
    folders.push(killed);
    cpSync(bea.folder.dir, killed, { recursive: true });
    const beaPeer = await startPeer(bea, { listen: [] });
    expect(await beaPeer.dial(invite.addresses[0]!)).toMatchObject({ ok: true });
    await beaPeer.replicator.whenInSyncWith(anaPeer.peerId);
    await beaPeer.stop();
    const january = anaPeer.replicator.documentStates().find((state) => state.label === 'period 2025-01')!.documentId;
    cpSync(join(bea.folder.storageDir, 'docs', january), join(killed, 'storage', 'docs', january), { recursive: true });
    const again: Device = { folder: await DataFolder.open(killed), signer: bea.signer, events: [] };
    const restarted = await startPeer(again, { listen: [] });
    expect(await restarted.dial(invite.addresses[0]!)).toMatchObject({ ok: true });
    const synced = await Promise.race([restarted.replicator.whenInSyncWith(anaPeer.peerId).then(() => true), new Promise((resolve) => { setTimeout(() => { resolve(false); }, 15_000); })]);
    expect(synced, `not in sync: ${restarted.replicator.documentsBehind(anaPeer.peerId).join(', ')}`).toBe(true);
    await restarted.stop();
    expect(await descriptions(again)).toEqual(['January paper']);
  }, 30_000);

  it('refuses a non-member whichever side dials, and it receives no document', async () => {
    const ana = await device('ana');
    const sam = await device('sam');
    await found(ana);
    await write(ana, ana.signer, [transaction('2025-01-10', 'secret', '10.00')]);
    const anaPeer = await startPeer(ana);
    const invite = await inviteFrom(ana, anaPeer);
    // Sam's own device, trusting Ana (as an invite makes it): Ana's gate still refuses him.
    const outcome = await fetchCoop({ folder: sam.folder, signer: sam.signer, invite, timeoutMs: 3_000 });
    expect(outcome).toMatchObject({ ok: false, code: 'refused' });
    await waitFor('ana to log the refusal', () => ana.events.some((event) => event.type === 'refused'));
    // And when Ana dials Sam's address, her own gate stops the dial before any protocol.
    const samNode = await createSyncNode({ isAllowedPeer: () => true, privateKey: await libp2pKeyOfDevice(sam.signer) });
    try {
      const address = samNode.getMultiaddrs()[0]!.toString();
      expect(await anaPeer.dial(address, 3_000)).toMatchObject({ ok: false, code: 'refused' });
      expect(await anaPeer.dial(address.replace(/\/p2p\/.*$/u, ''), 3_000)).toMatchObject({ ok: false, code: 'refused' });
    } finally {
      await samNode.stop();
    }
    expect(anaPeer.adapter.connectedPeers()).toEqual([]);
    expect(Object.keys(sam.folder.config.coops)).toEqual([]);
    const docs = join(sam.folder.storageDir, 'docs');
    expect(existsSync(docs) ? readdirSync(docs) : []).toEqual([]);
  }, 20_000);

  it('cuts off a device when its revocation arrives, and refuses it after', async () => {
    const { ana, bea, anaPeer, invite } = await beaJoinsAna();
    const beaPeer = await startPeer(bea, { listen: [] });
    expect(await beaPeer.dial(invite.addresses[0]!)).toMatchObject({ ok: true });
    await beaPeer.replicator.whenInSyncWith(anaPeer.peerId);

    await adopt(ana, { kind: 'revoke-device', member: 'Bea', device: bea.signer.publicKey });
    const beaId = beaPeer.peerId;
    await waitFor('ana to cut bea off', () => ana.events.some((event) => event.type === 'cut-off' && event.peerId === beaId));
    expect(ana.events).toContainEqual({ type: 'cut-off', peerId: beaId, reason: expect.stringContaining('of Bea was revoked') });
    await waitFor('the connection to close', () => anaPeer.node.getConnections().length === 0);
    await write(ana, ana.signer, [transaction('2025-05-01', 'after the revocation', '1.00')]);
    await beaPeer.stop();
    const retry = await startPeer(bea, { listen: [] });
    expect(await retry.dial(invite.addresses[0]!, 3_000)).toMatchObject({ ok: false, code: 'refused' });
    await retry.stop();
    expect(await descriptions(bea)).toEqual([]);
    expect(ana.events).toContainEqual(expect.objectContaining({ type: 'refused', code: 'device_revoked' }));
  }, 20_000);

  it('offers a member only its own co-op\'s documents, even from a data folder holding two co-ops', async () => {
    const ana = await device('ana');
    const bea = await device('bea');
    await found(ana);
    const other = await CoopStore.found(await DataFolder.open(ana.folder.dir), { coopName: 'Elsewhere', memberName: 'Ana', signer: ana.signer, now: new Date() });
    const otherCatalog = other.documentIds()[0]!;
    await other.close();
    await adopt(ana, { kind: 'add-member', name: 'Bea', devices: [bea.signer.publicKey], role: 'member' });
    const anaPeer = await startPeer(ana); // serves Riverside, the default co-op
    // Bea, a member of Riverside, running a repo that asks for anything and shares everything.
    const node = await createSyncNode({ isAllowedPeer: () => true, privateKey: await libp2pKeyOfDevice(bea.signer), listenAddresses: [] });
    const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer: () => true, log: () => undefined });
    const repo = new Repo({ network: [adapter], peerId: node.peerId.toString() as RepoPeerId, sharePolicy: async () => true });
    try {
      await node.dial(multiaddr(anaPeer.addresses()[0]!));
      await waitFor('ana as bea\'s repo peer', () => repo.peers.includes(anaPeer.peerId as RepoPeerId));
      const riverside = ana.folder.config.coops[anaPeer.store.coopId]!.catalog;
      expect((await repo.find<{ name: string }>(riverside as AutomergeUrl, { signal: AbortSignal.timeout(5_000) })).doc().name).toBe('Riverside');
      await expect(repo.find(`automerge:${otherCatalog}` as AutomergeUrl, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow();
      // Nor as saved bytes.
      const answers: SnapshotAnswer[] = [];
      const connection = node.getConnections()[0]!;
      await fetchSnapshots(connection, [otherCatalog, riverside.replace('automerge:', '')], { signal: AbortSignal.timeout(3_000), onAnswer: (answer) => { answers.push(answer); } });
      expect(answers[0]).toEqual({ documentId: otherCatalog, unavailable: 'not shared with this device' });
      expect(answers[1]).toMatchObject({ documentId: riverside.replace('automerge:', ''), heads: [expect.any(String)] });
    } finally {
      await repo.shutdown();
      await node.stop();
    }
  }, 20_000);
});
