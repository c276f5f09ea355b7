import { afterAll, describe, expect, it } from 'vitest';
import type { Libp2p } from '@libp2p/interface';
import { dialInviter } from './coop-peer.js';
import { Libp2pNetworkAdapter } from './libp2p-network-adapter.js';
import { RosterGate } from './roster-gate.js';
import { createSyncNode } from './sync-node.js';

/* The inviter's addresses a device dials (a real libp2p node): never a bare relayed one, which carries no books. */

const RELAY = '12D3KooWRYDaz29eaiyStRBezKsATHecpRRTLSMTT9hXe7vaKEN8';
const INVITER = '12D3KooWHfbE6taEv1EWZRXwEqhz4uMN3UHFUS8cJt78SXtv5fWf';
const nodes: Libp2p[] = [];
afterAll(async () => { await Promise.all(nodes.map((node) => node.stop())); });

describe('dialInviter', () => {
  it('says why when the invite reaches the inviter only through a relay without WebRTC, and dials nothing', async () => {
    const node = await createSyncNode({ isAllowedPeer: () => true, listenAddresses: [] });
    nodes.push(node);
    const gate = new RosterGate('Riverside');
    gate.trust(INVITER, 'the inviting member');
    const adapter = new Libp2pNetworkAdapter(node, { isAllowedPeer: (peerId) => gate.allows(peerId), log: () => undefined });
    const outcome = await dialInviter(node, adapter, gate, { peer: INVITER, addresses: [`/ip4/127.0.0.1/tcp/9/p2p/${RELAY}/p2p-circuit/p2p/${INVITER}`] }, 5_000, 'no address');
    expect(outcome).toMatchObject({ ok: false, code: 'unreachable', reason: expect.stringContaining('only through a relay without WebRTC') as unknown });
    expect(node.getConnections()).toEqual([]);
  });
});
