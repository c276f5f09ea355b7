import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ToolBalance, sortBalances } from '../oracles/hledger.js';

/*
 * Runs the real `tallystick` command as a bookkeeper would: a separate Node 22 process on the compiled
 * CLI (packages/peer/dist, built by `npm run build`), real files in a temporary data folder.
 */

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const LAUNCHER = join(REPO_ROOT, 'packages', 'peer', 'bin', 'tallystick.mjs');
export const PASSPHRASE = 'some-passphrase';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails early, with what to do, when the CLI has not been compiled. */
export function assertCliBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'packages', 'peer', 'dist', 'main.js'))) {
    throw new Error('packages/peer/dist is missing: run `npx tsc -b packages/core packages/sync packages/peer` (or `npm run build`) first');
  }
}

export function makeTemporaryFolder(label: string): string {
  return mkdtempSync(join(tmpdir(), `tallystick-${label}-`));
}

/** `tallystick --data DATA ARGS…`; resolves with the exit code and both outputs (never rejects on a non-zero exit). */
export function runTallystick(dataDir: string, args: readonly string[], options: { cwd?: string } = {}): Promise<CliResult> {
  // A clean environment: no co-op or data folder chosen from the caller's shell, a fixed passphrase.
  const env: NodeJS.ProcessEnv = { ...process.env, TALLYSTICK_PASSPHRASE: PASSPHRASE };
  delete env.TALLYSTICK_DATA;
  delete env.TALLYSTICK_COOP;
  return new Promise((resolve, reject) => {
    const child = execFile(NODE, [LAUNCHER, '--data', dataDir, ...args], { env, cwd: options.cwd ?? REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`tallystick ${args.join(' ')} could not be run: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** Runs a command that must succeed; returns its standard output. */
export async function tallystickOk(dataDir: string, args: readonly string[]): Promise<string> {
  const result = await runTallystick(dataDir, args);
  if (result.code !== 0) throw new Error(`tallystick ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Runs a command that prints JSON and must succeed. */
export async function tallystickJson<T>(dataDir: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await tallystickOk(dataDir, [...args, '--json'])) as T;
}

export interface BalanceRowJson {
  readonly account: string;
  readonly commodity: string;
  readonly amount: string;
  readonly period?: string;
}

/** `balance --flat --json` as the oracles give balances: trailing zeros dropped, zeros left out, sorted. */
export async function flatBalances(dataDir: string): Promise<ToolBalance[]> {
  const rows = await tallystickJson<BalanceRowJson[]>(dataDir, ['balance', '--flat']);
  return sortBalances(rows
    .map((row) => ({ account: row.account, commodity: row.commodity, amount: plainDecimal(row.amount) }))
    .filter((row) => row.amount !== '0'));
}

/** A decimal string without trailing fractional zeros ("-12.50" → "-12.5", "-0.00" → "0"). */
export function plainDecimal(text: string): string {
  if (!/^-?\d+(\.\d+)?$/u.test(text)) throw new Error(`not a plain decimal: ${JSON.stringify(text)}`);
  let result = text.includes('.') ? text.replace(/0+$/u, '').replace(/\.$/u, '') : text;
  result = result.replace(/^(-?)0+(?=\d)/u, '$1');
  return result === '-0' ? '0' : result;
}

/**
 * Every file of a data folder with the SHA-256 of its content, leaving out the derived index (a cache that
 * read commands may rewrite): two equal snapshots mean no entry, key or setting was written.
 */
export function snapshotBooks(dataDir: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const name = relative(dataDir, path);
      if (name === 'index') continue;
      if (entry.isDirectory()) visit(path);
      else snapshot[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  visit(dataDir);
  return snapshot;
}

/** What an error message for a user must not look like: a JavaScript stack. */
export const STACK_TRACE = /^\s+at\s+\S.*(?:\(|:\d+:\d+)/mu;
