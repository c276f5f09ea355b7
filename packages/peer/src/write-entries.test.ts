import { describe, expect, it } from 'vitest';
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
});
