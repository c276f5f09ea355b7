import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id';
import type { DeviceKey } from '@tallystick/core';
import type { NodeEntrySigner } from '../node-crypto.js';

/*
 * A device's libp2p identity IS its signing key: the same Ed25519 key pair that signs its entries is the
 * key noise authenticates when two peers connect, and the libp2p peer id is that public key (an identity
 * multihash). So the peer id of a connection names exactly one device key, with no certificate to check
 * or forge, and the roster can decide who may connect from the peer id alone, right after the handshake.
 * (Noise signs "noise-libp2p-static-key:" followed by its ephemeral key; entries sign canonical JSON that
 * starts with "{": the two kinds of message cannot be mistaken for each other.)
 */

/** The libp2p private key of this device: its entry-signing key, in libp2p's form. */
export async function libp2pKeyOfDevice(signer: NodeEntrySigner): Promise<Ed25519PrivateKey> {
  const seed = signer.exportSeed();
  const key = await generateKeyPairFromSeed('Ed25519', seed);
  if (Buffer.from(key.publicKey.raw).toString('hex') !== signer.publicKey) {
    throw new Error('the libp2p key derived from the device key has another public key');
  }
  return key;
}

/** The peer id a device key connects as. */
export function peerIdOfDevice(device: string): string {
  if (!/^[0-9a-f]{64}$/u.test(device)) throw new Error(`not a device key: ${JSON.stringify(device)}`);
  return peerIdFromPublicKey(publicKeyFromRaw(Buffer.from(device, 'hex'))).toString();
}

/** The device key a peer id stands for, or undefined if it is not an Ed25519 identity (so no device). */
export function deviceOfPeerId(peerId: string): DeviceKey | undefined {
  try {
    const parsed = peerIdFromString(peerId);
    if (parsed.type !== 'Ed25519') return undefined;
    return Buffer.from(parsed.publicKey.raw).toString('hex') as DeviceKey;
  } catch {
    return undefined; // not a peer id at all
  }
}
