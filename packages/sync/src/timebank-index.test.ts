import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Entry, type EntrySigner, encodeTransaction, materialize, parseJournal } from '@tallystick/core';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, BOB_PHONE, COORDINATOR } from '../../../test/helpers/timebank-coop.js';
import { extendIndex, readCurrentReportIndex, rebuildIndex } from './book-index.js';
import { CoopStore, type NewEntry } from './coop-store.js';
import { DataFolder } from './data-folder.js';
import { readCurrentTimebankIndex, readCurrentTimebankSummary, timebankIndexPaths } from './timebank-index.js';

/*
 * The time bank's index on real documents: written by a rebuild, extended after our own writes to
 * exactly what a rebuild gives, moved along (not rebuilt) by writes to the books, and never trusted when
 * stale or damaged.
 */

const ROLES = [{ name: 'member', may: ['books', 'timebank', 'vote'] as ('books' | 'timebank' | 'vote')[] }, { name: 'coordinator', may: ['coordinate', 'vote'] as ('coordinate' | 'vote')[] }];
const LATER = '2030-01-01T00:00:00Z';

/** A co-op founded by Alice, who admits Cora (coordinator) by her vote alone, then Bob (two devices) with Cora's too. */
async function timeBank(): Promise<{ store: CoopStore; root: string; clock: () => Date }> {
  const root = await mkdtemp(join(tmpdir(), 'tallystick-timebank-index-'));
  const folder = await DataFolder.open(join(root, 'data'), { create: true });
  let seconds = 0;
  const clock = () => new Date(Date.UTC(2024, 6, 1, 12) + (seconds += 10) * 1000);
  const store = await CoopStore.found(folder, { coopName: 'Hours', memberName: 'Alice', signer: ALICE, now: clock(), roles: ROLES as never, memberRole: 'member' });
  for (const action of [
    { kind: 'add-member', name: 'Cora', devices: [COORDINATOR.publicKey], role: 'coordinator' },
    { kind: 'add-member', name: 'Bob', devices: [BOB.publicKey, BOB_PHONE.publicKey], role: 'member' },
  ] as const) {
    const [proposal] = await write(store, ALICE, [{ kind: 'proposal', payload: { action: { ...action, devices: [...action.devices] }, deadline: LATER } }], clock);
    await write(store, ALICE, [{ kind: 'vote', payload: { proposal: proposal!.id, choice: 'yes' } }], clock);
    if (action.name === 'Bob') await write(store, COORDINATOR, [{ kind: 'vote', payload: { proposal: proposal!.id, choice: 'yes' } }], clock);
  }
  await rebuildIndex(store);
  return { store, root, clock };
}

async function write(store: CoopStore, signer: EntrySigner, entries: readonly NewEntry[], clock: () => Date): Promise<Entry[]> {
  const written = store.signEntries(entries, signer, clock());
  await store.appendEntries(written);
  return written;
}

/** Writes as the CLI does: extend the indexes if they were current, else rebuild. Returns whether it extended. */
async function writeAndIndex(store: CoopStore, signer: EntrySigner, entries: readonly NewEntry[], clock: () => Date): Promise<{ written: Entry[]; extended: boolean }> {
  const before = await readCurrentReportIndex(store.folder, store.coopId);
  const written = await write(store, signer, entries, clock);
  const view = before ? await extendIndex(store, before, written) : undefined;
  if (!view) await rebuildIndex(store, { trusted: written });
  return { written, extended: view !== undefined };
}

/** What a rebuild from the documents would give, without writing any index. */
async function judgedAgain(store: CoopStore) {
  return materialize(await store.readEntries()).timebank;
}

const exchange = (provider: string, receiver: string, minutes: number, date: string, extra: object = {}): NewEntry => ({
  kind: 'exchange', payload: { date, provider, receiver, minutes, description: `${provider} helped ${receiver}`, ...extra },
});

describe('the time bank index', () => {
  it('a rebuild writes it; our own writes extend it to exactly what a rebuild gives; a books write moves it along', async () => {
    const { store, root, clock } = await timeBank();
    try {
      expect(await readCurrentTimebankSummary(store.folder, store.coopId)).toMatchObject({ parties: [{ party: 'Alice' }, { party: 'Bob' }, { party: '' }] });
      const { written: [logged], extended } = await writeAndIndex(store, ALICE, [exchange('Alice', 'Bob', 120, '2024-07-01')], clock);
      expect(extended).toBe(true);
      expect((await readCurrentTimebankSummary(store.folder, store.coopId))?.unsettled).toEqual([expect.objectContaining({ id: logged!.id, awaiting: 'Bob' })]);
      expect((await writeAndIndex(store, BOB_PHONE, [{ kind: 'exchange-confirm', payload: { date: '2024-07-02', exchange: logged!.id } }], clock)).extended).toBe(true);
      const index = await readCurrentTimebankIndex(store.folder, store.coopId);
      expect(index).toEqual(await judgedAgain(store));
      expect(index?.parties.map((party) => [party.party, party.given - party.received + party.community])).toEqual([['Alice', 120], ['Bob', -120], ['', 0]]);
      const sale = encodeTransaction(parseJournal('2024-07-03 bread\n    assets:cash  5 EUR\n    income:sales\n', { file: 'test' }).transactions[0]!.value);
      expect((await writeAndIndex(store, ALICE, [{ kind: 'transaction', payload: sale }], clock)).extended).toBe(true);
      expect(await readCurrentTimebankIndex(store.folder, store.coopId)).toEqual(index);
    } finally {
      await store.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a write it cannot judge on top (a reversal, a backdated slip, a rejected entry) makes a rebuild, which agrees', async () => {
    const { store, root, clock } = await timeBank();
    try {
      const [logged] = (await writeAndIndex(store, ALICE, [exchange('Alice', 'Bob', 60, '2024-07-01')], clock)).written;
      await writeAndIndex(store, BOB, [{ kind: 'exchange-confirm', payload: { date: '2024-07-02', exchange: logged!.id } }], clock);
      const reversal = await writeAndIndex(store, BOB, [exchange('Bob', 'Alice', 60, '2024-07-03', { reverses: logged!.id })], clock);
      expect(reversal.extended).toBe(true); // a reversal waits for its confirmation: nothing to judge yet
      expect((await writeAndIndex(store, ALICE, [{ kind: 'exchange-confirm', payload: { date: '2024-07-03', exchange: reversal.written[0]!.id } }], clock)).extended).toBe(false);
      expect((await writeAndIndex(store, COORDINATOR, [exchange('Alice', 'Bob', 30, '2024-06-01', { slip: 'slip 1' })], clock)).extended).toBe(false);
      expect((await writeAndIndex(store, BOB, [exchange('Alice', 'Cora', 30, '2024-07-05')], clock)).extended).toBe(false);
      expect(await readCurrentTimebankIndex(store.folder, store.coopId)).toEqual(await judgedAgain(store));
      expect((await readCurrentReportIndex(store.folder, store.coopId))?.rejected.map((rejected) => rejected.code)).toEqual(['not_a_party']);
    } finally {
      await store.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('random sequences of writes: the index after each equals judging the documents again', async () => {
    const step = fc.record({ signer: fc.constantFrom(ALICE, BOB, BOB_PHONE, COORDINATOR), kind: fc.constantFrom('log', 'confirm', 'decline', 'slip', 'give'), pick: fc.nat(), minutes: fc.constantFrom(15, 60, 90), day: fc.integer({ min: 1, max: 20 }) });
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
      const { store, root, clock } = await timeBank();
      try {
        const logged: Entry[] = [];
        for (const item of steps) {
          const date = `2024-08-${String(item.day).padStart(2, '0')}`;
          const target = logged[item.pick % Math.max(logged.length, 1)];
          const entry: NewEntry | undefined = item.kind === 'log' ? exchange(item.signer === ALICE ? 'Alice' : 'Bob', item.signer === ALICE ? 'Bob' : 'Alice', item.minutes, date)
            : item.kind === 'slip' ? exchange('Alice', 'Bob', item.minutes, date, { slip: `slip ${item.pick}` })
              : item.kind === 'give' ? { kind: 'community-transfer', payload: { date, direction: 'to-community', member: item.signer === ALICE ? 'Alice' : 'Bob', minutes: item.minutes, description: 'gift' } }
                : target ? { kind: `exchange-${item.kind}` as 'exchange-confirm', payload: { date, exchange: target.id, ...(item.kind === 'decline' ? { reason: 'no' } : {}) } } : undefined;
          if (!entry) continue;
          const { written } = await writeAndIndex(store, item.signer, [entry], clock);
          if (entry.kind === 'exchange') logged.push(written[0]!);
          expect(await readCurrentTimebankIndex(store.folder, store.coopId)).toEqual(await judgedAgain(store));
        }
      } finally {
        await store.close();
        await rm(root, { recursive: true, force: true });
      }
    }), { seed: 20_250_302, numRuns: 8 });
  });

  it('is not trusted when its content is damaged or the documents changed', async () => {
    const { store, root, clock } = await timeBank();
    try {
      const paths = timebankIndexPaths(store.folder, store.coopId);
      await write(store, ALICE, [exchange('Alice', 'Bob', 60, '2024-07-01')], clock); // the index is not told
      expect(await readCurrentTimebankSummary(store.folder, store.coopId)).toBeUndefined();
      await rebuildIndex(store);
      expect(await readCurrentTimebankSummary(store.folder, store.coopId)).toBeDefined();
      const text = await readFile(paths.movements, 'utf8');
      await writeFile(paths.movements, text.replace('"names":[', '"names":["x",'));
      expect(await readCurrentTimebankIndex(store.folder, store.coopId)).toBeUndefined();
      expect(await readCurrentTimebankSummary(store.folder, store.coopId)).toBeDefined();
    } finally {
      await store.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
