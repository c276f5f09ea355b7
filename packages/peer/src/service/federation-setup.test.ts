import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { type BookService, createBookService } from './book-service.js';
import type { FederationState, ServiceResult } from './protocol.js';
import { pollUntil } from '../../../../test/helpers/poll-until.js';

/*
 * Setting a federation up through the app's service alone, with real peers on 127.0.0.1: Bakery and Mill,
 * two co-ops with their own data folders, each service running its device's peer in this process. Bakery
 * founds the federation and invites Mill by its card; Mill joins with the code (its service fetches the
 * document from Bakery's peer); the document then moves only by replication between the two peers.
 * Bakery's peer accepts by itself what its credit policy covers, as `tallystick peer` does.
 */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-federation-setup-'));
const folders = { bakery: join(scratch, 'bakery'), mill: join(scratch, 'mill') };
const env = { TALLYSTICK_PASSPHRASE: 'federation-setup-passphrase' };
const LOOPBACK = { listen: ['/ip4/127.0.0.1/tcp/0'], connect: [] };
let bakery: BookService;
let mill: BookService;

async function cli(folder: string, ...args: string[]): Promise<void> {
  const sink = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  expect(await main(['node', 'tallystick', '--data', folder, ...args], { stdout: sink, stderr: sink, env, now: () => new Date() })).toBe(0);
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function failure<T>(result: ServiceResult<T>): { code: string; message: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.error;
}

async function state(service: BookService): Promise<FederationState | undefined> {
  return value(await service.federationOverview()).current;
}

/** Polls until `check` holds (replication is asynchronous), bounded. */
const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> => pollUntil(read, check, { timeoutMs, pauseMs: 250 });

beforeAll(async () => {
  await cli(folders.bakery, 'init', '--coop', 'Bakery', '--member', 'Ana');
  await cli(folders.mill, 'init', '--coop', 'Mill', '--member', 'Ben');
  bakery = createBookService({ dataDir: folders.bakery, env, log: () => undefined, sync: LOOPBACK });
  mill = createBookService({ dataDir: folders.mill, env, log: () => undefined, sync: LOOPBACK });
  expect(await bakery.startSyncing()).toMatch(/^This device syncs now/u);
  expect(await mill.startSyncing()).toMatch(/^This device syncs now/u);
}, 60_000);

afterAll(async () => {
  await Promise.all([bakery?.close(), mill?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('a federation set up through the app\'s service, replicated between the two services\' peers', () => {
  it('refuses what is not a card or a code, in words', async () => {
    expect(failure(await bakery.inviteCoop({ card: 'tallystick-coop:nonsense' }))).toEqual({ code: 'no_federation', message: 'Bakery belongs to no federation yet.' });
    expect(failure(await mill.joinFederation({ code: 'tallystick-invite:garbage' }))).toEqual({
      code: 'invalid_invite', message: 'That is not a whole invite code. Ask the member who invited your co-op for the code their Federation screen shows, and paste all of it.',
    });
    expect(failure(await mill.createFederation({ name: 'Valley', unit: 'USD:9' })).message).toBe('"USD:9" is not a unit of account: expected SYMBOL:PLACES like USD:2 or h:2 (0 to 6 places)');
    expect(failure(await mill.createFederation({ name: ' ' })).message).toBe('Give the federation a name.');
  });

  it('Bakery founds, invites Mill by its card; Mill joins with the code, fetching from Bakery\'s peer; both see both as members', async () => {
    expect(value(await bakery.createFederation({ name: 'Valley', unit: 'USD:2', account: 'Income:Trade' })).message)
      .toBe('Founded federation "Valley" ('.concat((await idOf(folders.bakery)), ') in USD at 2 decimal places, with Bakery.'));
    const card = value(await mill.federationCard());
    expect(card.coop).toBe('Mill');
    expect(card.card).toMatch(/^tallystick-coop:[0-9a-f]{32}:[0-9a-f]{64}:[0-9a-f]{64}:Mill$/u);
    expect(failure(await bakery.inviteCoop({ card: 'tallystick-coop:abc:Mill' })).message).toMatch(/^"tallystick-coop:abc:Mill" is not a co-op card: expected tallystick-coop:ID:GENESIS:DEVICE:NAME/u);
    const invitation = value(await bakery.inviteCoop({ card: card.card }));
    expect(invitation.message).toMatch(/^Invited Mill to federation "Valley"\. Give this code to a member of the invited co-op/u);
    expect(invitation.code).toMatch(/^tallystick-invite:/u);
    expect(value(await mill.joinFederation({ code: invitation.code!, account: 'Income:Trade' })).message)
      .toBe('Fetched federation "Valley" from the inviting member. Mill joined federation "Valley"; payments in and out are posted against Income:Trade.');
    await eventually(() => state(bakery), (seen) => seen?.coops.every((coop) => coop.status === 'member') === true && seen.coops.length === 2);
    expect((await state(mill))?.coops).toEqual([{ name: 'Bakery', status: 'member', here: false }, { name: 'Mill', status: 'member', here: true }]);
    expect(value(await mill.joinFederation({ code: invitation.code! })).message).toBe('Mill is already a member of federation "Valley"; nothing was written.');
  }, 90_000);

  it('Bakery extends Mill a line and accepts by policy: Mill pays, Bakery\'s peer accepts by itself, both books post it', async () => {
    expect(failure(await bakery.extendCredit({ coop: 'Nowhere', limit: '100' })).message).toBe('Federation Valley has no co-op "Nowhere" (it has: Bakery, Mill)');
    expect(value(await bakery.extendCredit({ coop: 'Mill', limit: '100' })).message).toBe('Bakery lets Mill owe it up to 100.00 USD.');
    expect(value(await bakery.setCreditPolicy({ coop: '*', upTo: '50' })).message).toBe('Bakery\'s always-on peer accepts payments of up to 50.00 USD each, within the line\'s room.');
    expect((await state(bakery))?.policies).toEqual([{ debtor: 'every co-op', upTo: '50.00' }]);
    const line = await eventually(() => state(mill), (seen) => seen?.lines.length === 1);
    expect(line?.lines[0]).toMatchObject({ direction: 'received', creditor: 'Bakery', debtor: 'Mill', limit: '100.00', used: '0.00', available: '100.00' });
    expect(value(await mill.payCoop({ coop: 'Bakery', amount: '30', memo: 'flour' })).message).toMatch(/^Payment [0-9a-f]{12}: Mill pays Bakery 30\.00 USD\. Awaiting acceptance by Bakery until /u);
    const settled = await eventually(() => mill.federationPayments(), (result) => result.ok && result.value[0]?.status === 'settled');
    expect(value(settled)[0]).toMatchObject({ payer: 'Mill', payee: 'Bakery', amount: '30.00', status: 'settled' });
    expect((await state(mill))?.lines[0]).toMatchObject({ used: '30.00', available: '70.00' });
    await eventually(() => bakery.accountTree(), (result) => result.ok && result.value.lines.some((row) => row.account === 'Income:Trade' && row.balance.join() === '-30.00 USD'));
  }, 90_000);
});

async function idOf(folder: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const config = JSON.parse(await readFile(join(folder, 'tallystick.json'), 'utf8')) as { federations: Record<string, unknown> };
  return Object.keys(config.federations)[0]!;
}
