import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TallystickError } from '@tallystick/core';
import { PASSPHRASE_KDF, deriveKeyFromPassphrase } from './device-key-file.js';

/*
 * The backup file (`tallystick backup FILE`): one file, readable by nothing but this program and the
 * passphrase. Layout:
 *
 *   tallystick-backup 1 <SHA-256 of the header line, hex>\n
 *   <header: one line of JSON: kdf (scrypt, salt), cipher (AES-256-GCM nonce and tag), content length and SHA-256>\n
 *   <content: AES-256-GCM ciphertext of the sealed payload; the header line is its associated data>
 *
 * The checksums in clear let a reader tell a file cut short or damaged ("the content is 812 of 1,204
 * bytes") from a wrong passphrase (GCM's tag fails only then), which a bare GCM failure cannot. They give
 * nothing away: the SHA-256 of a ciphertext says nothing about the plaintext. Key derivation and the
 * cipher are the device key file's (device-key-file.ts), from node:crypto.
 */

const MAGIC = 'tallystick-backup';
const VERSION = 1;
/** Bounds on what an untrusted header may ask of us: scrypt's cost, and the size of the file. */
const MAXIMUM_SCRYPT_N = 2 ** 20;
const MAXIMUM_BACKUP_BYTES = 2 * 1024 * 1024 * 1024 - 1;
const MAXIMUM_HEADER_BYTES = 4096;

interface BackupHeader {
  format: 'tallystick-backup';
  version: 1;
  createdAt: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; nonce: string; tag: string };
  content: { bytes: number; sha256: string };
}

export class BackupFileError extends TallystickError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'BackupFileError';
  }
}

/** Encrypts a payload under the passphrase into the bytes of a backup file. */
export async function sealBackup(payload: Uint8Array, passphrase: string, createdAt: Date): Promise<Buffer> {
  if (payload.length > MAXIMUM_BACKUP_BYTES - MAXIMUM_HEADER_BYTES) throw new BackupFileError('backup_too_large', `the co-op's documents take ${payload.length} bytes, more than a backup file holds (2 GiB)`);
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = await deriveKeyFromPassphrase(passphrase, salt, PASSPHRASE_KDF);
  // The tag and the content's checksum are known only after encrypting, and the header is the associated
  // data: the header authenticated is the one without them (`headerForTag`), and both are checked on read.
  const base = { format: MAGIC, version: VERSION, createdAt: createdAt.toISOString(), kdf: { name: 'scrypt', ...PASSPHRASE_KDF, salt: salt.toString('hex') } } as const;
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(JSON.stringify({ ...base, nonce: nonce.toString('hex') })));
  const content = Buffer.concat([cipher.update(payload), cipher.final()]);
  const header: BackupHeader = {
    ...base,
    cipher: { name: 'aes-256-gcm', nonce: nonce.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
    content: { bytes: content.length, sha256: sha256Hex(content) },
  };
  const headerLine = JSON.stringify(header);
  return Buffer.concat([Buffer.from(`${MAGIC} ${VERSION} ${sha256Hex(Buffer.from(headerLine))}\n${headerLine}\n`), content]);
}

/**
 * The payload of a backup file, or an error saying exactly what is wrong: not a backup, a version this
 * program does not read, cut short, damaged (with where), or a wrong passphrase. Nothing is decrypted
 * until the file is known to be whole, so a wrong passphrase is never mistaken for damage or the reverse.
 */
export async function openBackup(bytes: Buffer, passphrase: string, file: string): Promise<Buffer> {
  const { header, content } = parseBackup(bytes, file);
  if (header.kdf.N > MAXIMUM_SCRYPT_N || header.kdf.r > 32 || header.kdf.p > 16) {
    throw new BackupFileError('backup_damaged', `${file}: its header asks for a key derivation beyond what Tallystick writes (scrypt N=${header.kdf.N}, r=${header.kdf.r}, p=${header.kdf.p}); the file is not one this program made`);
  }
  const key = await deriveKeyFromPassphrase(passphrase, Buffer.from(header.kdf.salt, 'hex'), header.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.cipher.nonce, 'hex'));
  const { cipher, content: _content, ...base } = header;
  decipher.setAAD(Buffer.from(JSON.stringify({ ...base, nonce: cipher.nonce })));
  decipher.setAuthTag(Buffer.from(cipher.tag, 'hex'));
  try {
    return Buffer.concat([decipher.update(content), decipher.final()]);
  } catch {
    throw new BackupFileError('wrong_passphrase', `the passphrase does not open the backup ${file} (the file itself is whole: its checksums match). Nothing was written; try again with the passphrase of the device that made it`);
  }
}

function parseBackup(bytes: Buffer, file: string): { header: BackupHeader; content: Buffer } {
  const firstEnd = bytes.indexOf(0x0a);
  const prefix = bytes.subarray(0, Math.min(bytes.length, MAGIC.length + 1)).toString('latin1');
  if (!`${MAGIC} `.startsWith(prefix) || prefix.length === 0) {
    throw new BackupFileError('not_a_backup', `${file} is not a Tallystick backup (it does not start with "${MAGIC}"); nothing was written`);
  }
  const secondEnd = firstEnd < 0 ? -1 : bytes.indexOf(0x0a, firstEnd + 1);
  if (firstEnd < 0 || secondEnd < 0) {
    if (bytes.length > MAXIMUM_HEADER_BYTES) throw new BackupFileError('backup_damaged', `${file}: its header is damaged (no end of line in the first ${MAXIMUM_HEADER_BYTES} bytes); nothing was written`);
    throw new BackupFileError('backup_truncated', `${file} is cut short: it ends inside its header, after ${bytes.length} bytes; nothing was written`);
  }
  const [magic, version, headerSha] = bytes.subarray(0, firstEnd).toString('latin1').split(' ');
  if (magic !== MAGIC || version === undefined || headerSha === undefined) throw new BackupFileError('backup_damaged', `${file}: its first line is damaged; nothing was written`);
  if (version !== String(VERSION)) throw new BackupFileError('backup_unknown_version', `${file} is a backup of format version ${version}, which this program does not read (it reads version ${VERSION}); nothing was written`);
  const headerBytes = bytes.subarray(firstEnd + 1, secondEnd);
  if (sha256Hex(headerBytes) !== headerSha) throw new BackupFileError('backup_damaged', `${file}: its header is damaged (checksum mismatch in bytes ${firstEnd + 1}–${secondEnd}); nothing was written`);
  let header: BackupHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as BackupHeader;
  } catch {
    throw new BackupFileError('backup_damaged', `${file}: its header is not valid JSON; nothing was written`);
  }
  if (header.format !== MAGIC || header.kdf?.name !== 'scrypt' || header.cipher?.name !== 'aes-256-gcm' || !Number.isSafeInteger(header.content?.bytes)) {
    throw new BackupFileError('backup_damaged', `${file}: its header does not describe a Tallystick backup; nothing was written`);
  }
  const content = bytes.subarray(secondEnd + 1);
  if (content.length < header.content.bytes) {
    throw new BackupFileError('backup_truncated', `${file} is cut short: its content is ${content.length} of ${header.content.bytes} bytes (the file should be ${secondEnd + 1 + header.content.bytes} bytes, it is ${bytes.length}); nothing was written`);
  }
  if (content.length > header.content.bytes) {
    throw new BackupFileError('backup_damaged', `${file} has ${content.length - header.content.bytes} bytes more than its header says (something was appended); nothing was written`);
  }
  if (sha256Hex(content) !== header.content.sha256) {
    throw new BackupFileError('backup_damaged', `${file} is damaged: its content (bytes ${secondEnd + 1}–${bytes.length}) does not match its checksum; nothing was written. Use another backup, or recover from a peer with \`tallystick join\`/\`sync\``);
  }
  return { header, content };
}

export { MAXIMUM_BACKUP_BYTES };

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
