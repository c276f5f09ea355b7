import { randomBytes } from 'node:crypto';
import * as Automerge from '@automerge/automerge';
import { type AutomergeUrl, type DocHandle, type DocumentId, type Repo } from '@automerge/automerge-repo';
import {
  type CoopCard, type CoopId, type Entry, type EntryId, type EntrySigner, type Federation, type FederationKind, type PayloadOf, type RejectedEntry,
  type PreparedEntry, type UnitOfAccount, MAX_AFTER, TallystickError, assert, materializeFederation, prepareEntry, sealEntries,
} from '@tallystick/core';
import { type CoopStore, checkPack, crypto, packs } from './coop-store.js';
import { type DataFolder, type FederationRecord } from './data-folder.js';
import { SCHEMA_VERSION, type StoredPack } from './documents.js';
import { type FileStorageAdapter } from './file-storage-adapter.js';

/*
 * A federation's document (issue 6, credit/README.md in core): its own signed entries, packed as a
 * co-op's catalog packs them, and, per member co-op, the packs of that co-op's control history (genesis,
 * locks, proposals, votes) so that every member re-derives each co-op's roster. Nothing of a co-op's
 * books is in it. One document per federation: federation traffic is a few entries a day.
 */
export interface FederationDoc {
  tallystick: 'federation';
  schema: number;
  federation: string;
  name: string;
  genesis: string;
  /** pack key → pack of federation entries */
  entries: Record<string, StoredPack>;
  /** co-op id → pack key → pack of that co-op's control entries */
  shared: Record<string, Record<string, StoredPack>>;
}

/** A federation entry to write: its payload without `by` and `after`, which the store fills in. */
export interface NewFederationEntry<K extends FederationKind = FederationKind> {
  readonly kind: K;
  readonly payload: Omit<PayloadOf<K>, 'by' | 'after'>;
}

export class FederationStore {
  private constructor(
    readonly folder: DataFolder,
    readonly id: string,
    private readonly repo: Repo,
    private readonly storage: FileStorageAdapter,
    private readonly handle: DocHandle<FederationDoc>,
  ) {}

  /** Founds a federation for `store`'s co-op: the genesis names the founding co-ops, the founder first. */
  static async create(store: CoopStore, signer: EntrySigner, options: { name: string; unit: UnitOfAccount; coops: CoopCard[]; account: string; now: Date }): Promise<FederationStore> {
    const id = randomBytes(16).toString('hex');
    const payload = { by: store.coopId, name: options.name, unit: options.unit, coops: options.coops };
    const [genesis] = sealEntries([prepareEntry({ kind: 'federation', coop: id as CoopId, at: options.now.toISOString(), n: 0, basis: store.controlHeads(), payload }, signer.publicKey, crypto)], signer);
    const handle = store.repo.create<FederationDoc>({
      tallystick: 'federation', schema: SCHEMA_VERSION, federation: id, name: options.name, genesis: genesis!.id,
      entries: packs([genesis!]), shared: { [store.coopId]: store.controlPacks() },
    });
    const federations = store.folder.config.federations ?? {};
    federations[id] = { name: options.name, document: handle.url, genesis: genesis!.id, accounts: { [store.coopId]: options.account } };
    store.folder.config.federations = federations;
    const federation = new FederationStore(store.folder, id, store.repo, store.storage, handle);
    await federation.flush();
    await store.folder.saveConfig();
    return federation;
  }

  /** The federation named (by name or id), else the only one this folder holds. */
  static async open(store: CoopStore, requested?: string): Promise<FederationStore> {
    const id = federationIdOf(store.folder, requested);
    const record = store.folder.config.federations![id]!;
    let handle: DocHandle<FederationDoc>;
    try {
      handle = await store.repo.find<FederationDoc>(record.document as AutomergeUrl);
    } catch (error) {
      throw new TallystickError('federation_unavailable', `the document of federation "${record.name}" cannot be read from ${store.folder.storageDir} (${(error as Error).message}); receive it again from a member`);
    }
    return new FederationStore(store.folder, id, store.repo, store.storage, handle);
  }

  /**
   * Takes in a federation's document as another member sent it (replication does this over the
   * network; `federation receive FILE` from a file): merged into the copy here, or kept as a new
   * copy under the same document id. Everything in it is checked when read, as anything a peer wrote.
   */
  static async receive(store: CoopStore, bytes: Uint8Array, documentId: string): Promise<FederationStore> {
    let incoming: Automerge.Doc<FederationDoc>;
    try {
      incoming = Automerge.load<FederationDoc>(bytes);
    } catch (error) {
      throw new TallystickError('not_a_federation', `the file is not an Automerge document (${(error as Error).message})`);
    }
    const id = incoming.federation;
    if (incoming.tallystick !== 'federation' || typeof id !== 'string' || !/^[0-9a-f]{32}$/u.test(id) || typeof incoming.genesis !== 'string') {
      throw new TallystickError('not_a_federation', 'the file is not a Tallystick federation document');
    }
    const federations = store.folder.config.federations ?? {};
    const known = federations[id];
    if (known) {
      const local = await FederationStore.open(store, id);
      local.handle.update((doc) => Automerge.merge(doc, incoming));
      await local.flush();
      return local;
    }
    const handle = store.repo.import<FederationDoc>(bytes, { docId: documentId as DocumentId });
    federations[id] = { name: incoming.name, document: handle.url, genesis: incoming.genesis, accounts: {} };
    store.folder.config.federations = federations;
    const federation = new FederationStore(store.folder, id, store.repo, store.storage, handle);
    await federation.flush();
    await store.folder.saveConfig();
    return federation;
  }

  get record(): FederationRecord {
    return this.folder.config.federations![this.id]!;
  }

  get documentId(): string {
    return this.handle.documentId;
  }

  /** The whole document, to hand to a member that has not got it (what replication will send). */
  save(): Uint8Array {
    return Automerge.save(this.handle.doc());
  }

  async flush(): Promise<void> {
    await this.repo.flush([this.handle.documentId]);
    await this.storage.whenIdle();
  }

  /** Every federation entry and shared control entry, checked; and what the federation is, derived from them. */
  read(): { federation: Federation; entries: Entry[]; shared: Entry[]; unverified: RejectedEntry[] } {
    const doc = this.handle.doc();
    const entries: Entry[] = [];
    const shared: Entry[] = [];
    const unverified: RejectedEntry[] = [];
    const take = (into: Entry[], key: string, value: unknown, where: string) => {
      for (const checked of checkPack(key, value)) {
        if (checked.ok) into.push(checked.entry);
        else unverified.push({ id: checked.id, code: checked.code, reason: `${where}: ${checked.reason}` });
      }
    };
    for (const [key, value] of Object.entries(doc.entries ?? {})) take(entries, key, value, 'the federation\'s entries');
    for (const [coop, packsOfCoop] of Object.entries(doc.shared ?? {})) {
      for (const [key, value] of Object.entries(packsOfCoop)) take(shared, key, value, `the control history shared by ${coop}`);
    }
    const federation = materializeFederation({ genesisId: this.record.genesis as EntryId, entries, shared, unverified });
    return { federation, entries, shared, unverified };
  }

  /**
   * Signs federation entries made for `store`'s co-op under one seal: basis its control heads; the first
   * names the federation's heads in `after`, each next one the entry before it, so a batch leaves one head
   * (had they all named the same heads, a batch of more than MAX_AFTER would leave more heads than the
   * next entry may name). Heads beyond MAX_AFTER (many co-ops writing at once) are named by a later entry.
   */
  sign(store: CoopStore, signer: EntrySigner, entries: readonly NewFederationEntry[], now: Date): Entry[] {
    assert(entries.length > 0 && entries.length <= 1000, 'FederationStore.sign: 1 to 1000 entries');
    const heads = this.read().federation.heads.slice(0, MAX_AFTER);
    const basis = store.controlHeads();
    const prepared: PreparedEntry[] = [];
    for (const [index, entry] of entries.entries()) {
      const after = index === 0 ? [...heads] : [prepared[index - 1]!.id];
      prepared.push(prepareEntry({
        kind: entry.kind, coop: this.id as CoopId, at: now.toISOString(), n: index, basis,
        payload: { by: store.coopId, after, ...entry.payload } as PayloadOf<FederationKind>,
      }, signer.publicKey, crypto));
    }
    return sealEntries(prepared, signer);
  }

  /** What the federation would be with these signed entries and the co-op's control history as it is now. */
  preview(store: CoopStore, signed: readonly Entry[]): Federation {
    const { entries, shared, unverified } = this.read();
    const control = Object.entries(store.controlPacks()).flatMap(([key, value]) => checkPack(key, value)).flatMap((checked) => (checked.ok ? [checked.entry] : []));
    return materializeFederation({ genesisId: this.record.genesis as EntryId, entries: [...entries, ...signed], shared: [...shared, ...control], unverified });
  }

  /** Writes signed entries with the co-op's control history as it is now (so every member can check them), then flushes. */
  async write(store: CoopStore, signed: readonly Entry[]): Promise<void> {
    this.share(store, signed);
    await this.flush();
  }

  /** Adds signed entries (and the co-op's control packs) to the document, in one change. */
  share(store: CoopStore, signed: readonly Entry[]): void {
    const control = store.controlPacks();
    this.handle.change((doc) => {
      for (const [key, value] of Object.entries(signed.length > 0 ? packs(signed) : {})) if (!doc.entries[key]) doc.entries[key] = value;
      if (!doc.shared[store.coopId]) doc.shared[store.coopId] = {};
      const mine = doc.shared[store.coopId]!;
      for (const [key, value] of Object.entries(control)) if (!mine[key]) mine[key] = value;
    });
  }
}

/** The federation a command acts on: named by name or id, else the only one. */
export function federationIdOf(folder: DataFolder, requested?: string): string {
  const federations = folder.config.federations ?? {};
  const ids = Object.keys(federations);
  if (requested) {
    const match = ids.find((id) => id === requested) ?? ids.find((id) => federations[id]!.name === requested);
    if (!match) throw new TallystickError('unknown_federation', `this data folder holds no federation "${requested}" (it holds: ${ids.map((id) => federations[id]!.name).join(', ') || 'none'})`);
    return match;
  }
  if (ids.length === 0) throw new TallystickError('no_federation', 'this data folder belongs to no federation: found one with `tallystick federation create`, or receive an invitation and `tallystick federation join`');
  if (ids.length > 1) throw new TallystickError('several_federations', `this data folder holds several federations (${ids.map((id) => federations[id]!.name).join(', ')}): choose one with --federation`);
  return ids[0]!;
}
