import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, PrivateKey } from "@libp2p/interface";
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
  /**
   * TCP (`/ip4/…/tcp/N`) and WebSocket (`/ip4/…/tcp/N/ws`) addresses; default one TCP port on 127.0.0.1.
   * A device behind NAT adds `/p2p-circuit` (take a slot on a connected member's relay) and `/webrtc`
   * (accept WebRTC connections signalled through that relay).
   */
  listenAddresses?: string[];
  /** Relay for member devices behind NAT and for browsers (circuit relay v2); the gate still decides who. */
  relay?: boolean;
  /**
   * Dial and accept WebRTC and relayed connections (default false). Loaded only when asked: the WebRTC
   * module (node-datachannel, x509) adds 0.5–2 s to the start of every one-shot command that dials.
   */
  webrtc?: boolean;
  /**
   * STUN/TURN servers for WebRTC (`stun:host:port`). Default none: libp2p's default names public STUN
   * servers of third parties, which a co-op's peers would then contact without being asked.
   */
  iceServers?: string[];
  privateKey?: PrivateKey;
  /** Discover peers on the LAN by mDNS (multicast on every interface: off unless asked). */
  mdns?: boolean;
  /** Start listening at once (default true); false lets the caller wire handlers first. */
  start?: boolean;
}

/** A co-op has a handful of devices behind NAT per always-on peer; the relay holds at most this many slots. */
const MAXIMUM_RELAY_RESERVATIONS = 64;

/**
 * A libp2p node for syncing: TCP, WebSockets and WebRTC (signalled through a circuit relay), noise, yamux,
 * identify, optionally mDNS and a relay server. A refused peer is turned away right after the noise
 * handshake, before any protocol runs, in both directions; so the relay server only ever serves admitted
 * peers: only member devices hold a reservation or are relayed to. Note that the refused dialler still
 * sees its dial "succeed" for a moment (noise completes first), so a successful dial does not mean it was
 * accepted.
 */
export async function createSyncNode(options: SyncNodeOptions): Promise<Libp2p> {
  const refuses = (direction: "inbound" | "outbound") => (peerId: PeerId): boolean => {
    if (options.isAllowedPeer(peerId.toString())) return false;
    options.onRefused?.(peerId.toString(), direction);
    return true;
  };
  // Loaded only when asked, like WebRTC: most commands that dial never multicast.
  const peerDiscovery = options.mdns === true ? [(await import("@libp2p/mdns")).mdns({ serviceTag: MDNS_SERVICE_TAG, interval: 10_000 })] : [];
  const relayModule = options.relay === true || options.webrtc === true ? await import("@libp2p/circuit-relay-v2") : undefined;
  const relay = options.relay === true ? { relay: relayModule!.circuitRelayServer({ reservations: { maxReservations: MAXIMUM_RELAY_RESERVATIONS } }) } : {};
  const webrtc = options.webrtc === true ? [
    relayModule!.circuitRelayTransport(),
    (await import("@libp2p/webrtc")).webRTC({ rtcConfiguration: { iceServers: (options.iceServers ?? []).map((urls) => ({ urls })) } }),
  ] : [];
  return createLibp2p({
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
    start: options.start ?? true,
    addresses: { listen: options.listenAddresses ?? ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp(), webSockets(), ...webrtc],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    services: { identify: identify(), ...relay },
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
