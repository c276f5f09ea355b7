import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { chunkFiles, damage } from '../helpers/storage-files.js';
import { PASSPHRASE, STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * A damaged catalog recovered from a member's peer (issue 4, storage-damage.ts): Ana's office machine
 * runs `tallystick peer`; Bea's laptop joined by invite. Every chunk of the catalog on Bea's laptop is
 * damaged on disk (a flipped byte), so the co-op cannot even be opened and no roster says whom to trust;
 * `sync` asks the peers Bea's device knows, keeps the catalog only if it is this co-op's (co-op id, genesis)
 * and its sender a member device, and the books are whole again.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];
let root: string;
let ana: string;
let bea: string;
let other: string;
let anaPeer: CliProcess;

const flat = async (dataDir: string) => Object.fromEntries((await tallystickJson<{ account: string; amount: string; commodity: string }[]>(dataDir, ['balance', '--flat']))
  .map((row) => [row.account, `${row.amount} ${row.commodity}`]));

function catalogFiles(dataDir: string): string[] {
  const config = JSON.parse(readFileSync(join(dataDir, 'tallystick.json'), 'utf8')) as { coops: Record<string, { catalog: string }> };
  return chunkFiles(dataDir, Object.values(config.coops)[0]!.catalog.replace('automerge:', ''));
}

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('catalog-recovery');
  ana = join(root, 'ana');
  bea = join(root, 'bea');
  other = join(root, 'other');
  await tallystickOk(ana, ['init', '--coop', 'Riverside', '--member', 'Ana', '--rule', 'quorum:1']);
  await tallystickOk(ana, ['add', '--date', '2025-03-01', '--description', 'Flour', '-p', 'Expenses:Flour  40.00 USD', '-p', 'Assets:Cash']);
  await tallystickOk(ana, ['add', '--date', '2025-04-02', '--description', 'Rent', '-p', 'Expenses:Rent  100.00 USD', '-p', 'Assets:Bank']);
  anaPeer = new CliProcess(ana, ['peer', ...LOOPBACK], PASSPHRASE);
  await anaPeer.address();
  const code = (await tallystickOk(ana, ['invite'])).trim();
  const first = await runTallystick(bea, ['join', code]);
  const key = /This device's key: ([0-9a-f]{64})/u.exec(first.stdout)![1]!;
  const mark = anaPeer.output.length;
  const id = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'add-member', 'Bea', '--device', key]))![1]!;
  await tallystickOk(ana, ['vote', id, 'yes']);
  await anaPeer.waitFor(/roster: 2 members, 2 devices admitted/u, mark);
  expect(await tallystickOk(bea, ['join', code])).toContain('Joined co-op "Riverside"');
  // An entry of Bea's own, synced to Ana: the books after the recovery must hold it too.
  await tallystickOk(bea, ['add', '--date', '2025-04-03', '--description', 'Eggs', '-p', 'Expenses:Food  12.00 USD', '-p', 'Assets:Cash']);
  expect(await tallystickOk(bea, ['sync'])).toContain('Synced with Ana');
  await tallystickOk(other, ['init', '--coop', 'Elsewhere', '--member', 'Dee']);
}, 90_000);

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

describe('a damaged catalog', () => {
  it('refuses the books, is not recovered while no member peer answers, and nothing is written then', async () => {
    const files = catalogFiles(bea);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) damage(file);
    // The derived index, made while the catalog was whole, would still answer: damage shows when the documents are read.
    rmSync(join(bea, 'index'), { recursive: true });
    const refused = await runTallystick(bea, ['balance']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('checksum mismatch');
    expect(refused.stderr).toContain('Recover it from a member\'s peer with `tallystick sync`');
    expect(refused.stderr).not.toMatch(STACK_TRACE);

    expect(await anaPeer.stop()).toBe(0);
    // The only peer to ask is another co-op's, which does not admit this device: nothing comes of it.
    const otherPeer = new CliProcess(other, ['peer', ...LOOPBACK], PASSPHRASE);
    const otherAddress = await otherPeer.address();
    const failed = await runTallystick(bea, ['sync', '--connect', otherAddress]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('It could not be recovered from a member\'s peer either');
    expect(failed.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(join(bea, 'storage', 'quarantine', 'recovered'))).toBe(false);
    expect(readdirSync(join(bea, 'storage', 'quarantine')).filter((name) => name.startsWith('docs__'))).toHaveLength(files.length);
    expect((await runTallystick(bea, ['balance'])).code).toBe(1);
    expect(await otherPeer.stop()).toBe(0);
  }, 60_000);

  it('is fetched again from a member\'s peer by sync: this co-op\'s catalog from a member device, then the books are whole', async () => {
    const damagedFiles = readdirSync(join(bea, 'storage', 'quarantine')).filter((name) => name.startsWith('docs__')).length;
    anaPeer = new CliProcess(ana, ['peer'], PASSPHRASE); // the ports of its last run, which Bea's device remembers
    await anaPeer.address();
    const synced = await tallystickOk(bea, ['sync']);
    expect(synced).toMatch(new RegExp(`recovered from Ana: catalog \\(${damagedFiles} damaged files? kept in quarantine/recovered\\)`, 'u'));
    expect(synced).toContain('Synced with Ana');
    expect(await flat(bea)).toEqual(await flat(ana));
    expect(await flat(bea)).toMatchObject({ 'Expenses:Food': '12.00 USD', 'Expenses:Rent': '100.00 USD' });
    expect((await tallystickJson<{ damaged: unknown[] }>(bea, ['status'])).damaged).toEqual([]);
    expect(readdirSync(join(bea, 'storage', 'quarantine', 'recovered'))).toHaveLength(damagedFiles);
    expect((await runTallystick(bea, ['audit'])).code).toBe(0);
  }, 60_000);
});
