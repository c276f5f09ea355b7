import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, PrivateKey } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { createLibp2p } from "libp2p";

export interface SyncNodeOptions {
  /** The roster decides (later); until then the caller does. Given the noise-authenticated peer id. */
  isAllowedPeer: (peerId: string) => boolean;
  listenAddresses?: string[];
  privateKey?: PrivateKey;
}

/**
 * A libp2p node for syncing: TCP, noise, yamux, identify. A refused peer is turned away right after the noise
 * handshake, before any protocol runs, in both directions. Note that the refused dialler still sees its dial
 * "succeed" for a moment (noise completes first), so a successful dial does not mean it was accepted.
 */
export async function createSyncNode(options: SyncNodeOptions): Promise<Libp2p> {
  const refuses = (peerId: PeerId): boolean => !options.isAllowedPeer(peerId.toString());
  return createLibp2p({
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
    addresses: { listen: options.listenAddresses ?? ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: {
      denyDialPeer: refuses,
      denyInboundEncryptedConnection: refuses,
      denyOutboundEncryptedConnection: refuses,
    },
  });
}
