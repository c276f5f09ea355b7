import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDecoder, FrameError } from "./frames.js";

describe("frames", () => {
  it("reassembles frames split at every byte and joined several to a chunk", () => {
    const payloads = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array(20_000).fill(9)];
    const wire = Uint8Array.from(payloads.flatMap((payload) => [...encodeFrame(payload)]));
    const decoder = new FrameDecoder();
    const received: Uint8Array[] = [];
    for (let index = 0; index < wire.length; index += 1) received.push(...decoder.push(wire.subarray(index, index + 1)));
    expect(received).toEqual(payloads);
    expect(new FrameDecoder().push(wire)).toEqual(payloads);
  });

  it("refuses a header announcing more than the limit before the payload arrives", () => {
    const decoder = new FrameDecoder(1024);
    expect(() => decoder.push(encodeFrame(new Uint8Array(1025), 4096).subarray(0, 2))).toThrow(FrameError);
    expect(() => encodeFrame(new Uint8Array(1025), 1024)).toThrow(FrameError);
    expect(new FrameDecoder(1024).push(encodeFrame(new Uint8Array(1024), 1024))).toHaveLength(1);
  });

  it("refuses a length that never ends", () => {
    expect(() => new FrameDecoder().push(new Uint8Array(9).fill(0x80))).toThrow(FrameError);
  });
});
