import { existsSync, watch } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import { Decimal, parseJournal } from '@tallystick/core';
import { UNLOAD_AFTER_WRITE_ENTRIES } from '@tallystick/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balances, balancesOfJsonRows, balancesOfParsedBook, sumBalances } from '../helpers/balances.js';
import { type CliRun, assertCliBuilt, runCli, runCliOk, startCli } from '../helpers/cli.js';
import { type Random, createRandom, generateJournal } from '../helpers/generate-journal.js';

/*
 * kill -9 at a random instant, many times: the real CLI importing a journal or adding transactions is
 * killed by SIGKILL (no handler runs), then the books must open, every "Saved" transaction must be
 * there, an import must be all there or not at all, and importing the same file again must end with
 * exactly the file's balances. Seeded: set TALLYSTICK_CRASH_SEED to replay a failing run.
 */

const SEED = Number(process.env.TALLYSTICK_CRASH_SEED ?? 20_241_125);
const TRIALS = Number(process.env.TALLYSTICK_CRASH_TRIALS ?? 24);
// More entries than UNLOAD_AFTER_WRITE_ENTRIES: the import takes a large batch's path (new months built and
// saved on a thread of their own, each month stored as it is done), the one a real import of a book takes.
const TRANSACTIONS = 6_000;
const ADDS_PER_TRIAL = 4;

let work: string;
let template: string;
let journalPath: string;
let fileBalances: Balances;
let baseline: Balances;
let importMs: number;
/** From the write-ahead batch's appearance to the end of an uninterrupted import. */
let writeMs: number;
/** From the first document write after the batch to the batch's removal (every document on disk). */
let flushMs: number;
let addMs: number;
let trialNumber = 0;

async function balancesOf(dataDir: string, context = ''): Promise<Balances> {
  const run = await runCliOk(dataDir, ['balance', '--flat', '--json'], context);
  return balancesOfJsonRows(JSON.parse(run.stdout) as { account: string; commodity: string; amount: string }[]);
}

/** Nothing in the documents is rejected, no chunk was damaged, no batch is left pending. */
async function expectCleanStore(dataDir: string, context: string): Promise<void> {
  const rejected = await runCli(dataDir, ['rejected', '--json']);
  expect(rejected.code, `${context}: rejected --json\n${rejected.stderr}${rejected.stdout}`).toBe(0);
  expect(JSON.parse(rejected.stdout), context).toEqual([]);
  const names = await readdir(dataDir);
  expect(names, `${context}: damaged chunks were put in quarantine`).not.toContain('quarantine');
  expect(await readdir(join(dataDir, 'storage')), `${context}: damaged chunks were put in quarantine`).not.toContain('quarantine');
  expect(await pendingBatches(dataDir), `${context}: a write-ahead batch was not replayed`).toEqual([]);
}

/** Write-ahead batches as the store names them (`.batch`; `.json` from earlier versions); not temp files. */
function isBatchName(name: string): boolean {
  return !name.startsWith('.tmp-') && (name.endsWith('.batch') || name.endsWith('.json'));
}

async function pendingBatches(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(join(dataDir, 'pending'))).filter(isBatchName);
  } catch {
    return []; // no pending/ folder: nothing was ever written
  }
}

async function freshCopy(): Promise<string> {
  trialNumber += 1;
  const dataDir = join(work, `trial-${trialNumber}`);
  await cp(template, dataDir, { recursive: true });
  return dataDir;
}

function describeRun(run: CliRun): string {
  return `exit ${run.code ?? run.signal} after ${Math.round(run.elapsedMs)} ms${run.killed ? ' (killed)' : ''}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
}

interface ImportPhases {
  /** The write-ahead batch file appeared in pending/: the import's point of no return. */
  readonly batch: Promise<number>;
  /** After that, the first chunk file renamed into place in storage/docs: the documents' flush is landing. */
  readonly flush: Promise<number>;
  /** The batch file was removed: the documents are all on disk. */
  readonly done: Promise<number>;
  close(): void;
}

/** Watches an import's files to tell when its phases begin (inotify, so within a millisecond or so). */
function watchImport(dataDir: string): ImportPhases {
  let batchSeen = false;
  let markBatch: (at: number) => void = () => undefined;
  let markFlush: (at: number) => void = () => undefined;
  let markDone: (at: number) => void = () => undefined;
  const batch = new Promise<number>((resolve) => { markBatch = resolve; });
  const flush = new Promise<number>((resolve) => { markFlush = resolve; });
  const done = new Promise<number>((resolve) => { markDone = resolve; });
  const pending = watch(join(dataDir, 'pending'), (_event, name) => {
    if (!name || !isBatchName(name)) return;
    if (batchSeen && !existsSync(join(dataDir, 'pending', name))) markDone(performance.now());
    batchSeen = true;
    markBatch(performance.now());
  });
  const docs = watch(join(dataDir, 'storage', 'docs'), { recursive: true }, (_event, name) => {
    // docs/<document>/<snapshot|incremental>/<chunk>: a chunk, not a folder or a temp file.
    if (batchSeen && name && name.split(sep).length === 3 && !basename(name).startsWith('.tmp-')) markFlush(performance.now());
  });
  return { batch, flush, done, close: () => { pending.close(); docs.close(); } };
}

type ImportKill = 'anywhere' | 'while writing' | 'while flushing';

/**
 * Import killed at a random instant: anywhere in its normal duration; or once its write-ahead batch is
 * written, anywhere in the normal time from there to its end (documents, flush, index); or once the
 * documents' flush began, anywhere in the normal time the flush takes. Afterwards all of the file or
 * none of it, and a re-import completes it exactly.
 */
async function importTrial(random: Random, label: string, mode: ImportKill): Promise<string> {
  const dataDir = await freshCopy();
  const phases = watchImport(dataDir);
  const started = startCli(dataDir, ['import', journalPath]);
  const limit = mode === 'anywhere' ? importMs : mode === 'while writing' ? writeMs : flushMs;
  const delay = Math.floor(random.next() * limit);
  let timer: NodeJS.Timeout | undefined;
  const from = mode === 'anywhere' ? Promise.resolve(0) : mode === 'while writing' ? phases.batch : phases.flush;
  void from.then(() => { timer = setTimeout(started.kill, delay); });
  const run = await started.finished;
  clearTimeout(timer);
  phases.close();
  const context = `${label}: import killed ${mode} at ${delay} ms: ${describeRun(run)}`;
  if (!run.killed) expect(run.code, context).toBe(0);
  const leftPending = await pendingBatches(dataDir);

  const after = await balancesOf(dataDir, `${context}\nthe books must open after the kill`);
  const complete = sumBalances(baseline, fileBalances);
  const state = JSON.stringify(after) === JSON.stringify(baseline) ? 'absent' : JSON.stringify(after) === JSON.stringify(complete) ? 'present' : 'partial';
  expect(state, `${context}\nbalances after the kill are neither the book before the import nor the book with all of it`).not.toBe('partial');
  if (run.stdout.includes('Imported ') || mode !== 'anywhere') expect(state, `${context}\nthe batch was written (or "Imported" printed), so the import must be there`).toBe('present');
  await expectCleanStore(dataDir, context);

  const again = await runCliOk(dataDir, ['import', journalPath], `${context}\nre-import`);
  expect(await balancesOf(dataDir), `${context}\nre-import: ${again.stdout}`).toEqual(complete);
  if (state === 'present') expect(again.stdout, context).toContain('Nothing new');
  await expectCleanStore(dataDir, `${context}, then imported again`);
  await rm(dataDir, { recursive: true, force: true });
  return `import killed ${mode} at ${delay}/${Math.round(limit)} ms${run.killed ? '' : ' (had finished)'}: ${state}${leftPending.length > 0 ? ' (write-ahead batch replayed)' : ''}`;
}

/** A series of adds, the one running at a random instant killed: every add that said "Saved" is there. */
async function addTrial(random: Random, label: string): Promise<string> {
  const dataDir = await freshCopy();
  const delay = Math.floor(random.next() * addMs * ADDS_PER_TRIAL);
  const deadline = performance.now() + delay;
  const adds = Array.from({ length: ADDS_PER_TRIAL }, (_, index) => ({
    account: `Expenses:Crash:${label.replace(/\W/gu, '')}-${index}`,
    amount: `${1 + random.integer(9999)}.${String(random.integer(100)).padStart(2, '0')}`,
  }));
  const saved: number[] = [];
  let killedAt: number | undefined;
  const log: string[] = [];
  for (const [index, add] of adds.entries()) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    const run = await runCli(dataDir, ['add', '-d', '2024-06-15', '--description', `${label} add ${index}`, '-p', `${add.account}  ${add.amount} USD`, '-p', 'Assets:Cash:Till'], { killAfterMs: left });
    log.push(`add ${index}: ${describeRun(run)}`);
    if (/^Saved transaction [0-9a-f]{12} /mu.test(run.stdout)) saved.push(index);
    if (run.killed) { killedAt = index; break; }
    expect(run.code, log.join('\n')).toBe(0);
  }
  const context = `${label}: adds killed at ${delay} ms\n${log.join('\n')}`;
  const after = await balancesOf(dataDir, `${context}\nthe books must open after the kill`);
  for (const [index, add] of adds.entries()) {
    const key = `${add.account}\u0000USD`;
    const expected = Decimal.parse(add.amount).normalize().toString();
    if (saved.includes(index)) expect(after[key], `${context}\nadd ${index} said "Saved" but is missing`).toBe(expected);
    else if (index === killedAt) expect([undefined, expected], `${context}\nthe killed add ${index} is partly there`).toContain(after[key]);
    else expect(after[key], `${context}\nadd ${index} never ran`).toBeUndefined();
  }
  await expectCleanStore(dataDir, context);
  // The books still take new entries after the crash.
  await runCliOk(dataDir, ['add', '-d', '2024-06-16', '--description', 'after the crash', '-p', 'Expenses:After  1.00 USD', '-p', 'Assets:Cash:Till']);
  expect((await balancesOf(dataDir))['Expenses:After\u0000USD'], context).toBe('1');
  await rm(dataDir, { recursive: true, force: true });
  return `adds killed at ${delay}/${Math.round(addMs * ADDS_PER_TRIAL)} ms: ${saved.length} saved${killedAt === undefined ? '' : `, add ${killedAt} killed`}`;
}

describe('kill -9 during writes', () => {
  beforeAll(async () => {
    await assertCliBuilt();
    console.log(`kill-nine: seed ${SEED}, ${TRIALS} trials (TALLYSTICK_CRASH_SEED=${SEED} replays this run)`);
    work = await mkdtemp(join(tmpdir(), 'tallystick-kill-nine-'));
    template = join(work, 'template');
    await runCliOk(template, ['init', '--coop', 'Crash Bakery', '--member', 'Ada']);
    await runCliOk(template, ['add', '-d', '2022-12-31', '--description', 'opening', '-p', 'Assets:Cash:Till  500.00 USD', '-p', 'Equity:Opening']);
    baseline = await balancesOf(template);
    await mkdir(join(template, 'pending'), { recursive: true });

    journalPath = join(work, 'book.journal');
    expect(TRANSACTIONS).toBeGreaterThan(UNLOAD_AFTER_WRITE_ENTRIES);
    const text = generateJournal(TRANSACTIONS, SEED);
    await writeFile(journalPath, text);
    const parsed = parseJournal(text, { file: journalPath });
    expect(parsed.transactions).toHaveLength(TRANSACTIONS);
    fileBalances = balancesOfParsedBook(parsed);

    // The normal durations, on an uninterrupted run: the range the kills are drawn from.
    const measure = await freshCopy();
    const phases = watchImport(measure);
    const imported = await runCliOk(measure, ['import', journalPath]);
    const ended = performance.now();
    const never = new Promise<number>((resolve) => { setTimeout(() => resolve(ended), 1000); });
    const [batchAt, flushAt, doneAt] = [await Promise.race([phases.batch, never]), await Promise.race([phases.flush, never]), await Promise.race([phases.done, never])];
    phases.close();
    importMs = imported.elapsedMs;
    writeMs = ended - batchAt;
    flushMs = doneAt - flushAt;
    expect(writeMs, 'the import wrote no write-ahead batch to pending/').toBeGreaterThan(0);
    expect(flushMs, 'the import wrote no document after its batch').toBeGreaterThan(0);
    expect(await balancesOf(measure)).toEqual(sumBalances(baseline, fileBalances));
    const addTimes: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      addTimes.push((await runCliOk(measure, ['add', '-d', '2024-06-15', '--description', `measure ${index}`, '-p', 'Expenses:Measure  1 USD', '-p', 'Assets:Cash:Till'])).elapsedMs);
    }
    addMs = addTimes.sort((a, b) => a - b)[1]!;
    await rm(measure, { recursive: true, force: true });
    console.log(`kill-nine: import of ${TRANSACTIONS} transactions takes ${Math.round(importMs)} ms (${Math.round(writeMs)} ms of it after the batch is written, ${Math.round(flushMs)} ms flushing documents), an add ${Math.round(addMs)} ms`);
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`keeps every saved entry and every import whole across ${TRIALS} seeded kills`, async () => {
    const random = createRandom(SEED);
    const outcomes: string[] = [];
    const started = performance.now();
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const label = `seed ${SEED} trial ${trial}`;
      const mode = (['anywhere', 'while writing', 'while flushing'] as const)[Math.floor(trial / 2) % 3]!;
      outcomes.push(`${trial}: ${trial % 2 === 1 ? await addTrial(random, label) : await importTrial(random, label, mode)}`);
    }
    console.log(`kill-nine: ${TRIALS} trials in ${Math.round((performance.now() - started) / 1000)} s\n${outcomes.join('\n')}`);
  }, 600_000);
});
