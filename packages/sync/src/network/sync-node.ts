import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, PrivateKey } from "@libp2p/interface";
import { mdns } from "@libp2p/mdns";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { createLibp2p } from "libp2p";

/** Our own mDNS service name, so that a LAN full of other libp2p programs is not dialled. */
export const MDNS_SERVICE_TAG = "_tallystick._udp.local";

export interface SyncNodeOptions {
  /** Decides from the noise-authenticated peer id (which is the device key) whether a peer may connect. */
  isAllowedPeer: (peerId: string) => boolean;
  /** Told of every refusal, with the direction, so the caller can log why. */
  onRefused?: (peerId: string, direction: "inbound" | "outbound") => void;
  /** TCP (`/ip4/…/tcp/N`) and WebSocket (`/ip4/…/tcp/N/ws`) addresses; default one TCP port on 127.0.0.1. */
  listenAddresses?: string[];
  privateKey?: PrivateKey;
  /** Discover peers on the LAN by mDNS (multicast on every interface: off unless asked). */
  mdns?: boolean;
  /** Start listening at once (default true); false lets the caller wire handlers first. */
  start?: boolean;
}

/**
 * A libp2p node for syncing: TCP and WebSockets, noise, yamux, identify, optionally mDNS. A refused peer
 * is turned away right after the noise handshake, before any protocol runs, in both directions. Note that
 * the refused dialler still sees its dial "succeed" for a moment (noise completes first), so a successful
 * dial does not mean it was accepted.
 */
export async function createSyncNode(options: SyncNodeOptions): Promise<Libp2p> {
  const refuses = (direction: "inbound" | "outbound") => (peerId: PeerId): boolean => {
    if (options.isAllowedPeer(peerId.toString())) return false;
    options.onRefused?.(peerId.toString(), direction);
    return true;
  };
  const peerDiscovery = options.mdns === true ? [mdns({ serviceTag: MDNS_SERVICE_TAG, interval: 10_000 })] : [];
  return createLibp2p({
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
    start: options.start ?? true,
    addresses: { listen: options.listenAddresses ?? ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    services: { identify: identify() },
    // libp2p refuses a host's 6th connection in a second; processes on this machine (the CLI's one-shot
    // syncs next to a running peer, tests) are exempt. Every connection still passes the gate below.
    connectionManager: { allow: ["/ip4/127.0.0.0/ipcidr/8", "/ip6/::1/ipcidr/128"] },
    connectionGater: {
      // Dialling a known peer id that is refused never leaves this machine; an address without a peer id
      // is refused once noise has named the remote.
      denyDialPeer: refuses("outbound"),
      denyInboundEncryptedConnection: refuses("inbound"),
      denyOutboundEncryptedConnection: refuses("outbound"),
    },
  });
}
