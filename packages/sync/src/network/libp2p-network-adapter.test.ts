import { Repo } from "@automerge/automerge-repo";
import type { AutomergeUrl, PeerId as RepoPeerId } from "@automerge/automerge-repo";
import type { Libp2p } from "@libp2p/interface";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "./frames.js";
import { Libp2pNetworkAdapter, SYNC_PROTOCOL } from "./libp2p-network-adapter.js";
import type { NetworkLogEvent } from "./libp2p-network-adapter.js";
import { createSyncNode } from "./sync-node.js";

interface Counter { value: number }
interface TestPeer { node: Libp2p; repo: Repo; adapter: Libp2pNetworkAdapter; logs: NetworkLogEvent[]; received: Counter }

const nodes: Libp2p[] = [];
const repos: Repo[] = [];

afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.shutdown().catch(() => undefined)));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

async function startNode(isAllowedPeer: (peerId: string) => boolean = () => true): Promise<Libp2p> {
  const node = await createSyncNode({ isAllowedPeer });
  nodes.push(node);
  return node;
}

async function startPeer(isAllowedPeer: (peerId: string) => boolean = () => true): Promise<TestPeer> {
  const node = await startNode(isAllowedPeer);
  const logs: NetworkLogEvent[] = [];
  const received = { value: 0 };
  const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer, log: (event) => { logs.push(event); } });
  adapter.on("message", () => { received.value += 1; });
  const repo = new Repo({ network: [adapter], peerId: node.peerId.toString() as RepoPeerId, sharePolicy: async () => true });
  repos.push(repo);
  return { node, repo, adapter, logs, received };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function address(node: Libp2p) {
  const first = node.getMultiaddrs()[0];
  if (first === undefined) throw new Error("node has no address");
  return first;
}

async function connect(from: TestPeer, to: TestPeer): Promise<void> {
  await from.node.dial(address(to.node));
  await waitFor("both repos to see each other", () =>
    from.repo.peers.includes(to.node.peerId.toString() as RepoPeerId)
    && to.repo.peers.includes(from.node.peerId.toString() as RepoPeerId));
}

type Tally = { marks: Record<string, number> };

async function headsOf(repo: Repo, url: AutomergeUrl): Promise<string> {
  const handle = await repo.find<Tally>(url);
  return JSON.stringify([...handle.heads()].sort());
}

describe("Libp2pNetworkAdapter (real libp2p nodes on 127.0.0.1)", () => {
  it("syncs a document both ways and converges to identical heads", async () => {
    const alice = await startPeer();
    const bob = await startPeer();
    await connect(alice, bob);
    const aliceHandle = alice.repo.create<Tally>({ marks: { alice: 1 } });
    const bobHandle = await bob.repo.find<Tally>(aliceHandle.url, { signal: AbortSignal.timeout(5_000) });
    expect(bobHandle.doc().marks).toEqual({ alice: 1 });
    bobHandle.change((doc) => { doc.marks.bob = 2; });
    aliceHandle.change((doc) => { doc.marks.carol = 3; });
    await waitFor("identical heads", async () =>
      (await headsOf(alice.repo, aliceHandle.url)) === (await headsOf(bob.repo, aliceHandle.url)));
    expect(aliceHandle.doc().marks).toEqual({ alice: 1, bob: 2, carol: 3 });
    expect(bobHandle.doc().marks).toEqual({ alice: 1, bob: 2, carol: 3 });
  });

  it("delivers changes made while disconnected after reconnecting", async () => {
    const alice = await startPeer();
    const bob = await startPeer();
    await connect(alice, bob);
    const aliceHandle = alice.repo.create<Tally>({ marks: {} });
    const bobHandle = await bob.repo.find<Tally>(aliceHandle.url, { signal: AbortSignal.timeout(5_000) });
    await alice.node.hangUp(bob.node.peerId);
    await waitFor("both repos to drop the peer", () => alice.repo.peers.length === 0 && bob.repo.peers.length === 0);
    aliceHandle.change((doc) => { doc.marks.offlineAlice = 1; });
    bobHandle.change((doc) => { doc.marks.offlineBob = 2; });
    await connect(bob, alice);
    await waitFor("both offline changes on both sides", () =>
      aliceHandle.doc().marks.offlineBob === 2 && bobHandle.doc().marks.offlineAlice === 1);
    await waitFor("identical heads", async () =>
      (await headsOf(alice.repo, aliceHandle.url)) === (await headsOf(bob.repo, aliceHandle.url)));
  });

  it("gives a refused peer no document data, whichever side dials", async () => {
    let refusedId = "";
    const alice = await startPeer((peerId) => peerId !== refusedId);
    const mallory = await startPeer();
    refusedId = mallory.node.peerId.toString();
    const handle = alice.repo.create<Tally>({ marks: { secret: 42 } });
    // Noise completes before the gater refuses, so mallory's dial may appear to succeed: do not rely on it.
    await mallory.node.dial(address(alice.node)).catch(() => undefined);
    await expect(alice.node.dial(address(mallory.node))).rejects.toThrow();
    await expect(mallory.repo.find(handle.url, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
    expect(mallory.received.value).toBe(0);
    expect(mallory.repo.peers).toEqual([]);
    expect(alice.repo.peers).toEqual([]);
    expect(alice.node.getConnections(mallory.node.peerId)).toEqual([]);
  });

  it("cuts off a peer that sends an oversized frame, and only that peer", async () => {
    const alice = await startPeer();
    const bob = await startPeer();
    await connect(alice, bob);
    const handle = alice.repo.create<Tally>({ marks: {} });
    const bobHandle = await bob.repo.find<Tally>(handle.url, { signal: AbortSignal.timeout(5_000) });
    const mallory = await startNode();
    const connection = await mallory.dial(address(alice.node));
    const stream = await connection.newStream(SYNC_PROTOCOL);
    // A header announcing 17 MiB, then a little of it: alice must not wait for (or buffer) the rest.
    const header = encodeFrame(new Uint8Array(17 * 1024 * 1024), 32 * 1024 * 1024).subarray(0, 4);
    stream.send(Uint8Array.from([...header, 1, 2, 3]));
    await waitFor("mallory to be cut off", () => alice.node.getConnections(mallory.peerId).length === 0);
    expect(alice.logs).toContainEqual(expect.objectContaining({ event: "peer-cut-off", peerId: mallory.peerId.toString() }));
    expect(alice.logs.every((entry) => entry.peerId === mallory.peerId.toString())).toBe(true);
    bobHandle.change((doc) => { doc.marks.afterAttack = 1; });
    await waitFor("bob's change to reach alice", () => handle.doc().marks.afterAttack === 1);
    expect(alice.repo.peers).toEqual([bob.node.peerId.toString()]);
  });

  it("cuts off a peer whose hello claims another peer's id", async () => {
    const alice = await startPeer();
    const bob = await startPeer();
    const mallory = await startNode();
    const connection = await mallory.dial(address(alice.node));
    const stream = await connection.newStream(SYNC_PROTOCOL);
    const { cbor } = await import("@automerge/automerge-repo");
    stream.send(encodeFrame(cbor.encode({ type: "tallystick-hello", senderId: bob.node.peerId.toString(), peerMetadata: {} })));
    await waitFor("mallory to be cut off", () => alice.node.getConnections(mallory.peerId).length === 0);
    expect(alice.logs).toContainEqual(expect.objectContaining({ event: "peer-cut-off", peerId: mallory.peerId.toString() }));
    expect(alice.repo.peers).toEqual([]);
  });
});
