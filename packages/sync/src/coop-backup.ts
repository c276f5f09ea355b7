import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as Automerge from '@automerge/automerge';
import type { AutomergeUrl, DocHandle, DocumentId } from '@automerge/automerge-repo';
import { TallystickError, assert } from '@tallystick/core';
import { CoopStore } from './coop-store.js';
import { type DataFolder, type FederationRecord } from './data-folder.js';
import { type CatalogDoc, type PeriodDoc, decodePack, periodDays, periodDocuments } from './documents.js';
import { type StorageProblem, writeFileAtomic } from './file-storage-adapter.js';
import { type DamagedChunk, markRecovered, refuseDamagedStorage } from './storage-damage.js';

/*
 * What a backup holds (the payload that backup-file.ts encrypts): every document a restore needs to
 * bring the co-op back (its catalog, every month the catalog lists, the document of every federation
 * the folder belongs to), each saved whole by Automerge, the data folder's records of them, the device
 * key file (already encrypted under the passphrase; docs/DECISIONS.md 24) and the peers this device
 * knows. Not the derived indexes, pending batches (replayed into the documents before the backup) or
 * the running peer's files. Layout: a 4-byte big-endian length, the manifest (JSON), then each
 * document's bytes in manifest order.
 */

export interface BackupDocument {
  readonly documentId: string;
  readonly label: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Entries in the document's packs (not verified here: the materializer judges them when read). */
  readonly entries: number;
}

export interface BackupManifest {
  readonly format: 'tallystick-backup-content';
  readonly version: 1;
  readonly createdAt: string;
  readonly coop: { readonly id: string; readonly name: string; readonly catalog: string; readonly genesis: string };
  readonly federations: Record<string, FederationRecord>;
  readonly documents: readonly BackupDocument[];
  /** The device key file as it was (encrypted under the passphrase), if the folder had one. */
  readonly deviceKey?: string;
  /** network/peers.json as it was: where the co-op's peers were last seen, so `sync` can catch up at once. */
  readonly knownPeers?: string;
}

export interface BackupContent {
  readonly manifest: BackupManifest;
  readonly documents: ReadonlyMap<string, Uint8Array>;
}

const MAXIMUM_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAXIMUM_DOCUMENTS = 20_000;

/**
 * Everything a restore needs from an open store. Refuses while documents are damaged and not recovered
 * (a backup of a short book, restored later, would look whole), and if a listed month is missing.
 */
export async function collectBackup(store: CoopStore, now: Date): Promise<BackupContent> {
  const folder = store.folder;
  await refuseDamagedStorage(folder.storageDir, 'not backed up');
  const record = folder.config.coops[store.coopId]!;
  const documents = new Map<string, Uint8Array>();
  const described: BackupDocument[] = [];
  const take = (documentId: string, label: string, doc: unknown, entries: number) => {
    const bytes = Automerge.save(doc as Automerge.Doc<unknown>);
    documents.set(documentId, bytes);
    described.push({ documentId, label, bytes: bytes.length, sha256: sha256Hex(bytes), entries });
  };
  const catalog = await findDocument<CatalogDoc>(store, record.catalog, 'the catalog');
  for (const { month, documentId } of periodDocuments(catalog)) {
    const period = await findDocument<PeriodDoc>(store, documentId, `the books for ${month}`);
    take(documentId, `period ${month}`, period, periodDays(period).reduce((sum, day) => sum + Object.values(day.packs).reduce((count, pack) => count + packEntries(pack), 0), 0));
    // A 100k book's months together take hundreds of MiB in Automerge's memory: drop each once saved.
    await store.repo.removeFromCache(documentId as DocumentId);
  }
  for (const [, federation] of Object.entries(folder.config.federations ?? {})) {
    const doc = await findDocument<{ entries?: Record<string, unknown> }>(store, federation.document, `the document of federation ${federation.name}`);
    take(federation.document.replace(/^automerge:/u, ''), `federation ${federation.name}`, doc, Object.values(doc.entries ?? {}).reduce<number>((count, pack) => count + packEntries(pack), 0));
  }
  // The catalog last in the file, as it is written last on restore: it names the months.
  take(record.catalog.replace(/^automerge:/u, ''), 'catalog', catalog, Object.values(catalog.entries ?? {}).reduce((count, pack) => count + packEntries(pack), 0));
  const deviceKey = await readIfPresent(folder.keyPath);
  const knownPeers = await readIfPresent(join(folder.dir, 'network', 'peers.json'));
  const manifest: BackupManifest = {
    format: 'tallystick-backup-content', version: 1, createdAt: now.toISOString(),
    coop: { id: store.coopId, name: record.name, catalog: record.catalog, genesis: record.genesis },
    federations: { ...(folder.config.federations ?? {}) }, documents: described,
    ...(deviceKey === undefined ? {} : { deviceKey }), ...(knownPeers === undefined ? {} : { knownPeers }),
  };
  return { manifest, documents };
}

async function findDocument<T>(store: CoopStore, url: string, label: string): Promise<T> {
  try {
    const handle = await store.repo.find<T>((url.startsWith('automerge:') ? url : `automerge:${url}`) as AutomergeUrl);
    return handle.doc() as T;
  } catch (error) {
    throw new TallystickError('backup_incomplete', `${label} (document ${url.replace(/^automerge:/u, '')}) cannot be read from ${store.folder.storageDir} (${(error as Error).message}); nothing was backed up. Sync with a peer first, so that every document is here`);
  }
}

function packEntries(pack: unknown): number {
  const decoded = decodePack(pack);
  return decoded.form === 'sealed' ? decoded.texts.length : decoded.lines.length;
}

export function encodeBackupContent(content: BackupContent): Buffer {
  const manifest = Buffer.from(JSON.stringify(content.manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(manifest.length);
  return Buffer.concat([length, manifest, ...content.manifest.documents.map((document) => content.documents.get(document.documentId)!)]);
}

/** The payload of a backup, checked: every document whole and the one its manifest names, the catalog that of the co-op named. */
export function decodeBackupContent(payload: Buffer, file: string): BackupContent {
  const damaged = (what: string) => new TallystickError('backup_damaged', `${file}: ${what}; nothing was written`);
  if (payload.length < 4) throw damaged('its content is empty');
  const manifestBytes = payload.readUInt32BE(0);
  if (manifestBytes > MAXIMUM_MANIFEST_BYTES || 4 + manifestBytes > payload.length) throw damaged('its list of documents is cut short');
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(payload.subarray(4, 4 + manifestBytes).toString('utf8')) as BackupManifest;
  } catch {
    throw damaged('its list of documents is not valid JSON');
  }
  if (manifest.format !== 'tallystick-backup-content' || manifest.version !== 1 || !Array.isArray(manifest.documents) || manifest.documents.length > MAXIMUM_DOCUMENTS) {
    throw damaged('its content is not a Tallystick backup of a version this program reads');
  }
  const documents = new Map<string, Uint8Array>();
  let offset = 4 + manifestBytes;
  for (const document of manifest.documents) {
    const bytes = payload.subarray(offset, offset + document.bytes);
    offset += document.bytes;
    if (bytes.length !== document.bytes || sha256Hex(bytes) !== document.sha256) throw damaged(`${document.label} (document ${document.documentId}) is cut short or damaged`);
    documents.set(document.documentId, new Uint8Array(bytes));
  }
  if (offset !== payload.length) throw damaged(`${payload.length - offset} bytes follow the last document`);
  checkBackupDocuments(manifest, documents, file);
  return { manifest, documents };
}

/** The catalog is the co-op's and every month it lists is in the backup: a restore brings back a whole book. */
function checkBackupDocuments(manifest: BackupManifest, documents: ReadonlyMap<string, Uint8Array>, file: string): void {
  const catalogId = manifest.coop.catalog.replace(/^automerge:/u, '');
  const catalogBytes = documents.get(catalogId);
  if (catalogBytes === undefined) throw new TallystickError('backup_damaged', `${file} holds no catalog of co-op ${manifest.coop.name}; nothing was written`);
  let catalog: CatalogDoc;
  try {
    catalog = Automerge.load<CatalogDoc>(catalogBytes);
  } catch (error) {
    throw new TallystickError('backup_damaged', `${file}: the catalog in it does not load (${(error as Error).message}); nothing was written`);
  }
  if (catalog.tallystick !== 'catalog' || catalog.coop !== manifest.coop.id || catalog.genesis !== manifest.coop.genesis) {
    throw new TallystickError('backup_damaged', `${file}: the catalog in it is not that of co-op ${manifest.coop.name} (${manifest.coop.id}); nothing was written`);
  }
  const missing = periodDocuments(catalog).filter((period) => !documents.has(period.documentId));
  if (missing.length > 0) throw new TallystickError('backup_damaged', `${file} lacks the books for ${missing.map((period) => period.month).join(', ')}, which its catalog lists; nothing was written`);
}

export interface RestoreOutcome {
  readonly coop: { readonly id: string; readonly name: string };
  /** Documents that were not here and were written whole. */
  readonly added: string[];
  /** Documents that were here and had the backup's changes merged in (nothing here is removed or overwritten). */
  readonly merged: string[];
  readonly entries: number;
  readonly deviceKey: 'restored' | 'same-device' | 'kept-this-devices' | 'none-in-backup';
  readonly recovered: DamagedChunk[];
}

/**
 * Brings a backup's documents into a data folder: an empty one (a new machine), or one holding the same
 * co-op (a damaged or incomplete copy). Documents here are merged with the backup's (Automerge: nothing
 * here is lost or overwritten, newer changes stay); missing ones are written whole. Months and
 * federations first, then the catalog, then the folder's records: a restore cut short leaves no co-op
 * naming documents that are not here, and running it again finishes it.
 */
export async function restoreBackup(folder: DataFolder, content: BackupContent, onProblem?: (problem: StorageProblem) => void): Promise<RestoreOutcome> {
  const { manifest, documents } = content;
  refuseOtherCoop(folder, manifest);
  const { repo, storage } = CoopStore.openRepo(folder, onProblem);
  const catalogId = manifest.coop.catalog.replace(/^automerge:/u, '');
  const added: string[] = [];
  const merged: string[] = [];
  const order = [...manifest.documents.filter((document) => document.documentId !== catalogId), ...manifest.documents.filter((document) => document.documentId === catalogId)];
  try {
    for (const document of order) {
      const bytes = documents.get(document.documentId)!;
      const documentId = document.documentId as DocumentId;
      const held = (await storage.listKeys([documentId])).length > 0;
      let handle: DocHandle<unknown> | undefined;
      if (held) handle = await repo.find<unknown>(`automerge:${documentId}` as AutomergeUrl, { allowableStates: ['ready', 'unavailable'] });
      if (handle?.isReady() === true) {
        handle.update((doc) => Automerge.loadIncremental(doc, bytes));
        merged.push(document.label);
      } else {
        // Not here, or every chunk of it damaged and put aside: the backup's copy is the document.
        handle = repo.import<unknown>(bytes, { docId: documentId });
        added.push(document.label);
      }
      assert(handle.isReady(), `restored document ${documentId} is not ready`);
      await repo.flush([documentId]);
      await storage.whenIdle();
      await repo.removeFromCache(documentId);
    }
  } finally {
    for (const adapter of repo.networkSubsystem.adapters) adapter.disconnect();
  }
  const deviceKey = await restoreFiles(folder, manifest);
  folder.config.coops[manifest.coop.id] = { name: manifest.coop.name, catalog: manifest.coop.catalog, genesis: manifest.coop.genesis };
  folder.config.defaultCoop ??= manifest.coop.id;
  for (const [id, record] of Object.entries(manifest.federations)) {
    const federations = folder.config.federations ?? {};
    federations[id] ??= record;
    folder.config.federations = federations;
  }
  await folder.saveConfig();
  const recovered = await markRecovered(folder.storageDir, manifest.documents.map((document) => document.documentId));
  const entries = manifest.documents.filter((document) => !document.label.startsWith('federation ')).reduce((sum, document) => sum + document.entries, 0);
  return { coop: { id: manifest.coop.id, name: manifest.coop.name }, added, merged, entries, deviceKey, recovered };
}

/** A folder holding another co-op (and not this one) is refused: a restore never mixes two co-ops' devices. */
function refuseOtherCoop(folder: DataFolder, manifest: BackupManifest): void {
  const held = Object.entries(folder.config.coops);
  if (held.length === 0 || folder.config.coops[manifest.coop.id] !== undefined) return;
  throw new TallystickError('restore_target_not_empty', `${folder.dir} already holds co-op ${held.map(([, record]) => `"${record.name}"`).join(', ')}, not "${manifest.coop.name}" (${manifest.coop.id}) of this backup; nothing was written. Restore into an empty folder (--data DIR)`);
}

/** The device key and known peers, only where this folder has none: this device's own are never replaced. */
async function restoreFiles(folder: DataFolder, manifest: BackupManifest): Promise<RestoreOutcome['deviceKey']> {
  const peersPath = join(folder.dir, 'network', 'peers.json');
  if (manifest.knownPeers !== undefined && !(await exists(peersPath))) await writeFileAtomic(peersPath, Buffer.from(manifest.knownPeers));
  if (manifest.deviceKey === undefined) return 'none-in-backup';
  if (await exists(folder.keyPath)) {
    const publicKeyOf = (text: string) => (JSON.parse(text) as { publicKey?: unknown }).publicKey;
    return publicKeyOf(await readFile(folder.keyPath, 'utf8')) === publicKeyOf(manifest.deviceKey) ? 'same-device' : 'kept-this-devices';
  }
  await writeFileAtomic(folder.keyPath, Buffer.from(manifest.deviceKey));
  return 'restored';
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // not there
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
