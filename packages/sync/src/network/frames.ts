/** Varint length-prefixed frames, with a hard bound so a hostile peer cannot make us buffer without limit. */

export const DEFAULT_MAXIMUM_FRAME_BYTES = 16 * 1024 * 1024;

/** A varint of a length up to 2^53 needs at most 8 bytes; anything longer is garbage. */
const MAXIMUM_VARINT_BYTES = 8;

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

export function encodeFrame(payload: Uint8Array, maximumFrameBytes = DEFAULT_MAXIMUM_FRAME_BYTES): Uint8Array {
  if (payload.byteLength > maximumFrameBytes) {
    throw new FrameError(`frame of ${payload.byteLength} bytes exceeds the limit of ${maximumFrameBytes}`);
  }
  const header: number[] = [];
  let remaining = payload.byteLength;
  while (remaining >= 0x80) {
    header.push((remaining % 0x80) | 0x80);
    remaining = Math.floor(remaining / 0x80);
  }
  header.push(remaining);
  const frame = new Uint8Array(header.length + payload.byteLength);
  frame.set(header, 0);
  frame.set(payload, header.length);
  return frame;
}

/** Reassembles frames from chunks as they arrive; throws FrameError as soon as a header announces too much. */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maximumFrameBytes = DEFAULT_MAXIMUM_FRAME_BYTES) {}

  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.byteLength;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      const header = this.readHeader();
      if (header === undefined) break;
      if (this.bufferedBytes < header.headerBytes + header.payloadBytes) break;
      const whole = this.take(header.headerBytes + header.payloadBytes);
      frames.push(whole.subarray(header.headerBytes));
    }
    return frames;
  }

  private readHeader(): { headerBytes: number; payloadBytes: number } | undefined {
    let payloadBytes = 0;
    let multiplier = 1;
    let index = 0;
    for (const chunk of this.chunks) {
      for (const byte of chunk) {
        payloadBytes += (byte & 0x7f) * multiplier;
        index += 1;
        if (payloadBytes > this.maximumFrameBytes) {
          throw new FrameError(`frame announces more than the limit of ${this.maximumFrameBytes} bytes`);
        }
        if ((byte & 0x80) === 0) return { headerBytes: index, payloadBytes };
        if (index >= MAXIMUM_VARINT_BYTES) throw new FrameError("malformed frame length");
        multiplier *= 0x80;
      }
    }
    return undefined;
  }

  private take(byteCount: number): Uint8Array {
    const result = new Uint8Array(byteCount);
    let filled = 0;
    while (filled < byteCount) {
      const chunk = this.chunks[0];
      if (chunk === undefined) throw new Error("FrameDecoder.take: fewer bytes buffered than counted");
      const used = Math.min(chunk.byteLength, byteCount - filled);
      result.set(chunk.subarray(0, used), filled);
      filled += used;
      if (used === chunk.byteLength) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    this.bufferedBytes -= byteCount;
    return result;
  }
}
