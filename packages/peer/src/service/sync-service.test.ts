import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { type BookService, createBookService } from './book-service.js';
import { pollUntil } from '../../../../test/helpers/poll-until.js';

/*
 * The peer the app's service hosts takes up, while it runs, a federation the command line founded or
 * fetched on its data folder (issue 4): Bakery's and Mill's services each run their device's peer on
 * 127.0.0.1 in this process, and are never restarted; `tallystick federation create|invite|fetch|join`
 * run beside them (each with its own view of the folder, as another process would have); the federation
 * then replicates between the two services' peers only.
 */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-sync-service-'));
const folders = { bakery: join(scratch, 'bakery'), mill: join(scratch, 'mill') };
const env = { TALLYSTICK_PASSPHRASE: 'sync-service-passphrase' };
const services: BookService[] = [];

async function cli(folder: string, ...args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { output += chunk.toString('utf8'); callback(); } });
  const code = await main(['node', 'tallystick', '--data', folder, ...args], { stdout: sink, stderr: sink, env, now: () => new Date() });
  return { code, output };
}

async function ok(folder: string, ...args: string[]): Promise<string> {
  const result = await cli(folder, ...args);
  if (result.code !== 0) throw new Error(`tallystick ${args.join(' ')} exited ${result.code}: ${result.output}`);
  return result.output;
}

const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> => pollUntil(read, check, { timeoutMs, pauseMs: 200 });

beforeAll(async () => {
  await ok(folders.bakery, 'init', '--coop', 'Bakery', '--member', 'Ana');
  await ok(folders.mill, 'init', '--coop', 'Mill', '--member', 'Ben');
  for (const folder of [folders.bakery, folders.mill]) {
    const service = createBookService({ dataDir: folder, env, log: () => undefined, sync: { listen: ['/ip4/127.0.0.1/tcp/0'], connect: [] } });
    services.push(service);
    expect(await service.startSyncing()).toMatch(/^This device syncs now, as peer 12D3KooW\w+\.$/u);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  rmSync(scratch, { recursive: true, force: true });
});

describe('the service\'s peer and federations recorded beside it', () => {
  it('serves a federation founded beside it, fetches one through the other\'s service, and replicates the join', async () => {
    await ok(folders.bakery, 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
    const card = (await ok(folders.mill, 'federation', 'card')).trim();
    const invited = await ok(folders.bakery, 'federation', 'invite', card);
    const code = /^(tallystick-invite:\S+)$/mu.exec(invited)?.[1];
    expect(code, invited).toBeDefined();
    // Bakery's service peer admits Mill's device once it has read the invite from the folder (within a second).
    const fetched = await eventually(() => cli(folders.mill, 'federation', 'fetch', code!), (result) => result.code === 0);
    expect(fetched.output).toContain('replicates it from now on');
    await ok(folders.mill, 'federation', 'join', '--account', 'Income:Trade');
    const members = await eventually(
      async () => JSON.parse(await ok(folders.bakery, 'federation', 'members', '--json')) as { coops: { name: string; status: string }[] },
      (value) => value.coops.length === 2 && value.coops.every((coop) => coop.status === 'member'),
    );
    expect(members.coops.map((coop) => coop.name).sort()).toEqual(['Bakery', 'Mill']);
  }, 90_000);
});
