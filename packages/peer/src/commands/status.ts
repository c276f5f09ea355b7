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
  documents?: { documentId: string; label: string; present: boolean; inSyncWith: string[]; behind: string[] }[];
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

/** A document of the co-op as status shows it: here or not, its bytes on disk, in sync with whom (from a running peer). */
interface DocumentStatus {
  documentId: string;
  label: string;
  present: boolean;
  bytes: number;
  inSyncWith?: string[];
  behind?: string[];
}

/**
 * This device's network identity, the running peer if any, the peers it knows, the co-op's documents
 * (here or not, in sync with whom), how far its replication has got, and damaged files not recovered.
 */
export async function statusCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const folder = await openFolder(context);
  const { KnownPeers, networkPaths, peerIdOfDevice, readJoinProgress } = await import('@tallystick/sync/network');
  const device = (await exists(folder.keyPath)) ? await readDevicePublicKey(folder.keyPath) : undefined;
  if (Object.keys(folder.config.coops).length === 0 && context.coop === undefined) {
    const joining = await readJoinProgress(folder);
    if (joining !== undefined) return printJoining(context, joining, device, options.json === true);
  }
  const coopId = folder.coopId(context.coop);
  const running = await readRunningPeer(folder);
  const known = (await KnownPeers.load(networkPaths(folder).knownPeers)).all();
  const ours = running?.coop === coopId ? running : undefined;
  const documents = await documentStatus(context, folder, ours);
  const { listDamage } = await import('@tallystick/sync');
  const damaged = await listDamage(folder.storageDir);
  const lastSync = known.map((peer) => peer.lastSync).filter((at): at is string => at !== undefined).sort().at(-1);
  const here = documents.filter((document) => document.present);
  const replication = { documentsListed: documents.length, documentsHere: here.length, bytesHere: here.reduce((sum, document) => sum + document.bytes, 0), complete: here.length === documents.length };
  const status = {
    device: device ?? null, peerId: device ? peerIdOfDevice(device) : null,
    coop: { id: coopId, name: folder.config.coops[coopId]!.name },
    running: ours ? { pid: ours.pid, startedAt: ours.startedAt, addresses: ours.addresses, connected: ours.connected } : null,
    lastSync: lastSync ?? null, knownPeers: known, documents, replication,
    damaged: damaged.map((chunk) => ({ documentId: chunk.documentId, was: chunk.was, quarantinedAs: chunk.quarantinedAs })),
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
    const connected = ours?.connected.some((candidate) => candidate.peerId === peer.peerId) === true;
    const refused = peer.lastRefused ? `; refused ${peer.lastRefused.at}: ${peer.lastRefused.reason}` : '';
    print(context, `  ${peer.member ?? '?'}  ${shortPeer(peer.peerId)}  ${connected ? 'connected' : 'not connected'}, last seen ${peer.lastSeen ?? 'never'}, last in sync ${peer.lastSync ?? 'never'}${refused}`);
  }
  printDocuments(context, documents, replication, ours !== undefined);
  if (damaged.length > 0) {
    print(context, `DAMAGED   ${damaged.length} file${damaged.length === 1 ? '' : 's'} put aside and not recovered yet (reports refuse until then; \`tallystick sync\` or \`tallystick restore FILE\` recovers them):`);
    for (const chunk of damaged) print(context, `  ${chunk.was} -> ${chunk.quarantinedAs}`);
  }
}

function printDocuments(context: CommandContext, documents: readonly DocumentStatus[], replication: { documentsListed: number; documentsHere: number; bytesHere: number; complete: boolean }, live: boolean): void {
  const missing = documents.filter((document) => !document.present);
  print(context, `documents ${documents.length} listed, ${missing.length === 0 ? 'all here' : `not here yet: ${missing.map((document) => document.label).join(', ')}`}`);
  if (!replication.complete) print(context, `replication ${replication.documentsHere} of ${replication.documentsListed} documents here, ${replication.bytesHere} bytes so far`);
  for (const document of documents) {
    const where = !document.present ? 'not here yet' : `here, ${document.bytes} bytes`;
    const sync = !live || !document.present ? '' : [
      document.inSyncWith && document.inSyncWith.length > 0 ? `in sync with ${document.inSyncWith.join(', ')}` : '',
      document.behind && document.behind.length > 0 ? `differs from ${document.behind.join(', ')} (syncing)` : '',
    ].filter((text) => text !== '').join('; ');
    print(context, `  ${document.label.padEnd(16)} ${where}${sync === '' ? '' : `; ${sync}`}`);
  }
}

function printJoining(context: CommandContext, joining: import('@tallystick/sync/network').JoinProgress, device: string | undefined, json: boolean): void {
  if (json) {
    print(context, JSON.stringify({ device: device ?? null, joining }, null, 2));
    return;
  }
  print(context, `joining   ${joining.name} (${joining.coop}), since ${joining.startedAt} (pid ${joining.pid})`);
  if (joining.phase === 'connecting') print(context, 'received  nothing yet: waiting for the inviting peer to admit this device (the members vote it in)');
  else print(context, `received  ${joining.documentsReceived} of ${joining.documentsListed} documents, ${joining.bytesSaved} bytes saved so far`);
}

/**
 * The co-op's documents: those the catalog here lists, with their bytes on disk; with a running peer, also
 * those its catalog (received, perhaps not on disk yet) lists, and whether each is in sync with its peers.
 */
async function documentStatus(context: CommandContext, folder: DataFolder, running: RunningPeer | undefined): Promise<DocumentStatus[]> {
  const { storedBytes } = await import('@tallystick/sync/network');
  const onDisk = await documentPresence(context, folder);
  const byId = new Map<string, DocumentStatus>(onDisk.map((document) => [document.documentId, { ...document, bytes: 0 }]));
  for (const live of running?.documents?.filter((document) => !document.label.startsWith('federation ')) ?? []) {
    const known = byId.get(live.documentId);
    byId.set(live.documentId, { ...(known ?? { documentId: live.documentId, label: live.label, bytes: 0 }), present: live.present || (known?.present ?? false), inSyncWith: live.inSyncWith, behind: live.behind });
  }
  const documents = [...byId.values()];
  for (const document of documents) document.bytes = await storedBytes(folder.storageDir, [document.documentId]);
  return documents.sort((a, b) => Number(b.label === 'catalog') - Number(a.label === 'catalog') || a.label.localeCompare(b.label));
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
