import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TallystickError } from '@tallystick/core';
import { writeFileAtomic } from './file-storage-adapter.js';
import { NodeEntrySigner } from './node-crypto.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/**
 * The device's private key on disk, encrypted under the member's passphrase: scrypt (N=2^15, r=8, p=1)
 * derives a key for AES-256-GCM. GCM's tag makes a wrong passphrase a clear error, never garbage.
 */
interface KeyFile {
  format: 'tallystick-device-key';
  version: 1;
  publicKey: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; nonce: string; tag: string; ciphertext: string };
}

/** The scrypt cost every new key file and backup is written with (docs/DECISIONS.md 4). */
export const PASSPHRASE_KDF = { N: 2 ** 15, r: 8, p: 1 } as const;
const KDF = PASSPHRASE_KDF;

/** A 256-bit key from a passphrase (scrypt), for AES-256-GCM: the one KDF of key files and backups. */
export async function deriveKeyFromPassphrase(passphrase: string, salt: Buffer, parameters: { N: number; r: number; p: number }): Promise<Buffer> {
  return scrypt(passphrase, salt, 32, { N: parameters.N, r: parameters.r, p: parameters.p, maxmem: 256 * 1024 * 1024 });
}

export class WrongPassphrase extends TallystickError {
  constructor(path: string) {
    super('wrong_passphrase', `the passphrase does not unlock the device key in ${path} (nothing was changed; try again, or set TALLYSTICK_PASSPHRASE)`);
    this.name = 'WrongPassphrase';
  }
}

export async function writeDeviceKeyFile(path: string, privateKeyRaw: Uint8Array, passphrase: string): Promise<NodeEntrySigner> {
  if (passphrase.length < 8) {
    throw new TallystickError('weak_passphrase', 'the passphrase must be at least 8 characters (it protects the key that signs your entries)');
  }
  const signer = new NodeEntrySigner(privateKeyRaw);
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = await deriveKeyFromPassphrase(passphrase, salt, KDF);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const ciphertext = Buffer.concat([cipher.update(privateKeyRaw), cipher.final()]);
  const file: KeyFile = {
    format: 'tallystick-device-key',
    version: 1,
    publicKey: signer.publicKey,
    kdf: { name: 'scrypt', ...KDF, salt: salt.toString('hex') },
    cipher: { name: 'aes-256-gcm', nonce: nonce.toString('hex'), tag: cipher.getAuthTag().toString('hex'), ciphertext: ciphertext.toString('hex') },
  };
  await writeFileAtomic(path, Buffer.from(`${JSON.stringify(file, null, 2)}\n`));
  return signer;
}

export async function readDevicePublicKey(path: string): Promise<string> {
  return (await readKeyFile(path)).publicKey;
}

export async function unlockDeviceKeyFile(path: string, passphrase: string): Promise<NodeEntrySigner> {
  const file = await readKeyFile(path);
  const key = await deriveKeyFromPassphrase(passphrase, Buffer.from(file.kdf.salt, 'hex'), file.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.cipher.nonce, 'hex'));
  decipher.setAuthTag(Buffer.from(file.cipher.tag, 'hex'));
  let raw: Buffer;
  try {
    raw = Buffer.concat([decipher.update(Buffer.from(file.cipher.ciphertext, 'hex')), decipher.final()]);
  } catch {
    throw new WrongPassphrase(path);
  }
  const signer = new NodeEntrySigner(raw);
  if (signer.publicKey !== file.publicKey) throw new TallystickError('corrupt_key_file', `${path}: the decrypted key does not match its public key; the file is damaged`);
  return signer;
}

async function readKeyFile(path: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TallystickError('no_device_key', `no device key at ${path}: run \`tallystick init\` (or \`join\`) first`);
    }
    throw error;
  }
  let file: KeyFile;
  try {
    file = JSON.parse(text) as KeyFile;
  } catch {
    throw new TallystickError('corrupt_key_file', `${path} is not valid JSON; the device key file is damaged`);
  }
  if (file.format !== 'tallystick-device-key' || file.version !== 1 || file.kdf?.name !== 'scrypt' || file.cipher?.name !== 'aes-256-gcm') {
    throw new TallystickError('corrupt_key_file', `${path} is not a Tallystick device key file of a known version`);
  }
  return file;
}
