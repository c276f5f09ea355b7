import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { canvasPaint } from '../helpers/canvas-paint.js';
import { launchChromium, startUi as startUiServer, stopUis, untilPrinted } from '../helpers/ui-server.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';

/*
 * The Time bank area in Debian's Chromium across two real peers: two members' devices as two data folders,
 * a `tallystick ui` for each, and each service runs its device's libp2p peer on 127.0.0.1 (Bob's dials
 * Alice's). Bob's device joined with Alice's invite (`tallystick join`, after the members voted his key
 * in), so every document that moves between them goes over libp2p. No page is reloaded and no screen is
 * switched to make news appear: an entry written on one device shows on the other by live refresh.
 * Screenshots of every time-bank screen and of the Sync screen go to test-artifacts/ui/.
 */

const PASSPHRASE = 'ui-timebank-passphrase';
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];
const artifacts = join(REPO_ROOT, 'test-artifacts', 'ui');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-timebank-'));
const folders = { alice: join(scratch, 'alice'), bob: join(scratch, 'bob') };
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let alice: Page;
let bob: Page;
const errors: string[] = [];
/** What each `tallystick ui` printed: it says "Sync: …" once its peer has started (after the address). */
const printed = { alice: '', bob: '' };

function cli(folder: string, ...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', folder, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
}

function adopt(...proposal: string[]): void {
  cli(folders.alice, 'propose', ...proposal);
  const proposals = JSON.parse(cli(folders.alice, 'proposals', '--json')) as { id: string }[];
  cli(folders.alice, 'vote', proposals[proposals.length - 1]!.id, 'yes');
}

async function openPage(address: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(address);
  await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** The balances table a page shows now, as `member → balance` (no key pressed: what live refresh put there). */
async function shownBalances(page: Page): Promise<Record<string, string>> {
  const table = page.getByRole('table', { name: 'Time-bank balances' });
  await table.waitFor();
  const rows = await table.locator('tbody tr').evaluateAll((elements) => elements.map((row) => [row.getAttribute('data-party') ?? '', row.querySelector('td')?.textContent ?? '']));
  return Object.fromEntries(rows);
}

/** Where Alice's peer listens, from the status file the peer her `tallystick ui` runs writes. */
function alicePeerAddress(): string {
  const status = JSON.parse(cli(folders.alice, 'status', '--json')) as { running: { addresses: string[] } | null };
  const address = status.running?.addresses.find((candidate) => candidate.startsWith('/ip4/127.0.0.1/tcp/') && !candidate.includes('/ws'));
  if (address === undefined) throw new Error(`Alice's tallystick ui runs no peer: ${JSON.stringify(status)}`);
  return address;
}

/** Bob's device joins as `tallystick join` does: refused until Alice (quorum 1) votes his key in, then fetched over libp2p. */
function joinBob(): void {
  const invite = cli(folders.alice, 'invite').trim();
  const refused = spawnSync(NODE, [CLI, '--data', folders.bob, 'join', invite], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  expect(refused.status, refused.stderr).toBe(1);
  const key = /This device's key: ([0-9a-f]{64})/u.exec(refused.stdout)![1]!;
  adopt('add-member', 'Bob', '--device', key);
  // Alice's peer takes in the vote her CLI wrote within a second; --wait tries every 3 s until it admits Bob.
  expect(cli(folders.bob, 'join', invite, '--wait')).toContain('Joined co-op "Riverside Time Bank"');
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await buildAppOnce();
  cli(folders.alice, 'init', '--coop', 'Riverside Time Bank', '--member', 'Alice', '--role', 'member=timebank,vote', '--rule', 'quorum:1');
  adopt('timebank-rules', 'lowest=-10', 'highest=20');
  const aliceAddress = await startUiServer(folders.alice, env, servers, LOOPBACK, (text) => { printed.alice += text; });
  await untilPrinted(() => printed.alice, /Sync: This device syncs now/u);
  joinBob();
  const bobAddress = await startUiServer(folders.bob, env, servers, [...LOOPBACK, '--peer', alicePeerAddress()], (text) => { printed.bob += text; });
  await untilPrinted(() => printed.bob, /Sync: This device syncs now/u);
  browser = await launchChromium();
  alice = await openPage(aliceAddress);
  bob = await openPage(bobAddress);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the Time bank area in a browser, two members on two devices syncing over libp2p', () => {
  it('each Sync screen shows its own peer and the other member\'s device connected and in sync', async () => {
    for (const [page, other] of [[alice, 'Bob'], [bob, 'Alice']] as const) {
      await page.keyboard.press('Alt+S');
      await page.getByRole('heading', { name: 'Sync', level: 2 }).waitFor();
      const row = page.getByRole('table', { name: 'Peers' }).getByRole('row', { name: new RegExp(`^${other} `, 'u') });
      await expect.poll(() => row.innerText(), { timeout: 15_000 }).toContain('connected, in sync');
      await page.getByText(/^Connected to 1 device; every document is here\.$/u).waitFor();
      expect(await page.getByRole('list', { name: 'Addresses of this device' }).innerText()).toMatch(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/u);
    }
    await shot(alice, 'sync-1-alice');
    await shot(bob, 'sync-2-bob');
  }, 60_000);

  it('Alice logs 2 hours for Bob; they arrive in Bob\'s open Pending inbox by themselves; he confirms; both open Balances screens update by themselves', async () => {
    await alice.keyboard.press('Alt+T');
    await alice.keyboard.press('Alt+1');
    expect(await shownBalances(alice)).toEqual({ Alice: '0:00', Bob: '0:00', 'the community': '0:00' });
    expect(await alice.locator('tr[aria-current="true"]').getAttribute('data-party')).toBe('Alice');
    expect((await alice.getByRole('definition').allInnerTexts()).slice(0, 2)).toEqual(['-10:00', '20:00']);
    // Bob's inbox is open and empty before Alice writes anything; no key is pressed on his page until it fills.
    await bob.keyboard.press('Alt+T');
    await bob.keyboard.press('Alt+2');
    await bob.getByText('Nothing waits for your answer.').waitFor();

    await alice.keyboard.press('Alt+3');
    const form = alice.getByRole('form', { name: 'Log hours' });
    await form.waitFor();
    await expect.poll(() => alice.evaluate('document.activeElement?.tagName')).toBe('SELECT');
    expect(await alice.getByLabel('Member', { exact: true }).inputValue()).toBe('Bob');
    await alice.keyboard.press('Tab');
    await alice.keyboard.press('Tab');
    await alice.keyboard.type('2');
    await alice.getByLabel('Date', { exact: true }).fill('2024-06-01');
    await alice.getByLabel('Description', { exact: true }).fill('fixed the bike');
    await alice.getByLabel('Description', { exact: true }).press('Enter');
    await alice.getByText('Log that Alice gave 2 hours to Bob on 2024-06-01?').waitFor();
    await shot(alice, 'timebank-1-log-hours-confirm');
    await alice.keyboard.press('Enter');
    await alice.getByText(/Logged [0-9a-f]{12}: Alice gave Bob 2:00 on 2024-06-01 \(fixed the bike\)\. It counts once Bob confirms it on their device \(or declines it\)\./u).waitFor();
    const loggedAt = Date.now();

    const inbox = bob.getByRole('list', { name: 'Waiting for Bob (1)' });
    await expect.poll(() => inbox.getByText('Alice gave Bob 2:00').count(), { interval: 100, timeout: 15_000 }).toBe(1);
    // Alice's peer picks up her service's write (≤ 1 s), sends it, Bob's page asks for changes every second.
    const arrivedMs = Date.now() - loggedAt;
    expect(arrivedMs).toBeLessThan(10_000);
    await shot(bob, 'timebank-3-pending-bob');

    await alice.keyboard.press('Alt+2');
    await alice.getByRole('list', { name: 'Logged by Alice, waiting for others (1)' }).getByText('Waiting for Bob to confirm.').waitFor();
    await shot(alice, 'timebank-2-pending-alice');
    await alice.keyboard.press('Alt+1');
    await shownBalances(alice);

    await inbox.getByRole('button', { name: 'Confirm…' }).focus();
    await bob.keyboard.press('Enter');
    await bob.getByText('Confirm that Alice gave Bob 2:00 on 2024-06-01? It counts at once and cannot be undone.').waitFor();
    await bob.keyboard.press('Enter');
    await bob.getByText(/Confirmed [0-9a-f]{12}: Alice gave Bob 2:00 on 2024-06-01 \(fixed the bike\)\. Balances now: Alice \+2:00, Bob -2:00\./u).waitFor();
    const confirmedAt = Date.now();
    await bob.getByText('Nothing waits for your answer.').waitFor();
    await bob.keyboard.press('Alt+1');

    // Alice's Balances screen has stayed open since before Bob confirmed: the confirmation arrives and it reads again.
    await expect.poll(() => shownBalances(alice), { interval: 100, timeout: 15_000 }).toEqual({ Alice: '+2:00', Bob: '-2:00', 'the community': '0:00' });
    const confirmationShownMs = Date.now() - confirmedAt;
    await expect.poll(() => shownBalances(bob), { timeout: 15_000 }).toEqual({ Alice: '+2:00', Bob: '-2:00', 'the community': '0:00' });
    // What a member waits, from one device's write to the other device's open screen showing it (write, peer poll, libp2p, save, page poll, re-read).
    writeFileSync(join(artifacts, 'live-refresh.json'), `${JSON.stringify({ logToOtherPendingMs: arrivedMs, confirmToOtherBalancesMs: confirmationShownMs }, null, 2)}\n`);
    await shot(alice, 'timebank-4-balances-alice');
    await shot(bob, 'timebank-5-balances-bob');
  }, 120_000);

  it('Alice declines an hour Bob logged, with a reason; Bob sees the reason in his history', async () => {
    await bob.keyboard.press('Alt+3');
    await bob.getByLabel('Direction', { exact: true }).selectOption('received');
    await bob.getByLabel('Unit', { exact: true }).selectOption('minutes');
    await bob.getByLabel('Time', { exact: true }).fill('60');
    await bob.getByLabel('Date', { exact: true }).fill('2024-06-02');
    await bob.getByLabel('Description', { exact: true }).fill('soup');
    await bob.getByRole('button', { name: 'Log hours…' }).click();
    await bob.getByRole('button', { name: 'Yes, log it' }).click();
    await bob.getByText(/Logged [0-9a-f]{12}: Alice gave Bob 1:00 on 2024-06-02 \(soup\)/u).waitFor();

    await alice.keyboard.press('Alt+2');
    const item = alice.getByRole('list', { name: 'Waiting for Alice (1)' }).getByRole('listitem');
    await item.getByText('Alice gave Bob 1:00').waitFor({ timeout: 15_000 });
    await item.getByRole('button', { name: 'Decline…' }).click();
    await item.getByRole('button', { name: 'Yes, decline' }).click();
    await item.getByText('Say why you decline: the member who logged it sees your reason.').waitFor();
    await item.getByLabel('Reason to decline').fill('that was Carol');
    await item.getByLabel('Reason to decline').press('Enter');
    await item.getByText('Decline it (“that was Carol”)? It will never count; Bob sees your reason.').waitFor();
    await shot(alice, 'timebank-6-decline-confirm');
    await item.getByRole('button', { name: 'Yes, decline' }).click();
    await alice.getByText(/Declined [0-9a-f]{12} \(Alice gave Bob 1:00\): that was Carol\. It will not count; Bob sees why\./u).waitFor();

    await bob.keyboard.press('Alt+5');
    const notCounted = bob.getByRole('table', { name: 'Not counted' });
    await notCounted.getByText('declined: that was Carol').waitFor({ timeout: 15_000 });
    expect((await bob.getByRole('table', { name: 'Counted', exact: true }).innerText()).replace(/\s+/gu, ' ')).toContain('2024-06-01 Alice -2:00 -2:00 fixed the bike');
    await bob.getByText('Bob\'s balance: -2:00').waitFor();
    await shot(bob, 'timebank-7-history-bob');
  }, 120_000);

  it('Alice posts an offer; Bob finds it by search and by category; Alice may close it', async () => {
    await alice.keyboard.press('Alt+4');
    const add = alice.getByRole('form', { name: 'Add an offer or request' });
    await add.getByLabel('Title').fill('Bike repairs');
    await add.getByLabel('Category').fill('Repairs');
    await add.getByLabel('Description (optional)').fill('Brakes, gears, punctures');
    await add.getByLabel('Tags (optional, separated by commas)').fill('bikes, tools');
    await add.getByLabel('Tags (optional, separated by commas)').press('Enter');
    await alice.getByText(/Saved offer [0-9a-f]{12} by Alice: Bike repairs \[repairs; bikes, tools\]\./u).waitFor();
    await alice.getByRole('button', { name: 'Close…' }).waitFor();

    await bob.keyboard.press('Alt+4');
    await expect.poll(() => bob.evaluate('document.activeElement?.getAttribute("type")')).toBe('search');
    await bob.keyboard.type('gears');
    const board = bob.getByRole('list', { name: 'Offers and requests' });
    await board.getByRole('heading', { name: 'Offer: Bike repairs' }).waitFor({ timeout: 15_000 });
    expect(await board.getByRole('listitem').count()).toBe(1);
    expect(await board.getByRole('button', { name: 'Close…' }).count()).toBe(0);
    await shot(bob, 'timebank-8-offers-search');
    await bob.getByLabel('Search').fill('sofa');
    await bob.getByText('No open offers or requests match.').waitFor();
    await bob.getByLabel('Search').fill('');
    await bob.getByLabel('Category').first().selectOption('repairs');
    await board.getByRole('heading', { name: 'Offer: Bike repairs' }).waitFor();
  }, 120_000);

  it('shows hours by month as a chart with a table, and the Books screens keep their shortcuts', async () => {
    // Drawn at once, without the growing animation, so the screenshot shows the bars at full height.
    await alice.emulateMedia({ reducedMotion: 'reduce' });
    await alice.keyboard.press('Alt+6');
    const chart = alice.getByRole('img', { name: /Bar chart of hours exchanged in 1 month from 2024-06 to 2024-06; the busiest was 2024-06 with 2:00 hours/u });
    await chart.waitFor();
    const [paint] = await canvasPaint(alice, ['#24453a']);
    expect(paint!.colours['#24453a']).toBeGreaterThan(2_000);
    expect((await alice.getByRole('table', { name: 'Hours by month' }).innerText()).replace(/\s+/gu, ' ')).toContain('2024-06 2:00 1');
    await shot(alice, 'timebank-9-hours-by-month');
    await alice.keyboard.press('Alt+5');
    await alice.getByRole('table', { name: 'Counted', exact: true }).waitFor();
    await shot(alice, 'timebank-10-history-alice');

    await alice.keyboard.press('Alt+B');
    await alice.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await alice.keyboard.press('Alt+9');
    await alice.getByRole('heading', { name: 'Members and votes' }).waitFor();
    await alice.keyboard.press('Alt+T');
    await alice.getByRole('heading', { name: 'History', exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
