import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { type AxeViolation, expectNoSeriousViolations } from '../helpers/axe.js';
import { launchChromium, startUi, stopUis } from '../helpers/ui-server.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';

/*
 * Every screen of the app, with data in it, checked by axe-core (no serious or critical violation) and
 * photographed into test-artifacts/screens/NAME.png, in Debian's Chromium against the real service.
 */

const PASSPHRASE = 'ui-screens-passphrase';
const screens = join(REPO_ROOT, 'test-artifacts', 'screens');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-screens-'));
const folders = { coop: join(scratch, 'coop'), bobKey: join(scratch, 'bob-key'), empty: join(scratch, 'empty') };
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let address = '';
let emptyAddress = '';
const errors: string[] = [];
/** The minor and moderate violations axe reported, by screen, written to test-artifacts/screens/axe-minor.json for review. */
const minor: Record<string, AxeViolation[]> = {};

function cli(folder: string, ...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', folder, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
}

function adopt(...proposal: string[]): void {
  cli(folders.coop, 'propose', ...proposal);
  const proposals = JSON.parse(cli(folders.coop, 'proposals', '--json')) as { id: string }[];
  cli(folders.coop, 'vote', proposals[proposals.length - 1]!.id, 'yes');
}

beforeAll(async () => {
  mkdirSync(screens, { recursive: true });
  await buildAppOnce();
  cli(folders.coop, 'init', '--coop', 'Riverside Bakery Co-op', '--member', 'Alice', '--role', 'member=books,timebank,vote', '--rule', 'quorum:1');
  cli(folders.bobKey, 'init', '--coop', 'Bob\'s own', '--member', 'Bob');
  adopt('add-member', 'Bob', '--device', (JSON.parse(cli(folders.bobKey, 'whoami', '--json')) as { device: string }).device);
  cli(folders.coop, 'add', '--date', '2024-01-02', '--description', "Members' capital", '--posting', 'Assets:Bank:Checking  5000.00 USD', '--posting', 'Equity:Member capital');
  cli(folders.coop, 'add', '--date', '2024-01-05', '--description', 'Flour and yeast', '--posting', 'Expenses:Ingredients  312.40 USD', '--posting', 'Assets:Bank:Checking');
  cli(folders.coop, 'add', '--date', '2024-01-09', '--description', 'Bread sales', '--posting', 'Assets:Bank:Checking  1280.00 USD', '--posting', 'Income:Sales');
  cli(folders.coop, 'hours', 'log', '--to', 'Bob', '--hours', '2', '--date', '2024-06-01', '--description', 'fixed the bike', '--category', 'repairs');
  cli(folders.coop, 'offers', 'add', '--title', 'Bike repairs', '--description', 'Brakes, gears, flat tyres', '--category', 'repairs', '--date', '2024-06-02');
  cli(folders.coop, 'propose', 'lock', '2024-01-31');
  [address, emptyAddress] = await Promise.all([startUi(folders.coop, env, servers), startUi(folders.empty, env, servers)]);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  writeFileSync(join(screens, 'axe-minor.json'), `${JSON.stringify(minor, null, 2)}\n`);
  await browser?.close();
  await stopUis(servers); // each ui's peer saves what it has and removes its status file before the folder goes
  rmSync(scratch, { recursive: true, force: true });
});

async function openPage(url: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(url);
  return page;
}

/** Waits until the screen titled `heading` has loaded (nothing busy), checks it with axe and photographs it. */
async function checkScreen(page: Page, heading: string, name: string): Promise<void> {
  await page.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor();
  await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
  minor[name] = await expectNoSeriousViolations(page, heading);
  await page.screenshot({ path: join(screens, `${name}.png`), fullPage: true });
}

describe('every screen passes axe and is photographed', () => {
  it('onboarding', async () => {
    const page = await openPage(emptyAddress);
    await page.getByRole('heading', { level: 1, name: 'Welcome to Tallystick' }).waitFor();
    minor.onboarding = await expectNoSeriousViolations(page, 'Onboarding');
    await page.screenshot({ path: join(screens, 'onboarding.png'), fullPage: true });
    // The same form showing its problems.
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor();
    minor['onboarding-problems'] = await expectNoSeriousViolations(page, 'Onboarding with problems');
    await page.screenshot({ path: join(screens, 'onboarding-problems.png'), fullPage: true });
    await page.close();
  });

  it('the Books screens', async () => {
    const page = await openPage(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    const books: readonly [string, string, string][] = [
      ['Alt+1', 'Accounts', 'books-accounts'], ['Alt+3', 'Add transaction', 'books-add-transaction'],
      ['Alt+4', 'Balance sheet', 'books-balance-sheet'], ['Alt+5', 'Income statement', 'books-income-statement'],
      ['Alt+6', 'Trial balance', 'books-trial-balance'], ['Alt+7', 'Lock period', 'books-lock-period'],
      ['Alt+8', 'Not counted', 'books-not-counted'], ['Alt+9', 'Members and votes', 'books-members-votes'], ['Alt+0', 'Import', 'books-import'],
    ];
    for (const [keys, heading, name] of books) {
      await page.keyboard.press(keys);
      await checkScreen(page, heading, name);
    }

    // Charts has no Alt shortcut (the eleventh screen): its button in the Books bar, by keyboard.
    await page.getByRole('button', { name: 'Charts', exact: true }).focus();
    await page.keyboard.press('Enter');
    await checkScreen(page, 'Charts', 'books-charts');

    await page.keyboard.press('Alt+2');
    await checkScreen(page, 'Register', 'books-register-empty');
    await page.keyboard.type('bank check');
    await page.getByRole('option', { name: 'Assets:Bank:Checking' }).waitFor();
    // A half-typed name is not asked for (each ask reads the whole book): the screen says so instead.
    await page.getByText('No account is named bank check: keep typing, or choose one from the suggestions.').waitFor();
    minor['books-register-suggestions'] = await expectNoSeriousViolations(page, 'Register, account suggestions open');
    await page.screenshot({ path: join(screens, 'books-register-suggestions.png') });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Register of Assets:Bank:Checking' }).waitFor();
    await checkScreen(page, 'Register', 'books-register');

    // One row is in the Tab order: Tab enters the register, ↓ moves within it and takes the Tab stop along.
    expect(await page.locator('.register-scroll [role="row"][tabindex="0"]').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.getAttribute("aria-rowindex")')).toBe('2');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate('document.activeElement.getAttribute("aria-rowindex")')).toBe('3');
    expect(await page.locator('.register-scroll [role="row"][tabindex="0"]').getAttribute('aria-rowindex')).toBe('3');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.evaluate('document.activeElement.getAttribute("aria-rowindex")')).toBe('2');
    await page.screenshot({ path: join(screens, 'books-register-row-focused.png') });
    await page.keyboard.press('Enter');
    await checkScreen(page, 'Transaction', 'books-transaction');

    await page.keyboard.press('Alt+3');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Unbalanced');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Expenses:Ingredients');
    await page.keyboard.press('Tab');
    await page.keyboard.type('5.00 USD');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Assets:Bank:Checking');
    await page.keyboard.press('Tab');
    await page.keyboard.type('4.00 USD');
    await page.getByText(/does not balance|unbalanced|sum/iu).first().waitFor();
    await checkScreen(page, 'Add transaction', 'books-add-transaction-unbalanced');

    await page.keyboard.press('Alt+0');
    const statement = join(scratch, 'savings-march.csv');
    writeFileSync(statement, 'Date;Text;Amount\n05/03/2024;Interest March;1,25\n20/03/2024;Transfer in;200,00\n');
    await page.getByLabel('File to import').setInputFiles(statement);
    await page.getByRole('table', { name: 'The first rows of the CSV file' }).waitFor();
    await page.getByRole('combobox', { name: 'Date format' }).selectOption('%d/%m/%Y');
    await page.getByLabel('Amounts use a decimal comma').check();
    await page.getByText('savings-march.csv (csv): 2 new transactions and 0 declarations.').waitFor();
    await checkScreen(page, 'Import', 'books-import-csv-mapping');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the Time bank screens, and the Federation screens with no federation', async () => {
    const page = await openPage(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await page.keyboard.press('Alt+T');
    const timebank: readonly [string, string, string][] = [
      ['Alt+1', 'Balances', 'timebank-balances'], ['Alt+2', 'Pending', 'timebank-pending'], ['Alt+3', 'Log hours', 'timebank-log-hours'],
      ['Alt+4', 'Offers & requests', 'timebank-offers-requests'], ['Alt+5', 'History', 'timebank-history'], ['Alt+6', 'Hours by month', 'timebank-hours-by-month'],
    ];
    for (const [keys, heading, name] of timebank) {
      await page.keyboard.press(keys);
      await checkScreen(page, heading, name);
    }
    // The Federation area of a co-op in no federation yet has only its Set up screen (found one, the card, join with a code);
    // its own test checks every screen with three co-ops' books.
    await page.keyboard.press('Alt+F');
    await checkScreen(page, 'Set up', 'federation-none-setup');
    await page.keyboard.press('Alt+2');
    await checkScreen(page, 'Set up', 'federation-none-setup');
    // The Sync area: this device's peer (the ui runs it), peers, documents and the forms to connect, invite and let in.
    await page.keyboard.press('Alt+S');
    await page.getByRole('heading', { level: 3, name: 'This device' }).waitFor();
    await checkScreen(page, 'Sync', 'sync');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
