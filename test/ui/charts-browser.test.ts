import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { canvasPaint } from '../helpers/canvas-paint.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';
import { createRandom } from '../helpers/generate-journal.js';
import { launchChromium, startUi, stopUis } from '../helpers/ui-server.js';
import { type ToolColumn, hledgerHistoricalByMonth, hledgerIncomeStatementByMonth } from '../oracles/hledger.js';

/*
 * The Charts screen in Debian's Chromium against the real service: a co-op whose journal was imported
 * with `tallystick import`, served by `tallystick ui`. Every figure in the charts' tables must be what
 * hledger says for the same journal file; the canvases must hold the drawn series; everything is done
 * with the keyboard. Screenshots go to test-artifacts/ui/.
 */

const PASSPHRASE = 'charts-test-passphrase';
const artifacts = join(REPO_ROOT, 'test-artifacts', 'ui');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-charts-ui-'));
const dataDir = join(scratch, 'books');
const journal = join(scratch, 'bakery.journal');
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
let address = '';

/** Eighteen months of a bakery co-op: sales, catering, flour, rent, wages, a loan paid back monthly. */
function bakeryJournal(): string {
  const random = createRandom(11);
  const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')} USD`;
  const lines = ['commodity 1,000.00 USD', '', '2024-01-02 Members\' shares', '    Assets:Bank:Checking  8000.00 USD', '    Equity:Member shares', '',
    '2024-01-15 Oven loan', '    Assets:Bank:Checking  5000.00 USD', '    Liabilities:Loan', ''];
  const entry = (date: string, description: string, account: string, cents: number, from: string) => lines.push(`${date} ${description}`, `    ${account}  ${money(cents)}`, `    ${from}`, '');
  for (let index = 0; index < 18; index += 1) {
    const month = `${2024 + Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
    entry(`${month}-05`, 'Flour and butter', 'Expenses:Ingredients', 80_000 + random.integer(60_000), 'Assets:Bank:Checking');
    entry(`${month}-07`, 'Rent', 'Expenses:Rent', 120_000, 'Assets:Bank:Checking');
    entry(`${month}-12`, 'Bread sales', 'Assets:Bank:Checking', 330_000 + random.integer(220_000), 'Income:Bread');
    if (random.integer(3) === 0) entry(`${month}-18`, 'Wedding catering', 'Assets:Bank:Checking', 50_000 + random.integer(150_000), 'Income:Catering');
    entry(`${month}-20`, 'Till takings', 'Assets:Cash:Till', 10_000 + random.integer(30_000), 'Income:Bread');
    entry(`${month}-25`, 'Wages', 'Expenses:Wages', 200_000 + random.integer(60_000), 'Assets:Bank:Checking');
    entry(`${month}-28`, 'Loan repayment', 'Liabilities:Loan', 25_000, 'Assets:Bank:Checking');
  }
  return lines.join('\n');
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await buildAppOnce();
  writeFileSync(journal, bakeryJournal());
  const cli = (...args: string[]) => execFileSync(NODE, [CLI, '--data', dataDir, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  cli('init', '--coop', 'Riverside Bakery Co-op', '--member', 'Ana');
  cli('import', journal);
  address = await startUi(dataDir, env, servers);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers); // each ui's peer saves what it has and removes its status file before the folder goes
  rmSync(scratch, { recursive: true, force: true });
});

/** "12,345.60 USD" as hledger writes the exact amount: "12345.6 USD". */
function exact(shown: string): string {
  const [number, commodity] = shown.trim().split(/\s+/u);
  const plain = number!.replace(/,/gu, '').replace(/(\.\d*?)0+$/u, '$1').replace(/\.$/u, '');
  return `${plain === '-0' ? '0' : plain} ${commodity}`;
}

/** hledger's column in one commodity: an empty column is zero. */
function oracleFigure(column: ToolColumn | undefined, commodity: string): string {
  return column?.find((amount) => amount.endsWith(` ${commodity}`)) ?? `0 ${commodity}`;
}

/** A table as rows of cell texts, header row first. */
async function tableCells(page: Page, name: string): Promise<string[][]> {
  const rows = await page.getByRole('table', { name }).locator('tr').all();
  return Promise.all(rows.map(async (row) => (await row.locator('th, td').allInnerTexts()).map((cell) => cell.trim())));
}

/**
 * Income-colour pixels of the bar chart whose description contains `words`, counted in the page on each
 * animation frame from the first that shows any, for a second: one value when nothing moves.
 */
function sampleFrames(page: Page, words: string): Promise<number[]> {
  return page.evaluate(`new Promise((resolve) => {
    const samples = [];
    const started = performance.now();
    const step = () => {
      const canvas = [...document.querySelectorAll('canvas')].find((item) => item.getAttribute('aria-label').startsWith('Bar chart') && item.getAttribute('aria-label').includes(${JSON.stringify(words)}));
      if (canvas) {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] === 0x24 && data[i + 1] === 0x45 && data[i + 2] === 0x3a && data[i + 3] === 255) count += 1;
        if (count > 0 || samples.length > 0) samples.push(count);
      }
      if (samples.length >= 30 || performance.now() - started > 15000) resolve(samples);
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })`) as Promise<number[]>;
}

async function tabTo(page: Page, test: string, limit = 60): Promise<void> {
  for (let step = 0; step < limit; step += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test)) return;
  }
  throw new Error(`Tab did not reach ${test} in ${limit} presses`);
}

async function expectBalancesMatchHledger(page: Page, range: { begin?: string; end?: string }): Promise<number> {
  const [header, ...rows] = await tableCells(page, 'Balances at the end of each month');
  const accounts = header!.slice(1);
  let compared = 0;
  for (const [column, account] of accounts.entries()) {
    const oracle = await hledgerHistoricalByMonth(journal, account, range);
    for (const row of rows) {
      const index = oracle.months.indexOf(row[0]!);
      // hledger's months for one account start at its first posting; before that the balance is zero.
      const expected = index < 0 ? '0 USD' : oracleFigure(oracle.rows.get(account)?.[index], 'USD');
      expect(exact(row[column + 1]!), `${account} at the end of ${row[0]}`).toBe(expected);
      compared += 1;
    }
  }
  return compared;
}

async function expectIncomeMatchesHledger(page: Page, range: { begin?: string; end?: string }): Promise<number> {
  const [header, ...rows] = await tableCells(page, 'Income and expenses by month');
  expect(header).toEqual(['Month', 'Income', 'Expenses', 'Net income']);
  const oracle = await hledgerIncomeStatementByMonth(journal, range);
  expect(rows.map((row) => row[0])).toEqual(oracle.months);
  rows.forEach((row, index) => {
    expect([exact(row[1]!), exact(row[2]!), exact(row[3]!)], `income, expenses, net in ${row[0]}`).toEqual(
      ['income', 'expenses', 'net'].map((name) => oracleFigure(oracle.rows.get(name)?.[index], 'USD')),
    );
  });
  return rows.length;
}

describe('the Charts screen in a browser', () => {
  it('draws balances and income against expenses with tables equal to hledger, by keyboard, under the CSP', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    const response = await page.goto(address);
    expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");
    await page.evaluate(`document.addEventListener('securitypolicyviolation', (event) => { window.cspViolations = [...(window.cspViolations ?? []), event.violatedDirective + ' ' + event.blockedURI]; })`);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();

    // The Charts button, reached with Tab alone.
    await tabTo(page, `document.activeElement?.textContent === 'Charts'`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Charts', level: 2 }).waitFor();
    const balancesTable = page.getByRole('table', { name: 'Balances at the end of each month' });
    await balancesTable.waitFor();
    await page.getByRole('table', { name: 'Income and expenses by month' }).waitFor();
    expect((await tableCells(page, 'Balances at the end of each month'))[0]).toEqual(['Month', 'Assets', 'Liabilities']);
    expect(await expectBalancesMatchHledger(page, {})).toBe(2 * 18);
    expect(await expectIncomeMatchesHledger(page, {})).toBe(18);

    const balancesChart = page.getByRole('img', { name: /^Line chart of the balance of Assets and Liabilities in USD at the end of each month from 2024-01 to 2025-06/u });
    const incomeChart = page.getByRole('img', { name: /^Bar chart of income and expenses in USD for each month from 2024-01 to 2025-06, with net income as a line/u });
    await balancesChart.waitFor();
    await incomeChart.waitFor();
    const paint = await canvasPaint(page, ['#24453a', '#b3461e', '#4a4a4a']);
    expect(paint).toHaveLength(2);
    for (const canvas of paint) {
      expect(canvas.width, canvas.name).toBeGreaterThan(300);
      expect(canvas.painted, canvas.name).toBeGreaterThan(5_000);
    }
    // Each series left its own colour on its canvas: Assets and Liabilities lines; income and expense bars, net line.
    expect(paint[0]!.colours['#24453a']).toBeGreaterThan(100);
    expect(paint[0]!.colours['#b3461e']).toBeGreaterThan(100);
    expect(paint[1]!.colours['#24453a']).toBeGreaterThan(2_000);
    expect(paint[1]!.colours['#b3461e']).toBeGreaterThan(2_000);
    expect(paint[1]!.colours['#4a4a4a']).toBeGreaterThan(50);
    await page.screenshot({ path: join(artifacts, 'charts-1-screen.png'), fullPage: true });
    await page.locator('.chart-box').nth(0).screenshot({ path: join(artifacts, 'charts-2-balances.png') });
    await page.locator('.chart-box').nth(1).screenshot({ path: join(artifacts, 'charts-3-income-expenses.png') });

    // Add an account with the type-ahead, and take one off, by keyboard.
    await tabTo(page, `document.activeElement?.getAttribute('aria-label') === 'Account to add to the chart'`);
    await page.keyboard.type('bank check');
    await page.getByRole('option', { name: 'Assets:Bank:Checking' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Account to add to the chart').inputValue()).toBe('Assets:Bank:Checking');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await tableCells(page, 'Balances at the end of each month'))[0]).toEqual(['Month', 'Assets', 'Liabilities', 'Assets:Bank:Checking']);
    await page.getByRole('button', { name: 'Remove Liabilities from the chart' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await tableCells(page, 'Balances at the end of each month'))[0]).toEqual(['Month', 'Assets', 'Assets:Bank:Checking']);
    expect(await expectBalancesMatchHledger(page, {})).toBe(2 * 18);

    // A chosen period: both charts follow it, and still agree with hledger.
    await page.getByLabel('Period', { exact: true }).focus();
    await page.keyboard.press('End');
    await page.getByLabel('From', { exact: true }).waitFor();
    await page.getByLabel('From', { exact: true }).fill('2024-04-01');
    const framesSampled = sampleFrames(page, 'for each month from 2024-04 to 2024-09');
    await page.getByLabel('Through', { exact: true }).fill('2024-09-30');
    await expect.poll(async () => (await tableCells(page, 'Income and expenses by month')).length).toBe(7);
    await expect.poll(async () => (await tableCells(page, 'Balances at the end of each month')).length).toBe(7);
    expect(await expectBalancesMatchHledger(page, { begin: '2024-04-01', end: '2024-10-01' })).toBe(2 * 6);
    expect(await expectIncomeMatchesHledger(page, { begin: '2024-04-01', end: '2024-10-01' })).toBe(6);
    await page.getByRole('img', { name: /^Bar chart of income and expenses in USD for each month from 2024-04 to 2024-09/u }).waitFor();
    // Reduced motion asked for: the bars are drawn whole at once, so every frame shows the same bars. The first
    // frame may be drawn before the layout settles (the tables below change too, and the canvas is resized once);
    // an animation would instead paint a different height in frame after frame for its whole second.
    const sampled = await framesSampled;
    expect(sampled).toHaveLength(30);
    expect(new Set(sampled.slice(1)).size, `income bars painted per frame: ${sampled.join(' ')}`).toBe(1);
    await page.screenshot({ path: join(artifacts, 'charts-4-chosen-period.png'), fullPage: true });

    expect(await page.evaluate('window.cspViolations ?? []')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('says in words what is wrong with a chosen account, and the account can be taken off again', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(address);
    await page.getByRole('button', { name: 'Charts' }).click();
    await page.getByRole('table', { name: 'Balances at the end of each month' }).waitFor();
    await page.getByLabel('Account to add to the chart').fill('Assets:Nowhere');
    await page.getByLabel('Account to add to the chart').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The books have no account "Assets:Nowhere"; choose one from the list.' }).waitFor();
    await page.getByRole('button', { name: 'Remove Assets:Nowhere from the chart' }).click();
    await page.getByRole('table', { name: 'Balances at the end of each month' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.close();
  }, 60_000);
});
