import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KnownPeers } from './known-peers.js';

/* The known peers' addresses each name the peer they reach, relayed ones too (real files). */

const RELAY = '12D3KooWRYDaz29eaiyStRBezKsATHecpRRTLSMTT9hXe7vaKEN8';
const BEA = '12D3KooWHfbE6taEv1EWZRXwEqhz4uMN3UHFUS8cJt78SXtv5fWf';
const dir = mkdtempSync(join(tmpdir(), 'tallystick-known-peers-'));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('KnownPeers', () => {
  it('completes an address with the peer\'s id, also one through a relay (which names the relay already)', async () => {
    const path = join(dir, 'noted.json');
    const known = await KnownPeers.load(path);
    known.note(BEA, { addresses: ['/ip4/127.0.0.1/tcp/4001', `/ip4/127.0.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit/webrtc`, `/ip4/127.0.0.1/tcp/4002/p2p/${BEA}`] });
    await known.flush();
    expect((await KnownPeers.load(path)).get(BEA)?.addresses).toEqual([
      `/ip4/127.0.0.1/tcp/4001/p2p/${BEA}`, `/ip4/127.0.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${BEA}`, `/ip4/127.0.0.1/tcp/4002/p2p/${BEA}`,
    ]);
  });

  it('repairs relayed addresses an earlier version wrote without the peer\'s id', async () => {
    const path = join(dir, 'old.json');
    const relayed = `/ip4/127.0.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit`;
    writeFileSync(path, JSON.stringify({ format: 'tallystick-known-peers', version: 1, peers: [{ peerId: BEA, addresses: [relayed, `${relayed}/p2p/${BEA}`] }] }));
    expect((await KnownPeers.load(path)).get(BEA)?.addresses).toEqual([`${relayed}/p2p/${BEA}`]);
  });
});
