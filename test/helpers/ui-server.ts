import { type ChildProcess, spawn } from 'node:child_process';
import { CLI, NODE, REPO_ROOT } from './cli.js';
import { type Browser, chromium } from 'playwright-core';

/**
 * Starts `tallystick ui` on a data folder, as a member would, and resolves with the address it prints
 * (with its per-launch token). The process is added to `servers`, which the test stops in afterAll.
 * `args` go after `ui` (`--listen`, `--peer`, `--no-sync`); `onOutput` sees everything it prints.
 */
export function startUi(folder: string, env: NodeJS.ProcessEnv, servers: ChildProcess[], args: readonly string[] = [], onOutput?: (text: string) => void): Promise<string> {
  const child = spawn(NODE, [CLI, '--data', folder, 'ui', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tallystick ui printed no address in 20 s:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      onOutput?.(chunk.toString());
      const match = /open at (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/u.exec(output);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tallystick ui exited ${code}:\n${output}`)); });
  });
}

/** SIGTERM to each `tallystick ui` (its peer saves what it received and hangs up), resolved once every one has exited. */
export async function stopUis(servers: readonly ChildProcess[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) { resolve(); return; }
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  })));
}

/** Resolves once `read()` (what a `tallystick ui` printed so far) matches, e.g. its "Sync: …" line; fails after `timeoutMs`. */
export async function untilPrinted(read: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`tallystick ui did not print ${pattern} within ${timeoutMs} ms:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Debian's Chromium, headless, as every browser test drives it (playwright-core brings no browser of its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
