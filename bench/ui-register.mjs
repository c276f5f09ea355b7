#!/usr/bin/env node
// The app's register on a book of 100,000 transactions, measured in Debian's Chromium with the Performance
// API (issue 7): first paint of the register (from asking for the account to its first rows on screen)
// and the frame times while it scrolls. Targets: first paint under 1 s; no frame over 50 ms. A second, traced
// scroll reports the main thread's CPU time per task, which the machine's load does not inflate.
//
//   node bench/ui-register.mjs [--transactions N] [--seed S]
//
// The book is the books bench's generated journal, imported once into bench/.data/ui-books-n…-s…
// (reused by later runs); the app is served by `tallystick ui` as the browser mode runs it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI, NODE, ROOT } from './measure.mjs';
import { DEFAULT_SEED, DEFAULT_TRANSACTIONS, defaultFolder, writeBook } from './generate-book.mjs';

const PASSPHRASE = 'bench-passphrase';
const CHROMIUM = '/usr/bin/chromium';
const SCROLL_MS = 3000;
const TARGET_FIRST_PAINT_MS = 1000;
const TARGET_FRAME_MS = 50;

export async function runUiRegisterBench({ transactions = DEFAULT_TRANSACTIONS, seed = DEFAULT_SEED, log = console.log } = {}) {
  if (!existsSync(CHROMIUM)) {
    log(`ui register: skipped, ${CHROMIUM} is not installed`);
    return true;
  }
  const { chromium } = await import('playwright-core');
  const { dataDir, account, postings } = prepareBooks({ transactions, seed, log });
  const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE };
  // The app's own build, as `npm start` serves it.
  execFileSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, env: { ...env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${env.PATH}` }, stdio: 'pipe' });
  const { child, address } = await startUi(dataDir, env);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(address);
    await page.getByRole('table', { name: 'Accounts and balances' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Alt+2');
    const input = page.getByRole('combobox', { name: 'Account for the register' });
    await input.waitFor();
    // Time from the account being asked for to the first frame that shows its rows.
    await page.evaluate(() => { window.__registerAsked = performance.now(); });
    await input.fill(account);
    const firstPaintMs = await page.evaluate(() => new Promise((resolve) => {
      const check = () => {
        if (document.querySelector('.register-scroll [role="row"]')) requestAnimationFrame(() => resolve(performance.now() - window.__registerAsked));
        else requestAnimationFrame(check);
      };
      check();
    }));
    const rows = await page.evaluate(() => Number(document.querySelector('[role="table"][aria-rowcount]')?.getAttribute('aria-rowcount') ?? 0) - 1);
    const loadBefore = loadavg()[0];
    const frames = await scrollFrames(page);
    // The same scroll again under a Chromium trace: the main thread's CPU time per task does not count the
    // time the renderer waited for a core, so it tells the page's own work from the machine's load.
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    await scrollFrames(page);
    const work = mainThreadWork(JSON.parse((await browser.stopTracing()).toString('utf8')));
    const sorted = [...frames].sort((a, b) => a - b);
    const result = {
      rows, firstPaintMs, work, load: [loadBefore, loadavg()[0]], frames: frames.length, p50: sorted[Math.floor(sorted.length / 2)] ?? 0, p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0, max: sorted.at(-1) ?? 0,
    };
    const ok = result.firstPaintMs < TARGET_FIRST_PAINT_MS && result.max <= TARGET_FRAME_MS && rows === postings;
    log('');
    log(`The app's register in Chromium (${account}: ${rows} rows of a ${transactions}-transaction book; expected ${postings})`);
    log('| measure | value | target | |');
    log('|---|--:|--:|---|');
    log(`| first paint of the register | ${result.firstPaintMs.toFixed(0)} ms | < ${TARGET_FIRST_PAINT_MS} ms | ${result.firstPaintMs < TARGET_FIRST_PAINT_MS ? 'ok' : 'MISSED'} |`);
    log(`| scroll frames (${result.frames} in ${SCROLL_MS / 1000} s): p50 / p95 | ${result.p50.toFixed(1)} / ${result.p95.toFixed(1)} ms | | |`);
    log(`| longest scroll frame | ${result.max.toFixed(1)} ms | ≤ ${TARGET_FRAME_MS} ms | ${result.max <= TARGET_FRAME_MS ? 'ok' : 'MISSED'} |`);
    log(`| main-thread CPU per task while scrolling (${work.tasks} tasks, traced): p95 / longest | ${work.p95Ms.toFixed(1)} / ${work.maxMs.toFixed(1)} ms | | |`);
    log(`(load average ${result.load.map((value) => value.toFixed(2)).join(' → ')} on ${cpus().length} cores: frames over the target with short tasks mean the page waited for a core)`);
    return ok;
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

/** Scrolls the register for SCROLL_MS, a screen and a half per frame down then back, and returns each frame's length (rAF to rAF). */
function scrollFrames(page) {
  return page.evaluate((durationMs) => new Promise((resolve) => {
    const scroller = document.querySelector('.register-scroll');
    const times = [];
    let last = performance.now();
    const started = last;
    const step = (now) => {
      times.push(now - last);
      last = now;
      scroller.scrollTop += (Math.floor((now - started) / (durationMs / 2)) % 2 === 0 ? 1 : -1) * 1400;
      if (now - started < durationMs) requestAnimationFrame(step);
      else resolve(times.slice(1));
    };
    requestAnimationFrame(step);
  }), SCROLL_MS);
}

/** The renderer main thread's top-level tasks in a trace: their CPU time (tdur), p95 and longest, in ms. */
function mainThreadWork(trace) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = new Set(events.filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain').map((event) => `${event.pid}:${event.tid}`));
  const cpu = events.filter((event) => event.ph === 'X' && event.name === 'RunTask' && main.has(`${event.pid}:${event.tid}`)).map((event) => (event.tdur ?? 0) / 1000).sort((a, b) => a - b);
  return { tasks: cpu.length, p95Ms: cpu[Math.floor(cpu.length * 0.95)] ?? 0, maxMs: cpu.at(-1) ?? 0 };
}

/** A data folder holding the generated book (imported once), and the top-level account with the most postings. */
export function prepareBooks({ transactions, seed, log }) {
  const folder = defaultFolder({ transactions, seed });
  const journal = join(folder, 'book.journal');
  if (!existsSync(journal)) writeBook({ transactions, seed, out: folder });
  const dataDir = join(ROOT, 'bench', '.data', `ui-books-n${transactions}-s${seed}`);
  const env = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE };
  if (!existsSync(join(dataDir, 'imported'))) {
    rmSync(dataDir, { recursive: true, force: true });
    log(`ui register: importing ${journal} into ${dataDir} (once)`);
    execFileSync(NODE, [CLI, '--data', dataDir, 'init', '--coop', 'Bench Co-op', '--member', 'Bench'], { env, stdio: 'pipe' });
    execFileSync(NODE, [CLI, '--data', dataDir, 'import', journal], { env, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
    execFileSync('touch', [join(dataDir, 'imported')]);
  }
  const counts = new Map();
  for (const line of readFileSync(journal, 'utf8').split('\n')) {
    const match = /^\s+([A-Z][^\s;]*(?: [^\s;]+)*)(?:\s{2,}|\t|$)/u.exec(line);
    // By top-level account: the register of `Assets` holds every posting to an asset, the largest register a book has.
    if (match) { const root = match[1].split(':')[0]; counts.set(root, (counts.get(root) ?? 0) + 1); }
  }
  const [account, postings] = [...counts].sort((a, b) => b[1] - a[1])[0];
  return { dataDir, account, postings };
}

export function startUi(dataDir, env) {
  const child = spawn(NODE, [CLI, '--data', dataDir, 'ui'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tallystick ui printed no address in 60 s:\n${output}`)), 60_000);
    const read = (chunk) => {
      output += chunk.toString();
      const match = /open at (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/u.exec(output);
      if (match) { clearTimeout(timer); resolve({ child, address: match[1] }); }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tallystick ui exited ${code}:\n${output}`)); });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const number = (flag, fallback) => { const index = argv.indexOf(flag); return index < 0 ? fallback : Number(argv[index + 1]); };
  runUiRegisterBench({ transactions: number('--transactions', DEFAULT_TRANSACTIONS), seed: number('--seed', DEFAULT_SEED) })
    .then((ok) => { process.exitCode = ok ? 0 : 1; }, (error) => { console.error(error); process.exitCode = 1; });
}
