import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/*
 * Two members' devices as two data folders, as test/cli/timebank.test.ts makes them. Until replication
 * reaches the app, `exchangeDocuments(a, b)` copies the document chunks each folder lacks from the
 * other: chunks are content-addressed, so the union of two folders' chunks is the merge of their
 * documents, which is what sync will deliver. Indexes are derived and never copied.
 */

function storageFiles(folder: string): string[] {
  const files: string[] = [];
  const visit = (directory: string) => {
    if (!existsSync(directory)) return;
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.push(relative(join(folder, 'storage'), path));
    }
  };
  visit(join(folder, 'storage', 'docs'));
  return files;
}

/** Brings two device folders to the same documents: each gets the chunks it lacks from the other. */
export function exchangeDocuments(a: string, b: string): void {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const present = new Set(storageFiles(to));
    for (const file of storageFiles(from)) {
      if (present.has(file)) continue;
      mkdirSync(dirname(join(to, 'storage', file)), { recursive: true });
      copyFileSync(join(from, 'storage', file), join(to, 'storage', file));
    }
  }
}

/** A new device folder at `folder`: the co-op's documents and settings copied from `coopFolder`, the device key from `keyFolder`. */
export function makeDeviceFolder(options: { coopFolder: string; keyFolder: string; folder: string }): string {
  cpSync(options.coopFolder, options.folder, { recursive: true });
  rmSync(join(options.folder, 'index'), { recursive: true, force: true });
  copyFileSync(join(options.keyFolder, 'device-key.json'), join(options.folder, 'device-key.json'));
  return options.folder;
}
