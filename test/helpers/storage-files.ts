import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every chunk file of a document in a data folder (its sync states left out). */
export function chunkFiles(dataDir: string, documentId: string): string[] {
  const files: string[] = [];
  const visit = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (!path.includes('sync-state')) files.push(path);
    }
  };
  visit(join(dataDir, 'storage', 'docs', documentId));
  return files;
}

/** Flips one byte in the middle of a file, as bit rot or a bad sector would. */
export function damage(path: string): void {
  const bytes = readFileSync(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
}
