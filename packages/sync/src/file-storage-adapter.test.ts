import { mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type AutomergeUrl, type Chunk, Repo, generateAutomergeUrl, parseAutomergeUrl, type StorageAdapterInterface, type StorageKey } from '@automerge/automerge-repo';
import { runStorageAdapterTests } from '@automerge/automerge-repo/helpers/tests/storage-adapter-tests.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorageAdapter, type StorageProblem, encodeChunk } from './file-storage-adapter.js';

/*
 * The crash-safe storage on real files: what goes in comes out, damaged chunks are put aside (not
 * trusted, not fatal), a crash's temp files are invisible, the fingerprint follows every change, and no
 * key can reach outside the storage folder. Plus automerge-repo's own acceptance suite and a real Repo.
 */

let root: string;
let problems: StorageProblem[];
let adapter: FileStorageAdapter;

const bytes = (...values: number[]) => new Uint8Array(values);
const DOC = 'Fm2VBsF3vDLnLBJHfx4GzpMQAVv';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false; // absent
  }
}

/** Where the adapter keeps a document chunk: docs/<id>/<type>/<name>. */
function chunkPath(key: StorageKey): string {
  return join(root, 'docs', ...key);
}

async function quarantined(): Promise<string[]> {
  return (await exists(join(root, 'quarantine'))) ? (await readdir(join(root, 'quarantine'))).sort() : [];
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tallystick-fsa-'));
  problems = [];
  adapter = new FileStorageAdapter(root, { onProblem: (problem) => problems.push(problem) });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FileStorageAdapter round trip', () => {
  it('loads what was saved, by key and by prefix, and forgets what was removed', async () => {
    await adapter.save([DOC, 'snapshot', 'aaa'], bytes(1, 2, 3));
    await adapter.save([DOC, 'incremental', 'bbb'], bytes(4));
    await adapter.save([DOC, 'incremental', 'ccc'], bytes(5, 6));
    await adapter.save(['storage-adapter-id'], bytes(9));
    expect(await adapter.load([DOC, 'snapshot', 'aaa'])).toEqual(bytes(1, 2, 3));
    expect(await adapter.load(['storage-adapter-id'])).toEqual(bytes(9));
    expect(await adapter.load([DOC, 'snapshot', 'missing'])).toBeUndefined();
    expect(await adapter.loadRange([DOC, 'incremental'])).toEqual([
      { key: [DOC, 'incremental', 'bbb'], data: bytes(4) },
      { key: [DOC, 'incremental', 'ccc'], data: bytes(5, 6) },
    ]);

    await adapter.remove([DOC, 'incremental', 'bbb']);
    expect(await adapter.load([DOC, 'incremental', 'bbb'])).toBeUndefined();
    expect((await adapter.loadRange([DOC, 'incremental'])).map((chunk) => chunk.key)).toEqual([[DOC, 'incremental', 'ccc']]);
    await adapter.remove([DOC, 'incremental', 'never-there']);

    await adapter.removeRange([DOC, 'incremental']);
    expect(await adapter.loadRange([DOC, 'incremental'])).toEqual([]);
    expect(await adapter.load([DOC, 'snapshot', 'aaa'])).toEqual(bytes(1, 2, 3));
    expect(await adapter.load(['storage-adapter-id'])).toEqual(bytes(9));
    expect(problems).toEqual([]);
  });

  it('overwrites a key whole, empty and large chunks included, also without fsync', async () => {
    const large = new Uint8Array(3 * 1024 * 1024).map((_, index) => (index * 31) % 251);
    for (const quick of [new FileStorageAdapter(root, { durable: false }), adapter]) {
      await quick.save([DOC, 'snapshot', 'big'], large);
      const loaded = await quick.load([DOC, 'snapshot', 'big']);
      expect(loaded).toBeInstanceOf(Uint8Array);
      expect(Buffer.compare(loaded!, large)).toBe(0);
      await quick.save([DOC, 'snapshot', 'big'], bytes());
      expect(await quick.load([DOC, 'snapshot', 'big'])).toEqual(bytes());
    }
  });

  it('stores each chunk as TSK1 + SHA-256 + payload, written whole (no temp file left behind)', async () => {
    const data = bytes(10, 20, 30, 40);
    await adapter.save([DOC, 'snapshot', 'aaa'], data);
    const onDisk = await readFile(chunkPath([DOC, 'snapshot', 'aaa']));
    expect(onDisk.subarray(0, 4).toString('ascii')).toBe('TSK1');
    expect(onDisk.length).toBe(4 + 32 + data.length);
    expect(onDisk).toEqual(encodeChunk(data));
    expect(await readdir(join(root, 'docs', DOC, 'snapshot'))).toEqual(['aaa']);
  });

  it('is idle only once every write has landed', async () => {
    const writes = Array.from({ length: 20 }, (_, index) => adapter.save([DOC, 'incremental', `c${index}`], bytes(index)));
    await adapter.whenIdle();
    expect(await adapter.listKeys([DOC])).toHaveLength(20);
    await Promise.all(writes);
  });
});

describe('FileStorageAdapter damaged chunks', () => {
  async function saveThree(): Promise<void> {
    await adapter.save([DOC, 'incremental', 'aaa'], bytes(1, 1, 1));
    await adapter.save([DOC, 'incremental', 'bbb'], bytes(2, 2, 2, 2, 2, 2));
    await adapter.save([DOC, 'incremental', 'ccc'], bytes(3, 3, 3));
  }

  const damages: [string, (path: string) => Promise<void>, RegExp][] = [
    ['truncated inside the header', (path) => truncate(path, 20), /truncated/u],
    ['truncated inside the payload', (path) => truncate(path, 4 + 32 + 2), /checksum mismatch/u],
    ['emptied', (path) => truncate(path, 0), /0 bytes.*truncated/u],
    ['a payload byte flipped', async (path) => {
      const content = await readFile(path);
      content[content.length - 1]! ^= 0x01;
      await writeFile(path, content);
    }, /checksum mismatch/u],
    ['a checksum byte flipped', async (path) => {
      const content = await readFile(path);
      content[10]! ^= 0x80;
      await writeFile(path, content);
    }, /checksum mismatch/u],
    ['the magic overwritten', async (path) => {
      const content = await readFile(path);
      content[0] = 'X'.charCodeAt(0);
      await writeFile(path, content);
    }, /does not start with the Tallystick chunk header/u],
  ];

  for (const [what, damage, reason] of damages) {
    it(`puts a chunk with ${what} in quarantine/, says so, and still returns the others`, async () => {
      await saveThree();
      const damaged = chunkPath([DOC, 'incremental', 'bbb']);
      await damage(damaged);

      const chunks = await adapter.loadRange([DOC, 'incremental']);
      expect(chunks).toEqual([
        { key: [DOC, 'incremental', 'aaa'], data: bytes(1, 1, 1) },
        { key: [DOC, 'incremental', 'ccc'], data: bytes(3, 3, 3) },
      ]);
      expect(problems).toHaveLength(1);
      const [problem] = problems;
      expect(problem!.path).toBe(damaged);
      expect(problem!.reason).toMatch(reason);
      expect(problem!.quarantinedAs.startsWith(join(root, 'quarantine'))).toBe(true);
      expect(adapter.problems).toEqual(problems);
      expect(await exists(damaged)).toBe(false);
      expect(await exists(problem!.quarantinedAs)).toBe(true);
      const names = await quarantined();
      expect(names).toHaveLength(1);
      expect(names[0]).toContain(`docs__${DOC}__incremental__bbb.`);

      // Once put aside it is simply absent: no second report, and the other chunks still load.
      expect(await adapter.loadRange([DOC, 'incremental'])).toHaveLength(2);
      expect(problems).toHaveLength(1);
    });
  }

  it('quarantines a damaged chunk read by key too: load gives undefined and reports it', async () => {
    await saveThree();
    await truncate(chunkPath([DOC, 'incremental', 'aaa']), 3);
    expect(await adapter.load([DOC, 'incremental', 'aaa'])).toBeUndefined();
    expect(problems.map((problem) => problem.path)).toEqual([chunkPath([DOC, 'incremental', 'aaa'])]);
    expect(await adapter.load([DOC, 'incremental', 'ccc'])).toEqual(bytes(3, 3, 3));
  });

  it('quarantines every damaged chunk of a range, each with its own message', async () => {
    await saveThree();
    await truncate(chunkPath([DOC, 'incremental', 'aaa']), 1);
    await truncate(chunkPath([DOC, 'incremental', 'ccc']), 40);
    expect(await adapter.loadRange([DOC, 'incremental'])).toEqual([{ key: [DOC, 'incremental', 'bbb'], data: bytes(2, 2, 2, 2, 2, 2) }]);
    expect(problems.map((problem) => problem.path)).toEqual([chunkPath([DOC, 'incremental', 'aaa']), chunkPath([DOC, 'incremental', 'ccc'])]);
    expect(await quarantined()).toHaveLength(2);
  });
});

describe('FileStorageAdapter after a crash', () => {
  it('ignores temp files a killed write left behind, whatever they hold', async () => {
    await adapter.save([DOC, 'incremental', 'aaa'], bytes(1));
    const folder = join(root, 'docs', DOC, 'incremental');
    await writeFile(join(folder, '.tmp-4242-0123456789ab'), encodeChunk(bytes(7, 7)));
    await writeFile(join(folder, '.tmp-4242-ba9876543210'), Buffer.from('TSK1 torn'));
    const before = await adapter.fingerprint();

    expect(await adapter.loadRange([DOC, 'incremental'])).toEqual([{ key: [DOC, 'incremental', 'aaa'], data: bytes(1) }]);
    expect(await adapter.loadRange([DOC])).toEqual([{ key: [DOC, 'incremental', 'aaa'], data: bytes(1) }]);
    expect(await adapter.listKeys([DOC])).toEqual([[DOC, 'incremental', 'aaa']]);
    expect(problems).toEqual([]);
    expect(await quarantined()).toEqual([]);

    await rm(join(folder, '.tmp-4242-0123456789ab'));
    expect(await adapter.fingerprint()).toBe(before);
  });
});

describe('FileStorageAdapter fingerprint', () => {
  it('changes when a chunk is added, removed or quarantined, and only then', async () => {
    const empty = await adapter.fingerprint();
    await adapter.save([DOC, 'snapshot', 'aaa'], bytes(1));
    const one = await adapter.fingerprint();
    expect(one).not.toBe(empty);
    expect(await adapter.fingerprint()).toBe(one);
    expect(await new FileStorageAdapter(root).fingerprint()).toBe(one);

    await adapter.save([DOC, 'incremental', 'bbb'], bytes(2));
    const two = await adapter.fingerprint();
    expect(two).not.toBe(one);

    await adapter.load([DOC, 'incremental', 'bbb']);
    await adapter.loadRange([DOC]);
    expect(await adapter.fingerprint()).toBe(two);

    await adapter.remove([DOC, 'incremental', 'bbb']);
    expect(await adapter.fingerprint()).toBe(one);

    await adapter.save([DOC, 'incremental', 'ccc'], bytes(3));
    const three = await adapter.fingerprint();
    await writeFile(chunkPath([DOC, 'incremental', 'ccc']), 'bit rot');
    await adapter.loadRange([DOC, 'incremental']);
    expect(problems).toHaveLength(1);
    const afterQuarantine = await adapter.fingerprint();
    expect(afterQuarantine).not.toBe(three);
    expect(afterQuarantine).toBe(one);

    await adapter.removeRange([DOC, 'snapshot']);
    expect(await adapter.fingerprint()).toBe(empty);
  });

  it('covers document chunks only: the adapter id and sync states do not make an index stale', async () => {
    await adapter.save([DOC, 'snapshot', 'aaa'], bytes(1));
    const before = await adapter.fingerprint();
    await adapter.save(['storage-adapter-id'], bytes(1, 2));
    expect(await adapter.fingerprint()).toBe(before);
    await adapter.save([DOC, 'incremental', 'bbb'], bytes(1));
    expect(await adapter.fingerprint()).not.toBe(before);
  });
});

describe('FileStorageAdapter keys', () => {
  const unsafe: StorageKey[] = [['..'], ['.'], [DOC, 'snapshot', '..'], ['a/b'], [DOC, 'incremental', '../../escape'], [''], ['a\\b'], ['a\u0000b']];

  for (const key of unsafe) {
    it(`refuses the key ${JSON.stringify(key)} in every operation, touching nothing`, async () => {
      const outside = `${root}-outside`;
      await writeFile(outside, 'must survive');
      try {
        const message = /is not a safe file name/u;
        await expect(adapter.save(key, bytes(1))).rejects.toThrow(message);
        await expect(adapter.load(key)).rejects.toThrow(message);
        await expect(adapter.remove(key)).rejects.toThrow(message);
        await expect(adapter.loadRange(key)).rejects.toThrow(message);
        await expect(adapter.removeRange(key)).rejects.toThrow(message);
        expect(await readFile(outside, 'utf8')).toBe('must survive');
        expect(await readdir(root)).toEqual([]);
      } finally {
        await rm(outside, { force: true });
      }
    });
  }

  it('refuses removeRange([".."]) without deleting the folder above', async () => {
    await adapter.save([DOC, 'snapshot', 'aaa'], bytes(1));
    await expect(adapter.removeRange(['..'])).rejects.toThrow(/not a safe file name/u);
    expect(await adapter.load([DOC, 'snapshot', 'aaa'])).toEqual(bytes(1));
  });

  it('accepts the keys automerge-repo makes', async () => {
    for (let round = 0; round < 50; round += 1) {
      const { documentId } = parseAutomergeUrl(generateAutomergeUrl());
      const key = [documentId, 'sync-state', randomUUID()];
      await adapter.save(key, bytes(round));
      expect(await adapter.load(key)).toEqual(bytes(round));
    }
  });
});

/**
 * automerge-repo's acceptance suite compares loadRange results in the order its in-memory reference
 * adapter returns them (insertion order). The interface promises no order and this adapter returns
 * files sorted by name, so the suite runs on the real adapter through a wrapper that only restores
 * save order in loadRange's result; every byte still goes through the real files.
 */
class SaveOrdered implements StorageAdapterInterface {
  private readonly order = new Map<string, number>();
  constructor(private readonly inner: FileStorageAdapter) {}
  load(key: StorageKey) { return this.inner.load(key); }
  async save(key: StorageKey, data: Uint8Array) {
    if (!this.order.has(key.join('/'))) this.order.set(key.join('/'), this.order.size);
    await this.inner.save(key, data);
  }
  remove(key: StorageKey) { return this.inner.remove(key); }
  removeRange(prefix: StorageKey) { return this.inner.removeRange(prefix); }
  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const rank = (chunk: Chunk) => this.order.get(chunk.key.join('/')) ?? Number.MAX_SAFE_INTEGER;
    return (await this.inner.loadRange(prefix)).sort((a, b) => rank(a) - rank(b));
  }
}

describe('automerge-repo acceptance suite', () => {
  runStorageAdapterTests(async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tallystick-fsa-suite-'));
    const real = new FileStorageAdapter(folder);
    return {
      adapter: new SaveOrdered(real),
      teardown: async () => {
        expect(real.problems).toEqual([]);
        await rm(folder, { recursive: true, force: true });
      },
    };
  }, 'FileStorageAdapter');
});

describe('FileStorageAdapter under a real automerge-repo', () => {
  interface Counter { items: string[] }

  async function withRepo<T>(work: (repo: Repo, storage: FileStorageAdapter) => Promise<T>): Promise<T> {
    const storage = new FileStorageAdapter(root, { onProblem: (problem) => problems.push(problem) });
    const repo = new Repo({ storage, network: [], sharePolicy: async () => false, saveDebounceRate: 24 * 3600 * 1000 });
    try {
      return await work(repo, storage);
    } finally {
      await repo.flush();
      await storage.whenIdle();
      await repo.shutdown();
    }
  }

  it('gives a new process the document as flushed', async () => {
    const url = await withRepo(async (repo, storage) => {
      const handle = repo.create<Counter>({ items: [] });
      for (let index = 0; index < 5; index += 1) {
        handle.change((doc) => { doc.items.push(`item ${index}`); });
        await repo.flush();
        await storage.whenIdle();
      }
      return handle.url;
    });
    const items = await withRepo(async (repo) => (await repo.find<Counter>(url)).doc().items);
    expect(items).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
    expect(problems).toEqual([]);
  });

  it('loads a document from its intact chunks when one incremental chunk is damaged, and reports the damaged one', async () => {
    const url = await withRepo(async (repo, storage) => {
      // A large first snapshot, so that the next small change is saved as an incremental chunk.
      const handle = repo.create<Counter>({ items: Array.from({ length: 500 }, (_, index) => `first ${index}`) });
      await repo.flush();
      await storage.whenIdle();
      handle.change((doc) => { doc.items.push('second'); });
      await repo.flush();
      await storage.whenIdle();
      return handle.url;
    });
    const documentId = url.slice('automerge:'.length);
    const incremental = (await new FileStorageAdapter(root).listKeys([documentId, 'incremental'])).map((key) => chunkPath(key));
    const snapshots = await new FileStorageAdapter(root).listKeys([documentId, 'snapshot']);
    expect(snapshots).toHaveLength(1);
    expect(incremental).toHaveLength(1);
    const victim = incremental[0]!;
    const content = await readFile(victim);
    content[content.length - 1]! ^= 0xff;
    await writeFile(victim, content);

    const loaded = await withRepo(async (repo) => {
      try {
        return (await repo.find<Counter>(url as AutomergeUrl)).doc().items;
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(problems.map((problem) => problem.path)).toEqual([victim]);
    expect(problems[0]!.reason).toMatch(/checksum mismatch/u);
    expect(loaded).toEqual(Array.from({ length: 500 }, (_, index) => `first ${index}`));
    // The damaged chunk's bytes are kept aside, intact as found, for whoever restores from a peer.
    const aside = await readFile(problems[0]!.quarantinedAs);
    expect(aside).toEqual(content);
  });
});
