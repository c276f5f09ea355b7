import { readFile } from 'node:fs/promises';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { launchChromium, startUi as startUiServer, stopUis } from '../helpers/ui-server.js';
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
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let address = '';

function cli(...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', dataDir, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
}

async function startUi(folder = dataDir, environment: NodeJS.ProcessEnv = env): Promise<string> {
  return startUiServer(folder, environment, servers);
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // The real build, as `npm start` does it (the packages are compiled by `npm test`'s typecheck).
  await buildAppOnce();
  cli('init', '--coop', 'Riverside Bakery Co-op', '--member', 'Ana');
  cli('add', '--date', '2024-01-02', '--description', "Members' capital", '--posting', 'Assets:Bank:Checking  5000.00 USD', '--posting', 'Equity:Member capital');
  cli('accounts', 'open', 'Expenses:Ingredients', '--date', '2024-01-01');
  address = await startUi();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers);
  rmSync(scratch, { recursive: true, force: true });
});

function makeTemporaryFolderForUi(): string {
  return mkdtempSync(join(tmpdir(), 'tallystick-ui-import-'));
}

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
    // A chosen period that ends before the flour was bought: nothing spent, and the words say which period.
    await page.getByRole('combobox', { name: 'Period' }).selectOption('custom');
    await page.getByLabel('From').fill('2024-01-01');
    await page.getByLabel('Through').fill('2024-01-04');
    await page.getByText('Income statement, 2024-01-01 to 2024-01-04').waitFor();
    expect((await page.getByRole('table', { name: 'Expenses' }).innerText()).replace(/\s+/gu, ' ')).toContain('Total expenses 0');
    await page.getByLabel('Through').fill('2024-01-31');
    await page.getByText('Income statement, 2024-01-01 to 2024-01-31').waitFor();
    expect((await page.getByRole('table', { name: 'Expenses' }).innerText()).replace(/\s+/gu, ' ')).toContain('Ingredients 312.40 USD');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('income-statement-from-2024-01-01-through-2024-01-31.csv');
    expect(await readFile(await download.path(), 'utf8')).toBe('section,account,commodity,amount\nExpenses,Expenses,USD,312.40\nExpenses,Expenses:Ingredients,USD,312.40\n');
    await shot(page, '6b-income-statement-january');

    await page.keyboard.press('Alt+6');
    const trial = page.getByRole('table', { name: 'Trial balance' });
    await trial.waitFor();
    expect((await trial.innerText()).replace(/\s+/gu, ' ')).toContain('Total 5000.00 USD 5000.00 USD');
    await shot(page, '6c-trial-balance');

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

  it('opens a transaction from the register, reverses it, locks a period and refuses a later add inside it, in words', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await page.keyboard.press('Alt+2');
    const account = page.getByRole('combobox', { name: 'Account for the register' });
    await account.fill('Assets:Bank:Checking');
    const register = page.getByRole('table', { name: 'Register of Assets:Bank:Checking' });
    await register.waitFor();
    // Keyboard: from the account field Tab to the first row, ↓ to the second, Enter opens it.
    await account.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate('document.activeElement?.getAttribute("aria-rowindex")')).toBe('3');
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { name: '2024-01-05 Flour' });
    await heading.waitFor();
    const detail = (await page.locator('.transaction-detail').innerText()).replace(/\s+/gu, ' ');
    expect(detail).toContain('Status Counts in every total');
    expect(detail).toMatch(/Entry id [0-9a-f]{64}/u);
    expect(detail).toMatch(/Written by Ana, \d{4}-\d{2}-\d{2}T/u);
    expect(detail).toMatch(/Device \S{20,}/u);
    const postings = (await page.getByRole('table', { name: 'Postings' }).innerText()).replace(/\s+/gu, ' ');
    expect(postings).toContain('Expenses:Ingredients 312.40 USD Assets:Bank:Checking -312.40 USD');
    const reversalDate = page.getByLabel('Date of the reversal');
    expect(await reversalDate.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/u);
    await shot(page, '9-transaction-detail');

    await reversalDate.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2024-01-06');
    await page.keyboard.press('Enter');
    await page.getByText(/^Reverse [0-9a-f]{12} \(2024-01-05 Flour\) with an entry dated 2024-01-06\?/u).waitFor();
    await shot(page, '10-reverse-confirm');
    await page.keyboard.press('Enter');
    await page.getByText(/Saved reversal [0-9a-f]{12} on 2024-01-06 of [0-9a-f]{12} \(2024-01-05 Flour\)/u).waitFor();
    await page.getByText(/Reversed by [0-9a-f]{12}: the pair nets to zero/u).waitFor();
    await shot(page, '11-reversed');

    await page.keyboard.press('Escape');
    await register.waitFor();
    await expect.poll(async () => (await register.innerText()).replace(/\s+/gu, ' ')).toMatch(/Flour Assets:Bank:Checking -312\.40 USD 4687\.60 USD 2024-01-06 .* Assets:Bank:Checking 312\.40 USD 5000\.00 USD/u);
    await shot(page, '12-register-after-reversal');
    await page.keyboard.press('Alt+1');
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    expect(await rowText(page, 'Assets:Bank:Checking')).toContain('5000.00 USD');

    await page.keyboard.press('Alt+7');
    const through = page.getByLabel('Lock through');
    await expect.poll(() => page.evaluate('document.activeElement?.getAttribute("aria-describedby")')).toBe('lock-explained');
    expect(await page.locator('#lock-explained').innerText()).toContain('entries dated on or before it are refused');
    await page.keyboard.type('2024-01-31');
    await page.keyboard.press('Enter');
    await page.getByText('Lock the books through 2024-01-31? Entries dated on or before it will be refused.', { exact: false }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByText('Locked the books through 2024-01-31: entries dated on or before it are refused from now on.').waitFor();
    await page.getByText(/locked through 2024-01-31/u).first().waitFor();
    expect(await through.inputValue()).toBe('');
    await shot(page, '13-locked');

    await page.keyboard.press('Alt+3');
    await page.getByLabel('Date').fill('2024-01-20');
    await page.getByLabel('Description').fill('Late flour');
    await page.getByLabel('Posting 1 account').fill('Expenses:Ingredients');
    await page.getByLabel('Posting 1 amount').fill('5.00 USD');
    await page.getByLabel('Posting 2 account').fill('Assets:Bank:Checking');
    await page.getByText(/^Balanced:/u).waitFor();
    await page.getByLabel('Posting 2 account').press('Enter');
    const refused = page.getByRole('alert');
    await refused.waitFor();
    const words = await refused.innerText();
    expect(words).toMatch(/^The books are locked through 2024-01-31; nothing was written\./u);
    expect(words).toContain('"Late flour" dated 2024-01-20');
    expect(words).not.toMatch(/\bat \S+:\d+|Error:|--/u);
    await shot(page, '14-refused-in-lock');
    expect(cli('register', 'Ingredients', '--json')).not.toContain('Late flour');

    await page.keyboard.press('Alt+8');
    await page.getByText('Every entry in the documents is signed by a member device, intact, and counts.').waitFor();
    expect(await page.locator('.badge').count()).toBe(0);
    await shot(page, '15-not-counted');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('proposes a lock on Members and votes, votes it in, sees the header locked, and refuses a second vote in words', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await page.keyboard.press('Alt+9');
    await page.getByRole('heading', { name: 'Members and votes', level: 2 }).waitFor();
    const roster = page.getByRole('table', { name: 'Members' });
    expect((await roster.innerText()).replace(/\s+/gu, ' ')).toMatch(/Ana member \(may [^)]*vote[^)]*\) [0-9a-f]{16}… \(this device\)/u);
    expect(await page.getByText('Decisions are made by a majority of the members who may vote.').isVisible()).toBe(true);
    await page.getByText('No proposals yet.').waitFor();

    // Keyboard only: Tab to the proposal kind (lock is the default), on to the date, Enter proposes.
    await page.getByRole('combobox', { name: 'Proposal' }).focus();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate('document.activeElement?.getAttribute("placeholder")')).toBe('YYYY-MM-DD');
    await page.keyboard.type('2024-02-29');
    await page.keyboard.press('Enter');
    await page.getByText(/^Proposed [0-9a-f]{12}: lock the books through 2024-02-29; votes until \d{4}-\d{2}-\d{2}T/u).waitFor();
    const proposal = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'lock the books through 2024-02-29' }) });
    await expect.poll(async () => (await proposal.innerText()).replace(/\s+/gu, ' ')).toMatch(/Pending Proposed by Ana at .* 0 of 1 yes vote needed \(0 no; 1 may vote\)/u);
    expect(await proposal.getByRole('progressbar').getAttribute('aria-label')).toBe('Tally: 0 of 1 yes vote needed (0 no; 1 may vote)');
    expect(await page.locator('.facts').innerText()).toContain('locked through 2024-01-31');
    await shot(page, '30-members-proposed');

    // A second window still showing the pending proposal, to vote again after it is decided. Its questions about
    // changes go unanswered, so live refresh does not bring it up to date first (as a window can lag by a second).
    const stale = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    await stale.route('**/api/changes', (route) => route.abort());
    await stale.goto(address);
    await stale.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await stale.keyboard.press('Alt+9');
    await stale.getByRole('button', { name: 'Vote yes' }).waitFor();

    await proposal.getByRole('button', { name: 'Vote yes' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText(/^Voted yes on [0-9a-f]{12} \(lock the books through 2024-02-29\) as Ana\. Tally: 1 yes, 0 no of 1; the proposal is adopted\.$/u).waitFor();
    await expect.poll(async () => (await proposal.innerText()).replace(/\s+/gu, ' ')).toMatch(/Adopted .* 1 of 1 yes vote needed .* Ana voted yes at \d{4}-/u);
    expect(await proposal.getByRole('button', { name: 'Vote yes' }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Lock the books through' }).inputValue()).toBe('');
    await expect.poll(() => page.locator('.facts').innerText()).toContain('locked through 2024-02-29');
    await shot(page, '31-members-adopted');

    await stale.getByRole('button', { name: 'Vote no' }).focus();
    await stale.keyboard.press('Enter');
    const refused = stale.getByRole('alert');
    await refused.waitFor();
    const words = await refused.innerText();
    expect(words).toMatch(/^Cannot vote on [0-9a-f]{12}: it is adopted already; nothing was written$/u);
    await stale.getByText('Adopted', { exact: true }).waitFor();
    await shot(stale, '32-second-vote-refused');
    await stale.close();
    const listed = cli('proposals');
    expect(listed).toMatch(/ADOPTED {2}lock the books through 2024-02-29/u);
    expect(listed).toMatch(/yes 1, no 0/u);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports a bank CSV through the wizard: columns guessed from the header, previewed, imported once; a broken journal says its line', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
    await page.keyboard.press('Alt+0');
    const files = makeTemporaryFolderForUi();
    const statement = join(files, 'savings-march.csv');
    writeFileSync(statement, 'Date;Text;Amount\n05/03/2024;Interest March;1,25\n20/03/2024;Transfer in;200,00\n');
    await page.getByLabel('File to import').setInputFiles(statement);
    await page.getByRole('table', { name: 'The first rows of the CSV file' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Date', exact: true }).inputValue()).toBe('0');
    expect(await page.getByRole('combobox', { name: 'Amount' }).inputValue()).toBe('2');
    // Until the date format and the decimal comma are right, the preview says what is wrong, in words and with the line.
    await expect.poll(async () => page.getByRole('alert').first().innerText()).toMatch(/savings-march\.csv:2:\d+: .*date/iu);
    await page.getByRole('combobox', { name: 'Date format' }).selectOption('%d/%m/%Y');
    await page.getByLabel('Amounts use a decimal comma').check();
    await page.getByRole('textbox', { name: 'Currency' }).fill('USD');
    await page.getByRole('textbox', { name: "This statement's account" }).fill('Assets:Bank:Savings');
    await page.getByRole('textbox', { name: 'The other side, until sorted' }).fill('Income:Unsorted');
    await page.getByText('savings-march.csv (csv): 2 new transactions and 0 declarations.').waitFor();
    // Each change of the mapping previews again: wait for the one with every field filled in.
    await expect.poll(async () => (await page.getByRole('table', { name: 'First transactions of the file' }).innerText()).replace(/\s+/gu, ' ')).toContain('2024-03-05 Interest March Assets:Bank:Savings 1.25 USD Income:Unsorted');
    await shot(page, '40-import-csv-preview');
    await page.getByRole('button', { name: 'Import…' }).click();
    await page.getByRole('button', { name: 'Confirm import' }).click();
    await page.getByText('Imported 2 transactions and 0 declarations from savings-march.csv.').waitFor();
    expect(cli('balance', '--flat', '--json')).toContain('"account":"Assets:Bank:Savings","commodity":"USD","amount":"201.25"');
    // The same file again adds nothing, and says so before anything is written.
    await page.getByLabel('File to import').setInputFiles(statement);
    await page.getByRole('combobox', { name: 'Date format' }).selectOption('%d/%m/%Y');
    await page.getByLabel('Amounts use a decimal comma').check();
    await page.getByRole('textbox', { name: 'Currency' }).fill('USD');
    await page.getByRole('textbox', { name: "This statement's account" }).fill('Assets:Bank:Savings');
    await page.getByRole('textbox', { name: 'The other side, until sorted' }).fill('Income:Unsorted');
    await page.getByText('savings-march.csv (csv): 0 new transactions and 0 declarations; 2 already in the books, skipped.').waitFor();
    expect(await page.getByRole('button', { name: 'Import…' }).isDisabled()).toBe(true);

    const broken = join(files, 'broken.journal');
    writeFileSync(broken, '2024-03-10 Paper\n    Expenses:Office  12.00 USD\n    Assets:Bank:Checking  -11.00 USD\n');
    await page.getByLabel('File to import').setInputFiles(broken);
    await expect.poll(async () => page.getByRole('alert').first().innerText()).toMatch(/^broken\.journal:1:1: .*(balance|sum)/iu);
    await shot(page, '41-import-broken-journal');
    expect(errors).toEqual([]);
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

describe('onboarding in a browser', () => {
  it('founds a co-op on an empty data folder, then posts a transaction with the passphrase typed in the form', async () => {
    const emptyDir = join(scratch, 'empty');
    mkdirSync(emptyDir);
    const withoutPassphrase: NodeJS.ProcessEnv = { ...env };
    delete withoutPassphrase.TALLYSTICK_PASSPHRASE;
    const fresh = await startUi(emptyDir, withoutPassphrase);
    const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(fresh);
    await page.getByRole('heading', { name: 'Found a co-op' }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement?.closest("label")?.textContent')).toBe('Co-op name ');
    expect(await page.locator('#passphrase-explained').innerText()).toMatch(/protects the key that signs your entries.*cannot be recovered/su);
    expect(await page.getByRole('heading', { name: 'Join with an invite code' }).isVisible()).toBe(true);
    await shot(page, '20-onboarding');

    // Mistakes first, by keyboard: every one said in words, nothing created.
    await page.keyboard.press('Tab');
    await page.keyboard.type('Ana');
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/Nothing was created\.\s+Enter the co-op's name\.\s+The passphrase must be at least 8 characters\./u);
    await shot(page, '21-onboarding-problems');
    expect(existsSync(join(emptyDir, 'tallystick.json'))).toBe(false);

    await page.getByLabel('Co-op name').fill('Hillside Tool Library');
    await page.getByLabel('Passphrase', { exact: true }).fill('onboarding-passphrase');
    await page.getByLabel('Passphrase again').fill('onboarding-passphrasf');
    await page.getByLabel('Passphrase again').press('Enter');
    await page.getByText('The two passphrases differ: type the same one twice.').waitFor();
    expect(existsSync(join(emptyDir, 'tallystick.json'))).toBe(false);
    await page.getByLabel('Passphrase again').fill('onboarding-passphrase');
    await page.getByLabel('Passphrase again').press('Enter');

    await page.getByRole('heading', { name: 'Hillside Tool Library', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Accounts', level: 2 }).waitFor();
    const backup = page.getByRole('note').filter({ hasText: 'Back up your data folder' });
    await backup.waitFor();
    expect(await backup.innerText()).toContain(emptyDir);
    expect(await backup.innerText()).toContain('Founded co-op "Hillside Tool Library"');
    await shot(page, '22-founded-accounts');

    await page.keyboard.press('Alt+3');
    await page.getByLabel('Date').fill('2024-03-01');
    await page.getByLabel('Description').fill('Membership dues');
    await page.getByLabel('Posting 1 account').fill('Assets:Cash');
    await page.getByLabel('Posting 1 amount').fill('25.00 EUR');
    await page.getByLabel('Posting 2 account').fill('Income:Dues');
    await page.getByText(/^Balanced:/u).waitFor();
    await page.getByLabel('Passphrase').fill('onboarding-passphrase');
    await page.getByLabel('Passphrase').press('Enter');
    await page.getByText(/Saved transaction [0-9a-f]{12} on 2024-03-01: Membership dues/u).waitFor();
    await shot(page, '23-founded-first-transaction');
    expect(errors).toEqual([]);
    await page.close();

    // The command line, without a passphrase (reading needs none), sees the co-op and the transaction.
    const balances = execFileSync(NODE, [CLI, '--data', emptyDir, 'balance', '--flat', '--json'], { cwd: REPO_ROOT, env: withoutPassphrase, encoding: 'utf8' });
    expect(balances).toContain('"account":"Assets:Cash","commodity":"EUR","amount":"25.00"');
    expect(balances).toContain('"account":"Income:Dues","commodity":"EUR","amount":"-25.00"');
    const whoami = execFileSync(NODE, [CLI, '--data', emptyDir, 'whoami'], { cwd: REPO_ROOT, env: withoutPassphrase, encoding: 'utf8' });
    expect(whoami).toMatch(/Ana[\s\S]*Hillside Tool Library|Hillside Tool Library[\s\S]*Ana/u);
  });
});
