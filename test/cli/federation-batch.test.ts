import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoopStore, DataFolder, FederationStore, unlockDeviceKeyFile } from '../../packages/sync/src/index.js';
import { PASSPHRASE, assertCliBuilt, makeTemporaryFolder, tallystickJson, tallystickOk } from './run-tallystick.js';

/*
 * A federation entry names the federation's heads in `after`, at most 64 of them. The entries of one
 * signed batch used to all name the same heads, so a batch of more than 64 left more heads than the next
 * entry could name, and every later write failed: the federation was stuck. Now a batch is a chain.
 */

interface LinesJson {
  payments: { id: string; status: string }[];
  rejected: { code: string; reason: string }[];
}

let root: string;
const folders: Record<string, string> = {};
const ok = (coop: string, ...args: string[]) => tallystickOk(folders[coop]!, args);

beforeAll(async () => {
  assertCliBuilt();
  root = makeTemporaryFolder('federation-batch');
  for (const coop of ['Bakery', 'Mill']) folders[coop] = join(root, coop);
  await ok('Bakery', 'init', '--coop', 'Bakery', '--member', 'Ana');
  await ok('Mill', 'init', '--coop', 'Mill', '--member', 'Ben');
  await ok('Bakery', 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
  await ok('Bakery', 'federation', 'invite', (await ok('Mill', 'federation', 'card')).trim());
  await ok('Bakery', 'federation', 'send', '--out', join(root, 'valley.json'));
  await ok('Mill', 'federation', 'receive', join(root, 'valley.json'));
  await ok('Mill', 'federation', 'join', '--account', 'Income:Trade');
  await ok('Mill', 'credit', 'extend', 'Bakery', '1000000');
  await ok('Mill', 'federation', 'send', '--out', join(root, 'valley.json'));
  await ok('Bakery', 'federation', 'receive', join(root, 'valley.json'));
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a batch of federation entries larger than `after` may name', () => {
  it('leaves one head, so the next payment can still be written, and every entry counts', async () => {
    const folder = await DataFolder.open(folders.Bakery!);
    const store = await CoopStore.open(folder);
    try {
      const signer = await unlockDeviceKeyFile(folder.keyPath, PASSPHRASE);
      const federation = await FederationStore.open(store);
      const mill = federation.read().federation.coops.find((coop) => coop.id !== store.coopId)!.id;
      const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const payments = Array.from({ length: 100 }, (_, index) => ({
        kind: 'payment' as const, payload: { path: [store.coopId, mill], amount: `${index + 1}.00`, deadline, memo: `goods ${index}` },
      }));
      await federation.write(store, federation.sign(store, signer, payments, new Date()));
      expect(federation.read().federation.heads).toHaveLength(1);
    } finally {
      await store.close();
    }
    await ok('Bakery', 'credit', 'pay', 'Mill', '5.00', '--memo', 'after the batch');
    const lines = await tallystickJson<LinesJson>(folders.Bakery!, ['credit', 'lines']);
    expect(lines.payments).toHaveLength(101);
    expect(lines.payments.every((payment) => payment.status === 'pending')).toBe(true);
    expect(lines.rejected).toEqual([]);
  }, 120_000);
});
