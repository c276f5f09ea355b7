// What the benches share: running one command as a measured child process (wall time around the
// child, peak RSS from /usr/bin/time, a timeout that kills its process group), medians over runs, and
// the number formats of the tables. Used by bench/run.mjs (the books) and bench/clearing.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TIME = '/usr/bin/time';
export const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;
export const CLI = join(ROOT, 'packages/peer/bin/tallystick.mjs');

/**
 * Runs one command as a child process; resolves (never rejects) with its outcome:
 * { ok, seconds, peakKiB, code, stdout, stderr, error }.
 */
export function measure(command, args, { cwd = ROOT, env = {}, timeoutSeconds }) {
  const timed = existsSync(TIME);
  const scratch = mkdtempSync(join(tmpdir(), 'tallystick-bench-time-'));
  const timeFile = join(scratch, 'time.txt');
  const [program, programArgs] = timed ? [TIME, ['-f', '%e %M', '-o', timeFile, command, ...args]] : [command, args];
  return new Promise((resolvePromise) => {
    const started = performance.now();
    // Detached: the child leads its own process group, so a timeout kills the tool, not just /usr/bin/time.
    const child = spawn(program, programArgs, { cwd, env: { ...process.env, LEDGER_FILE: '', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutSeconds * 1000);
    let finished = false;
    const finish = (code, spawnError) => {
      // 'error' can be followed by 'close': settle once.
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const elapsedSeconds = (performance.now() - started) / 1000;
      const timeText = timed && existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
      rmSync(scratch, { recursive: true, force: true });
      const usage = /^(\d+(?:\.\d+)?) (\d+)/mu.exec(timeText);
      const cannotRun = /\/usr\/bin\/time: (cannot run .*)/u.exec(timeText)?.[1];
      const error = spawnError?.message ?? (timedOut ? `timed out after ${timeoutSeconds} s (killed)` : cannotRun ?? (code === 0 ? undefined : `exit ${code}`));
      resolvePromise({
        ok: error === undefined,
        seconds: elapsedSeconds,
        peakKiB: usage ? Number(usage[2]) : undefined,
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        error,
      });
    };
    child.on('error', (error) => finish(-1, error));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : -1)));
  });
}

/**
 * Runs `run(index)` up to `runs` times, stopping early when `enough(results)` says so; median of the
 * successful runs' wall times, max of their peaks. The first failure stops the series.
 */
export async function measureRuns(label, runs, run, enough = () => false) {
  const results = [];
  for (let index = 0; index < runs && !enough(results); index += 1) {
    const result = await run(index);
    if (!result.ok) return { ok: false, runs: results.length + 1, failure: result };
    results.push(result);
    log(`  ${label}: run ${index + 1}/${runs} ${seconds(result.seconds * 1000)} s, ${mebibytes(result.peakKiB)} MiB`);
  }
  const times = results.map((result) => result.seconds).sort((a, b) => a - b);
  const peaks = results.map((result) => result.peakKiB).filter((peak) => peak !== undefined);
  return { ok: true, runs: results.length, seconds: times[Math.floor(times.length / 2)], peakKiB: peaks.length > 0 ? Math.max(...peaks) : undefined };
}

export function tail(text, lines = 30) {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`... (${all.length - lines} lines before)`, ...all.slice(-lines)] : all).join('\n');
}

export function toolVersion(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 ? result.stdout.split('\n')[0].trim() : `${command}: not found`;
}

export function nodeVersion() {
  return spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

export const out = (text) => process.stdout.write(`${text}\n`);
export const log = (text) => process.stderr.write(`${text}\n`);
export const seconds = (milliseconds) => (milliseconds / 1000).toFixed(2);
export const mebibytes = (kibibytes) => (kibibytes === undefined ? 'n/a' : (kibibytes / 1024).toFixed(0));
export const relative = (path) => (path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path);
