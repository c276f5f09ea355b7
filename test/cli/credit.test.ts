import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * Mutual credit between three co-ops (issue 6) with the real `tallystick` command: Bakery, Mill and Farm
 * each have their own data folder, device key and books. Replication (issue 4) is not on main yet, so
 * the federation's document travels between the folders as replication would carry it: `federation
 * send` on one, `federation receive` on the other (the entries are signed and checked on reading, as
 * they would be from a peer).
 */

interface LinesJson {
  debts: { debtor: string; creditor: string; amount: string }[];
  lines: { creditor: string; debtor: string; limit: string; owed: string; room: string }[];
  payments: { id: string; status: string; reason?: string; awaiting: string[] }[];
  clearings: { id: string; status: string; reason?: string; consented: string[]; declined: string[] }[];
  rejected: { code: string; reason: string }[];
}

let root: string;
const folders: Record<string, string> = {};
const ok = (coop: string, ...args: string[]) => tallystickOk(folders[coop]!, args);
const run = (coop: string, ...args: string[]) => runTallystick(folders[coop]!, args);
const lines = (coop: string) => tallystickJson<LinesJson>(folders[coop]!, ['credit', 'lines']);

/** Carries the federation's document from one co-op's folder to another's (what replication will do). */
async function carry(from: string, ...to: string[]): Promise<void> {
  const file = join(root, `${from}.federation.json`);
  await ok(from, 'federation', 'send', '--out', file);
  for (const coop of to) await ok(coop, 'federation', 'receive', file);
}

async function pendingPayment(coop: string): Promise<string> {
  const payment = (await lines(coop)).payments.find((item) => item.status === 'pending' && item.awaiting.includes(coop));
  expect(payment).toBeDefined();
  return payment!.id;
}

async function balances(coop: string): Promise<Record<string, string>> {
  const rows = await tallystickJson<{ account: string; amount: string }[]>(folders[coop]!, ['balance', '--flat']);
  return Object.fromEntries(rows.filter((row) => row.account.includes('Mutual credit') || row.account.startsWith('Income')).map((row) => [row.account, row.amount]));
}

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('credit');
  for (const [coop, member] of [['Bakery', 'Ana'], ['Mill', 'Ben'], ['Farm', 'Cy']] as const) {
    folders[coop] = join(root, coop.toLowerCase());
    await ok(coop, 'init', '--coop', coop, '--member', member);
  }
  await ok('Bakery', 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
  for (const coop of ['Mill', 'Farm']) await ok('Bakery', 'federation', 'invite', (await ok(coop, 'federation', 'card')).trim());
  await carry('Bakery', 'Mill', 'Farm');
  await ok('Mill', 'federation', 'join', '--account', 'Income:Trade');
  await carry('Mill', 'Farm');
  await ok('Farm', 'federation', 'join', '--account', 'Income:Trade');
  await carry('Farm', 'Bakery', 'Mill');
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mutual credit between three co-ops, each in its own data folder', () => {
  it('every co-op sees the same members, each joined through its own device', async () => {
    for (const coop of ['Bakery', 'Mill', 'Farm']) {
      const members = await tallystickJson<{ coops: { name: string; status: string; here: boolean }[]; rejected: unknown[] }>(folders[coop]!, ['federation', 'members']);
      expect(members.coops.map((item) => [item.name, item.status, item.here])).toEqual([['Bakery', 'member', coop === 'Bakery'], ['Mill', 'member', coop === 'Mill'], ['Farm', 'member', coop === 'Farm']]);
      expect(members.rejected).toEqual([]);
    }
  });

  it('a cycle Bakery → Mill → Farm → Bakery: plan, propose, consent, applied on every replica, books updated', async () => {
    await ok('Mill', 'credit', 'extend', 'Bakery', '500');
    await ok('Farm', 'credit', 'extend', 'Mill', '500');
    await ok('Bakery', 'credit', 'extend', 'Farm', '500');
    await carry('Mill', 'Farm');
    await carry('Farm', 'Bakery');
    await carry('Bakery', 'Mill', 'Farm');
    for (const [payer, payee, amount] of [['Bakery', 'Mill', '100'], ['Mill', 'Farm', '80'], ['Farm', 'Bakery', '60']] as const) {
      expect(await ok(payer, 'credit', 'pay', payee, amount, '--memo', 'goods')).toContain(`Awaiting acceptance by ${payee}`);
      await carry(payer, payee);
      expect(await ok(payee, 'credit', 'accept', await pendingPayment(payee))).toContain('it is settled');
      await carry(payee, payer);
    }
    await carry('Bakery', 'Mill', 'Farm');
    const plan = await tallystickJson<{ total: string; owed: string }>(folders.Farm!, ['clear', 'plan']);
    expect([plan.total, plan.owed]).toEqual(['180.00', '240.00']);
    expect(await ok('Farm', 'clear', 'propose')).toContain('Waiting for Bakery, Mill to consent');
    await carry('Farm', 'Bakery');
    const proposal = (await lines('Bakery')).clearings[0]!.id;
    await ok('Bakery', 'clear', 'consent', proposal.slice(0, 12));
    await carry('Bakery', 'Mill');
    expect(await ok('Mill', 'clear', 'consent', proposal.slice(0, 12))).toContain('it is applied');
    await carry('Mill', 'Bakery', 'Farm');
    for (const coop of ['Bakery', 'Mill', 'Farm']) {
      const view = await lines(coop);
      expect(view.clearings.map((item) => item.status)).toEqual(['applied']);
      expect(view.rejected).toEqual([]);
    }
    expect((await lines('Mill')).debts).toEqual([{ debtor: 'Bakery', creditor: 'Mill', amount: '40.00' }, { debtor: 'Mill', creditor: 'Farm', amount: '20.00' }]);
    expect(await balances('Bakery')).toEqual({ 'Income:Trade': '40.00', 'Liabilities:Mutual credit:Mill': '-40.00' });
    expect(await balances('Mill')).toEqual({ 'Assets:Mutual credit:Bakery': '40.00', 'Income:Trade': '-20.00', 'Liabilities:Mutual credit:Farm': '-20.00' });
    expect(await balances('Farm')).toEqual({ 'Assets:Mutual credit:Mill': '20.00', 'Income:Trade': '-20.00' });
    // Posting again adds nothing: each transaction carries an import key derived from the federation entry.
    expect(await ok('Farm', 'credit', 'post')).toContain('Posted 0 mutual credit transactions');
    expect((await run('Farm', 'rejected')).code).toBe(0);
  }, 240_000);

  it('two payments that together would cross the limit are never both accepted; a policy accepts within its bound', async () => {
    await ok('Farm', 'credit', 'extend', 'Bakery', '100');
    await carry('Farm', 'Bakery');
    await ok('Bakery', 'credit', 'pay', 'Farm', '60');
    await ok('Bakery', 'credit', 'pay', 'Farm', '50');
    await carry('Bakery', 'Farm');
    const [first, second] = (await lines('Farm')).payments.filter((item) => item.status === 'pending').map((item) => item.id);
    await ok('Farm', 'credit', 'accept', first!);
    const refused = await run('Farm', 'credit', 'accept', second!);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('tallystick: the federation would not count this payment-accept (over_limit: it would take what Bakery owes Farm to 110.00, over the limit of 100.00 (60.00 owed)); nothing was written\n');
    expect(refused.stderr).not.toMatch(STACK_TRACE);
    await ok('Farm', 'credit', 'decline', second!, '--reason', 'over our limit');
    await ok('Farm', 'credit', 'policy', '*', '30');
    await carry('Farm', 'Bakery');
    await ok('Bakery', 'credit', 'pay', 'Farm', '30');
    await carry('Bakery', 'Farm');
    expect(await ok('Farm', 'credit', 'auto-accept')).toContain('Accepted 1 payment within policy');
    const view = await lines('Farm');
    expect(view.payments.slice(-3).map((item) => [item.status, item.reason ?? ''])).toEqual([['settled', ''], ['failed', 'declined by Farm: over our limit'], ['settled', '']]);
    expect(view.lines.find((line) => line.debtor === 'Bakery')).toEqual({ creditor: 'Farm', debtor: 'Bakery', limit: '100.00', owed: '90.00', room: '10.00' });
    await carry('Farm', 'Bakery', 'Mill');
  }, 240_000);

  it('a co-op that stays offline: the proposal waits, then expires at the first entry after its deadline', async () => {
    // Farm pays Bakery 120: it first cancels the 90 Bakery owes Farm (no acceptance needed for that part), then Bakery accepts the 30 more.
    await ok('Farm', 'credit', 'pay', 'Bakery', '120');
    await carry('Farm', 'Bakery');
    await ok('Bakery', 'credit', 'accept', await pendingPayment('Bakery'));
    await carry('Bakery', 'Farm', 'Mill');
    // Long enough for propose, carry and consent on a loaded machine (6 s was not, at a load of 20), short enough to wait out.
    const deadline = new Date(Date.now() + 25_000).toISOString();
    expect((await tallystickJson<{ total: string }>(folders.Bakery!, ['clear', 'plan'])).total).toBe('60.00');
    await ok('Bakery', 'clear', 'propose', '--deadline', deadline);
    await carry('Bakery', 'Farm');
    await ok('Farm', 'clear', 'consent', (await lines('Farm')).clearings.at(-1)!.id);
    await carry('Farm', 'Bakery');
    // Mill never receives it (offline). Until an entry written after the deadline exists, it waits.
    expect((await lines('Bakery')).clearings.at(-1)).toMatchObject({ status: 'pending', consented: ['Bakery', 'Farm'] });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(deadline) - Date.now() + 500)));
    await ok('Bakery', 'clear', 'propose');
    const clearings = (await lines('Bakery')).clearings;
    expect(clearings.at(-2)).toMatchObject({ status: 'expired', reason: `Mill did not consent by the deadline ${deadline}` });
    expect(clearings.at(-1)?.status).toBe('pending');
    expect((await lines('Bakery')).debts).toContainEqual({ debtor: 'Farm', creditor: 'Bakery', amount: '30.00' });
  }, 240_000);

  it('a co-op declines: nothing is applied, and the plan is recomputed without it', async () => {
    await carry('Bakery', 'Mill', 'Farm');
    const proposal = (await lines('Mill')).clearings.at(-1)!;
    expect(await ok('Mill', 'clear', 'decline', proposal.id)).toContain('it is declined (declined by Mill)');
    await carry('Mill', 'Bakery', 'Farm');
    for (const coop of ['Bakery', 'Farm']) expect((await lines(coop)).clearings.at(-1)).toMatchObject({ status: 'declined', declined: ['Mill'] });
    const plan = await tallystickJson<{ total: string; excluded: string[]; obligations: { debtor: string; creditor: string }[] }>(folders.Farm!, ['clear', 'plan']);
    expect(plan).toMatchObject({ total: '0.00', excluded: ['Mill'], obligations: [{ debtor: 'Farm', creditor: 'Bakery' }] });
    const nothing = await run('Farm', 'clear', 'propose');
    expect([nothing.code, nothing.stderr]).toEqual([1, 'tallystick: no debt of federation "Valley" can be cleared now (no cycle of debts); nothing was written\n']);
    expect((await lines('Mill')).debts).toContainEqual({ debtor: 'Bakery', creditor: 'Mill', amount: '40.00' });
  }, 120_000);
});
