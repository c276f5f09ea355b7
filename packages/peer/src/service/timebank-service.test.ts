import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeDocuments, makeDeviceFolder } from '../../../../test/helpers/device-folders.js';
import { main } from '../main.js';
import { createBookService } from './book-service.js';
import type { BookApi, ServiceResult, TimebankOverview } from './protocol.js';

/*
 * The Time bank handlers over real data folders made with the CLI: Alice's device and Bob's, two
 * folders whose documents are brought together by copying chunks (what replication will do).
 */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-timebank-service-'));
const folders = { alice: join(scratch, 'alice'), bobKey: join(scratch, 'bob-key'), bob: join(scratch, 'bob') };
const PASSPHRASE = 'timebank-service-passphrase';
const env = { TALLYSTICK_PASSPHRASE: PASSPHRASE };
const now = () => new Date('2024-06-10T12:00:00Z');
let alice: BookApi;
let bob: BookApi;

async function cli(dataDir: string, ...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { chunks.push(chunk.toString()); callback(); } });
  const code = await main(['node', 'tallystick', '--data', dataDir, ...args], { stdout: sink, stderr: sink, env, now });
  if (code !== 0) throw new Error(`tallystick ${args.join(' ')} exited ${code}: ${chunks.join('')}`);
  return chunks.join('');
}

async function adopt(...proposal: string[]): Promise<void> {
  await cli(folders.alice, 'propose', ...proposal);
  const proposals = JSON.parse(await cli(folders.alice, 'proposals', '--json')) as { id: string }[];
  await cli(folders.alice, 'vote', proposals[proposals.length - 1]!.id, 'yes');
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function failure(result: ServiceResult<unknown>): { code: string; message: string } {
  if (result.ok) throw new Error('the service did not refuse');
  return result.error;
}

const balances = (overview: TimebankOverview) => Object.fromEntries(overview.balances.map((line) => [line.name, line.balance]));
const sync = () => exchangeDocuments(folders.alice, folders.bob);

beforeAll(async () => {
  await cli(folders.alice, 'init', '--coop', 'Riverside Time Bank', '--member', 'Alice', '--role', 'member=timebank,vote', '--rule', 'quorum:1');
  await cli(folders.bobKey, 'init', '--coop', 'Bob\'s own', '--member', 'Bob');
  const bobKey = (JSON.parse(await cli(folders.bobKey, 'whoami', '--json')) as { device: string }).device;
  await adopt('add-member', 'Bob', '--device', bobKey);
  await adopt('timebank-rules', 'lowest=-3', 'highest=10');
  makeDeviceFolder({ coopFolder: folders.alice, keyFolder: folders.bobKey, folder: folders.bob });
  alice = createBookService({ dataDir: folders.alice, env, now, log: () => undefined });
  bob = createBookService({ dataDir: folders.bob, env, now, log: () => undefined });
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the time bank through the service', () => {
  it('reads who this device is, everyone\'s balance and the rules', async () => {
    const overview = value(await alice.timebank());
    expect(overview).toMatchObject({ me: 'Alice', members: ['Bob'], total: '0:00', categories: [] });
    expect(overview.rules).toEqual({
      words: 'lowest balance -3:00, highest balance 10:00, no opening grant, the community may give down to 0:00',
      lowestBalance: '-3:00', highestBalance: '10:00', openingGrant: '0:00', communityLowestBalance: '0:00',
    });
    expect(balances(overview)).toEqual({ Alice: '0:00', Bob: '0:00', 'the community': '0:00' });
    expect(value(await bob.timebank())).toMatchObject({ me: 'Bob', members: ['Alice'] });
  });

  it('Alice logs two hours for Bob; Bob sees it pending and confirms; both see Alice +2:00 and Bob -2:00', async () => {
    const logged = value(await alice.logHours({ direction: 'gave', member: 'Bob', hours: '2', date: '2024-06-01', description: 'fixed the bike' }));
    expect(logged.message).toMatch(/^Logged [0-9a-f]{12}: Alice gave Bob 2:00 on 2024-06-01 \(fixed the bike\)\. It counts once Bob confirms it on their device \(or declines it\)\.$/u);
    expect(value(await alice.timebankPending())).toMatchObject({ me: 'Alice', waitingForMe: [], waitingForOthers: [{ provider: 'Alice', receiver: 'Bob', duration: '2:00', awaiting: 'Bob' }] });
    expect(value(await bob.timebankPending()).waitingForMe).toEqual([]);
    sync();
    const [waiting] = value(await bob.timebankPending()).waitingForMe;
    expect(waiting).toMatchObject({ date: '2024-06-01', provider: 'Alice', receiver: 'Bob', minutes: 120, duration: '2:00', description: 'fixed the bike', loggedBy: 'Alice', awaiting: 'Bob' });
    expect(failure(await alice.confirmHours({ exchangeId: waiting!.id }))).toMatchObject({ code: 'own_exchange' });
    const confirmed = value(await bob.confirmHours({ exchangeId: waiting!.id.slice(0, 10) }));
    expect(confirmed.message).toContain('Balances now: Alice +2:00, Bob -2:00.');
    sync();
    for (const service of [alice, bob]) expect(balances(value(await service.timebank()))).toEqual({ Alice: '+2:00', Bob: '-2:00', 'the community': '0:00' });
    expect(value(await alice.timebankPending()).waitingForOthers).toEqual([]);
    expect(value(await alice.hoursByMonth())).toEqual([{ month: '2024-06', exchanges: 1, minutes: 120, hours: '2:00' }]);
  });

  it('a decline needs a reason, and the member who logged it sees why in their history', async () => {
    value(await bob.logHours({ direction: 'received', member: 'Alice', minutes: '60', date: '2024-06-02', description: 'soup' }));
    sync();
    const [soup] = value(await alice.timebankPending()).waitingForMe;
    expect(failure(await alice.declineHours({ exchangeId: soup!.id }))).toEqual({ code: 'invalid_request', message: 'Say why you decline: the member who logged it sees your reason.' });
    expect(value(await alice.declineHours({ exchangeId: soup!.id, reason: 'that was Carol' })).message).toMatch(/^Declined [0-9a-f]{12} \(Alice gave Bob 1:00\): that was Carol\. It will not count; Bob sees why\.$/u);
    sync();
    const history = value(await bob.timebankHistory({}));
    expect(history).toMatchObject({ member: 'Bob', balance: '-2:00' });
    expect(history.counted).toEqual([expect.objectContaining({ counterparty: 'Alice', change: '-2:00', balance: '-2:00', description: 'fixed the bike', status: 'confirmed' })]);
    expect(history.unsettled).toEqual([expect.objectContaining({ id: soup!.id, status: 'declined', change: '-1:00', note: 'declined: that was Carol' })]);
    expect(value(await bob.timebankHistory({ member: 'alice' })).balance).toBe('+2:00');
  });

  it('refuses a confirmation over the limit with the reason; the exchange stays pending', async () => {
    value(await alice.logHours({ direction: 'gave', member: 'Bob', hours: '1:30', date: '2024-06-03', description: 'gutters' }));
    sync();
    const [gutters] = value(await bob.timebankPending()).waitingForMe;
    expect(failure(await bob.confirmHours({ exchangeId: gutters!.id }))).toEqual({
      code: 'below_lowest_balance',
      message: `Cannot confirm ${gutters!.id.slice(0, 12)}: it would take Bob's balance to -3:30, below the lowest the rules allow (-3:00); nothing was written. It stays pending: confirm it once the balance allows, or decline it`,
    });
    expect(value(await bob.timebankPending()).waitingForMe.map((exchange) => exchange.id)).toEqual([gutters!.id]);
  });

  it('offers and requests: add, search by words, filter by category, link hours, close one\'s own only', async () => {
    expect(value(await alice.addListing({ side: 'offer', title: 'Bike repairs', description: 'Brakes, gears, punctures', category: 'Repairs', tags: ['bikes'] })).message)
      .toMatch(/^Saved offer [0-9a-f]{12} by Alice: Bike repairs \[repairs; bikes\]\.$/u);
    value(await alice.addListing({ side: 'request', title: 'Help moving a sofa', category: 'moving' }));
    sync();
    const found = value(await bob.listings({ text: 'GEARS' }));
    expect(found).toEqual([expect.objectContaining({ side: 'offer', member: 'Alice', title: 'Bike repairs', category: 'repairs', tags: ['bikes'], mine: false })]);
    expect(value(await bob.listings({ category: 'moving' })).map((listing) => listing.title)).toEqual(['Help moving a sofa']);
    expect(value(await bob.listings({ side: 'offer', category: 'moving' }))).toEqual([]);
    expect(value(await bob.timebank()).categories).toEqual(['moving', 'repairs']);
    expect(failure(await bob.closeListing({ side: 'offer', listingId: found[0]!.id }))).toMatchObject({ code: 'not_listing_owner' });
    value(await bob.logHours({ direction: 'received', member: 'Alice', minutes: '30', description: 'brakes', listing: { side: 'offer', id: found[0]!.id.slice(0, 8) } }));
    expect(value(await bob.timebankPending()).waitingForOthers).toContainEqual(expect.objectContaining({ description: 'brakes', category: 'repairs', date: '2024-06-10' }));
    expect(value(await alice.listings({})).every((listing) => listing.mine)).toBe(true);
    expect(value(await alice.closeListing({ side: 'offer', listingId: found[0]!.id, note: 'moving away' })).message).toBe(`Closed offer ${found[0]!.id.slice(0, 12)}: Bike repairs.`);
    expect(value(await alice.listings({ side: 'offer' }))).toEqual([]);
    expect(value(await alice.listings({ side: 'offer', includeClosed: true }))).toEqual([expect.objectContaining({ closed: { date: '2024-06-10', by: 'Alice', note: 'moving away' } })]);
  });

  it('refuses bad requests in the app\'s words, writing nothing', async () => {
    const cases: [ServiceResult<unknown>, string, RegExp][] = [
      [await alice.logHours({ direction: 'gave', member: 'Bob', hours: '1', minutes: '60', description: 'x' }), 'invalid_request', /^Give the time as hours \(like 2, 1\.5 or 1:30\) or as minutes, one of the two\.$/u],
      [await alice.logHours({ direction: 'gave', member: 'Bob', hours: '0.01', description: 'x' }), 'invalid_duration', /^The hours "0\.01" is not a whole number of minutes/u],
      [await alice.logHours({ direction: 'gave', member: 'Zed', hours: '1', description: 'x' }), 'unknown_member', /^"Zed" is not a member of the co-op$/u],
      [await alice.logHours({ direction: 'gave', member: 'Bob', hours: '1', description: 'x', date: '2999-01-01' }), 'invalid_date', /in the future/u],
      [await alice.logHours({ direction: 'gave', member: 'Bob', hours: '1', description: '' }), 'missing_description', /^A description is needed$/u],
      [await alice.logHours({ direction: 'sideways', member: 'Bob' } as never), 'invalid_request', /gave the hours or received them/u],
      [await alice.confirmHours({ exchangeId: 'zz' }), 'invalid_exchange_id', /^"zz" is not an id: expected at least 4 hex digits$/u],
      [await alice.listings({ side: 'gift' } as never), 'invalid_request', /offer or a request/u],
    ];
    for (const [result, code, message] of cases) {
      const error = failure(result);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
  });

  it('asks for the passphrase when the service has none, and never keeps it', async () => {
    const locked = createBookService({ dataDir: folders.alice, env: {}, now, log: () => undefined });
    expect(value(await locked.overview()).needsPassphrase).toBe(true);
    const refused = failure(await locked.logHours({ direction: 'gave', member: 'Bob', minutes: '15', description: 'tea' }));
    expect(refused.message).toContain('enter your passphrase');
    expect(value(await locked.logHours({ direction: 'gave', member: 'Bob', minutes: '15', description: 'tea', passphrase: PASSPHRASE })).message).toMatch(/^Logged /u);
    expect(failure(await locked.logHours({ direction: 'gave', member: 'Bob', minutes: '15', description: 'tea again' })).message).toContain('enter your passphrase');
  });
});
