import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { webRTC } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p } from 'libp2p';
import { bytesToHex } from './browser-crypto.js';

/*
 * The page's libp2p node: the same stack as a Node peer (packages/sync/src/network/sync-node.ts) less what
 * a page cannot do (TCP, mDNS, listening on a port), plus what it needs to be reached: a slot on a member's
 * relay and WebRTC. Its identity is the device key, so the Node peers' roster gate decides about it like
 * about any device; and it gates the other way too: it talks to the co-op's member devices only.
 */
export interface BrowserNodeOptions {
  readonly seed: Uint8Array;
  readonly isAllowedPeer: (peerId: string) => boolean;
  readonly onRefused: (peerId: string) => void;
}

export async function createBrowserNode(options: BrowserNodeOptions): Promise<Libp2p> {
  const refuses = (peerId: PeerId): boolean => {
    if (options.isAllowedPeer(peerId.toString())) return false;
    options.onRefused(peerId.toString());
    return true;
  };
  return createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', options.seed),
    // A slot on a connected member's relay, and WebRTC connections signalled through it.
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      webSockets(), circuitRelayTransport(),
      // No STUN servers: libp2p's default names public ones of third parties (see sync-node.ts).
      webRTC({ rtcConfiguration: { iceServers: [] } }),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: {
      // The browser build refuses plain ws:// and private addresses by default; a co-op's peers are on its LAN.
      denyDialMultiaddr: () => false,
      denyDialPeer: refuses,
      denyInboundEncryptedConnection: refuses,
      denyOutboundEncryptedConnection: refuses,
    },
  });
}

/** The device key (hex) a peer id stands for, or undefined if it is not an Ed25519 identity. */
export function deviceOfPeerId(peerId: string): string | undefined {
  try {
    const parsed = peerIdFromString(peerId);
    return parsed.type === 'Ed25519' ? bytesToHex(parsed.publicKey.raw) : undefined;
  } catch {
    return undefined; // not a peer id at all
  }
}
