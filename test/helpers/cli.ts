import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** The real `tallystick` process, as a user runs it: Node 22 from node_modules, the compiled CLI. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
export const CLI = join(REPO_ROOT, 'packages', 'peer', 'bin', 'tallystick.mjs');
export const PASSPHRASE = 'crash-test-passphrase';

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** True when this run was killed by `killAfterMs` before it ended by itself. */
  readonly killed: boolean;
}

/** Fails with a clear message when the CLI was not compiled (`npm run build`). */
export async function assertCliBuilt(): Promise<void> {
  try {
    await access(join(REPO_ROOT, 'packages', 'peer', 'dist', 'main.js'));
  } catch {
    throw new Error('packages/peer/dist is missing: run `npm run build` before these tests');
  }
}

export interface StartedCli {
  /** Sends SIGKILL (kill -9: no handler, no flush, no exit code) unless the process has ended. */
  kill(): void;
  readonly finished: Promise<CliRun>;
}

/** Starts `tallystick --data DIR ...args`; the caller decides when (if ever) to kill it. */
export function startCli(dataDir: string, args: readonly string[], timeoutMs = 120_000): StartedCli {
  const started = performance.now();
  const child = spawn(NODE, [CLI, '--data', dataDir, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE, TALLYSTICK_COOP: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killed = false;
  let ended = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  child.on('exit', () => { ended = true; });
  const kill = () => {
    if (ended || child.pid === undefined) return;
    killed = true;
    process.kill(child.pid, 'SIGKILL');
  };
  const finished = new Promise<CliRun>((resolve, reject) => {
    const timeout = setTimeout(() => {
      kill();
      reject(new Error(`tallystick ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - started, killed: killed && signal === 'SIGKILL' });
    });
  });
  return { kill, finished };
}

/** Runs `tallystick --data DIR ...args`; with `killAfterMs`, kills it -9 at that instant unless it has ended. */
export async function runCli(dataDir: string, args: readonly string[], options: { killAfterMs?: number } = {}): Promise<CliRun> {
  const started = startCli(dataDir, args);
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(started.kill, options.killAfterMs);
  try {
    return await started.finished;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command that must succeed; its output otherwise says why it did not. */
export async function runCliOk(dataDir: string, args: readonly string[], context = ''): Promise<CliRun> {
  const run = await runCli(dataDir, args);
  if (run.code !== 0) {
    throw new Error(`${context ? `${context}\n` : ''}tallystick ${args.join(' ')} exited ${run.code ?? run.signal}:\n${run.stderr}${run.stdout}`);
  }
  return run;
}
