import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { PASSPHRASE, assertCliBuilt, makeTemporaryFolder, runTallystick, tallystickJson, tallystickOk } from './run-tallystick.js';
import { pollUntil } from '../helpers/poll-until.js';

/*
 * A peer takes up, while it runs, a federation that another process on its data folder created or
 * fetched (issue 4): Bakery's and Mill's `tallystick peer` are started first and never restarted; the
 * CLI beside each founds, invites, fetches and joins; the federation's document then moves between the
 * two running peers only. Waits are on log lines and on what commands print, polled.
 */

const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];
let root: string;
const folders = { Bakery: '', Mill: '' };
const peers: Partial<Record<keyof typeof folders, CliProcess>> = {};

const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> => pollUntil(read, check, { timeoutMs });

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('federation-live');
  for (const [coop, member] of [['Bakery', 'Ana'], ['Mill', 'Ben']] as const) {
    folders[coop] = join(root, coop.toLowerCase());
    await tallystickOk(folders[coop], ['init', '--coop', coop, '--member', member]);
    peers[coop] = new CliProcess(folders[coop], ['peer', ...LOOPBACK], PASSPHRASE);
    await peers[coop].address();
  }
}, 60_000);

afterAll(async () => {
  if (process.env.FEDSYNC_LOGS) for (const coop of ['Bakery', 'Mill'] as const) writeFileSync(join(process.env.FEDSYNC_LOGS, `live-${coop}.log`), peers[coop]?.output ?? '');
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

describe('running peers take up federations recorded beside them', () => {
  it('a federation created, then fetched and joined by the CLI, replicates between the two running peers', async () => {
    const bakery = peers.Bakery!;
    const mill = peers.Mill!;
    await tallystickOk(folders.Bakery, ['federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade']);
    await bakery.waitFor(/replicating federation Valley/u, 0, 20_000);

    const card = (await tallystickOk(folders.Mill, ['federation', 'card'])).trim();
    const invited = await tallystickOk(folders.Bakery, ['federation', 'invite', card]);
    const code = /^(tallystick-invite:\S+)$/mu.exec(invited)?.[1];
    expect(code, invited).toBeDefined();
    // Bakery's peer admits Mill's device once it has picked up the invite (written by the CLI, read within a second).
    const fetched = await eventually(() => runTallystick(folders.Mill, ['federation', 'fetch', code!]), (result) => result.code === 0, 20_000);
    expect(fetched.stdout).toContain('replicates it from now on');
    const followed = await mill.waitFor(/replicating federation Valley/u, 0, 20_000);
    expect(followed).toMatch(/its member peer/u);

    await tallystickOk(folders.Mill, ['federation', 'join', '--account', 'Income:Trade']);
    // Mill's join reaches Bakery only through Mill's running peer, which dials the inviter for it.
    await eventually(
      () => tallystickJson<{ coops: { name: string; status: string }[] }>(folders.Bakery, ['federation', 'members']),
      (members) => members.coops.length === 2 && members.coops.every((item) => item.status === 'member'),
    );
    await bakery.waitFor(/in sync with (Ben|the invited device) of Mill \(federation Valley\)/u, 0, 20_000);
    expect(bakery.output).not.toMatch(/stopped/u);
    expect(mill.output).not.toMatch(/stopped/u);
  }, 120_000);

  it('the running peer serves the federation for the co-op that joined while it ran: it accepts a payment within policy', async () => {
    await tallystickOk(folders.Mill, ['credit', 'extend', 'Bakery', '100']);
    await tallystickOk(folders.Mill, ['credit', 'policy', '*', '50']);
    await eventually(() => runTallystick(folders.Bakery, ['credit', 'pay', 'Mill', '20', '--memo', 'flour']), (result) => result.code === 0);
    await peers.Mill!.waitFor(/auto-accepted payment \w+ of 20\.00 from Bakery \(within policy\): settled/u, 0, 30_000);
    const lines = await eventually(
      () => tallystickJson<{ payments: { status: string }[] }>(folders.Bakery, ['credit', 'lines']),
      (view) => view.payments.length === 1 && view.payments[0]!.status === 'settled',
    );
    expect(lines.payments[0]!.status).toBe('settled');
  }, 120_000);
});
