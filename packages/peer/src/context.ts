import { readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TallystickError } from '@tallystick/core';
import type { CoopStore, NodeEntrySigner } from '@tallystick/sync';
// The cold-report fast path loads neither Automerge nor the store: only these two small modules.
import { type BookView, indexStateKey, readCurrentIndex } from '@tallystick/sync/book-index';
import { DataFolder, defaultDataDir } from '@tallystick/sync/data-folder';
import { refuseDamagedStorage } from '@tallystick/sync/storage-damage';

/** The store and everything Automerge, loaded only by commands that need the documents. */
export async function loadSync(): Promise<typeof import('@tallystick/sync')> {
  return import('@tallystick/sync');
}

/** What every command gets: where the data is, how to talk to the user, the clock. */
export interface CommandContext {
  readonly dataDir: string;
  readonly coop?: string;
  /** Which federation of the data folder (issue 6), by name or id. */
  readonly federation?: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
}

export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? defaultDataDir(env);
}

export function print(context: CommandContext, text: string): void {
  context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function warn(context: CommandContext, text: string): void {
  context.stderr.write(`${text}\n`);
}

/** A progress line on a terminal (rewritten in place, at most ~10 times a second); nothing otherwise. */
export function progress(context: CommandContext, label: string): { update: (done: number, total: number) => void; done: () => void } {
  if (!context.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  return {
    update: (done, total) => {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      context.stderr.write(`\r${label} ${done}/${total} (${total === 0 ? 100 : Math.floor((done * 100) / total)}%)`);
    },
    done: () => context.stderr.write('\r\u001b[K'),
  };
}

export async function openFolder(context: CommandContext): Promise<DataFolder> {
  return DataFolder.open(context.dataDir);
}

/** Whether the passphrase comes from the environment (no prompt). */
export function passphraseGiven(context: CommandContext): boolean {
  const fromEnv = context.env.TALLYSTICK_PASSPHRASE;
  return fromEnv !== undefined && fromEnv !== '';
}

/** The passphrase: TALLYSTICK_PASSPHRASE, else asked on the terminal without echo. */
export async function readPassphrase(context: CommandContext, prompt = 'Passphrase: '): Promise<string> {
  if (passphraseGiven(context)) return context.env.TALLYSTICK_PASSPHRASE!;
  if (!context.stdin.isTTY) {
    throw new TallystickError('no_passphrase', 'a passphrase is needed to sign entries: set TALLYSTICK_PASSPHRASE, or run on a terminal to be asked');
  }
  return askHidden(context, prompt);
}

async function askHidden(context: CommandContext, prompt: string): Promise<string> {
  const output = context.stderr as NodeJS.WritableStream & { write: (chunk: string) => boolean };
  let muted = false;
  const muting = new (await import('node:stream')).Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) output.write(chunk.toString());
      callback();
    },
  });
  const readline = createInterface({ input: context.stdin, output: muting, terminal: true });
  try {
    output.write(prompt);
    muted = true;
    const answer = await new Promise<string>((resolve) => readline.question('', resolve));
    output.write('\n');
    return answer;
  } finally {
    readline.close();
  }
}

export async function unlockSigner(context: CommandContext, folder: DataFolder): Promise<NodeEntrySigner> {
  const { unlockDeviceKeyFile } = await loadSync();
  return unlockDeviceKeyFile(folder.keyPath, await readPassphrase(context));
}

/**
 * The book for read-only commands: from the index when it is current (no document load, no signature
 * checks), else rebuilt from the documents. A write-ahead batch left by a killed process forces the
 * slow path, which replays it first.
 */
export async function loadBookView(context: CommandContext): Promise<BookView> {
  const folder = await openFolder(context);
  const coopId = folder.coopId(context.coop);
  await refuseDamagedStorage(folder.storageDir, 'the books are not shown');
  if (!(await hasPendingBatches(folder))) {
    const view = await readCurrentIndex(folder, coopId);
    if (view) return view;
  }
  const { CoopStore, FileStorageAdapter, rebuildIndex } = await loadSync();
  // Before opening: a peer running on this folder may save between the catalog's load and the index's write.
  const fingerprintBeforeOpen = await new FileStorageAdapter(folder.storageDir).fingerprint();
  const store = await CoopStore.open(folder, coopId, (problem) => warn(context, `tallystick: storage: ${problem.reason}: ${problem.path} was put aside as ${problem.quarantinedAs}`));
  try {
    const bar = progress(context, 'reading documents');
    const { view } = await rebuildIndex(store, { onProgress: bar.update, fingerprintBeforeOpen });
    bar.done();
    // Reading may have found and put aside a damaged chunk just now: what was read is then short.
    await refuseDamagedStorage(folder.storageDir, 'the books are not shown');
    return view;
  } finally {
    await store.close();
  }
}

/**
 * `loadBookView` for a long-running process: the view read last is kept while the documents and the
 * index stay as they were (a 100k book's index takes ~0.4 s to read and check, every screen asks for it).
 */
export function cachedBookViews(): (context: CommandContext) => Promise<BookView> {
  let cached: { key: string; view: BookView } | undefined;
  return async (context) => {
    const folder = await openFolder(context);
    const coopId = folder.coopId(context.coop);
    const key = (await hasPendingBatches(folder)) ? undefined : await indexStateKey(folder, coopId);
    if (key !== undefined && cached?.key === key) return cached.view;
    const view = await loadBookView(context);
    // Kept only if nothing changed while it was read (a write or a peer's change in between would make it stale).
    const after = (await hasPendingBatches(folder)) ? undefined : await indexStateKey(folder, coopId);
    cached = key !== undefined && after === key ? { key, view } : undefined;
    return view;
  };
}

async function hasPendingBatches(folder: DataFolder): Promise<boolean> {
  try {
    return (await readdir(folder.pendingDir)).some((name) => name.endsWith('.batch') || name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Opens the co-op's store for writing, reporting damaged chunks as they are found. */
export async function openStore(context: CommandContext, folder: DataFolder): Promise<CoopStore> {
  const { CoopStore } = await loadSync();
  return CoopStore.open(folder, context.coop, (problem) => warn(context, `tallystick: storage: ${problem.reason}: ${problem.path} was put aside as ${problem.quarantinedAs}`));
}

/** Today's date in the local time zone, as a bookkeeper means "today". */
export function today(now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
