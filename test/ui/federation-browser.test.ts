import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppOnce } from '../helpers/app-build.js';
import { expectNoSeriousViolations } from '../helpers/axe.js';
import { CLI, NODE, REPO_ROOT } from '../helpers/cli.js';
import { launchChromium, startUi, stopUis } from '../helpers/ui-server.js';

/*
 * The Federation area in Debian's Chromium: three co-ops (Bakery, Mill, Farm), each with its own data
 * folder, device key and `tallystick ui` (whose service runs the co-op's peer on 127.0.0.1), and a page
 * for each. Everything about the federation is done in the pages: Bakery founds it, reads Mill's and
 * Farm's cards from their pages and invites them, they join with the codes (their services fetch the
 * document from Bakery's peer), each extends a line, Mill and Farm set what their peers accept by
 * themselves, and two payments are made and accepted by those peers. From then on the document moves
 * only by replication between the three services' peers. Farm pays Bakery and Bakery accepts, closing
 * a cycle of debts; Bakery proposes the clearing, Mill and Farm consent, and every page shows the lines'
 * use drop. Screenshots of every Federation screen go to test-artifacts/ui/, of the Set up screen to
 * test-artifacts/screens/, each checked with axe.
 */

const PASSPHRASE = 'ui-federation-passphrase';
const COOPS = ['Bakery', 'Mill', 'Farm'] as const;
type Coop = (typeof COOPS)[number];
const artifacts = join(REPO_ROOT, 'test-artifacts', 'ui');
const screens = join(REPO_ROOT, 'test-artifacts', 'screens');
const scratch = mkdtempSync(join(tmpdir(), 'tallystick-ui-federation-'));
const folders = Object.fromEntries(COOPS.map((coop) => [coop, join(scratch, coop.toLowerCase())])) as Record<Coop, string>;
const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_DATA: '', TALLYSTICK_COOP: '' };
const servers: ChildProcess[] = [];
const pages = {} as Record<Coop, Page>;
let browser: Browser | undefined;
const errors: string[] = [];
/** Each poll reads the document again through the service, and replication between the peers takes its time on a busy machine. */
const POLL = { timeout: 60_000, interval: 500 };
/** Waits for what arrives by replication (the page reads again by itself when the folder changes). */
const ARRIVES = { timeout: 60_000 };

function cli(coop: Coop, ...args: string[]): string {
  return execFileSync(NODE, [CLI, '--data', folders[coop], ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
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

/** A Set up screen: checked with axe once loaded, and photographed into test-artifacts/screens/. */
async function screen(page: Page, name: string): Promise<void> {
  await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
  await expectNoSeriousViolations(page, name);
  await page.screenshot({ path: join(screens, `${name}.png`), fullPage: true });
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

/** The co-ops of the federation as the page's Set up screen lists them, read again. */
async function membersOn(page: Page): Promise<string> {
  await show(page, 'Alt+5');
  return (await page.locator('.federation-members').innerText()).replace(/\s+/gu, ' ').trim();
}

/** Fills a Set up form and presses its button twice (the second press writes), waiting for the service's answer in the notice. */
async function submitTwice(page: Page, form: ReturnType<Page['getByRole']>, answer: RegExp): Promise<void> {
  await form.getByRole('button').first().click();
  await form.getByRole('alert').waitFor();
  await form.getByRole('button').first().click();
  await page.getByRole('status').filter({ hasText: answer }).waitFor({ timeout: 60_000 });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(screens, { recursive: true });
  await buildAppOnce();
  for (const [coop, member] of [['Bakery', 'Ana'], ['Mill', 'Ben'], ['Farm', 'Cy']] as const) cli(coop, 'init', '--coop', coop, '--member', member);
  const addresses = await Promise.all(COOPS.map((coop) => startUi(folders[coop], env, servers, ['--listen', '/ip4/127.0.0.1/tcp/0'])));
  browser = await launchChromium();
  for (const [index, coop] of COOPS.entries()) pages[coop] = await openPage(addresses[index]!);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stopUis(servers); // each ui's peer saves what it has and removes its status file before the folder goes
  rmSync(scratch, { recursive: true, force: true });
});

describe('the Federation area in a browser, three co-ops on three devices', () => {
  it('sets the federation up in the pages alone: Bakery founds it by keyboard, invites Mill and Farm by their cards, they join with the codes, lines are extended and policies set', async () => {
    const bakery = pages.Bakery;
    // A co-op in no federation lands on Set up; founding is done from the keyboard only.
    await bakery.keyboard.press('Alt+F');
    await bakery.getByRole('heading', { name: 'Set up' }).waitFor();
    await expect.poll(() => bakery.evaluate('document.activeElement?.textContent')).toBe('Set up');
    await bakery.getByText('Bakery belongs to no federation yet.', { exact: false }).waitFor();
    await screen(bakery, 'federation-setup-none');
    await bakery.keyboard.press('Tab');
    await expect.poll(() => bakery.evaluate('document.activeElement?.closest("label")?.firstChild?.textContent')).toBe('Federation name ');
    await bakery.keyboard.type('Valley');
    await bakery.keyboard.press('Tab');
    await expect.poll(() => bakery.evaluate('document.activeElement?.value')).toBe('USD:2');
    await bakery.keyboard.press('Tab');
    await bakery.keyboard.press('Control+A');
    await bakery.keyboard.type('Income:Trade');
    await bakery.keyboard.press('Enter');
    await bakery.getByText('Found federation “Valley” in USD:2 with Bakery as its first member? Its unit cannot be changed later. Press again to go ahead.').waitFor();
    await bakery.keyboard.press('Enter');
    await bakery.getByRole('status').getByText(/^Founded federation "Valley" \([0-9a-f]{32}\) in USD at 2 decimal places, with Bakery\.$/u).waitFor({ timeout: 60_000 });

    // A wrong card is refused in words, nothing written.
    await show(bakery, 'Alt+5');
    const invite = bakery.getByRole('form', { name: 'Invite a co-op' });
    await invite.getByLabel('Card of the co-op to invite').fill('tallystick-coop:not-a-card');
    await invite.getByRole('button', { name: 'Invite…' }).click();
    await invite.getByRole('button', { name: 'Yes, invite' }).click();
    await invite.getByRole('alert').getByText(/^"tallystick-coop:not-a-card" is not a co-op card: expected/u).waitFor();
    for (const coop of ['Mill', 'Farm'] as const) {
      const page = pages[coop];
      await page.keyboard.press('Alt+F');
      const card = await page.getByLabel(`Card of ${coop}`).inputValue();
      expect(card).toMatch(new RegExp(`^tallystick-coop:[0-9a-f]{32}:[0-9a-f]{64}:[0-9a-f]{64}:${coop}$`, 'u'));
      if (coop === 'Mill') await screen(page, 'federation-setup-card-mill');
      await invite.getByLabel('Card of the co-op to invite').fill(card);
      await invite.getByRole('button', { name: 'Invite…' }).click();
      await invite.getByRole('button', { name: 'Yes, invite' }).click();
      const code = bakery.getByLabel('Invite code for the co-op');
      await code.waitFor();
      await bakery.getByText(new RegExp(`^Invited ${coop} to federation "Valley"\\. Give this code to a member of the invited co-op`, 'u')).waitFor();
      if (coop === 'Mill') await screen(bakery, 'federation-setup-invited-bakery');
      const join = page.getByRole('form', { name: 'Join a federation' });
      await join.getByLabel('Invite code').fill(await code.inputValue());
      await join.getByLabel(`Account in ${coop}'s books`).fill('Income:Trade');
      if (coop === 'Mill') {
        await join.getByRole('button', { name: 'Join…' }).click();
        await screen(page, 'federation-setup-join-confirm-mill');
        await join.getByRole('button', { name: 'Cancel' }).click();
      }
      await submitTwice(page, join, new RegExp(`^Fetched federation "Valley" from the inviting member\\. ${coop} joined federation "Valley"; payments in and out are posted against Income:Trade\\.$`, 'u'));
    }
    for (const coop of COOPS) {
      await expect.poll(() => membersOn(pages[coop]), POLL)
        .toBe(`Bakery${coop === 'Bakery' ? ' (this co-op)' : ''}: member Farm${coop === 'Farm' ? ' (this co-op)' : ''}: member Mill${coop === 'Mill' ? ' (this co-op)' : ''}: member`);
    }
    await screen(bakery, 'federation-setup-members-bakery');

    // Each extends a line in its own page: Farm lets Mill owe 500, Mill lets Bakery owe 500, Bakery lets Farm owe 300.
    for (const [creditor, debtor, limit] of [['Farm', 'Mill', '500'], ['Mill', 'Bakery', '500'], ['Bakery', 'Farm', '300']] as const) {
      const page = pages[creditor];
      await show(page, 'Alt+5');
      const extend = page.getByRole('form', { name: 'Extend a credit line' });
      await extend.getByLabel(`Let this co-op owe ${creditor}`).selectOption(debtor);
      await extend.getByText(`${creditor} gives ${debtor} no credit line yet.`).waitFor();
      await extend.getByLabel('Limit (USD)').fill(limit);
      await submitTwice(page, extend, new RegExp(`^${creditor} lets ${debtor} owe it up to ${limit}\\.00 USD\\.$`, 'u'));
    }
    // Mill's and Farm's peers accept by themselves the payments their policies cover.
    for (const [creditor, debtor, upTo] of [['Mill', 'Bakery', '100'], ['Farm', 'Mill', '80']] as const) {
      const page = pages[creditor];
      const policy = page.getByRole('form', { name: 'Accept payments by themselves' });
      await policy.getByLabel('Payments from').selectOption(debtor);
      await policy.getByLabel('Up to (USD) each').fill(upTo);
      await submitTwice(page, policy, new RegExp(`^${creditor}'s always-on peer accepts payments from ${debtor} of up to ${upTo}\\.00 USD each, within the line's room\\.$`, 'u'));
      await policy.getByText(`Now accepted by themselves: from ${debtor}, up to ${upTo}.00 USD each.`, { exact: false }).waitFor();
    }
    await screen(pages.Mill, 'federation-setup-lines-mill');
    await expect.poll(() => usedOn(pages.Mill), POLL).toEqual({ 'Mill→Farm': '0.00', 'Bakery→Mill': '0.00' });

    // Two legs of the cycle: Bakery pays Mill 100, Mill pays Farm 80; each creditor's peer accepts it by its policy.
    for (const [payer, payee, amount] of [['Bakery', 'Mill', '100'], ['Mill', 'Farm', '80']] as const) {
      const page = pages[payer];
      await show(page, 'Alt+2');
      const form = page.getByRole('form', { name: 'Pay a co-op' });
      await form.getByLabel('Co-op to pay').selectOption(payee);
      await form.getByText(`${payee} lets ${payer} owe it up to`, { exact: false }).waitFor(ARRIVES);
      await form.getByLabel('Amount (USD)').fill(amount);
      await form.getByLabel('Memo (optional)').fill('goods');
      await submitTwice(page, form, new RegExp(`^Payment [0-9a-f]{12}: ${payer} pays ${payee} ${amount}\\.00 USD\\. Awaiting acceptance by ${payee} until `, 'u'));
      await show(page, 'Alt+3');
      await page.getByRole('table', { name: 'Payments' }).locator('tbody tr').first().getByText('settled').waitFor(ARRIVES);
    }
  }, 420_000);

  it('shows each co-op its credit lines both ways with used and available, as meters, a chart and a table', async () => {
    const bakery = pages.Bakery;
    await bakery.keyboard.press('Alt+F');
    await bakery.keyboard.press('Alt+1');
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

    // The payment reaches Bakery's page by replication: the page reads again by itself.
    const bakery = pages.Bakery;
    await show(bakery, 'Alt+3');
    const inbox = bakery.getByRole('list', { name: 'Waiting for Bakery to accept (1)' });
    await inbox.getByText('Farm pays Bakery 60.00 USD').waitFor(ARRIVES);
    await shot(bakery, 'federation-5-payments-waiting-bakery');
    await inbox.getByRole('button', { name: 'Accept…' }).focus();
    await bakery.keyboard.press('Enter');
    await bakery.getByText('Accept that Farm pays Bakery 60.00 USD? It cannot be undone. Press again to accept.').waitFor();
    await bakery.keyboard.press('Enter');
    await bakery.getByText(/^Accepted payment [0-9a-f]{12} from Farm: it is settled\.$/u).waitFor();
    await bakery.getByText('No payment waits for Bakery\'s acceptance.').waitFor();
    await expect.poll(() => usedOn(farm), POLL).toEqual({ 'Mill→Farm': '80.00', 'Farm→Bakery': '60.00' });
  }, 180_000);

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

    for (const coop of ['Mill', 'Farm'] as const) {
      const page = pages[coop];
      await page.keyboard.press('Alt+F');
      await show(page, 'Alt+1');
      await page.getByRole('button', { name: `1 clearing waits for ${coop} to consent` }).waitFor(ARRIVES);
      await show(page, 'Alt+4');
      const proposal = page.getByRole('list', { name: /^Proposals/u }).getByRole('listitem').first();
      await proposal.getByText('waiting for consent').waitFor();
      // Farm's consent applies the clearing once Mill's has reached Farm's device.
      if (coop === 'Farm') await proposal.getByText('Consented: Bakery, Mill.', { exact: false }).waitFor(ARRIVES);
      const mine = proposal.locator(`tr[data-coop="${coop}"]`);
      expect((await mine.innerText()).replace(/\s+/gu, ' ').trim()).toBe(coop === 'Mill' ? 'Mill (this co-op) 80.00 100.00 60.00 20.00 40.00' : 'Farm (this co-op) 60.00 80.00 60.00 0.00 20.00');
      await shot(page, `federation-8-clearing-consent-${coop.toLowerCase()}`);
      await proposal.getByRole('button', { name: 'Consent…' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText(`Consent for ${coop}? Once every co-op in it consents, the debts above are set off for good. Press again to consent.`).waitFor();
      await page.keyboard.press('Enter');
      await page.getByText(new RegExp(`^Consented to clearing [0-9a-f]{12} for ${coop}: it is ${coop === 'Mill' ? 'pending' : 'applied'}\\.`, 'u')).waitFor();
    }

    for (const coop of COOPS) {
      const page = pages[coop];
      await show(page, 'Alt+4');
      await page.getByRole('list', { name: /^Proposals/u }).getByRole('listitem').first().getByText('applied', { exact: true }).waitFor(ARRIVES);
      await shot(page, `federation-9-clearing-applied-${coop.toLowerCase()}`);
    }
    await expect.poll(() => usedOn(pages.Bakery), POLL).toEqual({ 'Farm→Bakery': '0.00', 'Bakery→Mill': '40.00' });
    await expect.poll(() => usedOn(pages.Mill), POLL).toEqual({ 'Bakery→Mill': '40.00', 'Mill→Farm': '20.00' });
    await expect.poll(() => usedOn(pages.Farm), POLL).toEqual({ 'Mill→Farm': '20.00', 'Farm→Bakery': '0.00' });
    for (const coop of COOPS) await shot(pages[coop], `federation-10-credit-lines-after-${coop.toLowerCase()}`);
    expect(errors).toEqual([]);
  }, 240_000);
});
