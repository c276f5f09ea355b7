import { cbor, NetworkAdapter } from "@automerge/automerge-repo";
import type { Message, PeerId as RepoPeerId, PeerMetadata } from "@automerge/automerge-repo";
import type { Connection, Libp2p, Stream, StreamMessageEvent } from "@libp2p/interface";
import { DEFAULT_MAXIMUM_FRAME_BYTES, encodeFrame, FrameDecoder, FrameError } from "./frames.js";

/** Our own protocol, versioned: a peer speaking another version simply does not match. */
export const SYNC_PROTOCOL = "/tallystick/sync/1.0.0";

const HELLO_TYPE = "tallystick-hello";

/**
 * A message of ours beside the repo's: Automerge changes a peer made to a document, sent as soon as it made
 * them rather than at the repo's next sync round (DocSynchronizer sends a document's changes at most every
 * 100 ms). A peer without this type passes it to its repo, which ignores a message type it does not know.
 */
const CHANGES_TYPE = "tallystick-changes";

/** At most this many changes in one push: a longer history goes by the sync protocol. */
export const MAXIMUM_PUSHED_CHANGES = 64;

/** Changes a connected peer pushed for one document (not yet checked against anything but their shape). */
export interface PushedChanges {
  readonly peerId: string;
  readonly documentId: string;
  readonly changes: Uint8Array[];
}

export interface NetworkLogEvent {
  event: "peer-cut-off" | "send-dropped" | "stream-failed";
  peerId: string;
  reason: string;
}

export interface Libp2pNetworkAdapterOptions {
  /** Decides, from the noise-authenticated peer id, whether a peer may sync at all. */
  isAllowedPeer: (peerId: string) => boolean;
  maximumFrameBytes?: number;
  log?: (event: NetworkLogEvent) => void;
}

/**
 * An automerge-repo network adapter over libp2p streams. The repo's peer id is the libp2p peer id, which the
 * noise handshake authenticates: a peer's hello must claim exactly the id its connection proved. Only the side
 * that dialled a connection opens the sync stream, so one connection never carries two.
 */
export class Libp2pNetworkAdapter extends NetworkAdapter {
  private ready = false;
  private readonly readyWaiters: Array<() => void> = [];
  private readonly channels = new Map<string, Channel>();
  private readonly allChannels = new Set<Channel>();
  private readonly maximumFrameBytes: number;
  private readonly log: (event: NetworkLogEvent) => void;
  private readonly onConnectionOpen = (event: CustomEvent<Connection>): void => {
    this.openStream(event.detail);
  };

  constructor(private readonly node: Libp2p, private readonly options: Libp2pNetworkAdapterOptions) {
    super();
    this.maximumFrameBytes = options.maximumFrameBytes ?? DEFAULT_MAXIMUM_FRAME_BYTES;
    this.log = options.log ?? ((event) => { console.warn(`sync ${event.event} ${event.peerId}: ${event.reason}`); });
  }

  isReady(): boolean {
    return this.ready;
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => { this.readyWaiters.push(resolve); });
  }

  connect(peerId: RepoPeerId, peerMetadata?: PeerMetadata): void {
    if (peerId !== this.node.peerId.toString()) {
      throw new Error(`the repo's peer id ${peerId} must be the libp2p peer id ${this.node.peerId.toString()}`);
    }
    this.peerId = peerId;
    this.peerMetadata = peerMetadata ?? {};
    void this.node.handle(SYNC_PROTOCOL, (stream, connection) => { this.attach(stream, connection); }, {
      maxInboundStreams: 4, maxOutboundStreams: 4,
    });
    this.node.addEventListener("connection:open", this.onConnectionOpen);
    for (const connection of this.node.getConnections()) this.openStream(connection);
    this.ready = true;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  /**
   * Sends changes to one document to a peer whose sync channel is open (nothing if it has none): the
   * caller decides who may have the document, as the repo's shareConfig does for its own messages.
   */
  sendChanges(peerId: string, documentId: string, changes: readonly Uint8Array[]): void {
    if (this.peerId === undefined || changes.length === 0 || changes.length > MAXIMUM_PUSHED_CHANGES) return;
    this.send({ type: CHANGES_TYPE, senderId: this.peerId, targetId: peerId as RepoPeerId, documentId, changes: [...changes] } as unknown as Message);
  }

  /** Who is given the changes peers push (`sendChanges`); without one they are dropped (the sync protocol brings them). */
  receiveChangesWith(handler: ((pushed: PushedChanges) => void) | undefined): void {
    this.changesHandler = handler;
  }

  private changesHandler: ((pushed: PushedChanges) => void) | undefined;

  /** Peers whose sync channel is open: their hello arrived and the repo was told of them. */
  connectedPeers(): string[] {
    return [...this.channels.keys()];
  }

  send(message: Message): void {
    const channel = this.channels.get(message.targetId);
    if (channel === undefined) return;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(cbor.encode(message), this.maximumFrameBytes);
    } catch (error) {
      this.log({ event: "send-dropped", peerId: message.targetId, reason: describe(error) });
      return;
    }
    channel.send(frame);
  }

  disconnect(): void {
    this.node.removeEventListener("connection:open", this.onConnectionOpen);
    void this.node.unhandle(SYNC_PROTOCOL).catch(() => undefined);
    for (const channel of [...this.allChannels]) channel.close();
    this.ready = false;
    this.emit("close");
  }

  private openStream(connection: Connection): void {
    if (connection.direction !== "outbound" || connection.status !== "open") return;
    // A relayed connection is limited in time and bytes: it carries the WebRTC handshake, not the books.
    if (connection.limits !== undefined) return;
    const remote = connection.remotePeer.toString();
    if (!this.options.isAllowedPeer(remote)) return;
    connection.newStream(SYNC_PROTOCOL).then(
      (stream) => { this.attach(stream, connection); },
      (error: unknown) => { this.log({ event: "stream-failed", peerId: remote, reason: describe(error) }); },
    );
  }

  private attach(stream: Stream, connection: Connection): void {
    const remote = connection.remotePeer.toString();
    const openedByUs = stream.direction === "outbound";
    if (!this.ready || !this.options.isAllowedPeer(remote) || openedByUs !== (connection.direction === "outbound")) {
      // The remote opened a stream on a connection we dialled, or is not allowed: neither gets anything.
      this.cutOff(connection, stream, "stream refused");
      return;
    }
    const channel = new Channel(stream, connection, new FrameDecoder(this.maximumFrameBytes), {
      frame: (payload) => { this.receiveFrame(channel, payload); },
      fail: (reason) => { this.cutOff(connection, stream, reason); },
      closed: () => { this.forget(channel); },
    });
    this.allChannels.add(channel);
    const hello = { type: HELLO_TYPE, senderId: this.peerId, peerMetadata: this.peerMetadata };
    channel.send(encodeFrame(cbor.encode(hello), this.maximumFrameBytes));
  }

  private receiveFrame(channel: Channel, payload: Uint8Array): void {
    const remote = channel.remotePeerId;
    let decoded: unknown;
    try {
      decoded = cbor.decode(payload);
    } catch (error) {
      this.cutOff(channel.connection, channel.stream, `malformed frame: ${describe(error)}`);
      return;
    }
    if (!channel.helloReceived) {
      const metadata = readHello(decoded, remote);
      if (metadata === undefined) {
        this.cutOff(channel.connection, channel.stream, "hello missing or claiming another peer id");
        return;
      }
      channel.helloReceived = true;
      this.adopt(channel, metadata);
      return;
    }
    if (!isMessageFrom(decoded, remote, this.peerId)) {
      this.cutOff(channel.connection, channel.stream, "malformed message or wrong sender");
      return;
    }
    if (this.channels.get(remote) !== channel) return;
    if (decoded.type !== CHANGES_TYPE) {
      this.emit("message", decoded);
      return;
    }
    const pushed = readPushedChanges(decoded, remote);
    if (pushed === undefined) this.cutOff(channel.connection, channel.stream, "malformed pushed changes");
    else this.changesHandler?.(pushed);
  }

  /** With two connections to one peer (both dialled at once), both ends keep the one the lower peer id dialled. */
  private adopt(channel: Channel, metadata: PeerMetadata): void {
    const remote = channel.remotePeerId;
    const current = this.channels.get(remote);
    if (current !== undefined) {
      if (this.dialler(current) < this.dialler(channel)) {
        channel.close();
        return;
      }
      this.channels.delete(remote);
      this.emit("peer-disconnected", { peerId: remote as RepoPeerId });
      current.close();
    }
    this.channels.set(remote, channel);
    this.emit("peer-candidate", { peerId: remote as RepoPeerId, peerMetadata: metadata });
  }

  private dialler(channel: Channel): string {
    return channel.connection.direction === "outbound" ? this.node.peerId.toString() : channel.remotePeerId;
  }

  private forget(channel: Channel): void {
    this.allChannels.delete(channel);
    if (this.channels.get(channel.remotePeerId) !== channel) return;
    this.channels.delete(channel.remotePeerId);
    this.emit("peer-disconnected", { peerId: channel.remotePeerId as RepoPeerId });
  }

  private cutOff(connection: Connection, stream: Stream, reason: string): void {
    this.log({ event: "peer-cut-off", peerId: connection.remotePeer.toString(), reason });
    stream.abort(new Error(reason));
    connection.abort(new Error(reason));
  }
}

interface ChannelEvents {
  frame: (payload: Uint8Array) => void;
  fail: (reason: string) => void;
  closed: () => void;
}

/** One sync stream: reassembles incoming frames and queues outgoing ones behind the stream's back-pressure. */
class Channel {
  readonly remotePeerId: string;
  helloReceived = false;
  private readonly queue: Uint8Array[] = [];
  private waitingForDrain = false;
  private finished = false;

  constructor(readonly stream: Stream, readonly connection: Connection, decoder: FrameDecoder, events: ChannelEvents) {
    this.remotePeerId = connection.remotePeer.toString();
    stream.addEventListener("message", (event: StreamMessageEvent) => {
      if (this.finished) return;
      try {
        for (const payload of decoder.push(event.data.subarray())) {
          if (this.finished) return;
          events.frame(payload);
        }
      } catch (error) {
        events.fail(error instanceof FrameError ? error.message : describe(error));
      }
    });
    stream.addEventListener("close", () => {
      this.finished = true;
      events.closed();
    });
  }

  send(frame: Uint8Array): void {
    if (this.finished) return;
    this.queue.push(frame);
    this.flush();
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.stream.abort(new Error("sync channel closed"));
  }

  private flush(): void {
    while (!this.waitingForDrain && !this.finished) {
      const frame = this.queue.shift();
      if (frame === undefined) return;
      try {
        if (this.stream.send(frame)) continue;
      } catch {
        this.close();
        return;
      }
      this.waitingForDrain = true;
      this.stream.onDrain().then(
        () => { this.waitingForDrain = false; this.flush(); },
        () => { this.close(); },
      );
    }
  }
}

function readHello(value: unknown, remotePeerId: string): PeerMetadata | undefined {
  if (!isRecord(value) || value.type !== HELLO_TYPE || value.senderId !== remotePeerId) return undefined;
  const metadata = value.peerMetadata;
  if (metadata === undefined || metadata === null) return {};
  if (!isRecord(metadata)) return undefined;
  const result: PeerMetadata = {};
  if (typeof metadata.storageId === "string") result.storageId = metadata.storageId as PeerMetadata["storageId"];
  if (typeof metadata.isEphemeral === "boolean") result.isEphemeral = metadata.isEphemeral;
  return result;
}

function readPushedChanges(value: Record<string, unknown>, remotePeerId: string): PushedChanges | undefined {
  const { documentId, changes } = value;
  if (typeof documentId !== "string" || documentId.length === 0 || documentId.length > 64 || !Array.isArray(changes)) return undefined;
  if (changes.length === 0 || changes.length > MAXIMUM_PUSHED_CHANGES || !changes.every((change) => change instanceof Uint8Array)) return undefined;
  return { peerId: remotePeerId, documentId, changes: changes as Uint8Array[] };
}

function isMessageFrom(value: unknown, remotePeerId: string, localPeerId: string | undefined): value is Message {
  return isRecord(value) && typeof value.type === "string" && value.type !== HELLO_TYPE
    && value.senderId === remotePeerId && value.targetId === localPeerId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
