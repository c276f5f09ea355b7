import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';
import { launchChromium, startUi, stopUis } from '../helpers/ui-server.js';

/*
 * Joining from the app's onboarding, for real: Alice founds a co-op with the CLI, keeps `tallystick peer`
 * running on 127.0.0.1 and makes an invite for Bob. Bob's app, on an empty data folder and with no
 * passphrase in its environment (as a member's desktop has none), joins with the code: it shows his join
 * request, Alice redeems it with `tallystick admit` (her vote alone adopts it), and Bob's app fetches the
 * co-op over libp2p and opens its accounts by itself. Also: a wrong code's message, a CLI write on Alice's
 * side reaching Bob's open Accounts screen, and `tallystick ui` on a folder whose CLI peer already runs
 * (it leaves the network to that peer and says so). Screenshots go to test-artifacts/ui/.
 */

const PASSPHRASE = 'ui-join-passphrase';
const BOB_PASSPHRASE = 'bob-chose-this-one';
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];
const artifacts = join(REPO_ROOT, 'test-artifacts', 'ui');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-join-'));
const folders = { alice: join(scratch, 'alice'), bob: join(scratch, 'bob') };
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const withoutPassphrase = { ...env, TALLYSTICK_PASSPHRASE: '' };
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let bob: Page;
let invite: string;
let alicePeer: CliProcess;
const errors: string[] = [];

function cli(folder: string, ...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', folder, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
}

async function openPage(address: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(address);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** The accounts table as `account → balance` text. */
async function accountsOn(page: Page): Promise<Record<string, string>> {
  const rows = await page.getByRole('table', { name: 'Accounts and balances' }).locator('tbody tr').evaluateAll((elements) => elements.map((row) => [
    row.querySelector('th')?.textContent?.trim() ?? '', row.querySelector('td')?.textContent?.trim() ?? '',
  ]));
  return Object.fromEntries(rows);
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await buildAppOnce();
  cli(folders.alice, 'init', '--coop', 'Harbour Bakery', '--member', 'Alice', '--role', 'member=books,timebank,vote', '--rule', 'quorum:1');
  cli(folders.alice, 'add', '--date', '2024-01-05', '--description', 'Members\' shares', '--posting', 'Assets:Bank  500.00 EUR', '--posting', 'Equity:Shares');
  alicePeer = new CliProcess(folders.alice, ['peer', ...LOOPBACK], PASSPHRASE);
  await alicePeer.address();
  invite = cli(folders.alice, 'invite', '--member', 'Bob').trim();
  const bobAddress = await startUi(folders.bob, withoutPassphrase, servers, LOOPBACK);
  browser = await launchChromium();
  bob = await openPage(bobAddress);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers);
  await killAllCliProcesses();
  rmSync(scratch, { recursive: true, force: true });
});

describe('joining a co-op from the app\'s onboarding, over libp2p', () => {
  it('refuses a code that is not an invite, in words, and creates nothing', async () => {
    await bob.getByRole('heading', { name: 'Welcome to Tallystick' }).waitFor();
    const form = bob.getByRole('form', { name: 'Join with an invite code' });
    await form.getByLabel('Invite code').fill('tallystick-invite:not-a-real-code');
    await form.getByLabel('Device passphrase', { exact: true }).fill(BOB_PASSPHRASE);
    await form.getByLabel('Device passphrase, repeated').fill(BOB_PASSPHRASE);
    await form.getByRole('button', { name: 'Join co-op' }).click();
    await form.getByRole('alert').getByText('This is not a Tallystick invite code (it does not decode). Ask the member who invited you for the whole code their Tallystick shows, and paste all of it.').waitFor();
    expect(existsSync(join(folders.bob, 'device-key.json'))).toBe(false);
    await shot(bob, 'join-1-wrong-code');
  }, 30_000);

  it('joins with Alice\'s code once she lets the device in, then opens the co-op\'s accounts with the backup reminder', async () => {
    const form = bob.getByRole('form', { name: 'Join with an invite code' });
    await form.getByLabel('Invite code').fill(invite);
    await form.getByLabel('Device passphrase', { exact: true }).fill(BOB_PASSPHRASE);
    await form.getByLabel('Device passphrase, repeated').fill(BOB_PASSPHRASE);
    await form.getByRole('button', { name: 'Join co-op' }).click();
    const request = form.getByLabel('Join request for Bob (give it to the member who invited you)');
    await request.waitFor();
    await form.getByText(/^Waiting to be let in: give the join request below/u).waitFor({ timeout: 20_000 });
    await shot(bob, 'join-2-waiting');

    const admitted = cli(folders.alice, 'admit', await request.inputValue());
    expect(admitted).toContain('the proposal is adopted');
    await bob.getByRole('table', { name: 'Accounts and balances' }).waitFor({ timeout: 30_000 });
    expect(await bob.getByRole('heading', { level: 1 }).innerText()).toBe('Harbour Bakery');
    expect(await accountsOn(bob)).toMatchObject({ Bank: '500.00 EUR', Shares: '-500.00 EUR' });
    await bob.getByRole('heading', { name: 'Back up your data folder' }).waitFor();
    expect(await bob.getByRole('note').filter({ hasText: 'Back up' }).innerText()).toContain(`Joined Harbour Bakery: this device holds its books now. Your books and this device's key live in ${folders.bob}`);
    await shot(bob, 'join-3-joined');
  }, 90_000);

  it('keeps syncing after the join: a transaction Alice adds with the CLI appears on Bob\'s open Accounts screen', async () => {
    cli(folders.alice, 'add', '--date', '2024-01-06', '--description', 'Flour', '--posting', 'Expenses:Flour  42.50 EUR', '--posting', 'Assets:Bank');
    await expect.poll(() => accountsOn(bob), { timeout: 20_000 }).toMatchObject({ Bank: '457.50 EUR', Flour: '42.50 EUR' });
    await bob.keyboard.press('Alt+S');
    const row = bob.getByRole('table', { name: 'Peers' }).getByRole('row', { name: /^Alice / });
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toContain('connected');
    await shot(bob, 'join-4-sync-bob');
  }, 60_000);

  it('`tallystick ui` on a folder whose CLI peer runs leaves the network to that peer and says so, and takes over once it stops', async () => {
    let printed = '';
    const aliceAddress = await startUi(folders.alice, env, servers, LOOPBACK, (text) => { printed += text; });
    await expect.poll(() => printed, { timeout: 30_000 }).toMatch(/Sync: A Tallystick peer already runs on this data folder \(process \d+, since \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/u);
    const alice = await openPage(aliceAddress);
    await alice.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await alice.keyboard.press('Alt+S');
    await alice.getByRole('status').getByText(/^A Tallystick peer already runs on this data folder/u).waitFor();
    await alice.getByRole('table', { name: 'Peers' }).getByRole('row', { name: /^Bob / }).waitFor();
    await shot(alice, 'join-5-sync-alice-cli-peer');

    // Once that peer stops, the app's service starts its own (it has the passphrase) and dials Bob, whom Alice's folder knows.
    expect(await alicePeer.stop()).toBe(0);
    await alice.getByRole('status').getByText('Connected to 1 device; every document is here.').waitFor({ timeout: 30_000 });
    await alice.getByRole('table', { name: 'Peers' }).getByRole('row', { name: /^Bob .* connected, in sync/u }).waitFor({ timeout: 15_000 });
    expect(errors).toEqual([]);
  }, 60_000);
});
