import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { expectNoSeriousViolations } from '../helpers/axe.js';
import { launchChromium, startUi, stopUis } from '../helpers/ui-server.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';

/*
 * A bookkeeper's first day, by keyboard only, in Debian's Chromium against the real service on a fresh
 * data folder: found the co-op, open the accounts, type three transactions, read the balance sheet,
 * import a bank CSV through the column mapping, reverse an entry. No click and no `fill`: every key goes
 * to whatever has the focus, and the test checks where the focus is before it types. The service runs
 * without TALLYSTICK_PASSPHRASE, so the passphrase is typed into the forms, as a member would.
 */

const PASSPHRASE = 'keyboard-only-passphrase';
const artifacts = join(REPO_ROOT, 'test-artifacts', 'screens');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-keyboard-'));
const dataDir = join(scratch, 'books');
const env = { ...process.env, TALLYSTICK_PASSPHRASE: '', TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let address = '';

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await buildAppOnce();
  address = await startUi(dataDir, env, servers);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers); // each ui's peer saves what it has and removes its status file before the folder goes
  rmSync(scratch, { recursive: true, force: true });
});

/** What a screen reader would call the focused element: its aria-label, its label's text, or its own text. */
async function focusedName(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return '(nothing)';
    const label = element.getAttribute('aria-label') || (element.labels && element.labels[0] ? element.labels[0].textContent : '') || element.textContent || '';
    return label.replace(/\\s+/g, ' ').trim();
  })()`);
}

/** Presses Tab until the focus is on the element named `name` (its name starts with it); fails after `limit` presses. */
async function tabTo(page: Page, name: string, limit = 25): Promise<void> {
  const seen: string[] = [];
  for (let pressed = 0; pressed <= limit; pressed += 1) {
    const current = await focusedName(page);
    if (current.startsWith(name)) return;
    seen.push(current);
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached "${name}" in ${limit} presses; the focus went through: ${seen.join(' → ')}`);
}

async function expectFocus(page: Page, name: string): Promise<void> {
  await expect.poll(() => focusedName(page)).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}`, 'u'));
}

/** Replaces the focused field's text, as a person does: select all, type. */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

/** An account field with type-ahead: type a few letters, take the first suggestion with ↓ and Tab. */
async function pickAccount(page: Page, typed: string, expected: string): Promise<void> {
  await page.keyboard.type(typed);
  await page.getByRole('option', { name: expected, exact: true }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
}

async function typeTransaction(page: Page, transaction: { date: string; description: string; first: [string, string, string]; second: [string, string] }, withPassphrase: boolean): Promise<void> {
  await expectFocus(page, 'Date');
  await retype(page, transaction.date);
  await page.keyboard.press('Tab');
  await expectFocus(page, 'Description');
  await page.keyboard.type(transaction.description);
  await page.keyboard.press('Tab');
  await expectFocus(page, 'Posting 1 account');
  await pickAccount(page, transaction.first[0], transaction.first[1]);
  await expectFocus(page, 'Posting 1 amount');
  await page.keyboard.type(transaction.first[2]);
  await page.keyboard.press('Tab');
  await expectFocus(page, 'Posting 2 account');
  await pickAccount(page, transaction.second[0], transaction.second[1]);
  await expectFocus(page, 'Posting 2 amount');
  await page.getByText(/^Balanced: /u).waitFor();
  if (withPassphrase) {
    await tabTo(page, 'Passphrase');
    await page.keyboard.type(PASSPHRASE);
  }
  await page.keyboard.press('Enter');
  await page.locator('.notice').getByText(new RegExp(`^Saved transaction [0-9a-f]{12} on ${transaction.date}: ${transaction.description}`, 'u')).waitFor();
}

async function balanceSheetText(page: Page): Promise<string> {
  await page.keyboard.press('Alt+4');
  const statement = page.getByRole('region', { name: 'Balance sheet' });
  await statement.waitFor();
  return (await statement.innerText()).replace(/\s+/gu, ' ');
}

describe('a bookkeeper, keyboard only', () => {
  it('founds the co-op, opens accounts, enters three transactions, imports a CSV with a mapping and reverses an entry', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    await page.goto(address);

    // Onboarding: the co-op's name has the focus; Tab through the form, Enter creates.
    await page.getByRole('heading', { name: 'Welcome to Tallystick' }).waitFor();
    await expectFocus(page, 'Co-op name');
    await page.keyboard.type('Orchard Print Co-op');
    await page.keyboard.press('Tab');
    await expectFocus(page, 'Your member name');
    await page.keyboard.type('Dana');
    await page.keyboard.press('Tab');
    await expectFocus(page, 'Passphrase');
    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Tab');
    await expectFocus(page, 'Passphrase again');
    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Back up your data folder' }).waitFor();
    // The new screen has the focus at its heading: Tab reaches the notice's button, Enter dismisses it.
    await expectFocus(page, 'Accounts');
    await tabTo(page, 'I have noted this', 2);
    await page.keyboard.press('Enter');
    await expectFocus(page, 'Accounts');

    // Open the chart of accounts: Enter opens one and leaves the cursor in the name for the next.
    await tabTo(page, 'Account name', 2);
    const accounts = ['Assets:Bank:Checking', 'Equity:Member capital', 'Expenses:Supplies', 'Income:Sales'];
    for (const [index, account] of accounts.entries()) {
      await expectFocus(page, 'Account name');
      await page.keyboard.type(account);
      if (index === 0) {
        await tabTo(page, 'Passphrase', 3);
        await page.keyboard.type(PASSPHRASE);
      }
      await page.keyboard.press('Enter');
      await page.locator('.notice').getByText(new RegExp(`^Opened ${account} on \\d{4}-\\d{2}-\\d{2}\\.$`, 'u')).waitFor();
      await page.locator(`tr[data-account="${account}"]`).waitFor();
    }
    await expectNoSeriousViolations(page, 'Accounts, after opening four');
    await page.screenshot({ path: join(artifacts, 'keyboard-1-accounts-opened.png'), fullPage: true });

    // Three transactions, typed: type-ahead for the accounts, Tab between fields, Enter posts.
    await page.keyboard.press('Alt+3');
    await typeTransaction(page, { date: '2024-02-01', description: "Members' capital", first: ['bank', 'Assets:Bank:Checking', '1000.00 USD'], second: ['capital', 'Equity:Member capital'] }, true);
    await typeTransaction(page, { date: '2024-02-03', description: 'Paper and ink', first: ['suppl', 'Expenses:Supplies', '45.20 USD'], second: ['check', 'Assets:Bank:Checking'] }, false);
    await typeTransaction(page, { date: '2024-02-05', description: 'Workshop fees', first: ['bank', 'Assets:Bank:Checking', '300.00 USD'], second: ['sales', 'Income:Sales'] }, false);
    await page.getByText('3 transactions', { exact: true }).waitFor();

    const afterThree = await balanceSheetText(page);
    expect(afterThree).toContain('Checking 1254.80 USD');
    expect(afterThree).toContain('Member capital 1000.00 USD');
    expect(afterThree).toContain('Current earnings 254.80 USD');
    expect(afterThree).toMatch(/Assets − liabilities − equity: 0\b/u);
    await page.screenshot({ path: join(artifacts, 'keyboard-2-balance-sheet.png'), fullPage: true });

    // A bank CSV through the wizard: the file chooser opened from the keyboard, the date format mapped.
    const statement = join(scratch, 'bank-february.csv');
    writeFileSync(statement, 'Date,Details,Amount\n10/02/2024,Market stall,85.50\n12/02/2024,Printer repair,-60.00\n');
    await page.keyboard.press('Alt+0');
    await expectFocus(page, 'Import');
    await tabTo(page, 'File to import', 2);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(statement);
    await page.getByRole('table', { name: 'The first rows of the CSV file' }).waitFor();
    await tabTo(page, 'Date format');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('combobox', { name: 'Date format' }).inputValue()).toBe('%d/%m/%Y');
    await tabTo(page, 'The other side, until sorted');
    await retype(page, 'Income:Unsorted');
    await page.getByText('bank-february.csv (csv): 2 new transactions and 0 declarations.').waitFor();
    await expect.poll(async () => (await page.getByRole('table', { name: 'First transactions of the file' }).innerText()).replace(/\s+/gu, ' ')).toContain('2024-02-12 Printer repair Assets:Bank:Checking -60.00 USD Income:Unsorted 60.00 USD');
    await tabTo(page, 'Passphrase');
    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Enter');
    await page.getByText(/^Import 2 transactions and 0 declarations from bank-february\.csv\?/u).waitFor();
    await expectNoSeriousViolations(page, 'Import, asking to confirm');
    await page.screenshot({ path: join(artifacts, 'keyboard-3-import-confirm.png'), fullPage: true });
    await page.keyboard.press('Enter');
    await page.locator('.notice').getByText('Imported 2 transactions and 0 declarations from bank-february.csv.').waitFor();

    // Open "Paper and ink" from the register of Expenses:Supplies and reverse it.
    await page.keyboard.press('Alt+2');
    await expectFocus(page, 'Account for the register');
    await page.keyboard.type('Expenses:Supplies');
    await page.getByRole('table', { name: 'Register of Expenses:Supplies' }).waitFor();
    await page.keyboard.press('Tab');
    await expectFocus(page, '2024-02-03 Paper and ink');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 3, name: '2024-02-03 Paper and ink' }).waitFor();
    await tabTo(page, 'Date of the reversal');
    await retype(page, '2024-02-28');
    await page.keyboard.press('Tab');
    await expectFocus(page, 'Passphrase');
    await page.keyboard.type(PASSPHRASE);
    await page.keyboard.press('Enter');
    await page.getByText(/^Reverse [0-9a-f]{12} \(2024-02-03 Paper and ink\) with an entry dated 2024-02-28\?/u).waitFor();
    await page.keyboard.press('Enter');
    await page.getByText(/^Reversed by [0-9a-f]{12}: the pair nets to zero$/u).waitFor();
    await expectNoSeriousViolations(page, 'Transaction, reversed');
    await page.screenshot({ path: join(artifacts, 'keyboard-4-reversed.png'), fullPage: true });

    // Balances net to what the bookkeeper expects: 1000 − 45.20 + 300 + 85.50 − 60 + 45.20 in the bank.
    const final = await balanceSheetText(page);
    expect(final).toContain('Checking 1325.50 USD');
    expect(final).toContain('Member capital 1000.00 USD');
    expect(final).toContain('Current earnings 325.50 USD');
    expect(final).toMatch(/Assets − liabilities − equity: 0\b/u);
    // The command line reads the same books (an oracle apart from the app's pages).
    const balances = JSON.parse(execFileSync(NODE, [CLI, '--data', dataDir, 'balance', '--flat', '--json'], { cwd: REPO_ROOT, env, encoding: 'utf8' })) as unknown;
    expect(JSON.stringify(balances)).toContain('"account":"Assets:Bank:Checking","commodity":"USD","amount":"1325.50"');
    expect(JSON.stringify(balances)).toContain('"account":"Income:Unsorted","commodity":"USD","amount":"-25.50"');
    expect(JSON.stringify(balances)).not.toContain('"account":"Expenses:Supplies"');
    await page.screenshot({ path: join(artifacts, 'keyboard-5-balance-sheet-final.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
