import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createDeflateRaw, inflateRawSync } from 'node:zlib';
import type { Entry } from '@tallystick/core';
import { writeFileAtomic } from './file-storage-adapter.js';

/**
 * Files of entry lines (`SIG<TAB>TEXT`), deflated, ending with a `#sha256:` line over the content:
 * the write-ahead batches and the verified-entries cache. Written streaming (a 100k batch is ~70 MB of
 * text, which must not be built as one string), atomically, and read back only if the checksum holds.
 */
export async function writeEntryLines(path: string, pieces: Iterable<Entry | string>, durable = true): Promise<void> {
  const hash = createHash('sha256');
  const deflate = createDeflateRaw({ level: 1 });
  const output: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => output.push(chunk));
  const finished = once(deflate, 'end');
  let pending = '';
  let first = true;
  const push = async (text: string) => {
    hash.update(text);
    if (!deflate.write(text)) await once(deflate, 'drain');
  };
  for (const piece of pieces) {
    pending += `${first ? '' : '\n'}${typeof piece === 'string' ? piece : entryLine(piece)}`;
    first = false;
    if (pending.length >= 1 << 20) {
      await push(pending);
      pending = '';
    }
  }
  await push(pending);
  deflate.end(`\n#sha256:${hash.digest('hex')}`);
  await finished;
  await writeFileAtomic(path, Buffer.concat(output), durable);
}

export function entryLine(entry: Entry): string {
  return `${entry.stored.sig}\t${entry.stored.text}`;
}

/** The content (without the checksum line); '' if the file does not exist; undefined if it is damaged. */
export async function readEntryLines(path: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  let text: string;
  try {
    text = inflateRawSync(bytes).toString('utf8');
  } catch {
    return undefined; // not deflate: damaged
  }
  const marker = text.lastIndexOf('\n#sha256:');
  if (marker < 0) return undefined;
  const content = text.slice(0, marker);
  return createHash('sha256').update(content).digest('hex') === text.slice(marker + 9) ? content : undefined;
}
