import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo';

/**
 * automerge-repo storage on the file system that survives `kill -9` at any instant and bit rot:
 * - every chunk is written to a temp file, fsynced, renamed into place, and the folder fsynced,
 *   so a file is either the old one or the whole new one (never torn);
 * - every file starts with a magic and the SHA-256 of its payload; a file that fails the check is
 *   moved to `quarantine/` with a message naming it, and loading goes on with the other chunks
 *   instead of stopping (automerge-repo's own NodeFS adapter does neither: see docs/DECISIONS.md).
 * Keys map to paths segment by segment; a document's chunks live under `docs/<id>/`.
 */
export interface StorageProblem {
  readonly path: string;
  readonly quarantinedAs: string;
  readonly reason: string;
}

export interface FileStorageOptions {
  /** Told about every chunk put aside, so the user sees it. */
  readonly onProblem?: (problem: StorageProblem) => void;
  /** fsync each write (default true). Tests of speed may turn it off; never in normal use. */
  readonly durable?: boolean;
}

const MAGIC = Buffer.from('TSK1', 'ascii');
const HEADER_BYTES = MAGIC.length + 32;
const MAX_CHUNK_BYTES = 512 * 1024 * 1024;

export class FileStorageAdapter implements StorageAdapterInterface {
  readonly root: string;
  private readonly onProblem: (problem: StorageProblem) => void;
  private readonly durable: boolean;
  /** Problems seen since this adapter was created (also reported through onProblem). */
  readonly problems: StorageProblem[] = [];

  constructor(root: string, options: FileStorageOptions = {}) {
    this.root = root;
    this.onProblem = options.onProblem ?? (() => undefined);
    this.durable = options.durable ?? true;
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    return this.readChunk(this.pathOf(key));
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    if (data.length > MAX_CHUNK_BYTES) throw new Error(`refusing to store a chunk of ${data.length} bytes under ${key.join('/')}`);
    const path = this.pathOf(key);
    await this.track(writeFileAtomic(path, encodeChunk(data), this.durable));
    this.logChange('saved', path);
  }

  async remove(key: StorageKey): Promise<void> {
    const path = this.pathOf(key);
    await this.track(rm(path, { force: true }));
    this.logChange('removed', path);
  }

  /**
   * Resolves when no write or removal is in flight. automerge-repo's `flush()` can return while a
   * throttled save of the same document is still writing, so "saved" means flush, then this.
   */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  private async track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    try {
      return await operation;
    } finally {
      this.inFlight.delete(operation);
    }
  }

  async loadRange(keyPrefix: StorageKey): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    for (const path of await this.filesUnder(keyPrefix)) {
      const data = await this.readChunk(path);
      if (data !== undefined) chunks.push({ key: this.keyOf(path), data });
    }
    return chunks;
  }

  async removeRange(keyPrefix: StorageKey): Promise<void> {
    await this.track(Promise.all(this.pathsOfPrefix(keyPrefix).map((path) => rm(path, { recursive: true, force: true }))));
  }

  /**
   * Every stored key under a prefix, without reading the files: the cheap fingerprint of a
   * document's stored state (chunk names are content hashes), used to tell whether an index is current.
   */
  async listKeys(keyPrefix: StorageKey = []): Promise<StorageKey[]> {
    return (await this.filesUnder(keyPrefix)).map((path) => this.keyOf(path));
  }

  private async filesUnder(keyPrefix: StorageKey): Promise<string[]> {
    return (await Promise.all(this.pathsOfPrefix(keyPrefix).map(listFiles))).flat();
  }

  /**
   * Where keys starting with a prefix live. A prefix of one segment (a document id, or a name kept in
   * misc/) or none says nothing of the folder a key's later segments pick, so it covers both.
   */
  private pathsOfPrefix(keyPrefix: StorageKey): string[] {
    if (keyPrefix.length > 1) return [this.pathOf(keyPrefix)];
    this.pathOf(keyPrefix); // refuses an unsafe segment
    return [join(this.root, 'docs', ...keyPrefix), join(this.root, 'misc', ...keyPrefix)];
  }

  /**
   * A digest of every document chunk's name. Chunk names are content hashes, so the digest changes
   * whenever any document changes (or a chunk is quarantined): a derived index built at one digest is
   * current exactly while the digest is unchanged. Costs a directory walk, no file reads.
   */
  async fingerprint(): Promise<string> {
    return fingerprintOf(await this.listing());
  }

  /** The names (relative paths) of every document chunk, sorted. */
  async listing(): Promise<string[]> {
    return (await listFiles(join(this.root, 'docs'))).map((path) => relative(this.root, path)).sort();
  }

  /**
   * What this adapter wrote and removed since `startChangeLog()`: with the listing from before, a
   * caller can tell whether anyone else changed the documents meanwhile.
   */
  startChangeLog(): void {
    this.changeLog = { saved: new Set(), removed: new Set() };
  }

  /** The listing expected now if only this adapter changed the documents since `before` was taken. */
  expectedListing(before: readonly string[]): string[] {
    const log = this.changeLog;
    if (!log) throw new Error('startChangeLog() was not called');
    const names = new Set(before);
    for (const name of log.removed) names.delete(name);
    for (const name of log.saved) names.add(name);
    return [...names].sort();
  }

  private changeLog: { saved: Set<string>; removed: Set<string> } | undefined;

  private logChange(kind: 'saved' | 'removed', path: string): void {
    if (!this.changeLog) return;
    const name = relative(this.root, path);
    this.changeLog[kind === 'saved' ? 'removed' : 'saved'].delete(name);
    this.changeLog[kind].add(name);
  }

  private async readChunk(path: string): Promise<Uint8Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const problem = chunkProblem(bytes);
    // A plain Uint8Array, as the interface says: a Buffer's slice() shares memory where Uint8Array's copies.
    if (problem === undefined) return new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, bytes.length - HEADER_BYTES);
    await this.quarantine(path, problem);
    return undefined;
  }

  private async quarantine(path: string, reason: string): Promise<void> {
    const name = relative(this.root, path).split(sep).join('__');
    const quarantinedAs = join(this.root, 'quarantine', `${name}.${Date.now()}.${randomBytes(4).toString('hex')}`);
    await mkdir(dirname(quarantinedAs), { recursive: true });
    await rename(path, quarantinedAs);
    const problem = { path, quarantinedAs, reason };
    this.problems.push(problem);
    this.onProblem(problem);
  }

  private pathOf(key: StorageKey): string {
    for (const segment of key) {
      if (!/^[A-Za-z0-9_.-]+$/u.test(segment) || segment === '.' || segment === '..') {
        throw new Error(`storage key segment ${JSON.stringify(segment)} is not a safe file name`);
      }
    }
    const [first, ...rest] = key;
    // Documents get their own folder under docs/; other keys (adapter id, sync state) under misc/.
    if (first !== undefined && rest.length > 0 && ['snapshot', 'incremental', 'sync-state'].includes(rest[0]!)) {
      return join(this.root, 'docs', first, ...rest);
    }
    return join(this.root, 'misc', ...key);
  }

  private keyOf(path: string): StorageKey {
    const parts = relative(this.root, path).split(sep);
    return parts[0] === 'docs' || parts[0] === 'misc' ? parts.slice(1) : parts;
  }
}

export function fingerprintOf(listing: readonly string[]): string {
  return createHash('sha256').update(listing.join('\n')).digest('hex');
}

export function encodeChunk(data: Uint8Array): Buffer {
  const digest = createHash('sha256').update(data).digest();
  return Buffer.concat([MAGIC, digest, data]);
}

function chunkProblem(bytes: Buffer): string | undefined {
  if (bytes.length < HEADER_BYTES) return `file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header (truncated)`;
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return 'file does not start with the Tallystick chunk header';
  const digest = createHash('sha256').update(bytes.subarray(HEADER_BYTES)).digest();
  if (!digest.equals(bytes.subarray(MAGIC.length, HEADER_BYTES))) return 'checksum mismatch (the file was damaged after it was written)';
  return undefined;
}

/** Write to a temp file in the same folder, fsync, rename over the target, fsync the folder. */
export async function writeFileAtomic(path: string, bytes: Uint8Array, durable = true): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temporary, fsConstants.O_CREAT | fsConstants.O_WRONLY | fsConstants.O_EXCL, 0o600);
  try {
    await handle.writeFile(bytes);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  if (durable) await syncFolder(folder);
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Files below a path (the path itself if it is a file), sorted; temp files left by a crash are skipped. */
async function listFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.name.startsWith('.tmp-')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(child)));
    else if (entry.isFile()) found.push(child);
  }
  return found.sort();
}
