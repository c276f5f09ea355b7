import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openBackup, sealBackup } from './backup-file.js';

/*
 * The backup file's envelope: what is sealed opens with the passphrase and only with it; a file cut
 * anywhere, or with any byte changed, is refused as cut short, damaged or not a backup, never opened and
 * never mistaken for a wrong passphrase (which would send a member hunting for a passphrase that was right).
 */

const PASSPHRASE = 'correct horse battery';
const FILE_ERRORS = ['not_a_backup', 'backup_damaged', 'backup_truncated', 'backup_unknown_version'];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? `not a TallystickError: ${String(error)}`;
  }
  return 'opened';
}

describe('backup file envelope', () => {
  it('opens with the passphrase it was sealed under, and refuses another one as a wrong passphrase', async () => {
    const payload = randomBytes(5_000);
    const sealed = await sealBackup(payload, PASSPHRASE, new Date('2026-01-02T03:04:05Z'));
    expect(await openBackup(sealed, PASSPHRASE, 'b')).toEqual(payload);
    await expect(openBackup(sealed, 'correct horse battery!', 'b')).rejects.toMatchObject({ code: 'wrong_passphrase' });
    // Sealed twice, the same payload gives different files (fresh salt and nonce).
    expect((await sealBackup(payload, PASSPHRASE, new Date())).equals(sealed)).toBe(false);
  });

  it('refuses a file cut at any length, or with any byte changed, as a damaged file (seeded)', async () => {
    const sealed = await sealBackup(randomBytes(2_000), PASSPHRASE, new Date('2026-01-02T03:04:05Z'));
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        fc.record({ cut: fc.integer({ min: 0, max: sealed.length - 1 }) }),
        fc.record({ at: fc.integer({ min: 0, max: sealed.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }),
      ),
      async (change) => {
        let bytes: Buffer;
        if ('cut' in change) bytes = sealed.subarray(0, change.cut);
        else {
          bytes = Buffer.from(sealed);
          bytes[change.at] = bytes[change.at]! ^ change.xor;
        }
        const code = await codeOf(openBackup(bytes, PASSPHRASE, 'b'));
        expect(FILE_ERRORS, `${JSON.stringify(change)} gave ${code}`).toContain(code);
        if ('cut' in change && change.cut > 100) expect(code).toBe('backup_truncated');
      },
    ), { seed: 20_260_102, numRuns: 40 });
  }, 60_000);
});
