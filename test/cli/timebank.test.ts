import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeDocuments, makeDeviceFolder } from '../helpers/device-folders.js';
import { writeAs } from '../helpers/write-as.js';
import { STACK_TRACE, assertCliBuilt, makeTemporaryFolder, runTallystick, snapshotBooks, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * The time bank with the real `tallystick` command on real data folders, one per device. Alice founds
 * the co-op; Bob, Cora (a coordinator) and Carol (no device of her own: her key is made once and never
 * used) are admitted by vote. Each device's data folder starts as a copy of Alice's with its own key.
 * Until replication exists (issue 4), `exchange(a, b)` copies the document chunks each folder lacks
 * from the other: chunks are content-addressed, so the union of two folders' chunks is the merge of
 * their documents, which is what sync will deliver.
 */

let root: string;
const folders: Record<string, string> = {};
const keys: Record<string, string> = {};

interface BalanceJson {
  member: string | null;
  balanceMinutes: number;
  balance: string;
}

/** Brings two device folders to the same documents (the shared helper copies the chunks each lacks). */
const exchange = exchangeDocuments;

/** A device folder for `member`: the co-op's documents and settings from Alice's folder, the member's own key. */
function deviceFolder(member: string): string {
  return makeDeviceFolder({ coopFolder: folders.Alice!, keyFolder: folders[`${member}-key`]!, folder: join(root, `${member}-device`) });
}

const ok = (member: string, ...args: string[]) => tallystickOk(folders[member]!, args);
const run = (member: string, ...args: string[]) => runTallystick(folders[member]!, args);
const json = <T>(member: string, ...args: string[]) => tallystickJson<T>(folders[member]!, args);

async function balances(member: string): Promise<Record<string, string>> {
  const rows = await json<BalanceJson[]>(member, 'hours', 'balances');
  return Object.fromEntries(rows.map((row) => [row.member ?? 'community', row.balance]));
}

async function adopt(...proposal: string[]): Promise<void> {
  await ok('Alice', 'propose', ...proposal);
  const proposals = await json<{ id: string }[]>('Alice', 'proposals');
  expect(await ok('Alice', 'vote', proposals[proposals.length - 1]!.id.slice(0, 12), 'yes')).toContain('the proposal is adopted');
}


async function pendingIds(member: string): Promise<string[]> {
  return (await json<{ waitingForMe: { id: string }[] }>(member, 'hours', 'pending')).waitingForMe.map((exchange) => exchange.id);
}

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('timebank');
  folders.Alice = join(root, 'alice');
  await tallystickOk(folders.Alice, ['init', '--coop', 'Riverside Time Bank', '--member', 'Alice', '--role', 'member=timebank,vote', '--role', 'coordinator=coordinate,vote', '--rule', 'quorum:1']);
  for (const member of ['Bob', 'BobPhone', 'Cora', 'Carol', 'Mallory']) {
    folders[`${member}-key`] = join(root, `${member.toLowerCase()}-key`);
    await tallystickOk(folders[`${member}-key`]!, ['init', '--coop', `${member}'s own`, '--member', member]);
    keys[member] = (await tallystickJson<{ device: string }>(folders[`${member}-key`]!, ['whoami'])).device;
  }
  await adopt('add-member', 'Bob', '--device', keys.Bob!);
  await adopt('add-device', 'Bob', keys.BobPhone!);
  await adopt('add-member', 'Cora', '--device', keys.Cora!, '--role', 'coordinator');
  await adopt('add-member', 'Carol', '--device', keys.Carol!);
  folders.Bob = deviceFolder('Bob');
  folders.BobPhone = deviceFolder('BobPhone');
  folders.Cora = deviceFolder('Cora');
  folders.Mallory = deviceFolder('Mallory');
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tallystick hours on separate device folders', () => {
  it('Alice logs two hours for Bob on her machine; Bob sees it pending on his and confirms; both see Alice +2, Bob -2', async () => {
    expect(await ok('Alice', 'hours', 'log', '--to', 'Bob', '--hours', '2', '--date', '2024-06-01', '--description', 'fixed the bike')).toMatch(/^Logged [0-9a-f]{12}: Alice gave Bob 2:00 on 2024-06-01 \(fixed the bike\)/u);
    expect(await pendingIds('Bob')).toEqual([]);
    exchange(folders.Alice!, folders.Bob!);
    const [pending] = await pendingIds('Bob');
    expect(pending).toBeDefined();
    expect(await ok('Bob', 'hours', 'pending')).toContain('Alice gave Bob 2:00: fixed the bike; logged by Alice, waiting for Bob');
    expect(await balances('Bob')).toMatchObject({ Alice: '0:00', Bob: '0:00' });
    expect(await ok('Bob', 'hours', 'confirm', pending!.slice(0, 8))).toContain('Balances now: Alice +2:00, Bob -2:00.');
    exchange(folders.Alice!, folders.Bob!);
    for (const member of ['Alice', 'Bob']) expect(await balances(member)).toEqual({ Alice: '+2:00', Bob: '-2:00', Carol: '0:00', community: '0:00' });
    expect(await ok('Alice', 'hours', 'balances')).toMatch(/Alice\s+\+2:00\s+2:00\s+0:00/u);
  });

  it('a decline: Bob logs an hour he received from Alice, Alice declines with a reason, Bob sees why; it never counts', async () => {
    await ok('Bob', 'hours', 'log', '--from', 'Alice', '--minutes', '60', '--date', '2024-06-02', '--description', 'soup');
    exchange(folders.Alice!, folders.Bob!);
    const [id] = await pendingIds('Alice');
    expect(await ok('Alice', 'hours', 'decline', id!.slice(0, 10), '--reason', 'that was Carol')).toContain('will not count; Bob sees why');
    exchange(folders.Alice!, folders.Bob!);
    const history = await json<{ unsettled: { id: string; status: string; note: string }[] }>('Bob', 'hours', 'history');
    expect(history.unsettled).toEqual([expect.objectContaining({ id, status: 'declined', note: 'declined: that was Carol' })]);
    expect(await balances('Bob')).toMatchObject({ Alice: '+2:00', Bob: '-2:00' });
    const again = await run('Bob', 'hours', 'confirm', id!.slice(0, 10));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/declined already|you logged/u);
  });

  it('a limit set by vote: a confirmation that would cross it is refused with the reason and nothing is written', async () => {
    await adopt('timebank-rules', 'lowest=-3', 'highest=10');
    exchange(folders.Alice!, folders.Bob!);
    expect(await ok('Bob', 'hours', 'rules')).toContain('lowest balance -3:00, highest balance 10:00, no opening grant');
    await ok('Alice', 'hours', 'log', '--to', 'Bob', '--hours', '1:30', '--date', '2024-06-03', '--description', 'gutters');
    exchange(folders.Alice!, folders.Bob!);
    const [id] = await pendingIds('Bob');
    const before = snapshotBooks(folders.Bob!);
    const refused = await run('Bob', 'hours', 'confirm', id!.slice(0, 10));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`tallystick: cannot confirm ${id!.slice(0, 12)}: it would take Bob's balance to -3:30, below the lowest the rules allow (-3:00); nothing was written. It stays pending: confirm it once the balance allows, or decline it\n`);
    expect(snapshotBooks(folders.Bob!)).toEqual(before);
    expect(await pendingIds('Bob')).toEqual([id]);
  });

  it('two devices of Bob confirm offline, together crossing the limit: the same one counts on every device, the other is shown refused', async () => {
    await ok('Alice', 'hours', 'log', '--to', 'Bob', '--minutes', '45', '--date', '2024-06-04', '--description', 'ironing');
    await ok('Alice', 'hours', 'log', '--to', 'Bob', '--minutes', '30', '--date', '2024-06-04', '--description', 'dishes');
    exchange(folders.Alice!, folders.Bob!);
    exchange(folders.Bob!, folders.BobPhone!);
    // Bob is at -2:00 and the limit is -3:00: 0:45 and 0:30 are each fine alone, not together.
    const waiting = (await json<{ waitingForMe: { id: string; description: string }[] }>('Bob', 'hours', 'pending')).waitingForMe;
    const idOf = (description: string) => waiting.find((exchange) => exchange.description === description)!.id;
    const laptop = await run('Bob', 'hours', 'confirm', idOf('ironing').slice(0, 12));
    expect(laptop.stdout).toContain('Balances now: Alice +2:45, Bob -2:45.');
    const phone = await run('BobPhone', 'hours', 'confirm', idOf('dishes').slice(0, 12));
    expect(phone.stdout).toContain('Balances now: Alice +2:30, Bob -2:30.');
    for (const [a, b] of [['Bob', 'BobPhone'], ['Alice', 'Bob'], ['Bob', 'BobPhone']] as const) exchange(folders[a]!, folders[b]!);
    const seen = await Promise.all(['Alice', 'Bob', 'BobPhone'].map((member) => balances(member)));
    expect(seen).toEqual([seen[0], seen[0], seen[0]]);
    const rejected = JSON.parse((await runTallystick(folders.BobPhone!, ['rejected', '--json'])).stdout) as { code: string; reason: string }[];
    const refusals = rejected.filter((entry) => entry.code === 'below_lowest_balance');
    expect(refusals).toHaveLength(1);
    // Which one counts is the earlier in the time-bank order (same date: the earlier author time, here the laptop's).
    expect(seen[0]).toMatchObject({ Alice: '+2:45', Bob: '-2:45' });
    expect(refusals[0]!.reason).toBe('it would take Bob\'s balance to -3:15, below the lowest the rules allow (-3:00)');
    const pending = await json<{ waitingForMe: { id: string; limitRefusals: { code: string }[] }[] }>('BobPhone', 'hours', 'pending');
    expect(pending.waitingForMe).toContainEqual(expect.objectContaining({ id: idOf('dishes'), limitRefusals: [expect.objectContaining({ code: 'below_lowest_balance' })] }));
    expect(await ok('Bob', 'hours', 'pending')).toContain('dishes; logged by Alice, waiting for Bob; a confirmation was refused: it would take Bob\'s balance to -3:15');
  });

  it('a reversal: Alice corrects her counted two hours; it counts once Bob confirms, and the balances return', async () => {
    const history = await json<{ counted: { id: string; description: string }[] }>('Alice', 'hours', 'history');
    const bike = history.counted.find((row) => row.description === 'fixed the bike')!;
    const minutesOf = async (member: string) => Object.fromEntries((await json<BalanceJson[]>(member, 'hours', 'balances')).map((row) => [row.member ?? 'community', row.balanceMinutes]));
    const before = await minutesOf('Alice');
    expect(await ok('Alice', 'hours', 'reverse', bike.id.slice(0, 12), '--date', '2024-06-05', '--description', 'the bike was Carol\'s job')).toContain(`of ${bike.id.slice(0, 12)}: Bob gives Alice back 2:00`);
    exchange(folders.Alice!, folders.Bob!);
    const reversal = (await json<{ waitingForMe: { id: string; reverses?: string }[] }>('Bob', 'hours', 'pending')).waitingForMe.find((exchange) => exchange.reverses === bike.id);
    await ok('Bob', 'hours', 'confirm', reversal!.id.slice(0, 12));
    exchange(folders.Alice!, folders.Bob!);
    expect(await minutesOf('Bob')).toEqual({ ...before, Alice: before.Alice! - 120, Bob: before.Bob! + 120 });
    expect(await ok('Alice', 'hours', 'history')).toMatch(new RegExp(`${bike.id.slice(0, 12)} .*reversed by [0-9a-f]{12}`, 'u'));
    const again = await run('Alice', 'hours', 'reverse', bike.id.slice(0, 12));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is already reversed by');
  });

  it('a coordinator records a paper slip for Carol, who has no device: it counts at once and is shown as a slip', async () => {
    exchange(folders.Alice!, folders.Cora!);
    expect(await ok('Cora', 'hours', 'record', '--provider', 'Carol', '--receiver', 'Alice', '--hours', '1', '--slip', 'slip 17', '--date', '2024-06-06', '--description', 'mended a coat'))
      .toMatch(/Recorded [0-9a-f]{12} from paper slip slip 17: Carol gave Alice 1:00 on 2024-06-06\. It counts now\./u);
    exchange(folders.Alice!, folders.Cora!);
    expect(await ok('Alice', 'hours', 'history', 'Carol')).toMatch(/\+1:00\s+\+1:00\s+[0-9a-f]{12}\s+to Alice: mended a coat \[paper slip slip 17, recorded by Cora\]/u);
    const own = await run('Alice', 'hours', 'record', '--provider', 'Carol', '--receiver', 'Bob', '--hours', '1', '--slip', 'slip 18', '--description', 'x');
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('Alice\'s role member may not (it needs \'coordinate\')');
  });

  it('a non-member is refused up front with the reason, and what a stranger signs anyway is listed as rejected', async () => {
    exchange(folders.Alice!, folders.Mallory!);
    const before = snapshotBooks(folders.Mallory!);
    const attempt = await run('Mallory', 'hours', 'log', '--to', 'Bob', '--hours', '1', '--description', 'nothing');
    expect(attempt.code).toBe(1);
    expect(attempt.stderr).toMatch(/^tallystick: this device may not log hours: its key [0-9a-f]{16}… is no member's device/u);
    expect(attempt.stderr).not.toMatch(STACK_TRACE);
    expect(snapshotBooks(folders.Mallory!)).toEqual(before);
    const [forged] = await writeAs(folders['Mallory-key']!, folders.Mallory!, [{ kind: 'exchange', payload: { date: '2024-06-07', provider: 'Bob', receiver: 'Alice', minutes: 600, description: 'forged' } }]);
    exchange(folders.Alice!, folders.Mallory!);
    const rejected = JSON.parse((await run('Alice', 'rejected', '--json')).stdout) as { id: string; code: string; reason: string }[];
    expect(rejected).toContainEqual({ id: forged, kind: 'exchange', code: 'not_a_member_device', reason: `author device ${keys.Mallory!.slice(0, 16)}… is not a device of any member` });
    expect((await run('Alice', 'hours', 'balances')).stderr).toBe('');
  });

  it('offers and requests: add, search, link an exchange, close; reports by month and category; CSV export', async () => {
    expect(await ok('Alice', 'offers', 'add', '--title', 'Bike repairs', '--description', 'Brakes, gears, punctures', '--category', 'Repairs', '--tag', 'bikes')).toMatch(/^Saved offer [0-9a-f]{12} by Alice: Bike repairs \[repairs; bikes\]/u);
    await ok('Alice', 'requests', 'add', '--title', 'Help moving a sofa', '--category', 'moving');
    const offers = await json<{ id: string; title: string }[]>('Alice', 'offers', 'list', '--search', 'GEARS');
    expect(offers.map((offer) => offer.title)).toEqual(['Bike repairs']);
    expect(await json<unknown[]>('Alice', 'offers', 'list', '--category', 'moving')).toEqual([]);
    expect(await json<{ title: string }[]>('Alice', 'requests', 'list', '--category', 'moving')).toEqual([expect.objectContaining({ title: 'Help moving a sofa' })]);
    await ok('Alice', 'hours', 'log', '--to', 'Bob', '--hours', '0.5', '--date', '2024-07-01', '--description', 'brakes', '--offer', offers[0]!.id.slice(0, 8));
    exchange(folders.Alice!, folders.Bob!);
    const brakes = (await json<{ waitingForMe: { id: string; description: string; category: string }[] }>('Bob', 'hours', 'pending')).waitingForMe.find((exchange) => exchange.description === 'brakes');
    expect(brakes?.category).toBe('repairs');
    await ok('Bob', 'hours', 'confirm', brakes!.id.slice(0, 12));
    exchange(folders.Alice!, folders.Bob!);
    expect(await ok('Alice', 'offers', 'close', offers[0]!.id.slice(0, 8), '--note', 'moving away')).toContain('Closed offer');
    expect(await json<unknown[]>('Alice', 'offers', 'list')).toEqual([]);
    expect(await ok('Alice', 'offers', 'list', '--all')).toMatch(/Bike repairs {2}\[repairs\] {2}#bikes {2}\[closed \d{4}-\d{2}-\d{2} by Alice: moving away\]/u);
    expect(await json<{ category: string; minutes: number }[]>('Alice', 'hours', 'categories')).toContainEqual(expect.objectContaining({ category: 'repairs', minutes: 30 }));
    expect(await json<{ month: string }[]>('Alice', 'hours', 'months')).toContainEqual(expect.objectContaining({ month: '2024-07', exchanges: 1, minutes: 30 }));
    const csvPath = join(root, 'hours.csv');
    expect(await ok('Alice', 'hours', 'export', '--format', 'csv', '-o', csvPath)).toMatch(/^Wrote \d+ rows to /u);
    const csv = readFileSync(csvPath, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('date,kind,status,credited,debited,minutes,hours,description,category,by,slip,id,reverses,reversed_by,answered_by,note');
    expect(csv).toContainEqual(expect.stringMatching(/^2024-06-06,exchange,confirmed,Carol,Alice,60,1:00,mended a coat,,Cora,slip 17,/u));
    expect(csv).toContainEqual(expect.stringMatching(/^2024-06-02,exchange,declined,Alice,Bob,60,1:00,soup,,Bob,,[0-9a-f]{64},,,[0-9a-f]{64},that was Carol$/u));
  });

  it('bad input exits 1 (or 2 for usage) with a clear message, writing nothing', async () => {
    const before = snapshotBooks(folders.Alice!);
    const cases: [string[], number, RegExp][] = [
      [['hours', 'log', '--to', 'Bob', '--description', 'x'], 1, /--hours H .* or --minutes N, one of the two/u],
      [['hours', 'log', '--to', 'Bob', '--from', 'Bob', '--hours', '1', '--description', 'x'], 1, /--to MEMBER .* or --from MEMBER .*, one of the two/u],
      [['hours', 'log', '--to', 'Zed', '--hours', '1', '--description', 'x'], 1, /"Zed" is not a member/u],
      [['hours', 'log', '--to', 'Cora', '--hours', '1', '--description', 'x'], 1, /Cora's role coordinator may not use the time bank/u],
      [['hours', 'log', '--to', 'Alice', '--hours', '1', '--description', 'x'], 1, /two members/u],
      [['hours', 'log', '--to', 'Bob', '--hours', '0.01', '--description', 'x'], 1, /not a whole number of minutes/u],
      [['hours', 'log', '--to', 'Bob', '--hours', '1'], 1, /a description is needed/u],
      [['hours', 'log', '--to', 'Bob', '--hours', '1', '--description', 'x', '--date', '2999-01-01'], 1, /in the future/u],
      [['hours', 'confirm', 'zz'], 1, /is not an id/u],
      [['hours', 'decline', 'abcd'], 2, /required option '--reason <text>' not specified/u],
      [['propose', 'timebank-rules', 'lowest=5'], 1, /lowestBalanceMinutes/u],
      [['propose', 'timebank-rules', 'ceiling=5'], 1, /is not a time-bank rule/u],
      [['hours', 'bogus'], 2, /unknown command 'bogus'/u],
    ];
    for (const [args, code, message] of cases) {
      const result = await run('Alice', ...args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
    expect(snapshotBooks(folders.Alice!)).toEqual(before);
  });
});
