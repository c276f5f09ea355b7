import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify } from 'node:crypto';
import type { DeviceKey, EntryCrypto, EntrySigner } from '@tallystick/core';

/** Ed25519 and SHA-256 from node:crypto, behind core's EntryCrypto port. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const oneShotHash = typeof hash === 'function' ? hash : undefined;

export class NodeEntryCrypto implements EntryCrypto {
  private readonly keys = new Map<string, KeyObject | null>();

  sha256Hex(text: string): string {
    // One-shot `hash` (Node ≥ 21.7) where there is one: `createHash` builds a stream object per call, and a
    // 100k import hashes three texts per transaction.
    return oneShotHash ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
  }

  verify(publicKeyHex: string, message: string, signatureHex: string): boolean {
    const key = this.publicKey(publicKeyHex);
    if (!key) return false;
    return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureHex, 'hex'));
  }

  private publicKey(hex: string): KeyObject | null {
    let key = this.keys.get(hex);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
      } catch {
        key = null; // not a point on the curve: every signature by it fails
      }
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(hex, key);
    }
    return key;
  }
}

/** The one instance the process uses (it caches parsed public keys). */
export const nodeEntryCrypto = new NodeEntryCrypto();

export class NodeEntrySigner implements EntrySigner {
  readonly publicKey: DeviceKey;
  private readonly privateKey: KeyObject;

  constructor(privateKeyRaw: Uint8Array) {
    if (privateKeyRaw.length !== 32) throw new Error('an Ed25519 private key is 32 bytes');
    this.privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKeyRaw]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = spki.subarray(SPKI_PREFIX.length).toString('hex') as DeviceKey;
  }

  sign(message: string): string {
    return sign(null, Buffer.from(message, 'utf8'), this.privateKey).toString('hex');
  }

  /** The 32-byte Ed25519 seed, for this key's one other use: the device's libp2p identity (network/device-identity.ts). */
  exportSeed(): Uint8Array {
    return new Uint8Array(this.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length));
  }
}

/** A fresh device key pair; returns the raw 32-byte private key. */
export function generateDevicePrivateKey(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length));
}
