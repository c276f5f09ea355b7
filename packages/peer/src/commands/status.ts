import { access, readFile } from 'node:fs/promises';
import type { DataFolder } from '@tallystick/sync';
import { readDevicePublicKey } from '@tallystick/sync';
import { type CommandContext, openFolder, openStore, print } from '../context.js';
import { shortPeer } from './network-text.js';

/** What a running `tallystick peer` wrote about itself (sync/src/network/coop-peer.ts), if that process is alive. */
export interface RunningPeer {
  pid: number;
  coop: string;
  peerId: string;
  addresses: string[];
  startedAt: string;
  connected: { peerId: string; member?: string }[];
}

export async function readRunningPeer(folder: DataFolder): Promise<RunningPeer | undefined> {
  const { networkPaths } = await import('@tallystick/sync/network');
  let status: RunningPeer & { format?: string };
  try {
    status = JSON.parse(await readFile(networkPaths(folder).status, 'utf8')) as RunningPeer & { format?: string };
  } catch {
    return undefined; // no peer has run, or it stopped (it removes the file)
  }
  if (status.format !== 'tallystick-running-peer' || !Number.isInteger(status.pid)) return undefined;
  try {
    process.kill(status.pid, 0);
  } catch {
    return undefined; // killed without removing its file: not running
  }
  return status;
}

/** This device's network identity, the running peer if any, the peers it knows, and the co-op's documents. */
export async function statusCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const folder = await openFolder(context);
  const { KnownPeers, networkPaths, peerIdOfDevice } = await import('@tallystick/sync/network');
  const device = (await exists(folder.keyPath)) ? await readDevicePublicKey(folder.keyPath) : undefined;
  const coopId = folder.coopId(context.coop);
  const running = await readRunningPeer(folder);
  const known = (await KnownPeers.load(networkPaths(folder).knownPeers)).all();
  const documents = await documentPresence(context, folder);
  const lastSync = known.map((peer) => peer.lastSync).filter((at): at is string => at !== undefined).sort().at(-1);
  const status = {
    device: device ?? null, peerId: device ? peerIdOfDevice(device) : null,
    coop: { id: coopId, name: folder.config.coops[coopId]!.name },
    running: running?.coop === coopId ? { pid: running.pid, startedAt: running.startedAt, addresses: running.addresses, connected: running.connected } : null,
    lastSync: lastSync ?? null, knownPeers: known, documents,
  };
  if (options.json) {
    print(context, JSON.stringify(status, null, 2));
    return;
  }
  print(context, `co-op     ${status.coop.name} (${coopId})`);
  print(context, `device    ${device ?? '(no key yet)'}`);
  print(context, `peer id   ${status.peerId ?? '-'}`);
  if (status.running) {
    print(context, `peer      running since ${status.running.startedAt} (pid ${status.running.pid})`);
    for (const address of status.running.addresses) print(context, `          listening on ${address}`);
    print(context, `connected ${status.running.connected.map((peer) => `${peer.member ?? '?'} (${shortPeer(peer.peerId)})`).join(', ') || 'none'}`);
  } else {
    print(context, 'peer      not running (`tallystick peer` keeps one running; `tallystick sync` syncs once)');
  }
  print(context, `last sync ${lastSync ?? 'never'}`);
  print(context, known.length === 0 ? 'known peers: none yet' : 'known peers:');
  for (const peer of known) {
    const refused = peer.lastRefused ? `; refused ${peer.lastRefused.at}: ${peer.lastRefused.reason}` : '';
    print(context, `  ${peer.member ?? '?'}  ${shortPeer(peer.peerId)}  last seen ${peer.lastSeen ?? 'never'}, last in sync ${peer.lastSync ?? 'never'}${refused}`);
  }
  const missing = documents.filter((document) => !document.present);
  print(context, `documents ${documents.length} listed, ${missing.length === 0 ? 'all here' : `not here yet: ${missing.map((document) => document.label).join(', ')}`}`);
}

/** The co-op's documents (catalog and months) and whether each has chunks on this device. */
async function documentPresence(context: CommandContext, folder: DataFolder): Promise<{ documentId: string; label: string; present: boolean }[]> {
  const { periodDocuments } = await import('@tallystick/sync');
  const store = await openStore(context, folder);
  try {
    const catalog = store.documentIds()[0]!;
    const labelled = [{ documentId: catalog, label: 'catalog' }, ...(await catalogPeriods(store, periodDocuments))];
    return Promise.all(labelled.map(async (document) => ({ ...document, present: (await store.storage.listKeys([document.documentId])).length > 0 })));
  } finally {
    await store.close();
  }
}

async function catalogPeriods(store: Awaited<ReturnType<typeof openStore>>, periodDocuments: typeof import('@tallystick/sync').periodDocuments): Promise<{ documentId: string; label: string }[]> {
  const record = store.folder.config.coops[store.coopId]!;
  const catalog = await store.repo.find<import('@tallystick/sync').CatalogDoc>(record.catalog as Parameters<typeof store.repo.find>[0]);
  return periodDocuments(catalog.doc()).map((period) => ({ documentId: period.documentId, label: `period ${period.month}` }));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // no device key yet
  }
}
