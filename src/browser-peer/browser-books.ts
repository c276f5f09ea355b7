import type { AutomergeUrl, DocHandle, Repo } from '@automerge/automerge-repo/slim';
import {
  type Book, type CoopId, type Entry, type EntryId, type EntrySigner, type Roster, type StoredEntry, TallystickError, checkSealedEntries,
  checkStoredEntry, encodeTransaction, isControlKind, materialize, parseJournal, prepareEntry, sealEntries,
} from '@tallystick/core';
import { browserEntryCrypto as crypto } from './browser-crypto.js';

/*
 * A co-op's books as a page holds them: the same documents, packs and signed entries as the Node peers
 * (packages/sync/src/documents.ts, coop-store.ts), read and written with the browser's own deflate
 * (CompressionStream) instead of node:zlib. What counts is decided by core's materializer, as on the CLI.
 */

interface CatalogDoc {
  coop: string;
  name: string;
  genesis: string;
  entries: Record<string, unknown>;
  periods: Record<string, Record<string, true>>;
}

interface PeriodDoc {
  tallystick: 'period';
  schema: number;
  coop: string;
  month: string;
  days: Record<string, Record<string, unknown>>;
}

const PACK_DEFLATE = 1;
const SEAL_PREFIX = '#seal\t';
const MAXIMUM_PACK_BYTES = 64 * 1024 * 1024;

export interface CoopIds {
  readonly coop: string;
  readonly catalog: string;
  readonly genesis: string;
}

export class BrowserBooks {
  private constructor(private readonly repo: Repo, readonly ids: CoopIds, readonly catalog: DocHandle<CatalogDoc>) {}

  /** Waits (with the repo's own retries) until a connected member's peer has sent the catalog. */
  static async open(repo: Repo, ids: CoopIds, signal: AbortSignal): Promise<BrowserBooks> {
    const catalog = await repo.find<CatalogDoc>(`automerge:${ids.catalog}` as AutomergeUrl, { signal });
    const doc = catalog.doc();
    if (doc.coop !== ids.coop || doc.genesis !== ids.genesis) {
      throw new TallystickError('wrong_coop', `the document the peer sent is not co-op ${ids.coop} (it names co-op ${String(doc.coop)}); nothing was kept`);
    }
    return new BrowserBooks(repo, ids, catalog);
  }

  /** Every entry of the catalog and of every month it lists, each checked (hash and signature). */
  async readEntries(): Promise<{ entries: Entry[]; unverified: number }> {
    const entries: Entry[] = [];
    let unverified = 0;
    const take = async (key: string, value: unknown) => {
      for (const checked of await checkPack(key, value)) {
        if (checked.ok) entries.push(checked.entry);
        else unverified += 1;
      }
    };
    const catalog = this.catalog.doc();
    for (const [key, value] of Object.entries(catalog.entries ?? {})) await take(key, value);
    for (const [, documentIds] of Object.entries(catalog.periods ?? {})) {
      for (const documentId of Object.keys(documentIds)) {
        const period = await this.repo.find<PeriodDoc>(`automerge:${documentId}` as AutomergeUrl);
        for (const packs of Object.values(period.doc().days ?? {})) {
          for (const [key, value] of Object.entries(packs)) await take(key, value);
        }
      }
    }
    return { entries, unverified };
  }

  async book(): Promise<Book> {
    const { entries } = await this.readEntries();
    return materialize({ genesisId: this.ids.genesis as EntryId, entries });
  }

  /** The roster in force, from the catalog's control entries alone (as the Node peers' gate derives it). */
  async roster(): Promise<Roster> {
    return materialize({ genesisId: this.ids.genesis as EntryId, entries: await this.controlEntries() }).governance.roster;
  }

  /**
   * Records one transaction typed as on the command line (`tallystick add`): a date, a description and
   * postings `ACCOUNT  AMOUNT`, one of which may leave its amount out. Signed by this device, sealed,
   * and filed in its month's document, which the connected peers then receive.
   */
  async addTransaction(input: { date: string; description: string; postings: readonly string[] }, signer: EntrySigner, now: Date): Promise<EntryId> {
    if (input.description.trim() === '' || /[\r\n]/u.test(input.description)) throw new TallystickError('invalid_description', 'a transaction needs a description of one line');
    const text = [`${input.date} ${input.description.trim()}`, ...input.postings.map((posting) => `    ${posting.trim()}`)].join('\n');
    const parsed = parseJournal(`${text}\n`, { file: 'the form' });
    if (parsed.transactions.length !== 1) throw new TallystickError('invalid_transaction', 'the form did not describe exactly one transaction');
    const transaction = parsed.transactions[0]!.value;
    const basis = await this.controlHeads();
    const prepared = prepareEntry({ kind: 'transaction', coop: this.ids.coop as CoopId, at: now.toISOString(), n: 0, basis, payload: encodeTransaction(transaction) }, signer.publicKey, crypto);
    const [entry] = sealEntries([prepared], signer);
    const packText = `${SEAL_PREFIX}${entry!.seal!.author}\t${entry!.seal!.sig}\n${entry!.stored.text}`;
    await this.file(transaction.date, crypto.sha256Hex(packText).slice(0, 32), await encodePack(packText));
    return entry!.id;
  }

  /** Puts a pack into its day of its month's document; a month not there yet is created and listed. */
  private async file(date: string, key: string, pack: Uint8Array): Promise<void> {
    const month = date.slice(0, 7);
    const existing = Object.keys(this.catalog.doc().periods?.[month] ?? {}).sort()[0];
    if (existing !== undefined) {
      const period = await this.repo.find<PeriodDoc>(`automerge:${existing}` as AutomergeUrl);
      period.change((doc) => {
        if (!doc.days[date]) doc.days[date] = {};
        const day = doc.days[date];
        if (!day[key]) day[key] = pack;
      });
      return;
    }
    const created = this.repo.create<PeriodDoc>({ tallystick: 'period', schema: 1, coop: this.ids.coop, month, days: { [date]: { [key]: pack } } });
    this.catalog.change((doc) => {
      if (!doc.periods[month]) doc.periods[month] = {};
      doc.periods[month][created.documentId] = true;
    });
  }

  private async controlEntries(): Promise<Entry[]> {
    const control: Entry[] = [];
    for (const [key, value] of Object.entries(this.catalog.doc().entries ?? {})) {
      for (const checked of await checkPack(key, value)) {
        if (checked.ok && isControlKind(checked.entry.body.kind) && checked.entry.body.coop === this.ids.coop) control.push(checked.entry);
      }
    }
    return control;
  }

  /** The accepted control entries no other names in its basis: the rules a new entry is written under. */
  private async controlHeads(): Promise<EntryId[]> {
    const control = await this.controlEntries();
    const rejected = new Set(materialize({ genesisId: this.ids.genesis as EntryId, entries: control }).rejected.map((entry) => entry.id));
    const accepted = control.filter((entry) => !rejected.has(entry.id));
    const named = new Set(accepted.flatMap((entry) => entry.body.basis));
    return accepted.filter((entry) => !named.has(entry.id)).map((entry) => entry.id).sort();
  }
}

type PackCheck = { ok: true; entry: Entry } | { ok: false; reason: string };

/** A stored pack's entries, checked: a sealed pack against its one seal, a signed one line by line. */
async function checkPack(key: string, value: unknown): Promise<PackCheck[]> {
  const text = await packTextOf(value);
  if (typeof text !== 'string') return [{ ok: false, reason: `pack ${key}: ${text.error}` }];
  const lines = text.split('\n');
  if (lines[0]!.startsWith(SEAL_PREFIX)) {
    const [author = '', sig = ''] = lines[0]!.slice(SEAL_PREFIX.length).split('\t');
    return checkSealedEntries(lines.slice(1), { author, sig }, crypto).map((checked) => (checked.ok ? checked : { ok: false, reason: checked.reason }));
  }
  return lines.map((line): PackCheck => {
    const tab = line.indexOf('\t');
    if (tab < 0) return { ok: false, reason: `pack ${key}: a line is not SIGNATURE<TAB>TEXT` };
    const stored: StoredEntry = { sig: line.slice(0, tab), text: line.slice(tab + 1) };
    const checked = checkStoredEntry(crypto.sha256Hex(stored.text), stored, crypto);
    return checked.ok ? checked : { ok: false, reason: checked.reason };
  });
}

async function packTextOf(value: unknown): Promise<string | { error: string }> {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'val' in value && typeof value.val === 'string') return value.val; // an ImmutableString
  if (!(value instanceof Uint8Array)) return { error: 'stored pack is neither bytes nor a string' };
  if (value[0] !== PACK_DEFLATE) return { error: `stored pack has unknown format ${value[0] ?? '(empty)'}` };
  try {
    const inflated = await new Response(new Blob([value.slice(1)]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer();
    if (inflated.byteLength > MAXIMUM_PACK_BYTES) return { error: `stored pack inflates past ${MAXIMUM_PACK_BYTES} bytes` };
    return new TextDecoder().decode(inflated);
  } catch (error) {
    return { error: `stored pack does not inflate (${error instanceof Error ? error.message : String(error)})` };
  }
}

async function encodePack(text: string): Promise<Uint8Array> {
  const deflated = new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  const bytes = new Uint8Array(deflated.length + 1);
  bytes[0] = PACK_DEFLATE;
  bytes.set(deflated, 1);
  return bytes;
}

export function isRosterDevice(roster: Roster, device: string): boolean {
  return roster.members.some((member) => !member.removed && member.devices.includes(device as never) && !member.revokedDevices.includes(device as never));
}
