import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutomergeUrl } from '@automerge/automerge-repo';
import { afterAll, describe, expect, it } from 'vitest';
import { CoopStore } from '../coop-store.js';
import { DataFolder } from '../data-folder.js';
import type { CatalogDoc } from '../documents.js';
import { NodeEntrySigner, generateDevicePrivateKey } from '../node-crypto.js';
import { peerIdOfDevice } from './device-identity.js';
import { checkRecoveredCatalog } from './recover-catalog.js';

/*
 * What a device keeps of a catalog a peer sent to recover its own (real co-ops founded in real folders):
 * only this co-op's catalog with this genesis, listing this device, from a member device of it.
 * test/cli/catalog-recovery.test.ts recovers one end to end.
 */

const dirs: string[] = [];
afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

async function foundCoop(name: string, member: string): Promise<{ catalog: CatalogDoc; coop: string; genesis: string; signer: NodeEntrySigner }> {
  const dir = mkdtempSync(join(tmpdir(), `tallystick-recover-${name}-`));
  dirs.push(dir);
  const folder = await DataFolder.open(dir, { create: true });
  const signer = new NodeEntrySigner(generateDevicePrivateKey());
  const store = await CoopStore.found(folder, { coopName: name, memberName: member, signer, now: new Date('2025-01-01T00:00:00Z') });
  try {
    const record = folder.config.coops[store.coopId]!;
    const catalog = (await store.repo.find<CatalogDoc>(record.catalog as AutomergeUrl)).doc();
    return { catalog, coop: store.coopId, genesis: record.genesis, signer };
  } finally {
    await store.close();
  }
}

describe('checkRecoveredCatalog', () => {
  it('keeps this co-op\'s catalog from a member device, and refuses another co-op\'s, another genesis, or a non-member sender', async () => {
    const riverside = await foundCoop('Riverside', 'Ana');
    const elsewhere = await foundCoop('Elsewhere', 'Dee');
    const ana = riverside.signer.publicKey;
    const anaPeer = peerIdOfDevice(ana);
    const deePeer = peerIdOfDevice(elsewhere.signer.publicKey);
    expect(checkRecoveredCatalog(riverside.catalog, riverside.coop, riverside.genesis, ana, anaPeer)).toEqual({ ok: true, member: 'Ana' });

    const otherCoop = checkRecoveredCatalog(elsewhere.catalog, riverside.coop, riverside.genesis, ana, deePeer);
    expect(otherCoop).toMatchObject({ ok: false, reason: expect.stringContaining('not the catalog of this co-op') as unknown });
    const otherGenesis = checkRecoveredCatalog(riverside.catalog, riverside.coop, elsewhere.genesis, ana, anaPeer);
    expect(otherGenesis).toMatchObject({ ok: false, reason: expect.stringContaining('another genesis') as unknown });
    const notThisDevice = checkRecoveredCatalog(riverside.catalog, riverside.coop, riverside.genesis, elsewhere.signer.publicKey, anaPeer);
    expect(notThisDevice).toMatchObject({ ok: false, reason: expect.stringContaining('does not list this device') as unknown });
    const notAMemberSender = checkRecoveredCatalog(riverside.catalog, riverside.coop, riverside.genesis, ana, deePeer);
    expect(notAMemberSender).toMatchObject({ ok: false, reason: expect.stringContaining('not an active member device itself') as unknown });
  });
});
