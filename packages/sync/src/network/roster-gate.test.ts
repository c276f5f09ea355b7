import { describe, expect, it } from 'vitest';
import type { DeviceKey, Roster } from '@tallystick/core';
import { NodeEntrySigner, generateDevicePrivateKey } from '../node-crypto.js';
import { deviceOfPeerId, libp2pKeyOfDevice, peerIdOfDevice } from './device-identity.js';
import { decodeInvite, encodeInvite } from './invite.js';
import { RosterGate } from './roster-gate.js';

const key = () => new NodeEntrySigner(generateDevicePrivateKey()).publicKey;

function roster(members: Roster['members']): Roster {
  return { members, roles: [{ name: 'member', may: ['books', 'vote'] }], rule: { kind: 'majority' } } as unknown as Roster;
}

describe('device identity', () => {
  it('is the signing key: the libp2p key derived from a device key has that public key, and the peer id maps back', async () => {
    const signer = new NodeEntrySigner(generateDevicePrivateKey());
    const libp2pKey = await libp2pKeyOfDevice(signer);
    expect(Buffer.from(libp2pKey.publicKey.raw).toString('hex')).toBe(signer.publicKey);
    expect(deviceOfPeerId(peerIdOfDevice(signer.publicKey))).toBe(signer.publicKey);
  });

  it('names no device for a peer id that is not Ed25519, or not a peer id', () => {
    expect(deviceOfPeerId('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')).toBeUndefined();
    expect(deviceOfPeerId('not a peer id')).toBeUndefined();
  });
});

describe('RosterGate', () => {
  const ana = key();
  const bea = key();
  const old = key();
  const gone = key();
  const gate = new RosterGate('Riverside');
  gate.setRoster(roster([
    { name: 'Ana', role: 'member', devices: [ana as DeviceKey], revokedDevices: [], removed: false },
    { name: 'Bea', role: 'member', devices: [bea as DeviceKey], revokedDevices: [old as DeviceKey], removed: false },
    { name: 'Cy', role: 'member', devices: [gone as DeviceKey], revokedDevices: [], removed: true },
  ]));

  it('admits the active devices of members, whatever their role', () => {
    expect(gate.check(peerIdOfDevice(bea))).toEqual({ allowed: true, device: bea, member: 'Bea' });
    expect(gate.activeDevices().map((device) => device.member)).toEqual(['Ana', 'Bea']);
  });

  it('refuses with a code and a reason naming the device and the rule', () => {
    const stranger = key();
    expect(gate.check(peerIdOfDevice(stranger))).toEqual({ allowed: false, code: 'not_a_member_device', device: stranger, reason: `device ${stranger.slice(0, 16)}… is not a device of any member of Riverside` });
    expect(gate.check(peerIdOfDevice(old))).toMatchObject({ allowed: false, code: 'device_revoked', reason: `device ${old.slice(0, 16)}… of Bea was revoked` });
    expect(gate.check(peerIdOfDevice(gone))).toMatchObject({ allowed: false, code: 'member_removed', reason: `device ${gone.slice(0, 16)}… belongs to Cy, who was removed from Riverside` });
    expect(gate.check('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')).toMatchObject({ allowed: false, code: 'not_a_device_identity' });
  });

  it('admits no one before it has a roster, except a peer it was told to trust (the inviter, while joining)', () => {
    const joining = new RosterGate('Riverside');
    expect(joining.allows(peerIdOfDevice(ana))).toBe(false);
    joining.trust(peerIdOfDevice(ana), 'the inviting member');
    expect(joining.allows(peerIdOfDevice(ana))).toBe(true);
    expect(joining.allows(peerIdOfDevice(bea))).toBe(false);
  });
});

describe('invite codes', () => {
  const invite = {
    coop: '0123456789abcdef0123456789abcdef', name: 'Riverside', catalog: '4SEfxFUqromR8oJbVs53ZpMGiBSq', genesis: 'a'.repeat(64),
    peer: peerIdOfDevice(key()), addresses: ['/ip4/127.0.0.1/tcp/4001'],
  };

  it('round-trips', () => {
    expect(decodeInvite(` ${encodeInvite(invite)}\n`)).toEqual(invite);
  });

  it('refuses what is not an invite, saying what was expected', () => {
    expect(() => decodeInvite('hello')).toThrow('this is not a Tallystick invite code (it does not start with "tallystick-invite:"); ask the member for the whole code that `tallystick invite` printed');
    const tampered = encodeInvite({ ...invite, peer: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' });
    expect(() => decodeInvite(tampered)).toThrow('bad name or peer id');
    expect(() => decodeInvite(`${encodeInvite(invite).slice(0, 40)}`)).toThrow('this is not a Tallystick invite code');
  });
});
