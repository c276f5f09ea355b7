import { access, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TallystickError } from '@tallystick/core';
import { type CommandContext, openFolder, openStore, print, readPassphrase, warn } from '../context.js';

/*
 * `tallystick backup FILE` and `tallystick restore FILE` (issue 4): the co-op's documents in one file,
 * encrypted under the passphrase (sync/backup-file.ts, sync/coop-backup.ts), and back.
 */

export async function backupCommand(context: CommandContext, file: string): Promise<void> {
  const { MAXIMUM_BACKUP_BYTES, collectBackup, encodeBackupContent, sealBackup, unlockDeviceKeyFile, writeFileAtomic } = await import('@tallystick/sync');
  const folder = await openFolder(context);
  const target = resolve(file);
  if (target.startsWith(`${folder.dir}/`)) {
    throw new TallystickError('backup_inside_data_folder', `${target} is inside the data folder ${folder.dir}: a backup there is lost with the folder. Write it elsewhere (another disk, a USB stick)`);
  }
  const passphrase = await readPassphrase(context);
  // The backup is sealed under the passphrase that unlocks this device's key: a mistyped one is caught now, not at restore.
  if (await exists(folder.keyPath)) await unlockDeviceKeyFile(folder.keyPath, passphrase);
  else if (passphrase.length < 8) throw new TallystickError('weak_passphrase', 'the passphrase must be at least 8 characters (it protects the backup)');
  const store = await openStore(context, folder);
  let content;
  try {
    content = await collectBackup(store, context.now());
  } finally {
    await store.close();
  }
  const payload = encodeBackupContent(content);
  const sealed = await sealBackup(payload, passphrase, context.now());
  if (sealed.length > MAXIMUM_BACKUP_BYTES) throw new TallystickError('backup_too_large', `the backup would take ${sealed.length} bytes, more than a backup file holds (2 GiB)`);
  await writeFileAtomic(target, sealed);
  const { manifest } = content;
  const months = manifest.documents.filter((document) => document.label.startsWith('period ')).length;
  const federations = manifest.documents.filter((document) => document.label.startsWith('federation ')).length;
  const entries = manifest.documents.filter((document) => !document.label.startsWith('federation ')).reduce((sum, document) => sum + document.entries, 0);
  print(context, `Backed up co-op "${manifest.coop.name}" to ${target}: ${manifest.documents.length} documents (the catalog, ${months} month${months === 1 ? '' : 's'}${federations > 0 ? `, ${federations} federation${federations === 1 ? '' : 's'}` : ''}), ${entries} entries, ${sealed.length} bytes, encrypted under your passphrase.`);
  print(context, manifest.deviceKey === undefined
    ? 'It holds no device key (this folder has none).'
    : 'It holds this device\'s key (encrypted under the same passphrase): restored on a new machine, the device resumes as itself. Do not run both machines at once.');
}

export async function restoreCommand(context: CommandContext, file: string): Promise<void> {
  const { DataFolder, decodeBackupContent, openBackup, restoreBackup } = await import('@tallystick/sync');
  const source = resolve(file);
  const bytes = await readBackupFile(source);
  const passphrase = await readPassphrase(context);
  // Everything is checked before the data folder is touched: a wrong passphrase or a damaged file writes nothing.
  const content = decodeBackupContent(await openBackup(bytes, passphrase, source), source);
  const folder = await DataFolder.open(context.dataDir, { create: true });
  const outcome = await restoreBackup(folder, content, (problem) => warn(context, `tallystick: storage: ${problem.reason}: ${problem.path} was put aside as ${problem.quarantinedAs}`));
  const { manifest } = content;
  print(context, `Restored co-op "${outcome.coop.name}" from ${source} (made ${manifest.createdAt}) into ${folder.dir}: ${outcome.added.length} document${outcome.added.length === 1 ? '' : 's'} written, ${outcome.merged.length} merged with the copy here (nothing here was overwritten), ${outcome.entries} entries in the backup.`);
  if (outcome.recovered.length > 0) {
    print(context, `Recovered ${outcome.recovered.length} damaged file${outcome.recovered.length === 1 ? '' : 's'} from the backup (the damaged copies stay in ${folder.storageDir}/quarantine/recovered). Changes made on this device after the backup and never synced are not in it.`);
  }
  const device = {
    'restored': 'This device resumes as the device that made the backup (its key was in the backup).',
    'same-device': 'This folder already holds the device key the backup holds.',
    'kept-this-devices': 'This folder\'s own device key was kept: it differs from the backup\'s, which was not installed.',
    'none-in-backup': 'The backup holds no device key: run `tallystick join` with an invite to get one voted in.',
  }[outcome.deviceKey];
  print(context, device);
  print(context, 'Entries made after the backup come back from the co-op\'s peers: run `tallystick sync` (or `tallystick peer`).');
}

async function readBackupFile(path: string): Promise<Buffer> {
  const { MAXIMUM_BACKUP_BYTES } = await import('@tallystick/sync');
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new TallystickError('no_backup_file', `there is no file ${path}; nothing was written`);
    throw error;
  }
  if (size > MAXIMUM_BACKUP_BYTES) throw new TallystickError('backup_damaged', `${path} is ${size} bytes, larger than any backup this program writes; nothing was written`);
  return readFile(path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // no device key in this folder
  }
}
