import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/* The README's "Sync two devices" walkthrough, run verbatim: two data folders, a real peer, a real join. */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-readme-sync-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function walkthrough(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Sync two devices'));
  const match = /```sh\n([\s\S]*?)```/u.exec(section);
  if (!match?.[1]) throw new Error('README has no ```sh block in its "Sync two devices" section');
  return match[1];
}

describe('README: sync two devices', () => {
  it('runs as pasted: the laptop joins once voted in, and both devices show the same balances', () => {
    // The peer runs in the background: if anything fails, it is stopped rather than left behind (npx does not pass
    // signals on to it, hence \`peer --stop\`, which signals the peer's own process).
    const script = `set -euo pipefail\nexport TMPDIR=${JSON.stringify(scratch)}\ntrap '[ -n "\${OFFICE:-}" ] && npx tallystick --data "\$OFFICE" peer --stop >/dev/null 2>&1 || true' EXIT\n${walkthrough()}\necho "OFFICE=$OFFICE"\necho "LAPTOP=$LAPTOP"\n`;
    const output = execFileSync('bash', ['-c', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TALLYSTICK_DATA: '', TALLYSTICK_PASSPHRASE: '', TALLYSTICK_COOP: '', PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    expect(output).toContain('Founded co-op "Riverside"');
    expect(output).toMatch(/This device's key: [0-9a-f]{64}/u);
    expect(output).toContain('the proposal is adopted');
    expect(output).toContain('Joined co-op "Riverside"');
    expect(output).toContain('Synced with Ana');
    const office = /OFFICE=(.*)/u.exec(output)![1]!;
    const log = readFileSync(`${office}.log`, 'utf8');
    expect(log).toMatch(/refused .*is not a device of any member of Riverside/u);
    expect(log).toContain('stopped; everything received is on disk.');
    const balances = output.match(/^\s+45\.00 USD\s+Ingredients$/gmu) ?? [];
    expect(balances).toHaveLength(1); // the office's final balance (the laptop's first one has 40.00)
    expect(output).toMatch(/^\s+40\.00 USD\s+Ingredients$/mu);
  }, 60_000);
});
