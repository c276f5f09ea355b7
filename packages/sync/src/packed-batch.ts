import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './file-storage-adapter.js';

/**
 * A write-ahead batch holding the packs exactly as they go into the documents (deflated bytes, see
 * documents.ts), so a batch is deflated once: the earlier format deflated the same entry texts a second
 * time as lines (~0.4 s of a 100k import). Layout: a magic line, a JSON line naming the co-op and each
 * pack (where it goes: a date, or `catalog`; its key; its length in bytes), the packs' bytes back to
 * back, then the SHA-256 of everything before it. Written atomically; read back only if the checksum holds.
 */
export interface BatchPack {
  /** The day (`YYYY-MM-DD`) whose map holds the pack, or `catalog`. */
  readonly where: string;
  readonly key: string;
  readonly bytes: Uint8Array;
}

export interface PackedBatchFile {
  readonly coop: string;
  readonly packs: readonly BatchPack[];
}

const MAGIC = Buffer.from('tallystick-packed-batch-v1\n', 'utf8');
const DIGEST_BYTES = 32;
/** A bound on what a damaged or hostile header can make us allocate (a 100k import has ~3,700 packs). */
const MAX_BATCH_PACKS = 1_000_000;

export async function writePackedBatch(path: string, batch: PackedBatchFile, durable = true): Promise<void> {
  const header = Buffer.from(`${JSON.stringify({ coop: batch.coop, packs: batch.packs.map((pack) => [pack.where, pack.key, pack.bytes.length]) })}\n`, 'utf8');
  const parts = [MAGIC, header, ...batch.packs.map((pack) => pack.bytes)];
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  await writeFileAtomic(path, Buffer.concat([...parts, hash.digest()]), durable);
}

/** Whether a batch file's bytes are in this format (older `.batch` files are deflated lines). */
export function isPackedBatch(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC);
}

/** The batch, or undefined when the file is damaged (its checksum or layout does not hold). */
export function parsePackedBatch(bytes: Buffer): PackedBatchFile | undefined {
  if (!isPackedBatch(bytes) || bytes.length < MAGIC.length + DIGEST_BYTES) return undefined;
  const content = bytes.subarray(0, bytes.length - DIGEST_BYTES);
  if (!createHash('sha256').update(content).digest().equals(bytes.subarray(bytes.length - DIGEST_BYTES))) return undefined;
  const newline = content.indexOf(0x0a, MAGIC.length);
  if (newline < 0) return undefined;
  let header: { coop?: unknown; packs?: unknown };
  try {
    header = JSON.parse(content.subarray(MAGIC.length, newline).toString('utf8')) as typeof header;
  } catch {
    return undefined;
  }
  if (typeof header.coop !== 'string' || !Array.isArray(header.packs) || header.packs.length > MAX_BATCH_PACKS) return undefined;
  const packs: BatchPack[] = [];
  let offset = newline + 1;
  for (const item of header.packs as unknown[]) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string' || !Number.isSafeInteger(item[2]) || (item[2] as number) < 0) return undefined;
    const end = offset + (item[2] as number);
    if (end > content.length) return undefined;
    // A copy: the pack goes into a document, which must not keep the whole file's buffer alive.
    packs.push({ where: item[0], key: item[1], bytes: new Uint8Array(content.subarray(offset, end)) });
    offset = end;
  }
  return offset === content.length ? { coop: header.coop, packs } : undefined;
}

export async function readPackedBatch(path: string): Promise<PackedBatchFile | undefined> {
  return parsePackedBatch(await readFile(path));
}
