import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoopStore, DataFolder, type NewEntry, NodeEntrySigner, generateDevicePrivateKey } from '@tallystick/sync';
import { NODE, REPO_ROOT, assertCliBuilt } from '../helpers/cli.js';
import { createRandom } from '../helpers/generate-journal.js';

/*
 * kill -9 during a stream of appends in one process, as a running peer makes them: several appends in
 * flight at once (the group commit), most into a month already loaded (put into the document at once,
 * then flushed, with no write-ahead batch: DECISIONS 34), some for a new month or for two months at once
 * (write-ahead batch). After the kill the store must open, hold every entry whose append had resolved,
 * hold each batch whole or not at all, and leave nothing pending, damaged or unverified.
 * Seeded: TALLYSTICK_CRASH_SEED replays a run.
 */

const SEED = Number(process.env.TALLYSTICK_CRASH_SEED ?? 20_261_207);
const TRIALS = 8;

/** The child: appends until killed; prints `start N ids` before each append and `saved N` once it resolves. */
const CHILD = `
import { CoopStore, DataFolder, NodeEntrySigner } from ${JSON.stringify(join(REPO_ROOT, 'packages/sync/dist/index.js'))};
const [dir, keyHex] = process.argv.slice(2);
const store = await CoopStore.open(await DataFolder.open(dir));
const signer = new NodeEntrySigner(Buffer.from(keyHex, 'hex'));
const entry = (date, text) => ({ kind: 'transaction', payload: {
  date, status: '', description: text, tags: [], links: [], metadata: {},
  postings: [{ account: 'expenses:crash', amount: ['EUR', '1.00'] }, { account: 'assets:cash', amount: ['EUR', '-1.00'] }],
} });
let inFlight = 0;
process.stdout.write('ready\\n');
for (let batch = 0; ; batch += 1) {
  const dates = batch % 11 === 5 ? [\`2025-\${String(1 + (batch % 12)).padStart(2, '0')}-15\`]
    : batch % 7 === 3 ? ['2024-01-20', '2024-02-20'] : ['2024-01-10'];
  const signed = store.signEntries(dates.map((date) => entry(date, \`batch \${batch} \${date}\`)), signer, new Date());
  process.stdout.write(\`start \${batch} \${signed.map((written) => written.id).join(',')}\\n\`);
  inFlight += 1;
  store.appendEntries(signed).then(() => { inFlight -= 1; process.stdout.write(\`saved \${batch}\\n\`); });
  while (inFlight >= 8) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, batch % 3));
}
`;

let work: string;
let template: string;
let childPath: string;
let keyHex: string;

function transaction(date: string, description: string): NewEntry<'transaction'> {
  return {
    kind: 'transaction',
    payload: {
      date, status: '', description, tags: [], links: [], metadata: {},
      postings: [{ account: 'expenses:crash', amount: ['EUR', '1.00'] }, { account: 'assets:cash', amount: ['EUR', '-1.00'] }],
    },
  };
}

/** Runs the child on a folder and kills it with SIGKILL `killAfterMs` after it is ready; its output. */
async function appendUntilKilled(dataDir: string, killAfterMs: number): Promise<string> {
  const child = spawn(NODE, [childPath, dataDir, keyHex], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (output === '' && chunk.toString().startsWith('ready')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])));
  clearTimeout(timer);
  expect(signal, `the child ended on its own (exit ${code}):\n${errors}`).toBe('SIGKILL');
  return output;
}

describe('kill -9 during a stream of appends', () => {
  beforeAll(async () => {
    await assertCliBuilt();
    work = await mkdtemp(join(tmpdir(), 'tallystick-kill-appends-'));
    template = join(work, 'template');
    const privateKey = generateDevicePrivateKey();
    keyHex = Buffer.from(privateKey).toString('hex');
    const signer = new NodeEntrySigner(privateKey);
    const store = await CoopStore.found(await DataFolder.open(template, { create: true }), { coopName: 'Crash Bakery', memberName: 'Ada', signer, now: new Date() });
    await store.appendEntries(store.signEntries([transaction('2024-01-01', 'opening'), transaction('2024-02-01', 'february')], signer, new Date()));
    await store.close();
    childPath = join(work, 'append-until-killed.mjs');
    await writeFile(childPath, CHILD);
  }, 60_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`keeps every resolved append, and each batch whole or absent, across ${TRIALS} seeded kills`, async () => {
    const random = createRandom(SEED);
    const outcomes: string[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const dataDir = join(work, `trial-${trial}`);
      await cp(template, dataDir, { recursive: true });
      const killAfterMs = 50 + Math.floor(random.next() * 1_500);
      const output = await appendUntilKilled(dataDir, killAfterMs);
      const started = new Map<string, string[]>();
      const saved = new Set<string>();
      for (const line of output.split('\n')) {
        const [word, batch, ids] = line.split(' ');
        if (word === 'start' && batch !== undefined && ids !== undefined) started.set(batch, ids.split(','));
        if (word === 'saved' && batch !== undefined) saved.add(batch);
      }
      const context = `seed ${SEED} trial ${trial}: killed ${killAfterMs} ms after ready, ${started.size} appends started, ${saved.size} resolved`;
      expect(saved.size, `${context}: nothing was saved before the kill`).toBeGreaterThan(0);

      const store = await CoopStore.open(await DataFolder.open(dataDir));
      try {
        const read = await store.readEntries();
        expect(read.unverified, context).toEqual([]);
        const present = new Set<string>(read.entries.map((entry) => entry.id));
        let whole = 0;
        for (const [batch, ids] of started) {
          const held = ids.filter((id) => present.has(id)).length;
          if (saved.has(batch)) expect(held, `${context}: append ${batch} resolved but is missing`).toBe(ids.length);
          expect([0, ids.length], `${context}: append ${batch} is partly there`).toContain(held);
          if (held === ids.length) whole += 1;
        }
        outcomes.push(`${context}, ${whole} there after the kill`);
      } finally {
        await store.close();
      }
      expect(existsSync(join(dataDir, 'storage', 'quarantine')), `${context}: a chunk was damaged`).toBe(false);
      expect((await readdir(join(dataDir, 'pending'))).filter((name) => name.endsWith('.batch')), `${context}: a write-ahead batch was left`).toEqual([]);
      await rm(dataDir, { recursive: true, force: true });
    }
    console.log(`kill-during-appends:\n${outcomes.join('\n')}`);
  }, 600_000);
});
