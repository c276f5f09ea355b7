import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

/*
 * A `tallystick` process (a peer, a sync, a join) whose output a test reads as it comes, to wait on what
 * it prints rather than on fixed sleeps; it can be stopped with SIGTERM (as a service manager would) or
 * killed with SIGKILL (kill -9: no handler runs).
 */

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const LAUNCHER = join(REPO_ROOT, 'packages', 'peer', 'bin', 'tallystick.mjs');
const started = new Set<CliProcess>();

export class CliProcess {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly listeners = new Set<() => void>();

  /** `prefix`: a command that runs the process, e.g. `ip netns exec NAME` to run it in a network namespace. */
  constructor(dataDir: string, args: readonly string[], passphrase: string, options: { prefix?: readonly string[] } = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, TALLYSTICK_PASSPHRASE: passphrase };
    delete env.TALLYSTICK_DATA;
    delete env.TALLYSTICK_COOP;
    const command = [...(options.prefix ?? []), NODE, LAUNCHER, '--data', dataDir, ...args];
    this.child = spawn(command[0]!, command.slice(1), { env, cwd: REPO_ROOT });
    const take = (chunk: Buffer) => { this.output += chunk.toString('utf8'); for (const listener of this.listeners) listener(); };
    this.child.stdout.on('data', take);
    this.child.stderr.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      started.delete(this);
      resolve(code);
      for (const listener of this.listeners) listener();
    }));
    started.add(this);
  }

  /** Resolves with the first line matching, counted from `after` characters of output on. */
  waitFor(pattern: RegExp, after = 0, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.output.slice(after).split('\n').find((candidate) => pattern.test(candidate));
        if (line === undefined && this.child.exitCode === null && this.child.signalCode === null) return;
        this.listeners.delete(check);
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`process exited before printing ${pattern}:\n${this.output}`));
        else resolve(line);
      };
      const timer = setTimeout(() => { this.listeners.delete(check); reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.output}`)); }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** The TCP address a peer prints that it listens on (127.0.0.1). */
  async address(): Promise<string> {
    const line = await this.waitFor(/listening on \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//u);
    return /listening on (\S+)/u.exec(line)![1]!;
  }

  /** SIGTERM: a peer must save what it received and exit 0. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL (kill -9) unless it has ended. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Kills every process still running (for afterAll): none must outlive its test. */
export async function killAllCliProcesses(): Promise<void> {
  await Promise.all([...started].map((process) => process.kill()));
}
