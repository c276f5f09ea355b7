import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { PASSPHRASE, REPO_ROOT, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from '../cli/run-tallystick.js';

/*
 * A co-op synced between real `tallystick` peers and a page in Debian's Chromium, over WebRTC signalled
 * through the office peer's circuit relay. Ana's office peer listens on WebSockets and relays; Bea's
 * peer is "behind NAT": it listens on nothing but a slot on Ana's relay (`/p2p-circuit`) and WebRTC
 * through it. The page (Cara's device, its key made in the page) joins with Bea's invite: it is refused
 * until the members vote its key in, then reaches Bea over WebRTC. With Ana's peer stopped, so that
 * WebRTC is the only path left, an entry written in the page shows in Bea's `tallystick balance` and one
 * Bea adds with the CLI shows in the page. A page whose key is not on the roster is refused and gets
 * no sync channel and no document.
 *
 * Everything runs in a network namespace of its own, with loopback and a veth pair whose both ends are
 * inside it: WebRTC gathers candidates on every interface, and here none leads out of the namespace.
 */

const NAMESPACE = `tallystick-webrtc-${process.pid}`;
const IN_NAMESPACE = ['ip', 'netns', 'exec', NAMESPACE];
const NAMESPACE_ADDRESS = '198.51.100.1';
// Served by playwright's routing (no server): Chromium fetches nothing over the network for the page itself.
const PAGE_ORIGIN = 'http://localhost:8790';
const PAGE_DIRECTORY = join(REPO_ROOT, 'dist', 'browser-peer');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

interface PageState {
  status: string;
  deviceKey: string;
  transactions: string[];
  syncing: string[];
  connections: { peerId: string; address: string; limited: boolean }[];
  channelsOpened: number;
}

let root: string;
let ana: string;
let bea: string;
let anaPeer: CliProcess;
let beaPeer: CliProcess;
let beaPeerId: string;
let invite: string;
let browser: Browser;
let memberContext: BrowserContext;
let memberPage: Page;

const inNamespace = (dataDir: string, args: readonly string[]) => new CliProcess(dataDir, args, PASSPHRASE, { prefix: IN_NAMESPACE });

async function runInNamespace(dataDir: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const run = inNamespace(dataDir, args);
  const code = await run.exited;
  return { code, output: run.output };
}

/** Chromium run inside the namespace; playwright talks to it over a pipe, which crosses namespaces. */
function chromiumInNamespace(folder: string): string {
  const wrapper = join(folder, 'chromium-in-namespace.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NAMESPACE} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/**
 * A context serving the built page. Chromium blocks a page's connections to local and loopback addresses
 * (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS) until the person allows "local network access" for
 * the site, as they would when it asks: the test grants that permission, and nothing else.
 */
async function pageContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.grantPermissions(['local-network-access'], { origin: PAGE_ORIGIN });
  await context.route(`${PAGE_ORIGIN}/**`, (route) => {
    const path = join(PAGE_DIRECTORY, new URL(route.request().url()).pathname);
    void route.fulfill({ body: readFileSync(path), contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
  });
  return context;
}

async function openPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => { console.error(`page error: ${error.message}`); });
  page.on('console', (message) => { console.error(`page console: ${message.text()}`); });
  await page.goto(`${PAGE_ORIGIN}/index.html`);
  await page.waitForFunction(() => (globalThis as { tallystickPage?: PageState }).tallystickPage?.deviceKey !== '');
  return page;
}

const pageState = (page: Page) => page.evaluate(() => structuredClone((globalThis as unknown as { tallystickPage: PageState }).tallystickPage));

async function waitForPage(page: Page, what: string, test: (state: PageState) => boolean, timeoutMs = 30_000): Promise<PageState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await pageState(page);
    if (test(state)) return state;
    if (Date.now() > deadline) throw new Error(`the page did not reach "${what}" within ${timeoutMs} ms; it shows: ${JSON.stringify(state, null, 2)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const flat = async (dataDir: string) => Object.fromEntries((await tallystickJson<{ account: string; amount: string; commodity: string }[]>(dataDir, ['balance', '--flat']))
  .map((row) => [row.account, `${row.amount} ${row.commodity}`]));

beforeAll(async () => {
  assertCliBuilt();
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', 'vite.browser-peer.config.ts', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'pipe' });
  execFileSync('ip', ['netns', 'add', NAMESPACE]);
  // WebRTC (libjuice in node-datachannel) offers no loopback candidates, so the namespace gets a veth
  // pair of its own, both ends inside it, with an address of a documentation range: packets to it are
  // delivered locally, and the namespace has no link out.
  execFileSync('ip', ['netns', 'exec', NAMESPACE, 'sh', '-e', '-c', [
    'ip link set lo up', 'ip link add tsveth0 type veth peer name tsveth1', `ip addr add ${NAMESPACE_ADDRESS}/24 dev tsveth0`,
    'ip link set tsveth0 up', 'ip link set tsveth1 up'].join('\n')]);
  root = makeTemporaryFolder('browser-sync');
  ana = join(root, 'ana');
  bea = join(root, 'bea');
  await tallystickOk(ana, ['init', '--coop', 'Riverside', '--member', 'Ana', '--rule', 'quorum:1']);
  await tallystickOk(ana, ['add', '--date', '2025-03-01', '--description', 'Flour', '-p', 'Expenses:Flour  40.00 USD', '-p', 'Assets:Cash']);
  anaPeer = inNamespace(ana, ['peer', '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws']);
  const anaAddress = await anaPeer.address();
  // Bea joins as the CLI tests do: refused first (that prints her key), voted in, then joined.
  const code = (await tallystickOk(ana, ['invite'])).trim();
  const refused = await runInNamespace(bea, ['join', code]);
  const beaKey = /This device's key: ([0-9a-f]{64})/u.exec(refused.output)?.[1];
  expect(beaKey, refused.output).toBeDefined();
  const proposal = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'add-member', 'Bea', '--device', beaKey!]))![1]!;
  await tallystickOk(ana, ['vote', proposal, 'yes']);
  await anaPeer.waitFor(/roster: 2 members, 2 devices admitted/u);
  const joined = await runInNamespace(bea, ['join', code]);
  expect(joined.code, joined.output).toBe(0);
  // Bea's peer has no address of its own: only a slot on Ana's relay, and WebRTC through it.
  beaPeer = inNamespace(bea, ['peer', '--listen', '/p2p-circuit', '--listen', '/webrtc', '--connect', anaAddress]);
  beaPeerId = /\(peer id (\S+)\)/u.exec(await beaPeer.waitFor(/\(peer id \S+\)/u))![1]!;
  const webrtcLine = await beaPeer.waitFor(/listening on \S+\/ws\/p2p\/\S+\/p2p-circuit\/webrtc\/p2p\//u, 0, 30_000);
  const webrtcAddress = /listening on (\S+)/u.exec(webrtcLine)![1]!;
  invite = (await tallystickOk(bea, ['invite', '--address', webrtcAddress])).trim();
  browser = await chromium.launch({
    executablePath: chromiumInNamespace(root),
    // Chromium leaves loopback out of WebRTC unless told, and hides host addresses behind mDNS names.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
  memberContext = await pageContext();
  memberPage = await openPage(memberContext);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killAllCliProcesses();
  execFileSync('ip', ['netns', 'delete', NAMESPACE]);
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('a page in Chromium syncs a co-op with a Node peer over WebRTC through the office peer\'s relay', () => {
  it('refuses the page until its key is voted in, then syncs over WebRTC', async () => {
    const pageKey = (await pageState(memberPage)).deviceKey;
    expect(pageKey).toMatch(/^[0-9a-f]{64}$/u);
    await memberPage.fill('#invite', invite);
    await memberPage.click('#join button');
    const refused = await waitForPage(memberPage, 'not admitted', (state) => state.status.startsWith('Not admitted yet'));
    expect(refused.status).toContain(`tallystick propose add-member YOUR-NAME --device ${pageKey}`);
    expect(refused.channelsOpened).toBe(0);
    await anaPeer.waitFor(new RegExp(`refused .*device ${pageKey.slice(0, 16)}… is not a device of any member of Riverside`, 'u'));

    const proposal = /^Proposed ([0-9a-f]+):/mu.exec(await tallystickOk(ana, ['propose', 'add-member', 'Cara', '--device', pageKey]))![1]!;
    await tallystickOk(ana, ['vote', proposal, 'yes']);
    const votedAt = Date.now();
    const synced = await waitForPage(memberPage, 'in sync with Flour', (state) => state.transactions.some((text) => text.includes('Flour')), 60_000);
    expect(synced.status).toMatch(/^In sync with Riverside: 1 transactions, 3 members\./u);
    const toBea = await waitForPage(memberPage, 'a WebRTC connection to Bea', (state) => state.syncing.includes(beaPeerId)
      && state.connections.some((connection) => connection.peerId === beaPeerId && connection.address.includes('/webrtc') && !connection.limited));
    expect(toBea.connections.find((connection) => connection.peerId === beaPeerId && !connection.limited)!.address).toMatch(/\/p2p-circuit\/webrtc\//u);
    console.info(`measured: vote to the books in the page and a WebRTC sync channel with Bea: ${Date.now() - votedAt} ms`);
  }, 120_000);

  it('refuses a page whose key is not on the roster: no sync channel, no document', async () => {
    const strangerContext = await pageContext();
    const stranger = await openPage(strangerContext);
    const strangerKey = (await pageState(stranger)).deviceKey;
    const mark = anaPeer.output.length;
    await stranger.fill('#invite', invite);
    await stranger.click('#join button');
    const refused = await waitForPage(stranger, 'not admitted', (state) => state.status.startsWith('Not admitted yet'));
    await anaPeer.waitFor(new RegExp(`refused .*device ${strangerKey.slice(0, 16)}… is not a device of any member of Riverside`, 'u'), mark);
    // A second round of dialling, refused again, and still nothing received.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const later = await pageState(stranger);
    for (const state of [refused, later]) {
      expect(state.channelsOpened).toBe(0);
      expect(state.syncing).toEqual([]);
      expect(state.transactions).toEqual([]);
    }
    expect(later.status).toMatch(/^Not admitted yet by Riverside's peers: their peer hung up right after the handshake, as it does with a device that is not on the co-op's roster\. Ask a member to run: tallystick propose add-member YOUR-NAME --device [0-9a-f]{64}/u);
    mkdirSync(ARTIFACTS, { recursive: true });
    await stranger.screenshot({ path: join(ARTIFACTS, 'browser-sync-refused.png'), fullPage: true });
    await strangerContext.close();
  }, 60_000);

  it('with the office peer stopped, syncs both ways over WebRTC alone', async () => {
    expect(await anaPeer.stop()).toBe(0);
    await waitForPage(memberPage, 'WebRTC to Bea still up', (state) => state.syncing.includes(beaPeerId)
      && !state.connections.some((connection) => !connection.address.includes('/webrtc')));
    const beforeSave = beaPeer.output.length;
    await memberPage.fill('#date', '2025-03-05');
    await memberPage.fill('#description', 'Eggs from the page');
    await memberPage.fill('#postings', 'Expenses:Eggs  3.50 USD\nAssets:Cash');
    const savedAt = Date.now();
    await memberPage.click('#add button');
    await memberPage.waitForSelector('#added:has-text("Saved transaction")');
    await beaPeer.waitFor(/saved: .*period 2025-03/u, beforeSave);
    console.info(`measured: page's Save to Bea's peer saving it (over WebRTC): ${Date.now() - savedAt} ms`);
    expect(await flat(bea)).toEqual({ 'Assets:Cash': '-43.50 USD', 'Expenses:Eggs': '3.50 USD', 'Expenses:Flour': '40.00 USD' });

    const addedAt = Date.now();
    await tallystickOk(bea, ['add', '--date', '2025-03-06', '--description', 'Milk from the CLI', '-p', 'Expenses:Milk  2.00 USD', '-p', 'Assets:Cash']);
    const state = await waitForPage(memberPage, 'Milk arrived', (current) => current.transactions.some((text) => text.includes('Milk from the CLI')))
      .catch((error: unknown) => { throw new Error(`${String(error)}\nBea's peer:\n${beaPeer.output}`); });
    console.info(`measured: \`tallystick add\` on Bea to the page showing it (CLI run, peer's 1 s poll, WebRTC): ${Date.now() - addedAt} ms`);
    expect(state.transactions).toEqual([
      '2025-03-01 Flour: Expenses:Flour 40.00 USD, Assets:Cash -40.00 USD',
      '2025-03-05 Eggs from the page: Expenses:Eggs 3.50 USD, Assets:Cash -3.50 USD',
      '2025-03-06 Milk from the CLI: Expenses:Milk 2.00 USD, Assets:Cash -2.00 USD',
    ]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await memberPage.screenshot({ path: join(ARTIFACTS, 'browser-sync-member.png'), fullPage: true });
    const check = await runTallystick(bea, ['balance', '--flat']);
    expect(check.stdout).toContain('Expenses:Eggs');
  }, 90_000);
});
