import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/* The README's five-minute walkthrough, run verbatim: if a user can paste it, so can this test. */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function walkthrough(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Five minutes with the command line'));
  const match = /```sh\n([\s\S]*?)```/u.exec(section);
  if (!match?.[1]) throw new Error('README has no ```sh block in its walkthrough section');
  return match[1];
}

describe('README walkthrough', () => {
  it('runs as pasted, and its books agree with hledger', () => {
    const script = `set -euo pipefail\nexport TMPDIR=${JSON.stringify(scratch)}\n${walkthrough()}\nnpx tallystick balance --flat --json > "$TALLYSTICK_DATA/../balance.json"\necho "DATA=$TALLYSTICK_DATA"\n`;
    const output = execFileSync('bash', ['-c', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TALLYSTICK_DATA: '', TALLYSTICK_PASSPHRASE: '', PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
    expect(output).toContain('Founded co-op "Riverside Bakery Co-op"');
    expect(output).toContain('Imported 2 transactions');
    expect(output).toContain('Nothing new');
    expect(output).toContain('Saved reversal');
    expect(output).toContain('bean-check: ok');
    expect(output).toContain('No rejected entries');
    const data = /DATA=(.*)/u.exec(output)![1]!;
    const balances = JSON.parse(readFileSync(join(data, '..', 'balance.json'), 'utf8')) as { account: string; commodity: string; amount: string }[];
    const byAccount = Object.fromEntries(balances.map((row) => [row.account, `${row.amount} ${row.commodity}`]));
    // 5000 capital + 845 sales − 120 repair; the flour is reversed, so checking holds 5725.00.
    expect(byAccount).toEqual({
      'Assets:Bank:Checking': '5725.00 USD',
      'Equity:Member capital': '-5000.00 USD',
      'Income:Sales': '-845.00 USD',
      'Expenses:Unsorted': '120.00 USD',
    });
    const hledger = execFileSync('hledger', ['-f', join(data, '..', 'books.journal'), 'balance', '--flat', '--no-total', '-O', 'csv'], { encoding: 'utf8' });
    expect(hledger).toContain('"Assets:Bank:Checking","5725.00 USD"');
  });
});
