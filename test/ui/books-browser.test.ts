import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';

/*
 * The Books screens in Debian's Chromium against the real service: `tallystick ui` on loopback over a
 * data folder made with the CLI. Keyboard only. Screenshots go to test-artifacts/ui/.
 */

const PASSPHRASE = 'ui-test-passphrase';
const artifacts = join(REPO_ROOT, 'test-artifacts', 'ui');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-'));
const dataDir = join(scratch, 'books');
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let address = '';

function cli(...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', dataDir, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
}

async function startUi(): Promise<string> {
  const child = spawn(NODE, [CLI, '--data', dataDir, 'ui'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tallystick ui printed no address in 20 s:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /open at (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/u.exec(output);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tallystick ui exited ${code}:\n${output}`)); });
  });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // The real build, as `npm start` does it (the packages are compiled by `npm test`'s typecheck).
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: REPO_ROOT, env: { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}` }, stdio: 'pipe' });
  cli('init', '--coop', 'Riverside Bakery Co-op', '--member', 'Ana');
  cli('add', '--date', '2024-01-02', '--description', "Members' capital", '--posting', 'Assets:Bank:Checking  5000.00 USD', '--posting', 'Equity:Member capital');
  cli('accounts', 'open', 'Expenses:Ingredients', '--date', '2024-01-01');
  address = await startUi();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function rowText(page: Page, account: string): Promise<string> {
  return (await page.locator(`tr[data-account="${account}"]`).innerText()).replace(/\s+/gu, ' ').trim();
}

describe('the Books screens in a browser', () => {
  it('adds a transaction by keyboard only and shows it in the account tree and the balance sheet', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    await page.goto(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    // Evaluated in the page (this file is typed for Node, without the DOM library).
    const paint = await page.evaluate(`(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const contentful = performance.getEntriesByName('first-contentful-paint')[0];
      return { firstContentfulPaintMs: contentful ? contentful.startTime : -1, accountsShownMs: performance.now(), domContentLoadedMs: navigation ? navigation.domContentLoadedEventEnd : -1 };
    })()`) as { firstContentfulPaintMs: number; accountsShownMs: number; domContentLoadedMs: number };
    writeFileSync(join(artifacts, 'first-paint.json'), `${JSON.stringify(paint, null, 2)}\n`);
    expect(paint.firstContentfulPaintMs).toBeGreaterThan(0);
    expect(page.url()).not.toContain('token=');
    expect(await rowText(page, 'Assets:Bank:Checking')).toContain('5000.00 USD');
    await shot(page, '1-accounts');

    await page.keyboard.press('Alt+3');
    await expect.poll(() => page.evaluate(`document.activeElement === document.querySelector('input[placeholder="YYYY-MM-DD"]')`)).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2024-01-05');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Flour');
    await page.keyboard.press('Tab');
    await page.keyboard.type('ingred');
    await page.getByRole('option', { name: 'Expenses:Ingredients' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type('312.40 USD');
    await page.keyboard.press('Tab');
    await page.keyboard.type('bank check');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.getByLabel('Posting 1 account').inputValue()).toBe('Expenses:Ingredients');
    await expect.poll(() => page.getByLabel('Posting 2 account').inputValue()).toBe('Assets:Bank:Checking');
    await page.getByText('Balanced: Expenses:Ingredients 312.40 USD; Assets:Bank:Checking -312.40 USD').waitFor();
    await shot(page, '2-add-transaction-balanced');
    await page.keyboard.press('Enter');
    await page.getByText(/Saved transaction [0-9a-f]{12} on 2024-01-05: Flour/u).waitFor();
    await shot(page, '3-saved');

    await page.keyboard.press('Alt+1');
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    expect(await rowText(page, 'Expenses:Ingredients')).toContain('312.40 USD');
    expect(await rowText(page, 'Assets:Bank:Checking')).toContain('4687.60 USD');
    await shot(page, '4-accounts-after');

    await page.keyboard.press('Alt+4');
    const assets = page.getByRole('table', { name: 'Assets' });
    await assets.waitFor();
    expect((await assets.innerText()).replace(/\s+/gu, ' ')).toContain('Checking 4687.60 USD');
    expect((await page.getByRole('table', { name: 'Equity' }).innerText()).replace(/\s+/gu, ' ')).toContain('Current earnings -312.40 USD');
    await shot(page, '5-balance-sheet');

    await page.keyboard.press('Alt+5');
    await page.getByRole('table', { name: 'Expenses' }).waitFor();
    await shot(page, '6-income-statement');

    await page.keyboard.press('Alt+2');
    await page.getByRole('combobox', { name: 'Account for the register' }).fill('Assets:Bank:Checking');
    await page.getByRole('table', { name: 'Register of Assets:Bank:Checking' }).waitFor();
    expect((await page.getByRole('table', { name: 'Register of Assets:Bank:Checking' }).innerText()).replace(/\s+/gu, ' ')).toContain('Flour Assets:Bank:Checking -312.40 USD 4687.60 USD');
    await shot(page, '7-register');
    expect(errors).toEqual([]);
    // The same books, read by the command line.
    expect(cli('balance', '--flat', '--json')).toContain('"account":"Expenses:Ingredients","commodity":"USD","amount":"312.40"');
    await page.close();
  });

  it('shows a service error in words, and posts nothing', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await page.keyboard.press('Alt+3');
    await page.getByLabel('Date').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type('Too much');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Expenses:Ingredients');
    await page.keyboard.press('Tab');
    await page.keyboard.type('10 USD');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Assets:Bank:Checking');
    await page.keyboard.press('Tab');
    await page.keyboard.type('-9 USD');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const message = await alert.innerText();
    expect(message).toMatch(/sum to zero/u);
    expect(message).not.toMatch(/\bat \S+:\d+|Error:|--posting/u);
    await shot(page, '8-error');
    expect(cli('register', 'Ingredients', '--json')).not.toContain('Too much');
    await page.close();
  });

  it('refuses the API without the launch token', async () => {
    const origin = new URL(address).origin;
    const response = await fetch(`${origin}/api/overview`, { method: 'POST', headers: { 'x-tallystick-token': '0'.repeat(64) } });
    expect(response.status).toBe(401);
    const page = await fetch(`${origin}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
