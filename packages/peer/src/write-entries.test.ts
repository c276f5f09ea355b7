import { describe, expect, it } from 'vitest';
import type { DeviceKey } from '@tallystick/core';
import { checkMayWriteBooks } from './write-entries.js';

describe('checkMayWriteBooks', () => {
  const view = { coopName: 'Bakery', bookWriters: ['a'.repeat(64)] };
  const transaction = { kind: 'transaction', payload: {} } as never;
  const vote = { kind: 'vote', payload: {} } as never;

  it('lets a device whose role may write the books write them', () => {
    expect(() => checkMayWriteBooks(view, 'a'.repeat(64), [transaction])).not.toThrow();
  });

  it('refuses book entries by any other device before anything is signed, saying why', () => {
    expect(() => checkMayWriteBooks(view, 'b'.repeat(64), [transaction])).toThrow(
      'this device (bbbbbbbbbbbbbbbb…) may not write to the books of Bakery: it is not an active device of a member whose role allows it (see `tallystick whoami`). Nothing was written',
    );
  });

  it('does not judge entries that are not book entries (votes are judged by their own rules)', () => {
    expect(() => checkMayWriteBooks(view, 'b'.repeat(64), [vote])).not.toThrow();
  });

  it('says why a known device may not write: revoked, member removed, or a role without the books', () => {
    const device = (letter: string) => letter.repeat(64) as DeviceKey;
    const roster = {
      members: [
        { name: 'Ana', role: 'treasurer', devices: [device('a')], revokedDevices: [device('c')], removed: false },
        { name: 'Ben', role: 'member', devices: [device('d')], revokedDevices: [], removed: false },
        { name: 'Cy', role: 'treasurer', devices: [device('e')], revokedDevices: [], removed: true },
      ],
    };
    const governed = { ...view, governance: { roster } };
    expect(() => checkMayWriteBooks(governed, device('c'), [transaction])).toThrow("it was Ana's device and the members revoked it; a revoked device never writes again");
    expect(() => checkMayWriteBooks(governed, device('d'), [transaction])).toThrow("Ben's role (member) may not write the books");
    expect(() => checkMayWriteBooks(governed, device('e'), [transaction])).toThrow('Cy was removed from the co-op');
    expect(() => checkMayWriteBooks(governed, device('f'), [transaction])).toThrow('it is not a device of any member of the co-op (see `tallystick whoami`)');
  });
});
