import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDevicePublicKey } from '@tallystick/sync';
import { main } from '../main.js';
import { type BookService, createBookService } from './book-service.js';
import type { ServiceResult } from './protocol.js';

/*
 * The service's network handlers with real peers on 127.0.0.1: two data folders of two co-ops, each
 * service running its device's peer in this process. Mallory's device is no member of Ana's co-op, so
 * Ana's peer refuses it at the connection. Every message a member can see is checked word for word.
 */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-network-service-'));
const folders = { ana: join(scratch, 'ana'), mallory: join(scratch, 'mallory'), empty: join(scratch, 'empty'), locked: join(scratch, 'locked') };
const env = { TALLYSTICK_PASSPHRASE: 'network-service-passphrase' };
const LOOPBACK = { listen: ['/ip4/127.0.0.1/tcp/0'], connect: [] };
const services: BookService[] = [];
let ana: BookService;
let mallory: BookService;

async function cli(folder: string, ...args: string[]): Promise<void> {
  const sink = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  expect(await main(['node', 'tallystick', '--data', folder, ...args], { stdout: sink, stderr: sink, env, now: () => new Date() })).toBe(0);
}

function service(dataDir: string, options: { env?: NodeJS.ProcessEnv; sync?: boolean } = {}): BookService {
  const created = createBookService({ dataDir, env: options.env ?? env, log: () => undefined, ...(options.sync === false ? {} : { sync: LOOPBACK }) });
  services.push(created);
  return created;
}

async function deviceOf(folder: string): Promise<string> {
  return readDevicePublicKey(join(folder, 'device-key.json'));
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.message}`);
  return result.value;
}

function failure<T>(result: ServiceResult<T>): { code: string; message: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.error;
}

beforeAll(async () => {
  await cli(folders.ana, 'init', '--coop', 'Bakers', '--member', 'Ana');
  await cli(folders.mallory, 'init', '--coop', 'Elsewhere', '--member', 'Mallory');
  await cli(folders.locked, 'init', '--coop', 'Locked', '--member', 'Lou');
  ana = service(folders.ana);
  mallory = service(folders.mallory);
  expect(await ana.startSyncing()).toMatch(/^This device syncs now, as peer 12D3KooW\w+\.$/u);
  expect(await mallory.startSyncing()).toMatch(/^This device syncs now, as peer 12D3KooW\w+\.$/u);
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((each) => each.close()));
  rmSync(scratch, { recursive: true, force: true });
});

describe('the service\'s network handlers', () => {
  it('reports its own peer, listening on loopback, with the catalog here and no peers yet', async () => {
    const status = value(await ana.syncStatus());
    expect(status).toMatchObject({ state: 'running', peers: [], documents: [{ label: 'catalog', present: true }] });
    expect(status.summary).toBe('This device syncs, but no member\'s device is connected right now: what is written here is sent when one connects.');
    expect(status.addresses).toEqual([expect.stringMatching(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${status.peerId}$`, 'u'))]);
  });

  it('moves the changes counter only when the documents change', async () => {
    const before = value(await ana.changes()).version;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(value(await ana.changes()).version).toBe(before);
    value(await ana.addTransaction({ date: '2024-03-01', description: 'Flour', postings: [{ account: 'Expenses:Flour', amount: '10.00 EUR' }, { account: 'Assets:Cash', amount: '' }] }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = value(await ana.changes()).version;
    expect(after).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(value(await ana.changes()).version).toBe(after);
  });

  it('says in words why a connection failed: a malformed address, a peer that refuses this device', async () => {
    expect(failure(await mallory.connect({ address: 'bakers.example.org' }))).toEqual({
      code: 'invalid_address', message: 'Enter the address of another device\'s peer, like /ip4/192.168.1.20/tcp/4001/p2p/12D3KooW… (its Sync screen shows it).',
    });
    const anaAddress = value(await ana.syncStatus()).addresses[0]!;
    const refused = failure(await mallory.connect({ address: anaAddress }));
    expect(refused).toEqual({
      code: 'not_a_member_device',
      message: `This device does not sync with that one: device ${(await deviceOf(folders.ana)).slice(0, 16)}… is not a device of any member of Elsewhere. Only member devices the co-op has voted in may sync.`,
    });
    const seen = value(await mallory.syncStatus()).peers;
    expect(seen.every((peer) => !peer.connected)).toBe(true);
  }, 30_000);

  it('without a passphrase it does not sync until one is given; a wrong one is refused in words', async () => {
    const locked = service(folders.locked, { env: {} });
    expect(await locked.startSyncing()).toBe('A passphrase is needed to sign entries: enter your passphrase');
    expect(value(await locked.syncStatus())).toMatchObject({ state: 'locked', summary: 'This device does not sync yet: enter your passphrase to start (the device key is its identity on the network).' });
    expect(failure(await locked.startSync({ passphrase: 'not the right one' }))).toEqual({
      code: 'wrong_passphrase', message: `The passphrase does not unlock the device key in ${join(folders.locked, 'device-key.json')} (nothing was changed; try again, or set TALLYSTICK_PASSPHRASE)`,
    });
    expect(value(await locked.startSync({ passphrase: env.TALLYSTICK_PASSPHRASE })).message).toMatch(/^This device syncs now, as peer 12D3KooW\w+\.$/u);
    expect(value(await locked.syncStatus()).state).toBe('running');
  }, 30_000);

  it('refuses an invite code that is not one before writing anything, and a service without sync says so', async () => {
    const empty = service(folders.empty, { sync: false });
    expect(failure(await empty.joinCoop({ code: 'tallystick-invite:abc', passphrase: 'twelve chars', passphraseAgain: 'twelve chars' }))).toEqual({
      code: 'invalid_invite', message: 'This is not a Tallystick invite code (it does not decode). Ask the member who invited you for the whole code their Tallystick shows, and paste all of it.',
    });
    expect(failure(await empty.joinCoop({ code: 'hello', passphrase: 'twelve chars', passphraseAgain: 'twelve chars' })).message)
      .toBe('This is not a Tallystick invite code (it does not start with "tallystick-invite:"). Ask the member who invited you for the whole code their Tallystick shows, and paste all of it.');
    expect(value(await empty.joinStatus())).toEqual({ state: 'idle', message: 'No join has been asked for.', attempts: 0 });
    expect(value(await service(folders.ana, { sync: false }).syncStatus())).toMatchObject({ state: 'off', summary: 'Sync is off: this service was started without it.' });
  });
});
