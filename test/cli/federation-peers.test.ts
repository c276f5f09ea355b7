import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { PASSPHRASE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';
import { pollUntil } from '../helpers/poll-until.js';

/*
 * Issue 6's federation over real peers (issue 4's replication): Bakery, Mill and Farm each have their own
 * data folder and run `tallystick peer` on 127.0.0.1; the federation's document moves only by
 * replication (no `federation send/receive` files). Each peer accepts, within its co-op's policy, the
 * payments that arrive, and posts settlements into its co-op's books. Waits are on log lines and on
 * what the commands print, polled, never on fixed sleeps (but for one deadline to pass).
 */

interface LinesJson {
  debts: { debtor: string; creditor: string; amount: string }[];
  payments: { id: string; status: string; reason?: string; awaiting: string[] }[];
  clearings: { id: string; status: string; reason?: string; consented: string[]; declined: string[] }[];
}

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];
const COOPS = ['Bakery', 'Mill', 'Farm'] as const;
type Coop = (typeof COOPS)[number];
let root: string;
const folders = {} as Record<Coop, string>;
const peers = {} as Record<Coop, CliProcess>;
let bakeryAddress: string;
const ok = (coop: Coop, ...args: string[]) => tallystickOk(folders[coop], args);
const lines = (coop: Coop) => tallystickJson<LinesJson>(folders[coop], ['credit', 'lines']);

/** Polls a command's output until `check` holds (bounded): replication is asynchronous. */
const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> => pollUntil(read, check, { timeoutMs });

const everywhere = async (check: (view: LinesJson) => boolean, coops: readonly Coop[] = COOPS) => {
  for (const coop of coops) await eventually(() => lines(coop), check);
};

async function balances(coop: Coop): Promise<Record<string, string>> {
  const rows = await tallystickJson<{ account: string; amount: string }[]>(folders[coop], ['balance', '--flat']);
  return Object.fromEntries(rows.filter((row) => row.account.includes('Mutual credit') || row.account.startsWith('Income')).map((row) => [row.account, row.amount]));
}

const startPeer = (coop: Coop, ...args: string[]) => { peers[coop] = new CliProcess(folders[coop], ['peer', ...LOOPBACK, ...args], PASSPHRASE); return peers[coop]; };

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('federation-peers');
  for (const [coop, member] of [['Bakery', 'Ana'], ['Mill', 'Ben'], ['Farm', 'Cy']] as const) {
    folders[coop] = join(root, coop.toLowerCase());
    await ok(coop, 'init', '--coop', coop, '--member', member);
  }
  await ok('Bakery', 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
  bakeryAddress = await startPeer('Bakery').address();
}, 60_000);

afterAll(async () => {
  if (process.env.FEDSYNC_LOGS) for (const coop of COOPS) writeFileSync(join(process.env.FEDSYNC_LOGS, `${coop}.log`), peers[coop]?.output ?? '');
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

describe('a federation replicated among its member co-ops\' peers', () => {
  it('an invited co-op fetches the document from the inviter\'s peer, joins, and its peer syncs it', async () => {
    for (const coop of ['Mill', 'Farm'] as const) {
      const invited = await ok('Bakery', 'federation', 'invite', (await ok(coop, 'federation', 'card')).trim());
      const code = /^(tallystick-invite:\S+)$/mu.exec(invited)![1]!;
      await eventually(() => runTallystick(folders[coop], ['federation', 'fetch', code]), (result) => result.code === 0, 10_000);
      await ok(coop, 'federation', 'join', '--account', 'Income:Trade');
      startPeer(coop, '--connect', bakeryAddress);
    }
    for (const coop of COOPS) {
      await eventually(() => tallystickJson<{ coops: { status: string }[] }>(folders[coop], ['federation', 'members']), (members) => members.coops.every((item) => item.status === 'member'));
    }
    await peers.Bakery.waitFor(/in sync with Ben of Mill \(federation Valley\)/u);
  }, 60_000);

  it('a co-op\'s own documents never reach a federation peer of another co-op', async () => {
    const bakeryConfig = JSON.parse(await tallystickOk(folders.Bakery, ['status', '--json'])) as { documents: { documentId: string }[] };
    const bakeryDocuments = bakeryConfig.documents.map((item) => item.documentId);
    expect(bakeryDocuments.length).toBeGreaterThan(0);
    const stored = (coop: Coop) => readdirSync(folders[coop], { recursive: true, encoding: 'utf8' });
    for (const coop of ['Mill', 'Farm'] as const) for (const id of bakeryDocuments) expect(stored(coop).some((path) => path.includes(id))).toBe(false);
    // Mill's device, admitted at Bakery's peer for the federation, asks for Bakery's catalog: it gets nothing.
    await peers.Mill.stop();
    const code = (await ok('Bakery', 'invite')).trim();
    const join = await runTallystick(folders.Mill, ['join', code]);
    expect(join.code).toBe(1);
    expect(join.stderr).not.toContain('Joined');
    for (const id of bakeryDocuments) expect(stored('Mill').some((path) => path.includes(id))).toBe(false);
    startPeer('Mill', '--connect', bakeryAddress);
  }, 60_000);

  it('a cycle Bakery → Mill → Farm → Bakery: accepted by the peers within policy, planned, proposed, consented, applied everywhere, books updated', async () => {
    await ok('Mill', 'credit', 'extend', 'Bakery', '500');
    await ok('Farm', 'credit', 'extend', 'Mill', '500');
    await ok('Bakery', 'credit', 'extend', 'Farm', '500');
    for (const coop of COOPS) await ok(coop, 'credit', 'policy', '*', '150');
    await everywhere((view) => view.payments.length === 0); // (lines replicate with the next steps)
    for (const [payer, payee, amount] of [['Bakery', 'Mill', '100'], ['Mill', 'Farm', '80'], ['Farm', 'Bakery', '60']] as const) {
      await eventually(() => runTallystick(folders[payer], ['credit', 'pay', payee, amount, '--memo', 'goods']), (result) => result.code === 0);
    }
    await everywhere((view) => view.payments.length >= 2 && view.payments.every((payment) => payment.status === 'settled'));
    await peers.Mill.waitFor(/auto-accepted payment \w+ of 100\.00 from Bakery \(within policy\): settled/u);
    const plan = await eventually(() => tallystickJson<{ total: string }>(folders.Farm, ['clear', 'plan']), (value) => value.total === '180.00');
    expect(plan.total).toBe('180.00'); // 60 off each of the three debts
    expect(await ok('Farm', 'clear', 'propose')).toContain('Waiting for Bakery, Mill to consent');
    for (const coop of ['Bakery', 'Mill'] as const) {
      const view = await eventually(() => lines(coop), (value) => value.clearings.length === 1);
      await ok(coop, 'clear', 'consent', view.clearings[0]!.id);
    }
    await everywhere((view) => view.clearings[0]?.status === 'applied');
    const expected: Record<Coop, Record<string, string>> = {
      Bakery: { 'Income:Trade': '40.00', 'Liabilities:Mutual credit:Mill': '-40.00' },
      Mill: { 'Assets:Mutual credit:Bakery': '40.00', 'Income:Trade': '-20.00', 'Liabilities:Mutual credit:Farm': '-20.00' },
      Farm: { 'Assets:Mutual credit:Mill': '20.00', 'Income:Trade': '-20.00' },
    };
    for (const coop of COOPS) await eventually(() => balances(coop), (value) => JSON.stringify(value) === JSON.stringify(expected[coop]));
  }, 90_000);

  it('concurrent payments that together would cross the line are never both accepted', async () => {
    // Bakery owes Mill 40; with a line of 200, two payments of 100 each fit the policy (150) but cross the line together.
    await ok('Mill', 'credit', 'extend', 'Bakery', '200');
    await eventually(() => lines('Bakery'), (view) => JSON.stringify(view).includes('"limit":"200.00"'));
    // Both written while Bakery's peer is down, so neither knows of the other's acceptance: they reach Mill together.
    expect(await peers.Bakery.stop()).toBe(0);
    await ok('Bakery', 'credit', 'pay', 'Mill', '100');
    await ok('Bakery', 'credit', 'pay', 'Mill', '100');
    peers.Bakery = new CliProcess(folders.Bakery, ['peer'], PASSPHRASE); // the ports of its last run, where the others redial it
    const view = await eventually(() => lines('Mill'), (value) => value.payments.length === 4 && value.payments.slice(-2).some((payment) => payment.status === 'settled'));
    await peers.Mill.waitFor(/left payment \w+ for a person to answer: .*over_limit/u);
    const lastTwo = view.payments.slice(-2).map((payment) => payment.status).sort();
    expect(lastTwo).toEqual(['pending', 'settled']);
    await everywhere((value) => value.debts.some((debt) => debt.debtor === 'Bakery' && debt.creditor === 'Mill' && debt.amount === '140.00'), ['Bakery', 'Mill']);
    const pending = view.payments.find((payment) => payment.status === 'pending')!;
    const accept = await runTallystick(folders.Mill, ['credit', 'accept', pending.id]);
    expect(accept.code).toBe(1);
    expect(accept.stderr).toContain('over_limit');
    await ok('Mill', 'credit', 'decline', pending.id);
  }, 60_000);

  it('a co-op offline: the proposal waits, then expires; a decline leaves the decliner out of the next plan', async () => {
    await ok('Farm', 'credit', 'pay', 'Bakery', '20');
    await everywhere((view) => view.debts.some((debt) => debt.debtor === 'Farm' && debt.creditor === 'Bakery' && debt.amount === '20.00'), ['Farm', 'Bakery']);
    await everywhere((view) => view.payments.every((payment) => payment.status !== 'pending'), ['Mill']);
    expect(await peers.Farm.stop()).toBe(0);
    // Long enough for the proposal to reach Mill and its consent to come back on a loaded machine (3 s was not).
    const deadline = new Date(Date.now() + 15_000).toISOString();
    await ok('Bakery', 'clear', 'propose', '--deadline', deadline);
    const proposal = (await eventually(() => lines('Mill'), (value) => value.clearings.length === 2)).clearings[1]!;
    await ok('Mill', 'clear', 'consent', proposal.id);
    await eventually(() => lines('Bakery'), (value) => value.clearings[1]?.consented.length === 2);
    expect((await lines('Bakery')).clearings[1]).toMatchObject({ status: 'pending', consented: ['Bakery', 'Mill'] });
    await new Promise((resolve) => { setTimeout(resolve, Math.max(0, Date.parse(deadline) - Date.now() + 100)); }); // the deadline must pass
    await ok('Bakery', 'credit', 'extend', 'Farm', '500'); // any later entry concludes it
    for (const coop of ['Bakery', 'Mill'] as const) await eventually(() => lines(coop), (value) => value.clearings[1]?.status === 'expired');

    startPeer('Farm', '--connect', bakeryAddress);
    await eventually(() => lines('Farm'), (value) => value.clearings[1]?.status === 'expired');
    await ok('Bakery', 'clear', 'propose');
    const third = (await eventually(() => lines('Farm'), (value) => value.clearings.length === 3)).clearings[2]!;
    expect(await ok('Farm', 'clear', 'decline', third.id)).toContain('declined (declined by Farm)');
    await everywhere((value) => value.clearings[2]?.status === 'declined');
    const plan = await tallystickJson<{ excluded: string[]; total: string }>(folders.Bakery, ['clear', 'plan']);
    expect(plan).toMatchObject({ excluded: ['Farm'], total: '0.00' });
  }, 90_000);
});
