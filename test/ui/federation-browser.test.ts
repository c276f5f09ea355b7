import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';
import { launchChromium, startUi, stopUis } from '../helpers/ui-server.js';

/*
 * The Federation area in Debian's Chromium: three co-ops (Bakery, Mill, Farm), each with its own data
 * folder, device key and `tallystick ui`, and a page for each. The federation, its credit lines and the
 * first payments are made with the real CLI; the federation's document travels between the folders as
 * the CLI tests carry it (`federation send`, `federation receive`; its entries are signed and checked on
 * reading). In the pages: Farm pays Bakery and Bakery accepts, closing a cycle of debts; Bakery proposes
 * the clearing, Mill and Farm consent, and every page shows the lines' use drop. Screenshots of every
 * Federation screen go to test-artifacts/ui/.
 */

const PASSPHRASE = 'ui-federation-passphrase';
const COOPS = ['Bakery', 'Mill', 'Farm'] as const;
type Coop = (typeof COOPS)[number];
const artifacts = join(REPO_ROOT, 'test-artifacts', 'ui');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-federation-'));
const folders = Object.fromEntries(COOPS.map((coop) => [coop, join(scratch, coop.toLowerCase())])) as Record<Coop, string>;
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const servers: ChildProcess[] = [];
const pages = {} as Record<Coop, Page>;
let browser: Browser | undefined;
const errors: string[] = [];
/** Each poll reads the document again through the service: on a busy machine that takes over the default second. */
const POLL = { timeout: 30_000, interval: 500 };

function cli(coop: Coop, ...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', folders[coop], ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
}

/** Carries the federation's document from one co-op's folder to others' (what replication does between their peers). */
function carry(from: Coop, ...to: Coop[]): void {
  const file = join(scratch, `${from}.federation.json`);
  cli(from, 'federation', 'send', '--out', file);
  for (const coop of to) cli(coop, 'federation', 'receive', file);
}

function pendingFor(coop: Coop): string {
  const lines = JSON.parse(cli(coop, 'credit', 'lines', '--json')) as { payments: { id: string; status: string; awaiting: string[] }[] };
  return lines.payments.find((payment) => payment.status === 'pending' && payment.awaiting.includes(coop))!.id;
}

async function openPage(address: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(address);
  await page.getByRole('table', { name: 'Accounts and balances' }).waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Shows the Federation area and one of its screens by their shortcuts, and reads the document again (another co-op's entries may have arrived). */
async function show(page: Page, shortcut: string): Promise<void> {
  await page.keyboard.press('Alt+F');
  await page.keyboard.press(shortcut);
  await page.getByRole('button', { name: 'Read again' }).click();
}

/** The Credit lines table as `debtor→creditor → used`, read again from the document (a screen shows what it read last until the new answer arrives: poll it). */
async function usedOn(page: Page): Promise<Record<string, string>> {
  await show(page, 'Alt+1');
  const table = page.getByRole('table', { name: 'Credit lines' });
  await table.waitFor();
  const rows = await table.locator('tbody tr').evaluateAll((elements) => elements.map((row) => [row.getAttribute('data-line') ?? '', row.querySelectorAll('td')[1]?.textContent ?? '']));
  return Object.fromEntries(rows);
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await buildAppOnce();
  for (const [coop, member] of [['Bakery', 'Ana'], ['Mill', 'Ben'], ['Farm', 'Cy']] as const) cli(coop, 'init', '--coop', coop, '--member', member);
  cli('Bakery', 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
  for (const coop of ['Mill', 'Farm'] as const) cli('Bakery', 'federation', 'invite', cli(coop, 'federation', 'card').trim());
  carry('Bakery', 'Mill', 'Farm');
  cli('Mill', 'federation', 'join', '--account', 'Income:Trade');
  carry('Mill', 'Farm');
  cli('Farm', 'federation', 'join', '--account', 'Income:Trade');
  cli('Farm', 'credit', 'extend', 'Mill', '500');
  carry('Farm', 'Bakery', 'Mill');
  cli('Mill', 'credit', 'extend', 'Bakery', '500');
  carry('Mill', 'Bakery');
  cli('Bakery', 'credit', 'extend', 'Farm', '300');
  carry('Bakery', 'Mill', 'Farm');
  // Two legs of the cycle by the CLI: Bakery owes Mill 100, Mill owes Farm 80 (each accepted by its creditor).
  for (const [payer, payee, amount] of [['Bakery', 'Mill', '100'], ['Mill', 'Farm', '80']] as const) {
    cli(payer, 'credit', 'pay', payee, amount, '--memo', 'goods');
    carry(payer, payee);
    cli(payee, 'credit', 'accept', pendingFor(payee));
    carry(payee, ...COOPS.filter((coop) => coop !== payee));
  }
  const addresses = await Promise.all(COOPS.map((coop) => startUi(folders[coop], env, servers)));
  browser = await launchChromium();
  for (const [index, coop] of COOPS.entries()) pages[coop] = await openPage(addresses[index]!);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers); // each ui's peer saves what it has and removes its status file before the folder goes
  rmSync(scratch, { recursive: true, force: true });
});

describe('the Federation area in a browser, three co-ops on three devices', () => {
  it('shows each co-op its credit lines both ways with used and available, as meters, a chart and a table', async () => {
    const bakery = pages.Bakery;
    await bakery.keyboard.press('Alt+F');
    await bakery.getByRole('heading', { name: 'Credit lines' }).waitFor();
    await expect.poll(() => usedOn(bakery), POLL).toEqual({ 'Farm→Bakery': '0.00', 'Bakery→Mill': '100.00' });
    const row = bakery.locator('tr[data-line="Bakery→Mill"]');
    expect((await row.innerText()).replace(/\s+/gu, ' ').trim()).toBe('Bakery may owe Mill (a line Bakery has) 500.00 100.00 400.00 20% used');
    expect(await row.getByRole('meter').getAttribute('aria-label')).toBe('Bakery may owe Mill: 100.00 of 500.00 USD used, 400.00 available');
    const chart = bakery.getByRole('img', { name: /^Bar chart of credit-line use: 2 lines, each bar the limit split into used and available\. The most used is Bakery → Mill at 20% \(100\.00 of 500\.00 USD\)\./u });
    await chart.waitFor();
    // Chart.js drew on the canvas: some of its pixels are not blank.
    expect(await chart.evaluate((canvas) => (canvas as unknown as { toDataURL(): string }).toDataURL().length)).toBeGreaterThan(3000);
    await shot(bakery, 'federation-1-credit-lines-bakery');
    await expect.poll(() => usedOn(pages.Mill), POLL).toEqual({ 'Bakery→Mill': '100.00', 'Mill→Farm': '80.00' });
  }, 120_000);

  it('Farm pays Bakery 60 by keyboard; it waits for Bakery, who accepts it in its own page: the cycle of debts is closed', async () => {
    const farm = pages.Farm;
    await farm.keyboard.press('Alt+F');
    await farm.keyboard.press('Alt+2');
    const form = farm.getByRole('form', { name: 'Pay a co-op' });
    await form.waitFor();
    await expect.poll(() => farm.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Co-op to pay');
    expect(await farm.getByLabel('Co-op to pay').inputValue()).toBe('Bakery');
    await form.getByText('Bakery lets Farm owe it up to 300.00 USD; 300.00 is available.').waitFor();
    await farm.keyboard.press('Tab');
    await farm.keyboard.type('600');
    await farm.keyboard.press('Tab');
    await farm.keyboard.type('eggs');
    await farm.keyboard.press('Enter');
    await farm.getByText('Pay Bakery 600 USD (“eggs”)? A payment cannot be taken back; a creditor may decline it. Press again to pay.').waitFor();
    await farm.keyboard.press('Enter');
    // Over every line's room: refused in words, nothing written.
    await form.getByRole('alert').getByText('No path of credit lines has room for 600.00 USD from Farm to Bakery (the Credit lines screen shows the room on each). Nothing was written.').waitFor();
    await shot(farm, 'federation-2-pay-refused-farm');
    await farm.getByLabel('Amount (USD)').fill('60');
    await farm.getByLabel('Amount (USD)').press('Enter');
    await farm.getByText('Pay Bakery 60 USD (“eggs”)?', { exact: false }).waitFor();
    await shot(farm, 'federation-3-pay-confirm-farm');
    await farm.keyboard.press('Enter');
    await farm.getByText(/^Payment [0-9a-f]{12}: Farm pays Bakery 60\.00 USD\. Awaiting acceptance by Bakery until /u).waitFor();

    await show(farm, 'Alt+3');
    const sent = farm.getByRole('table', { name: 'Payments' }).locator('tbody tr').first();
    await expect.poll(async () => (await sent.innerText()).replace(/\s+/gu, ' '), POLL).toMatch(/Farm → Bakery −60\.00 eggs waiting: for Bakery to accept, until /u);
    await shot(farm, 'federation-4-payments-farm');

    carry('Farm', 'Bakery');
    const bakery = pages.Bakery;
    await show(bakery, 'Alt+3');
    const inbox = bakery.getByRole('list', { name: 'Waiting for Bakery to accept (1)' });
    await inbox.getByText('Farm pays Bakery 60.00 USD').waitFor();
    await shot(bakery, 'federation-5-payments-waiting-bakery');
    await inbox.getByRole('button', { name: 'Accept…' }).focus();
    await bakery.keyboard.press('Enter');
    await bakery.getByText('Accept that Farm pays Bakery 60.00 USD? It cannot be undone. Press again to accept.').waitFor();
    await bakery.keyboard.press('Enter');
    await bakery.getByText(/^Accepted payment [0-9a-f]{12} from Farm: it is settled\.$/u).waitFor();
    await bakery.getByText('No payment waits for Bakery\'s acceptance.').waitFor();
    carry('Bakery', 'Mill', 'Farm');
    await expect.poll(() => usedOn(farm), POLL).toEqual({ 'Mill→Farm': '80.00', 'Farm→Bakery': '60.00' });
  }, 120_000);

  it('Bakery proposes the clearing with what each co-op gains; Mill and Farm consent in their pages; every page shows the lines\' use drop', async () => {
    const bakery = pages.Bakery;
    await show(bakery, 'Alt+4');
    await bakery.getByText('180.00 USD of the 240.00 USD owed in the federation can be set off now (75.00%).').waitFor();
    const gains = bakery.getByRole('table', { name: 'What each co-op gains from the clearing now' });
    expect((await gains.locator('tbody').innerText()).replace(/\s+/gu, ' ').trim())
      .toBe('Bakery (this co-op) 100.00 60.00 60.00 40.00 0.00 Farm 60.00 80.00 60.00 0.00 20.00 Mill 80.00 100.00 60.00 20.00 40.00');
    await shot(bakery, 'federation-6-clearing-plan-bakery');
    await bakery.getByRole('button', { name: 'Propose this clearing…' }).focus();
    await bakery.keyboard.press('Enter');
    await bakery.getByText('Propose setting off 180.00 USD among Bakery, Farm, Mill?', { exact: false }).waitFor();
    await bakery.keyboard.press('Enter');
    await bakery.getByText(/^Proposed clearing [0-9a-f]{12}: 180\.00 USD of debt set off among Bakery, Farm, Mill, until .*\. Waiting for Farm, Mill to consent\.$/u).waitFor();
    await bakery.getByText(/^Clearing [0-9a-f]{12} is still waiting for consent \(until /u).waitFor();
    await shot(bakery, 'federation-7-clearing-proposed-bakery');

    carry('Bakery', 'Mill', 'Farm');
    for (const coop of ['Mill', 'Farm'] as const) {
      const page = pages[coop];
      await page.keyboard.press('Alt+F');
      await show(page, 'Alt+1');
      await page.getByRole('button', { name: `1 clearing waits for ${coop} to consent` }).waitFor();
      await show(page, 'Alt+4');
      const proposal = page.getByRole('list', { name: /^Proposals/u }).getByRole('listitem').first();
      await proposal.getByText('waiting for consent').waitFor();
      const mine = proposal.locator(`tr[data-coop="${coop}"]`);
      expect((await mine.innerText()).replace(/\s+/gu, ' ').trim()).toBe(coop === 'Mill' ? 'Mill (this co-op) 80.00 100.00 60.00 20.00 40.00' : 'Farm (this co-op) 60.00 80.00 60.00 0.00 20.00');
      await shot(page, `federation-8-clearing-consent-${coop.toLowerCase()}`);
      await proposal.getByRole('button', { name: 'Consent…' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText(`Consent for ${coop}? Once every co-op in it consents, the debts above are set off for good. Press again to consent.`).waitFor();
      await page.keyboard.press('Enter');
      await page.getByText(new RegExp(`^Consented to clearing [0-9a-f]{12} for ${coop}: it is ${coop === 'Mill' ? 'pending' : 'applied'}\\.`, 'u')).waitFor();
      carry(coop, ...COOPS.filter((other) => other !== coop));
    }

    for (const coop of COOPS) {
      const page = pages[coop];
      await show(page, 'Alt+4');
      await page.getByRole('list', { name: /^Proposals/u }).getByRole('listitem').first().getByText('applied', { exact: true }).waitFor();
      await shot(page, `federation-9-clearing-applied-${coop.toLowerCase()}`);
    }
    await expect.poll(() => usedOn(pages.Bakery), POLL).toEqual({ 'Farm→Bakery': '0.00', 'Bakery→Mill': '40.00' });
    await expect.poll(() => usedOn(pages.Mill), POLL).toEqual({ 'Bakery→Mill': '40.00', 'Mill→Farm': '20.00' });
    await expect.poll(() => usedOn(pages.Farm), POLL).toEqual({ 'Mill→Farm': '20.00', 'Farm→Bakery': '0.00' });
    for (const coop of COOPS) await shot(pages[coop], `federation-10-credit-lines-after-${coop.toLowerCase()}`);
    expect(errors).toEqual([]);
  }, 180_000);
});
