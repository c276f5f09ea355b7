import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './file-storage-adapter.js';

/*
 * The derived indexes' files: JSON ending with a line holding the SHA-256 of what precedes it, written
 * atomically. A file whose checksum fails reads as absent, so the index is rebuilt, never trusted.
 */

export async function writeChecked(path: string, content: string): Promise<void> {
  await writeFileAtomic(path, Buffer.from(`${content}\n#sha256:${sha256(content)}`));
}

export async function readChecked<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const content = checkedContent(text);
  if (content === undefined) return undefined;
  try {
    return JSON.parse(content) as T;
  } catch {
    return undefined; // damaged: the caller rebuilds
  }
}

/** The content before the trailing checksum line, if the checksum matches. */
function checkedContent(text: string): string | undefined {
  const marker = text.lastIndexOf('\n#sha256:');
  if (marker < 0) return undefined;
  const content = text.slice(0, marker);
  return sha256(content) === text.slice(marker + 9) ? content : undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
