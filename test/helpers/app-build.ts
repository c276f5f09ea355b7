import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './cli.js';

/*
 * The app's real build (`electron-vite build`, as `npm start` does it), once per test run. Several browser
 * test files run at the same time in their own processes; each build empties out/ first, so two at once
 * would pull the pages from under a running server. One process builds under a lock; the others wait,
 * then see from the stamp (the test run's parent process id) that this run has built it already.
 */
const LOCK = join(REPO_ROOT, 'test-artifacts', '.app-build.lock');
const STAMP = join(REPO_ROOT, 'test-artifacts', '.app-build.stamp');
const WAIT_LIMIT_MS = 180_000;

export async function buildAppOnce(): Promise<void> {
  mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
  const run = String(process.ppid);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`the app build lock ${LOCK} was held for over ${WAIT_LIMIT_MS / 1000} s (remove it if no test is running)`);
      await sleep(200);
    }
  }
  try {
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === run && existsSync(join(REPO_ROOT, 'out', 'renderer', 'index.html'))) return;
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: REPO_ROOT, env: { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}` }, stdio: 'pipe' });
    writeFileSync(STAMP, run);
  } finally {
    rmdirSync(LOCK);
  }
}
