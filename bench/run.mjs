#!/usr/bin/env node
// `npm run bench`: one table comparing Tallystick with ledger, hledger and beancount on the same generated book.
//
//   node bench/run.mjs [--transactions N] [--seed S] [--runs N] [--only anchors|tallystick|books|timebank|clearing|sync|propagation|ui]
//                      [--timeout SECONDS] [--members N] [--exchanges N]
//
// After the books table comes the time bank's (bench/timebank.mjs): 2,000 members and 200,000 exchanges,
// cold `hours balances` and `hours history MEMBER` with the books' cold `balance` beside them.
// Then the clearing table (bench/clearing.mjs): Tallystick's multilateral clearing
// next to networkx on random obligation graphs of 1,000 / 10,000 and 10,000 / 100,000 (same seed).
//
// Every measured command is its own child process, run under /usr/bin/time for its peak RSS; wall time
// is taken around the child here. Each child has a timeout and is killed with its process group when it
// runs over, so a hung tool is reported, never waited on. A failing command is reported with its stderr
// and the run goes on with the rest.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SEED, DEFAULT_TRANSACTIONS, defaultFolder, formatCents, parseCents, parseCsv, writeBook } from './generate-book.mjs';
import { runClearingBench } from './clearing.mjs';
import { DEFAULT_EXCHANGES, DEFAULT_MEMBERS, runTimebankBench } from './timebank.mjs';
import { runSyncBench } from './sync.mjs';
import { runUiRegisterBench } from './ui-register.mjs';
import { CLI, NODE, TIME, log, measure, measureRuns, mebibytes, nodeVersion, out, relative, seconds, tail, toolVersion } from './measure.mjs';

const PASSPHRASE = 'bench-passphrase';
// An import slower than this is measured once rather than median-of-N, to spare the shared machine.
const SLOW_IMPORT_SECONDS = 60;
const INIT_TIMEOUT_SECONDS = 120;

function parseArguments(argv) {
  const options = { transactions: DEFAULT_TRANSACTIONS, seed: DEFAULT_SEED, runs: 3, only: undefined, timeoutSeconds: 600, members: DEFAULT_MEMBERS, exchanges: DEFAULT_EXCHANGES };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const text = argv[index + 1];
    index += 1;
    const count = () => {
      if (text === undefined || !/^\d+$/u.test(text) || (flag !== '--seed' && Number(text) === 0)) throw new Error(`${flag} needs a positive whole number`);
      return Number(text);
    };
    if (flag === '--transactions') options.transactions = count();
    else if (flag === '--seed') options.seed = count();
    else if (flag === '--runs') options.runs = count();
    else if (flag === '--timeout') options.timeoutSeconds = count();
    else if (flag === '--members') options.members = count();
    else if (flag === '--exchanges') options.exchanges = count();
    // `books` (or `anchors,tallystick`): the books table alone, anchors and Tallystick side by side, with its targets.
    else if (flag === '--only' && ['anchors,tallystick', 'tallystick,anchors'].includes(text)) options.only = 'books';
    // `propagation`: the sync bench's propagation part alone (bench/sync.mjs), without importing the book.
    else if (flag === '--only' && ['anchors', 'tallystick', 'books', 'timebank', 'clearing', 'sync', 'propagation', 'ui'].includes(text)) options.only = text;
    else if (flag === '--only') throw new Error('--only takes anchors, tallystick, books (both), timebank, clearing, sync, propagation or ui');
    else throw new Error(`unknown flag ${flag} (flags: --transactions N, --seed S, --runs N, --only anchors|tallystick|books|timebank|clearing|sync|propagation|ui, --timeout SECONDS, --members N, --exchanges N)`);
  }
  return options;
}

/** The book for this seed and size, generated once into bench/.data/ and reused. */
function ensureBook(options) {
  const folder = defaultFolder(options);
  if (existsSync(join(folder, 'book.totals.json'))) {
    log(`book: reusing ${relative(folder)} (${options.transactions} transactions, seed ${options.seed})`);
  } else {
    const started = performance.now();
    const written = writeBook({ transactions: options.transactions, seed: options.seed, out: folder });
    log(`book: generated ${relative(folder)} (${options.transactions} transactions, ${written.accounts} accounts, seed ${options.seed}) in ${seconds(performance.now() - started)} s`);
  }
  return { folder, journal: join(folder, 'book.journal'), beancount: join(folder, 'book.beancount') };
}

async function measureAnchors(book, options) {
  const inBook = { cwd: book.folder, timeoutSeconds: options.timeoutSeconds };
  const anchors = [
    { operation: 'balance report', tool: 'ledger', command: 'ledger', args: ['-f', 'book.journal', 'bal'] },
    { operation: 'balance report', tool: 'hledger', command: 'hledger', args: ['-f', 'book.journal', 'bal'] },
    { operation: 'load + check', tool: 'bean-check', command: 'bean-check', args: ['book.beancount'], env: { BEANCOUNT_DISABLE_LOAD_CACHE: '1' } },
  ];
  const rows = [];
  log('anchors:');
  for (const anchor of anchors) {
    const shown = [anchor.command, ...anchor.args].join(' ');
    const outcome = await measureRuns(shown, options.runs, () => measure(anchor.command, anchor.args, { ...inBook, env: anchor.env }));
    rows.push({ ...anchor, shown, ...outcome });
  }
  return rows;
}

function tallystick(args, options) {
  return measure(NODE, [CLI, ...args], { env: { TALLYSTICK_PASSPHRASE: PASSPHRASE }, timeoutSeconds: options.timeoutSeconds });
}

/** A fresh data folder with `init` done (not timed); a failed init comes back as a failed result. */
async function freshFolder(scratch, name, options) {
  const folder = join(scratch, name);
  // init does little work: a hang there should not cost the full per-command timeout.
  const result = await tallystick(['--data', folder, 'init', '--coop', 'Bench', '--member', 'bench'], { ...options, timeoutSeconds: Math.min(options.timeoutSeconds, INIT_TIMEOUT_SECONDS) });
  return { folder, result: result.ok ? undefined : { ...result, error: `init failed (${result.error})`, shown: `tallystick --data ${folder} init --coop Bench --member bench` } };
}

/** Imports `file` into fresh folders, each its own run: median of N, or one run when the first is slow. */
async function measureImport(label, file, scratch, prefix, options) {
  const folders = [];
  const outcome = await measureRuns(label, options.runs, async (index) => {
    const prepared = await freshFolder(scratch, `${prefix}-${index + 1}`, options);
    if (prepared.result) return prepared.result;
    folders.push(prepared.folder);
    return tallystick(['--data', prepared.folder, 'import', file], options);
  }, (results) => results.length > 0 && results[0].seconds > SLOW_IMPORT_SECONDS);
  const note = outcome.ok && outcome.runs < options.runs ? `1 run: the first took > ${SLOW_IMPORT_SECONDS} s` : undefined;
  return { ...outcome, note, folder: folders[0] };
}

async function measureTallystick(book, options) {
  const help = await tallystick(['--help'], { ...options, timeoutSeconds: 60 });
  const listed = `${help.stdout}${help.stderr}`;
  const missing = ['import', 'balance'].filter((command) => !new RegExp(`\\b${command}\\b`, 'u').test(listed));
  log(`tallystick (${relative(CLI)} on ${NODE === process.execPath ? 'node' : 'node_modules/.bin/node'} ${nodeVersion()}):`);
  if (missing.length > 0) log(`  note: \`tallystick --help\` does not list ${missing.join(', ')}; trying anyway`);
  const scratch = mkdtempSync(join(tmpdir(), 'tallystick-bench-'));
  try {
    const rows = [];
    const journalImport = await measureImport('import book.journal', book.journal, scratch, 'journal', options);
    rows.push({ operation: 'import journal', tool: 'tallystick', shown: 'tallystick --data DIR import book.journal (fresh DIR each run)', ...journalImport });
    const balanceArgs = (folder) => ['--data', folder, 'balance'];
    const balance = journalImport.ok
      ? await measureRuns('cold balance', options.runs, () => tallystick(balanceArgs(journalImport.folder), options))
      : { ok: false, runs: 0, failure: { error: 'skipped: import failed' } };
    rows.push({ operation: 'cold balance', tool: 'tallystick', shown: 'tallystick --data DIR balance', ...balance });
    const beancountImport = await measureImport('import book.beancount', book.beancount, scratch, 'beancount', options);
    rows.push({ operation: 'import beancount', tool: 'tallystick', shown: 'tallystick --data DIR import book.beancount (fresh DIR each run)', ...beancountImport });
    const checks = await checkBalances(book, [['journal import', journalImport], ['beancount import', beancountImport]], options);
    return { rows, checks };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Tallystick's `balance --flat --json` for each imported folder against hledger's flat balance (CSV). */
async function checkBalances(book, imports, options) {
  const available = imports.filter(([, outcome]) => outcome.ok);
  if (available.length === 0) return [{ label: 'balances agree', agree: undefined, detail: 'no import succeeded' }];
  const oracle = await measure('hledger', ['-f', 'book.journal', 'bal', '--flat', '--no-total', '-O', 'csv'], { cwd: book.folder, timeoutSeconds: options.timeoutSeconds });
  if (!oracle.ok) return [{ label: 'balances agree', agree: undefined, detail: `hledger failed: ${oracle.error}\n${tail(oracle.stderr)}` }];
  const expected = totalsFromRows(parseCsv(oracle.stdout).slice(1).map(([account, balance]) => {
    const [amount, commodity] = balance.trim().split(/\s+/u);
    return { account, commodity, amount };
  }));
  const checks = [];
  for (const [label, outcome] of available) {
    const result = await tallystick(['--data', outcome.folder, 'balance', '--flat', '--json'], options);
    if (!result.ok) {
      checks.push({ label: `balances agree (${label})`, agree: false, detail: `tallystick balance --flat --json failed: ${result.error}\n${tail(result.stderr)}` });
      continue;
    }
    let actual;
    try {
      actual = totalsFromRows(JSON.parse(result.stdout));
    } catch (error) {
      checks.push({ label: `balances agree (${label})`, agree: false, detail: `could not read its output: ${error.message}\n${tail(result.stdout)}` });
      continue;
    }
    const differences = compareTotals(expected, actual);
    checks.push({ label: `balances agree (${label} vs hledger bal --flat)`, agree: differences.length === 0, detail: differences.slice(0, 10).join('\n') || `${expected.size} account/commodity totals` });
  }
  return checks;
}

/** Rows of {account, commodity, amount} → Map "account commodity" → cents, zeros left out. */
function totalsFromRows(rows) {
  if (!Array.isArray(rows)) throw new Error('expected a JSON array of {account, commodity, amount}');
  const totals = new Map();
  for (const row of rows) {
    if (typeof row?.account !== 'string' || typeof row.commodity !== 'string' || typeof row.amount !== 'string') throw new Error(`not an {account, commodity, amount} row with string amount: ${JSON.stringify(row)}`);
    const key = `${row.account} ${row.commodity}`;
    totals.set(key, (totals.get(key) ?? 0) + parseCents(row.amount));
  }
  for (const [key, cents] of totals) if (cents === 0) totals.delete(key);
  return totals;
}

function compareTotals(expected, actual) {
  const differences = [];
  for (const [key, cents] of expected) if (actual.get(key) !== cents) differences.push(`${key}: hledger ${formatCents(cents)}, tallystick ${actual.has(key) ? formatCents(actual.get(key)) : 'missing'}`);
  for (const [key, cents] of actual) if (!expected.has(key)) differences.push(`${key}: tallystick ${formatCents(cents)}, hledger has none`);
  return differences;
}

/** The targets: Tallystick against the anchor it has to beat. */
function evaluateTargets(rows) {
  const find = (tool, operation) => rows.find((row) => row.tool === tool && row.operation === operation);
  const ledger = find('ledger', 'balance report');
  const hledger = find('hledger', 'balance report');
  const importRow = find('tallystick', 'import journal');
  const balance = find('tallystick', 'cold balance');
  const targets = [
    { name: 'cold balance ≤ ledger bal time', row: balance, value: balance?.seconds, limit: ledger?.seconds, unit: 's', strict: false, anchorOk: ledger?.ok },
    { name: 'import journal ≤ hledger bal time', row: importRow, value: importRow?.seconds, limit: hledger?.seconds, unit: 's', strict: false, anchorOk: hledger?.ok },
  ];
  const tallyPeaks = [importRow, balance].filter((row) => row?.ok && row.peakKiB !== undefined).map((row) => row.peakKiB);
  const peak = tallyPeaks.length === 2 ? Math.max(...tallyPeaks) : undefined;
  targets.push({ name: 'peak memory (max of import journal, cold balance) < hledger bal', value: peak, limit: hledger?.peakKiB, unit: 'KiB', strict: true, anchorOk: hledger?.ok });
  for (const target of targets) {
    target.ratio = target.value !== undefined && target.limit ? target.value / target.limit : undefined;
    target.status = target.ratio === undefined ? 'n/a' : (target.strict ? target.ratio < 1 : target.ratio <= 1) ? 'ok' : 'MISSED';
    if (target.row) Object.assign(target.row, { ratio: target.ratio, status: target.status, target: target.name });
  }
  return targets;
}

function printTable(rows, targets, checks) {
  const header = ['operation', 'tool', 'runs', 'seconds (median)', 'peak MiB', 'target', 'ratio', ''];
  const body = rows.map((row) => [
    row.operation, row.tool, row.note ? `${row.runs}*` : String(row.runs),
    row.ok ? seconds(row.seconds * 1000) : 'FAILED', row.ok ? mebibytes(row.peakKiB) : '-',
    row.target ?? '', row.ratio === undefined ? '' : row.ratio.toFixed(2), row.status ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => (column >= 2 && column <= 4 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join(' | ')} |`;
  out('');
  out(line(header));
  out(`|${widths.map((width, column) => (column >= 2 && column <= 4 ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`);
  for (const cells of body) out(line(cells));
  for (const row of rows.filter((candidate) => candidate.note)) out(`* ${row.operation}: ${row.note}`);
  out('');
  for (const target of targets) {
    const shown = (value) => (value === undefined ? '?' : target.unit === 'KiB' ? `${mebibytes(value)} MiB` : `${seconds(value * 1000)} s`);
    out(`target ${target.name}: ${shown(target.value)} vs ${shown(target.limit)}${target.ratio === undefined ? '' : ` (ratio ${target.ratio.toFixed(2)})`}: ${target.status}`);
  }
  for (const check of checks) out(`${check.label}: ${check.agree === undefined ? 'not checked' : check.agree ? 'yes' : 'no'}${check.agree ? '' : ` — ${check.detail}`}`);
  const failures = rows.filter((row) => !row.ok);
  for (const row of failures) {
    const failure = row.failure;
    out('');
    out(`FAILED ${row.operation} (${row.tool}): ${failure.shown ?? row.shown}: ${failure.error}`);
    const stderr = tail(failure.stderr ?? '') || tail(failure.stdout ?? '');
    if (stderr) out(stderr.replace(/^/gmu, '    '));
  }
  if (failures.some((row) => row.tool !== 'tallystick' && /cannot run|ENOENT/u.test(row.failure.error))) out('hint: the anchors come from Debian: apt-get install ledger hledger beancount');
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (!existsSync(TIME)) log(`note: ${TIME} is missing, so peak memory is not measured (apt-get install time)`);
  const books = ['clearing', 'timebank', 'sync', 'propagation', 'ui'].includes(options.only) ? { ok: true, rows: [] } : await benchBooks(options);
  const booksBalance = books.rows.find((row) => row.tool === 'tallystick' && row.operation === 'cold balance');
  const timebankOk = options.only === undefined || options.only === 'timebank'
    ? await runTimebankBench(
      { members: options.members, exchanges: options.exchanges, seed: options.seed, runs: options.runs, timeoutSeconds: options.timeoutSeconds },
      { booksBalance, transactions: options.transactions },
    )
    : true;
  const clearingOk = options.only === undefined || options.only === 'clearing'
    ? await runClearingBench({ seed: options.seed, runs: options.runs, timeoutSeconds: options.timeoutSeconds })
    : true;
  // Replication (bench/sync.mjs): a fresh replica of the same book between two peers, and propagation.
  const syncOk = options.only === undefined || options.only === 'sync' || options.only === 'propagation'
    ? await runSyncBench({ transactions: options.transactions, seed: options.seed, entries: 1_000, timeoutSeconds: options.timeoutSeconds, only: options.only === 'propagation' ? 'propagation' : undefined }).catch((error) => {
      log(`sync bench failed: ${error.stack ?? error}`);
      return false;
    })
    : true;
  // The app's register on the same book, in Chromium (bench/ui-register.mjs).
  const uiOk = options.only === undefined || options.only === 'ui'
    ? await runUiRegisterBench({ transactions: options.transactions, seed: options.seed, log }).catch((error) => {
      log(`ui bench failed: ${error.stack ?? error}`);
      return false;
    })
    : true;
  process.exitCode = books.ok && timebankOk && clearingOk && syncOk && uiOk ? 0 : 1;
}

/** The books table: the anchors and Tallystick on the generated book; ok when everything ran and agreed. */
async function benchBooks(options) {
  const book = ensureBook(options);
  const rows = [];
  if (options.only !== 'tallystick') rows.push(...(await measureAnchors(book, options)));
  let checks = [];
  if (options.only !== 'anchors') {
    const measured = await measureTallystick(book, options);
    rows.push(...measured.rows);
    checks = measured.checks;
  }
  const targets = options.only === undefined || options.only === 'books' ? evaluateTargets(rows) : [];
  out(`Tallystick bench: ${options.transactions} transactions (seed ${options.seed}), ${options.runs} run(s) each, timeout ${options.timeoutSeconds} s per command`);
  out(`${toolVersion('ledger', ['--version'])}; ${toolVersion('hledger', ['--version'])}; ${toolVersion('bean-check', ['--version'])}; node ${nodeVersion()}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  printTable(rows, targets, checks);
  return { ok: rows.every((row) => row.ok) && checks.every((check) => check.agree !== false), rows };
}

main().then(
  // Exit when the tables are out: a bench's leftover handle (a peer's socket, a timer) must not keep the run alive.
  () => process.exit(),
  (error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
