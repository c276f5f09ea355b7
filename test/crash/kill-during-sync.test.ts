import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balances, balancesOfJsonRows } from '../helpers/balances.js';
import { PASSPHRASE, runCli, runCliOk } from '../helpers/cli.js';
import { CliProcess, killAllCliProcesses } from '../helpers/cli-process.js';
import { createRandom, generateJournal } from '../helpers/generate-journal.js';
import { assertCliBuilt, makeTemporaryFolder } from '../cli/run-tallystick.js';

/*
 * kill -9 while receiving: a member's `tallystick sync` (and a new device's `join`) is killed by SIGKILL at
 * a random instant while 24 months arrive from a running peer. Every time, the books must open at once
 * (no month missing, nothing rejected, nothing in quarantine), and a sync (or join) run again must end
 * with exactly the sender's balances. Seeded: TALLYSTICK_CRASH_SEED replays a run.
 */

const SEED = Number(process.env.TALLYSTICK_CRASH_SEED ?? 20_261_125);
const TRIALS = 4;
const LOOPBACK = ['--listen', '/ip4/127.0.0.1/tcp/0'];

let root: string;
let ana: string;
let bea: string;
let anaPeer: CliProcess;
let code: string;

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('kill-during-sync');
  ana = join(root, 'ana');
  bea = join(root, 'bea');
  await runCliOk(ana, ['init', '--coop', 'Riverside', '--member', 'Ana', '--rule', 'quorum:1']);
  anaPeer = new CliProcess(ana, ['peer', ...LOOPBACK], PASSPHRASE);
  await anaPeer.address();
  code = (await runCliOk(ana, ['invite'])).stdout.trim();
  await admit(bea, 'Bea');
  await runCliOk(bea, ['join', code]);
  // Then a large import on Ana's device: the running peer picks it up, and Bea has 24 months to receive.
  const journal = join(root, 'books.journal');
  writeFileSync(journal, generateJournal(2_500, SEED));
  const mark = anaPeer.output.length;
  await runCliOk(ana, ['import', journal]);
  await anaPeer.waitFor(/picked up changes written on this device: catalog/u, mark);
}, 60_000);

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(root, { recursive: true, force: true });
});

/** A new device asks, is refused, and Ana votes its key in (quorum 1). */
async function admit(dataDir: string, name: string): Promise<void> {
  const refused = await runCli(dataDir, ['join', code]);
  expect(refused.code).toBe(1);
  const key = /This device's key: ([0-9a-f]{64})/u.exec(refused.stdout)![1]!;
  const mark = anaPeer.output.length;
  const id = /^Proposed ([0-9a-f]+):/mu.exec((await runCliOk(ana, ['propose', 'add-member', name, '--device', key])).stdout)![1]!;
  await runCliOk(ana, ['vote', id, 'yes']);
  await anaPeer.waitFor(/roster: \d+ members/u, mark);
}

async function balancesOf(dataDir: string, context: string): Promise<Balances> {
  const run = await runCliOk(dataDir, ['balance', '--flat', '--json'], context);
  return balancesOfJsonRows(JSON.parse(run.stdout) as { account: string; commodity: string; amount: string }[]);
}

/** The books open at once, count every entry they hold, and nothing was damaged. */
async function expectReadableBooks(dataDir: string, context: string): Promise<void> {
  await balancesOf(dataDir, context);
  const rejected = await runCli(dataDir, ['rejected', '--json']);
  expect(rejected.code, `${context}: ${rejected.stderr}`).toBe(0);
  expect(JSON.parse(rejected.stdout), context).toEqual([]);
  expect(existsSync(join(dataDir, 'storage', 'quarantine')), `${context}: damaged chunks`).toBe(false);
}

/** Starts a command and kills it -9 `delayMs` after it starts receiving (or when it ends by itself). */
async function killWhileReceiving(dataDir: string, args: readonly string[], delayMs: number, receiving: RegExp): Promise<boolean> {
  const process = new CliProcess(dataDir, args, PASSPHRASE);
  const connected = await process.waitFor(receiving, 0, 20_000).then(() => true, () => false);
  if (connected) await Promise.race([new Promise((resolve) => setTimeout(resolve, delayMs)), process.exited]);
  const finished = process.output.includes('Synced with Ana') || process.output.includes('Joined co-op');
  await process.kill();
  return !finished;
}

describe('kill -9 while a device receives the books from a peer', () => {
  it('a member\'s sync: the books open after every kill, and a sync run again converges', async () => {
    const random = createRandom(SEED);
    const expected = await balancesOf(ana, 'ana');
    let interrupted = 0;
    for (let trial = 1; trial <= TRIALS; trial += 1) {
      const delayMs = random.integer(600);
      if (await killWhileReceiving(bea, ['sync'], delayMs, /connected: Ana/u)) interrupted += 1;
      await expectReadableBooks(bea, `trial ${trial} (seed ${SEED}, killed ${delayMs} ms after connecting)`);
    }
    expect(interrupted, 'no kill landed during a sync: the trials tested nothing').toBeGreaterThan(0);
    await runCliOk(bea, ['sync']);
    expect(await balancesOf(bea, 'bea after the last sync')).toEqual(expected);
  }, 60_000);

  it('a new device\'s join: it holds either no co-op or all of it, and joining again converges', async () => {
    const random = createRandom(SEED + 1);
    const expected = await balancesOf(ana, 'ana');
    // Early in the fetch, and late (about when the co-op is recorded here), each with a seeded jitter.
    for (const [index, baseMs] of [0, 1_500].entries()) {
      const cy = join(root, `cy${index}`);
      await admit(cy, `Cy ${index}`);
      const delayMs = baseMs + random.integer(200);
      const context = `join killed ${delayMs} ms after it started fetching (seed ${SEED + 1})`;
      await killWhileReceiving(cy, ['join', code], delayMs, /^Fetching Riverside/u);
      const status = await runCli(cy, ['status', '--json']);
      if (status.code === 0) {
        await expectReadableBooks(cy, context);
        expect(await balancesOf(cy, context), `${context}: recorded last, so all of it is here`).toEqual(expected);
      } else {
        expect(status.stderr, context).toContain('holds no co-op yet');
        expect((await runCliOk(cy, ['join', code])).stdout).toContain('Joined co-op "Riverside"');
      }
      expect(await balancesOf(cy, `${context}, then joined`)).toEqual(expected);
    }
  }, 60_000);
});
