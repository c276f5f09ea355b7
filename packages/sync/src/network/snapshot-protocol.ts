import { cbor } from "@automerge/automerge-repo";
import type { Connection, Libp2p, Stream } from "@libp2p/interface";
import { DEFAULT_MAXIMUM_FRAME_BYTES, encodeFrame, FrameDecoder } from "./frames.js";

/**
 * A fresh replica's first copy of a document, as saved bytes (issue 4, "fresh replica"). Automerge's sync
 * protocol rebuilds a document the other side lacks change by change: measured here, a joining device spent
 * longer in receiveSyncMessage than `Automerge.load` needs for the same bytes, and the sender as long again
 * generating the message. Over this protocol the sender hands over what its storage holds for a document
 * (no Automerge work at all) with the heads it has in memory; the receiver loads the bytes (which checks
 * them), and syncs only what the bytes lack. Versioned: a peer without it simply does not match, and the
 * receiver falls back to the sync protocol.
 *
 * One request frame `{ documents: string[] }`, then one answer frame per document asked, in order:
 * `{ documentId, heads: string[], data: Uint8Array }` or `{ documentId, unavailable: string }`.
 * Frames are varint length-prefixed CBOR (frames.ts), each bounded.
 */
export const SNAPSHOT_PROTOCOL = "/tallystick/snapshot/1.0.0";

/** The most documents one request may name (a co-op is bounded the same way: coop-replicator.ts). */
export const MAXIMUM_SNAPSHOT_DOCUMENTS = 10_000;

/** A request names at most 10,000 ids of about 30 characters. */
const MAXIMUM_REQUEST_BYTES = 1024 * 1024;

export type SnapshotAnswer =
  | { readonly documentId: string; readonly heads: readonly string[]; readonly data: Uint8Array }
  | { readonly documentId: string; readonly unavailable: string };

export interface SnapshotSource {
  /** Whether this peer may have that document (the same decision as the sync protocol's shareConfig). */
  sharesWith: (peerId: string, documentId: string) => boolean;
  /** The stored bytes of a document and its heads here, or why there are none. */
  read: (documentId: string) => Promise<SnapshotAnswer>;
  log: (reason: string) => void;
}

/** Answers snapshot requests on a libp2p node (the connection gater has already admitted the peer). */
export async function serveSnapshots(node: Libp2p, source: SnapshotSource, maximumFrameBytes = DEFAULT_MAXIMUM_FRAME_BYTES): Promise<void> {
  await node.handle(SNAPSHOT_PROTOCOL, (stream, connection) => {
    answerRequest(stream, connection, source, maximumFrameBytes).catch((error: unknown) => {
      source.log(`snapshot request from ${connection.remotePeer.toString()}: ${describe(error)}`);
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    });
  }, { maxInboundStreams: 2, maxOutboundStreams: 2 });
}

export async function stopServingSnapshots(node: Libp2p): Promise<void> {
  await node.unhandle(SNAPSHOT_PROTOCOL);
}

async function answerRequest(stream: Stream, connection: Connection, source: SnapshotSource, maximumFrameBytes: number): Promise<void> {
  const remote = connection.remotePeer.toString();
  const request = await readFrames(stream, new FrameDecoder(MAXIMUM_REQUEST_BYTES), 1).next();
  if (request.done === true) throw new Error("the stream closed before a request arrived");
  const documents = readRequest(cbor.decode(request.value));
  if (documents === undefined) throw new Error("malformed snapshot request");
  for (const documentId of documents) {
    const answer = source.sharesWith(remote, documentId) ? await source.read(documentId) : { documentId, unavailable: "not shared with this device" };
    let frame: Uint8Array;
    try {
      frame = encodeFrame(cbor.encode(answer), maximumFrameBytes);
    } catch {
      // Too large for one frame: the receiver gets it over the sync protocol instead.
      frame = encodeFrame(cbor.encode({ documentId, unavailable: "larger than a frame" }), maximumFrameBytes);
    }
    if (!stream.send(frame)) await stream.onDrain();
  }
  await stream.close();
}

/**
 * Asks a connected peer for documents' stored bytes; each answer is checked for shape and handed to
 * `onAnswer` as it arrives (the caller checks the bytes themselves). Resolves once every document is answered.
 */
export async function fetchSnapshots(connection: Connection, documentIds: readonly string[], options: {
  signal: AbortSignal; maximumFrameBytes?: number; onAnswer: (answer: SnapshotAnswer) => Promise<void> | void;
}): Promise<void> {
  if (documentIds.length > MAXIMUM_SNAPSHOT_DOCUMENTS) throw new Error(`asking for ${documentIds.length} documents at once; the limit is ${MAXIMUM_SNAPSHOT_DOCUMENTS}`);
  if (documentIds.length === 0) return;
  const stream = await connection.newStream(SNAPSHOT_PROTOCOL, { signal: options.signal });
  const abort = () => { stream.abort(new Error("snapshot fetch aborted")); };
  options.signal.addEventListener("abort", abort, { once: true });
  try {
    stream.send(encodeFrame(cbor.encode({ documents: [...documentIds] }), MAXIMUM_REQUEST_BYTES));
    const pending = new Set(documentIds);
    const frames = readFrames(stream, new FrameDecoder(options.maximumFrameBytes ?? DEFAULT_MAXIMUM_FRAME_BYTES), documentIds.length);
    for await (const frame of frames) {
      const answer = readAnswer(cbor.decode(frame));
      if (answer === undefined || !pending.delete(answer.documentId)) throw new Error("the peer sent a malformed answer, or one for a document not asked for");
      await options.onAnswer(answer);
      if (pending.size === 0) break;
    }
    if (pending.size > 0) throw new Error(`the peer closed the stream with ${pending.size} documents unanswered`);
    await stream.close();
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)));
    throw options.signal.aborted ? new Error(`no answer in time (${describe(options.signal.reason)})`) : error;
  } finally {
    options.signal.removeEventListener("abort", abort);
  }
}

/** Yields up to `count` frames from a stream, as they are complete. */
async function* readFrames(stream: Stream, decoder: FrameDecoder, count: number): AsyncGenerator<Uint8Array> {
  let yielded = 0;
  for await (const chunk of stream) {
    for (const frame of decoder.push(chunk.subarray())) {
      yield frame;
      yielded += 1;
      if (yielded >= count) return;
    }
  }
}

function readRequest(value: unknown): string[] | undefined {
  if (!isRecord(value) || !Array.isArray(value.documents)) return undefined;
  const documents: unknown[] = value.documents;
  if (documents.length > MAXIMUM_SNAPSHOT_DOCUMENTS || !documents.every(isDocumentId)) return undefined;
  return documents as string[];
}

function readAnswer(value: unknown): SnapshotAnswer | undefined {
  if (!isRecord(value) || !isDocumentId(value.documentId)) return undefined;
  if (typeof value.unavailable === "string") return { documentId: value.documentId, unavailable: value.unavailable.slice(0, 200) };
  const heads: unknown = value.heads;
  if (!(value.data instanceof Uint8Array) || !Array.isArray(heads) || heads.length === 0 || heads.length > 1_000) return undefined;
  if (!heads.every((head) => typeof head === "string" && /^[0-9a-f]{64}$/u.test(head))) return undefined;
  return { documentId: value.documentId, heads: heads as string[], data: value.data };
}

/** automerge-repo document ids are base58check strings. */
function isDocumentId(value: unknown): value is string {
  return typeof value === "string" && /^[1-9A-HJ-NP-Za-km-z]{20,60}$/u.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
