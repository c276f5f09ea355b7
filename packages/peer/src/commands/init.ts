import { access } from 'node:fs/promises';
import { type DecisionRule, PERMISSIONS, type Permission, type RoleJson, TallystickError, genesisJson } from '@tallystick/core';
import { CoopStore, DataFolder, generateDevicePrivateKey, rebuildIndex, unlockDeviceKeyFile, writeDeviceKeyFile } from '@tallystick/sync';
import { type CommandContext, print, readPassphrase } from '../context.js';
import { ruleOf } from './governance-write.js';

export interface InitOptions {
  coop: string;
  member: string;
  /** `NAME=perm,perm`, repeatable: the co-op's roles (default: one role `member` that may do everything). */
  role?: string[];
  /** The founder's role (default: the first role given). */
  memberRole?: string;
  rule?: string;
}

/** Founds a co-op on this device: a device key (made once per data folder) and a genesis entry. */
export async function initCommand(context: CommandContext, options: InitOptions): Promise<void> {
  const coopName = options.coop.trim();
  const memberName = options.member.trim();
  if (coopName === '' || memberName === '') throw new TallystickError('invalid_name', 'the co-op and member names must not be empty');
  const governance = governanceOf(options, memberName);
  const folder = await DataFolder.open(context.dataDir, { create: true });
  if (Object.values(folder.config.coops).some((coop) => coop.name === coopName)) {
    throw new TallystickError('coop_exists', `this data folder already holds a co-op named "${coopName}"`);
  }
  const signer = (await exists(folder.keyPath))
    ? await unlockDeviceKeyFile(folder.keyPath, await readPassphrase(context))
    : await writeDeviceKeyFile(folder.keyPath, generateDevicePrivateKey(), await newPassphrase(context));
  const store = await CoopStore.found(folder, { coopName, memberName, signer, now: context.now(), ...governance });
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

/** The roles, founder's role and rule from the options, checked as core checks a genesis, before any key is made. */
function governanceOf(options: InitOptions, memberName: string): { roles?: RoleJson[]; memberRole?: string; rule?: DecisionRule } {
  const roles = options.role && options.role.length > 0 ? options.role.map(roleOf) : undefined;
  const memberRole = options.memberRole ?? roles?.[0]?.name;
  const rule = options.rule === undefined ? undefined : ruleOf(options.rule);
  const result = { ...(roles ? { roles } : {}), ...(memberRole ? { memberRole } : {}), ...(rule ? { rule } : {}) };
  const checked = genesisJson.safeParse({
    name: 'check', members: [{ name: memberName, devices: ['0'.repeat(64)], ...(memberRole ? { role: memberRole } : {}) }],
    ...(roles ? { roles } : {}), ...(rule ? { rule } : {}),
  });
  if (!checked.success) throw new TallystickError('invalid_genesis', `nothing was created: ${checked.error.issues.map((issue) => issue.message).join('; ')}`);
  return result;
}

function roleOf(text: string): RoleJson {
  const match = /^([^=]+)=(.*)$/u.exec(text);
  const may = match ? match[2]!.split(',').map((item) => item.trim()).filter((item) => item !== '') : [];
  const unknown = may.filter((item) => !(PERMISSIONS as readonly string[]).includes(item));
  if (!match || match[1]!.trim() === '' || unknown.length > 0) {
    throw new TallystickError('invalid_role', `"${text}" is not a role: expected NAME=permission,permission with permissions among ${PERMISSIONS.join(', ')}`);
  }
  return { name: match[1]!.trim(), may: may as Permission[] };
}

export async function newPassphrase(context: CommandContext): Promise<string> {
  const passphrase = await readPassphrase(context, 'Choose a passphrase (8+ characters): ');
  if (context.env.TALLYSTICK_PASSPHRASE) return passphrase;
  checkNewPassphrase(passphrase, await readPassphrase(context, 'Repeat the passphrase: '));
  return passphrase;
}

/** A new passphrase typed twice: the same both times (the device key's file refuses fewer than 8 characters). */
export function checkNewPassphrase(passphrase: string, again: string): void {
  if (again !== passphrase) throw new TallystickError('passphrase_mismatch', 'the two passphrases differ; nothing was created');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // absent: a new key is made
  }
}
