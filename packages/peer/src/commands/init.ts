import { access } from 'node:fs/promises';
import { TallystickError } from '@tallystick/core';
import { CoopStore, DataFolder, generateDevicePrivateKey, rebuildIndex, unlockDeviceKeyFile, writeDeviceKeyFile } from '@tallystick/sync';
import { type CommandContext, print, readPassphrase } from '../context.js';

export interface InitOptions {
  coop: string;
  member: string;
}

/** Founds a co-op on this device: a device key (made once per data folder) and a genesis entry. */
export async function initCommand(context: CommandContext, options: InitOptions): Promise<void> {
  const coopName = options.coop.trim();
  const memberName = options.member.trim();
  if (coopName === '' || memberName === '') throw new TallystickError('invalid_name', 'the co-op and member names must not be empty');
  const folder = await DataFolder.open(context.dataDir, { create: true });
  if (Object.values(folder.config.coops).some((coop) => coop.name === coopName)) {
    throw new TallystickError('coop_exists', `this data folder already holds a co-op named "${coopName}"`);
  }
  const signer = (await exists(folder.keyPath))
    ? await unlockDeviceKeyFile(folder.keyPath, await readPassphrase(context))
    : await writeDeviceKeyFile(folder.keyPath, generateDevicePrivateKey(), await newPassphrase(context));
  const store = await CoopStore.found(folder, { coopName, memberName, signer, now: context.now() });
  try {
    await rebuildIndex(store);
  } finally {
    await store.close();
  }
  print(context, `Founded co-op "${coopName}" (${store.coopId}) with founding member "${memberName}".`);
  print(context, `This device signs as ${signer.publicKey}.`);
  print(context, `Data folder: ${folder.dir}`);
  print(context, 'Keep a backup of the data folder: the device key in it is encrypted under your passphrase.');
}

async function newPassphrase(context: CommandContext): Promise<string> {
  const passphrase = await readPassphrase(context, 'Choose a passphrase (8+ characters): ');
  if (context.env.TALLYSTICK_PASSPHRASE) return passphrase;
  const again = await readPassphrase(context, 'Repeat the passphrase: ');
  if (again !== passphrase) throw new TallystickError('passphrase_mismatch', 'the two passphrases differ; nothing was created');
  return passphrase;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // absent: a new key is made
  }
}
