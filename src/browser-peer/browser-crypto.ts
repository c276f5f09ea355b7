import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { DeviceKey, EntryCrypto, EntrySigner } from '@tallystick/core';

/*
 * Core takes its crypto by injection, and synchronously (an entry's id is the SHA-256 of its text, checked
 * inline while reading). WebCrypto's Ed25519 and SHA-256 are async only, so the page uses the audited
 * @noble libraries, which libp2p already brings into the bundle (@libp2p/crypto signs with them in browsers).
 * Verification is strict RFC 8032 (zip215: false), as node:crypto verifies on the Node peers: a signature
 * one side accepts, the other accepts too.
 */
export const browserEntryCrypto: EntryCrypto = {
  sha256Hex: (text) => bytesToHex(sha256(utf8ToBytes(text))),
  verify: (publicKeyHex, message, signatureHex) => {
    if (!/^[0-9a-f]{64}$/u.test(publicKeyHex) || !/^[0-9a-f]{128}$/u.test(signatureHex)) return false;
    try {
      return ed25519.verify(hexToBytes(signatureHex), utf8ToBytes(message), hexToBytes(publicKeyHex), { zip215: false });
    } catch {
      return false; // not a point on the curve: no signature by it holds
    }
  },
};

/** The page's device key: a 32-byte Ed25519 seed, the same key that is its libp2p identity. */
export class BrowserEntrySigner implements EntrySigner {
  readonly publicKey: DeviceKey;

  constructor(private readonly seed: Uint8Array) {
    if (seed.length !== 32) throw new Error('an Ed25519 device key is a 32-byte seed');
    this.publicKey = bytesToHex(ed25519.getPublicKey(seed)) as DeviceKey;
  }

  sign(message: string): string {
    return bytesToHex(ed25519.sign(utf8ToBytes(message), this.seed));
  }

  exportSeed(): Uint8Array {
    return this.seed.slice();
  }
}

export function newDeviceSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}

export { bytesToHex, hexToBytes };
