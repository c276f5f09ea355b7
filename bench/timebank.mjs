#!/usr/bin/env node
// The time bank's bench (issue 5): a generated time bank of 2,000 members and 200,000 exchanges, then
// cold `hours balances` and `hours history MEMBER`, each a new process, from their start to their exit.
// `bench/run.mjs` runs it after the books table and prints the books' cold `balance` beside it; alone:
//
//   node bench/timebank.mjs [--members N] [--exchanges N] [--seed S] [--runs N] [--generate]
//
// --generate only writes the data folder (what the bench does in a child process when it is missing).
//
// The data folder is generated once into bench/.data/timebank-mM-eE-sS/ (not committed) and reused.
// Deterministic from the seed: member keys are derived from it, dates and pairs drawn with mulberry32.
// Entries are signed with the members' own keys, as their devices would: a party logs each exchange and
// the other confirms it; about 8% are paper slips recorded by the coordinator, 1% stay pending and
// 0.5% are declined. The members are admitted by proposals the founder votes in (quorum of 1), and the
// rules (limits of -50 and +50 hours, an opening grant of 2 hours) are adopted the same way.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRandom } from './generate-book.mjs';
import { CLI, NODE, ROOT, log, measure, measureRuns, mebibytes, out, seconds, tail } from './measure.mjs';

export const DEFAULT_MEMBERS = 2_000;
export const DEFAULT_EXCHANGES = 200_000;
const LIMIT_MINUTES = 50 * 60;
const GRANT_MINUTES = 120;
const CATEGORIES = ['garden', 'repairs', 'childcare', 'cooking', 'transport', 'tutoring', 'computers', 'sewing', 'moving', 'company'];
const FIRST_DAY = Date.UTC(2015, 0, 1);
const DAYS = 3_652;
const DAY_MS = 86_400_000;
/** Entries appended per batch: each batch is all-or-nothing, and bounded in memory. */
const BATCH = 40_000;

export function timebankFolder({ members, exchanges, seed }) {
  return join(ROOT, 'bench', '.data', `timebank-m${members}-e${exchanges}-s${seed}`);
}

export const memberName = (index) => `m${String(index).padStart(4, '0')}`;

/** Writes the time bank into `out` (a fresh data folder); returns what it wrote. */
export async function generateTimebank({ members, exchanges, seed, out, log = () => undefined }) {
  const { createEntry } = await import('@tallystick/core');
  const { CoopStore, DataFolder, NodeEntrySigner, nodeEntryCrypto: crypto } = await import('@tallystick/sync');
  const key = (index) => new NodeEntrySigner(new Uint8Array(createHash('sha256').update(`tallystick timebank bench ${seed} member ${index}`).digest()));
  const signers = Array.from({ length: members }, (_, index) => key(index));
  const random = createRandom(seed);
  const scratch = `${out}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  const folder = await DataFolder.open(scratch, { create: true });
  const founder = signers[0];
  const store = await CoopStore.found(folder, {
    coopName: 'Bench Time Bank', memberName: memberName(0), signer: founder, now: new Date(FIRST_DAY - 30 * DAY_MS),
    roles: [{ name: 'coordinator', may: ['vote', 'coordinate'] }, { name: 'member', may: ['timebank'] }], memberRole: 'coordinator', rule: { kind: 'quorum', yes: 1 },
  });
  try {
    let clock = FIRST_DAY - 29 * DAY_MS;
    let basis = store.controlHeads();
    const control = [];
    const sign = (signer, kind, payload, at = new Date((clock += 1000)).toISOString(), n = 0) => createEntry({ kind, coop: store.coopId, at, n, basis, payload }, signer, crypto);
    const adopt = (action) => {
      const proposal = sign(founder, 'proposal', { action, deadline: '2030-01-01T00:00:00Z' });
      basis = [proposal.id];
      const vote = sign(founder, 'vote', { proposal: proposal.id, choice: 'yes' });
      basis = [vote.id];
      control.push(proposal, vote);
    };
    adopt({ kind: 'set-timebank-rules', rules: { lowestBalanceMinutes: -LIMIT_MINUTES, highestBalanceMinutes: LIMIT_MINUTES, openingGrantMinutes: GRANT_MINUTES, communityLowestBalanceMinutes: -members * GRANT_MINUTES } });
    for (let index = 1; index < members; index += 1) adopt({ kind: 'add-member', name: memberName(index), devices: [signers[index].publicKey], role: 'member' });
    await store.appendEntries(control);
    log(`  ${members} members admitted (${control.length} control entries)`);

    // Members 1.. use the time bank (the founder coordinates); everyone starts with the grant.
    const balance = new Float64Array(members).fill(GRANT_MINUTES);
    const counts = { counted: 0, pending: 0, declined: 0, slips: 0 };
    let batch = [];
    const flush = async () => {
      await store.appendEntries(batch);
      batch = [];
    };
    let dayOfBatch = -1;
    let inDay = 0;
    for (let index = 0; index < exchanges; index += 1) {
      const day = Math.floor((index * DAYS) / exchanges);
      inDay = day === dayOfBatch ? inDay + 1 : 0;
      dayOfBatch = day;
      const date = new Date(FIRST_DAY + day * DAY_MS).toISOString().slice(0, 10);
      const minutes = 15 * (1 + random.integer(16));
      const [provider, receiver] = pairWithinLimits(random, members, balance, minutes);
      const payload = { date, provider: memberName(provider), receiver: memberName(receiver), minutes, description: `help with ${CATEGORIES[index % CATEGORIES.length]} #${index}`, category: CATEGORIES[random.integer(CATEGORIES.length)] };
      // Author times in the order written, so that the time-bank order is the order the generator kept balances in.
      const at = (offsetMs) => new Date(FIRST_DAY + day * DAY_MS + 8 * 3_600_000 + inDay * 1000 + offsetMs).toISOString();
      const fate = random.next();
      if (fate < 0.08) {
        batch.push(sign(founder, 'exchange', { ...payload, slip: `slip ${index}` }, at(0)));
        counts.slips += 1;
      } else {
        const logger = random.next() < 0.5 ? provider : receiver;
        const other = logger === provider ? receiver : provider;
        const exchange = sign(signers[logger], 'exchange', payload, at(0));
        batch.push(exchange);
        if (fate < 0.09) { counts.pending += 1; continue; }
        if (fate < 0.095) {
          batch.push(sign(signers[other], 'exchange-decline', { date, exchange: exchange.id, reason: 'not as logged' }, at(500)));
          counts.declined += 1;
          continue;
        }
        batch.push(sign(signers[other], 'exchange-confirm', { date, exchange: exchange.id }, at(500)));
      }
      balance[provider] += minutes;
      balance[receiver] -= minutes;
      counts.counted += 1;
      if (batch.length >= BATCH) {
        await flush();
        log(`  ${index + 1}/${exchanges} exchanges written`);
      }
    }
    await flush();
    writeFileSync(join(scratch, 'timebank.totals.json'), `${JSON.stringify({ members, exchanges, seed, ...counts, balances: Object.fromEntries([...balance].map((minutes, index) => [memberName(index), index === 0 ? 0 : minutes])) })}\n`);
    await store.close();
  } catch (error) {
    await store.close();
    throw error;
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(scratch, out);
  return { folder: out };
}

/**
 * Two different members (not the founder, who coordinates) such that the exchange keeps both within
 * the limits, as members whose confirmation would cross one would see it refused: drawn again if not.
 */
function pairWithinLimits(random, members, balance, minutes) {
  for (let attempt = 0; ; attempt += 1) {
    let provider = 1 + random.integer(members - 1);
    let receiver = 1 + random.integer(members - 2);
    if (receiver >= provider) receiver += 1;
    const fits = (p, r) => balance[r] - minutes >= -LIMIT_MINUTES && balance[p] + minutes <= LIMIT_MINUTES;
    if (!fits(provider, receiver)) [provider, receiver] = [receiver, provider];
    if (fits(provider, receiver)) return [provider, receiver];
    if (attempt > 1000) throw new Error('bench: no pair of members fits the limits');
  }
}

/**
 * The time bank for these options, generated once and reused. Generated in a child process: the store
 * keeps automerge-repo alive (and its memory) until the process ends.
 */
export async function ensureTimebank(options, log) {
  const folder = timebankFolder(options);
  if (existsSync(join(folder, 'timebank.totals.json'))) {
    log(`time bank: reusing ${folder.slice(ROOT.length + 1)}`);
    return folder;
  }
  const started = performance.now();
  log(`time bank: generating ${options.members} members, ${options.exchanges} exchanges (seed ${options.seed}) into ${folder.slice(ROOT.length + 1)}; once, then reused`);
  const args = [fileURLToPath(import.meta.url), '--generate', '--members', String(options.members), '--exchanges', String(options.exchanges), '--seed', String(options.seed)];
  const child = spawnSync(NODE, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 3_600_000 });
  if (child.status !== 0) throw new Error(`generating the time bank failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`})`);
  log(`time bank: generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return folder;
}

function parseArguments(argv) {
  const options = { members: DEFAULT_MEMBERS, exchanges: DEFAULT_EXCHANGES, seed: 1, runs: 3, generate: false };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, text] = [argv[index], argv[index + 1]];
    if (flag === '--generate') {
      options.generate = true;
      index -= 1;
      continue;
    }
    const key = { '--members': 'members', '--exchanges': 'exchanges', '--seed': 'seed', '--runs': 'runs' }[flag];
    if (key === undefined || text === undefined || !/^\d+$/u.test(text)) throw new Error(`unknown flag or value ${flag} ${text ?? ''} (flags: --members N, --exchanges N, --seed S, --runs N)`);
    options[key] = Number(text);
  }
  if (options.members < 3) throw new Error('--members needs at least 3');
  return options;
}

function tallystick(args, timeoutSeconds) {
  return measure(NODE, [CLI, ...args], { timeoutSeconds });
}

/**
 * Measures the time-bank operations; the first `hours balances` builds the index (untimed, as the
 * books' import leaves its index behind); every measured run is a new process reading it cold.
 */
async function measureTimebank(options) {
  const folder = await ensureTimebank(options, log);
  const totals = JSON.parse(readFileSync(join(folder, 'timebank.totals.json'), 'utf8'));
  const rows = [];
  const prepared = await tallystick(['--data', folder, 'hours', 'balances', '--json'], options.timeoutSeconds);
  if (!prepared.ok) return { rows: [{ operation: 'hours balances (index build)', ok: false, runs: 1, failure: prepared, shown: 'tallystick --data DIR hours balances --json' }], checks: [], totals };
  log(`  index built (${seconds(prepared.seconds * 1000)} s: reads and judges every document once)`);
  const member = memberName(Math.min(42, options.members - 1));
  for (const [operation, args] of [['cold hours balances', ['hours', 'balances']], [`cold hours history ${member}`, ['hours', 'history', member]]]) {
    const outcome = await measureRuns(operation, options.runs, () => tallystick(['--data', folder, ...args], options.timeoutSeconds));
    rows.push({ operation, shown: `tallystick --data DIR ${args.join(' ')}`, ...outcome });
  }
  const balances = JSON.parse(prepared.stdout);
  const differences = balances.filter((row) => row.member !== null && row.balanceMinutes !== totals.balances[row.member]).map((row) => `${row.member}: ${row.balanceMinutes} vs generator ${totals.balances[row.member]}`);
  const sum = balances.reduce((total, row) => total + row.balanceMinutes, 0);
  const checks = [
    { label: `time-bank balances agree with the generator (${balances.length - 1} members)`, agree: differences.length === 0, detail: differences.slice(0, 10).join('\n') },
    { label: 'time-bank balances sum to zero (community included)', agree: sum === 0, detail: `sum ${sum}` },
  ];
  return { rows, checks, indexBuildSeconds: prepared.seconds, totals };
}

function printTable(rows, target, checks) {
  const header = ['operation', 'runs', 'seconds (median)', 'peak MiB', 'target', 'ratio', ''];
  const body = rows.map((row) => [
    row.operation, String(row.runs), row.ok ? seconds(row.seconds * 1000) : 'FAILED', row.ok ? mebibytes(row.peakKiB) : '-',
    row === target.row ? target.name : '', row === target.row && target.ratio !== undefined ? target.ratio.toFixed(2) : '', row === target.row ? target.status : '',
  ]);
  const numeric = new Set([1, 2, 3]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join(' | ')} |`;
  out('');
  out(line(header));
  out(`|${widths.map((width, column) => (numeric.has(column) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`);
  for (const cells of body) out(line(cells));
  out('');
  out(`target ${target.name}: ${target.value === undefined ? '?' : `${seconds(target.value * 1000)} s`}: ${target.status}`);
  for (const check of checks) out(`${check.label}: ${check.agree ? 'yes' : `no — ${check.detail}`}`);
  for (const row of rows.filter((candidate) => !candidate.ok)) {
    out('');
    out(`FAILED ${row.operation}: ${row.shown}: ${row.failure.error}`);
    const text = tail(row.failure.stderr ?? '') || tail(row.failure.stdout ?? '');
    if (text) out(text.replace(/^/gmu, '    '));
  }
}

/**
 * The whole time-bank bench: generate (or reuse) the time bank, measure, print its table with the
 * books' cold balance beside it when the books were measured in the same run; true when all ran and agreed.
 */
export async function runTimebankBench(options, { booksBalance, transactions } = {}) {
  const settings = { members: DEFAULT_MEMBERS, exchanges: DEFAULT_EXCHANGES, seed: 1, runs: 3, timeoutSeconds: 600, ...options };
  log('time bank:');
  const measured = await measureTimebank(settings);
  const rows = [...measured.rows];
  if (booksBalance) rows.push({ ...booksBalance, operation: `cold balance (the books, ${transactions} transactions)` });
  const balances = rows.find((row) => row.operation === 'cold hours balances');
  const value = balances?.ok ? balances.seconds : undefined;
  const target = { name: 'cold hours balances < 1 s', row: balances, value, ratio: value, status: value === undefined ? 'n/a' : value < 1 ? 'ok' : 'MISSED' };
  const totals = measured.totals;
  out('');
  out(`Time bank bench: ${settings.members} members, ${settings.exchanges} exchanges (seed ${settings.seed}: ${totals.counted} counted, ${totals.slips} of them paper slips, ${totals.pending} pending, ${totals.declined} declined), ${settings.runs} run(s) each${measured.indexBuildSeconds ? `; building the index from the documents took ${seconds(measured.indexBuildSeconds * 1000)} s once` : ''}`);
  printTable(rows, target, measured.checks);
  return rows.every((row) => row.ok) && measured.checks.every((check) => check.agree);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.generate) {
    await generateTimebank({ ...options, out: timebankFolder(options), log });
    process.exit(0); // the store's automerge-repo would keep the process alive
  }
  process.exitCode = (await runTimebankBench(options)) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    process.stderr.write(`bench/timebank: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 2;
  });
}
