import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ImmutableString, getConflicts } from '@automerge/automerge';
import type { Entry, EntryId, StoredEntry } from '@tallystick/core';

/*
 * The document layout (see docs/ARCHITECTURE.md, "Documents"). A co-op's books are:
 * - one catalog document: the genesis, the rules (locks, later roster changes), account and commodity
 *   declarations, and the list of period documents by month;
 * - one period document per calendar month holding that month's dated entries (transactions, prices,
 *   balance assertions), grouped by day so that a change touches a small map (FINDINGS: a flat map
 *   of thousands of keys makes every change slow).
 * Entries written together on one day are packed into one value (one Automerge op, not one per entry or
 * per character), a "pack", deflated (entries of one batch share author, co-op and basis, so a pack
 * shrinks ~6×, and Automerge's cost grows with the bytes it hashes and stores). Measured: a map of
 * {text, sig} per entry costs 5× the time to change and to load of one value per entry. A pack's key is
 * the SHA-256 of its text, so writing the same pack twice (a replayed batch) changes nothing, and two
 * devices writing concurrently add different keys (no conflict). A pack's text is either
 * - sealed: a first line `#seal<TAB>AUTHOR<TAB>SIGNATURE`, then one canonical entry text per line; the
 *   signature is the author's over the entries' ids (core's `sealMessage`), one signature per pack; or
 * - signed: one line per entry, `SIGNATURE<TAB>CANONICAL-TEXT`, each entry signed alone (the genesis,
 *   and every pack written before seals existed).
 */

export const SCHEMA_VERSION = 1;

export interface CatalogDoc {
  tallystick: 'catalog';
  schema: number;
  coop: string;
  name: string;
  genesis: string;
  /** pack key → pack (rules, declarations) */
  entries: Record<string, StoredPack>;
  /** month → set of document ids. A set, not one id: two devices may each create a month concurrently. */
  periods: Record<string, Record<string, true>>;
}

export interface PeriodDoc {
  tallystick: 'period';
  schema: number;
  coop: string;
  month: string;
  /** date → pack key → pack */
  days: Record<string, Record<string, StoredPack>>;
}

/** A pack as stored: deflated bytes with a format byte; plain text is read too. */
export type StoredPack = Uint8Array | ImmutableString | string;

export const MAX_PACK_LINES = 100_000;
export const MAX_PACK_BYTES = 64 * 1024 * 1024;
const PACK_DEFLATE = 1;

const SEAL_PREFIX = '#seal\t';

/**
 * The text of a pack; the caller keys the pack by the hash of this text. Either every entry is signed
 * alone, or all share one seal and are exactly the entries it names, in its order.
 */
export function packText(entries: readonly Entry[]): string {
  const seal = entries[0]?.seal;
  if (seal === undefined) {
    if (entries.some((entry) => entry.seal !== undefined || entry.stored.sig === '')) throw new Error('packText: a pack mixes sealed and signed entries');
    return entries.map((entry) => `${entry.stored.sig}\t${entry.stored.text}`).join('\n');
  }
  if (entries.length !== seal.ids.length || entries.some((entry, index) => entry.seal !== seal || entry.id !== seal.ids[index])) {
    throw new Error('packText: a sealed pack must hold exactly the entries of its seal, in order');
  }
  return `${SEAL_PREFIX}${seal.author}\t${seal.sig}\n${entries.map((entry) => entry.stored.text).join('\n')}`;
}

export function encodePack(text: string): Uint8Array {
  return storedPackOf(deflateRawSync(Buffer.from(text, 'utf8'), { level: 1 }));
}

const deflateRawAsync = promisify(deflateRaw);

/**
 * `encodePack` of a pack's UTF-8 bytes, deflated on libuv's thread pool (the same zlib, level and
 * bytes): a large batch deflates its packs on the spare core while the main thread builds the next.
 */
export async function encodePackBytes(utf8: Uint8Array): Promise<Uint8Array> {
  return storedPackOf(await deflateRawAsync(utf8, { level: 1 }));
}

function storedPackOf(deflated: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(deflated.length + 1);
  bytes[0] = PACK_DEFLATE;
  bytes.set(deflated, 1);
  return bytes;
}

function packTextOf(value: unknown): string | { error: string } {
  if (typeof value === 'string') return value;
  if (value instanceof ImmutableString) return value.val;
  if (!(value instanceof Uint8Array)) return { error: 'stored pack is neither bytes nor a string' };
  if (value[0] !== PACK_DEFLATE) return { error: `stored pack has unknown format ${value[0] ?? '(empty)'}` };
  try {
    return inflateRawSync(value.subarray(1), { maxOutputLength: MAX_PACK_BYTES }).toString('utf8');
  } catch (error) {
    return { error: `stored pack does not inflate (${(error as Error).message})` };
  }
}

export type PackLine = { ok: true; stored: StoredEntry } | { ok: false; line: number; reason: string };

/** A pack as read: a sealed group of texts, or lines each signed alone (see the layout above). */
export type DecodedPack =
  | { readonly form: 'sealed'; readonly author: string; readonly sig: string; readonly texts: readonly string[] }
  | { readonly form: 'signed'; readonly lines: readonly PackLine[] };

/** Reads a pack as written by any peer: anything that is not a pack is reported as a bad line, not thrown. */
export function decodePack(value: unknown): DecodedPack {
  const text = packTextOf(value);
  if (typeof text !== 'string') return { form: 'signed', lines: [{ ok: false, line: 0, reason: text.error }] };
  const lines = text.split('\n');
  if (lines.length > MAX_PACK_LINES + 1) return { form: 'signed', lines: [{ ok: false, line: 0, reason: `pack of ${lines.length} lines exceeds ${MAX_PACK_LINES}` }] };
  if (lines[0]!.startsWith(SEAL_PREFIX)) {
    const [author = '', sig = ''] = lines[0]!.slice(SEAL_PREFIX.length).split('\t');
    return { form: 'sealed', author, sig, texts: lines.slice(1) };
  }
  return {
    form: 'signed',
    lines: lines.map((line, index) => {
      const tab = line.indexOf('\t');
      if (tab < 0) return { ok: false, line: index + 1, reason: 'pack line is not SIGNATURE<TAB>TEXT' };
      return { ok: true, stored: { sig: line.slice(0, tab), text: line.slice(tab + 1) } };
    }),
  };
}

/**
 * Every value written under one key of a document's map, concurrent ones included. Two devices that each
 * create a month's (or a day's) map offline write two different maps under the same key; Automerge shows
 * one of them and keeps the other as a conflict, so a reader that looked only at the shown one would miss
 * the other device's months or entries. Readers take the union (the keys inside are content-addressed or
 * document ids, so the same key in two maps is the same thing).
 */
export function concurrentValues<T>(map: object, key: string): T[] {
  const conflicts = getConflicts(map as Record<string, unknown>, key);
  if (conflicts !== undefined && Object.keys(conflicts).length > 1) return Object.values(conflicts) as T[];
  const value = (map as Record<string, T | undefined>)[key];
  return value === undefined ? [] : [value];
}

/** Every period document a catalog lists, by month, including months two devices created concurrently. */
export function periodDocuments(catalog: Pick<CatalogDoc, 'periods'>): { month: string; documentId: string }[] {
  const periods = catalog.periods ?? {};
  const found = new Map<string, string>();
  for (const month of Object.keys(periods).sort()) {
    for (const set of concurrentValues<Record<string, true>>(periods, month)) {
      for (const documentId of Object.keys(set)) found.set(documentId, month);
    }
  }
  return [...found].map(([documentId, month]) => ({ month, documentId }));
}

/** Every day of a period document with its packs, including days two devices wrote concurrently. */
export function periodDays(period: Pick<PeriodDoc, 'days'>): { date: string; packs: Record<string, StoredPack> }[] {
  const days = period.days ?? {};
  return Object.keys(days).sort().flatMap((date) => concurrentValues<Record<string, StoredPack>>(days, date).map((packs) => ({ date, packs })));
}

/** The period document that holds a dated entry. */
export function monthOfDate(date: string): string {
  return date.slice(0, 7);
}

export function datedPayload(payload: unknown): string | undefined {
  const date = (payload as { date?: unknown } | null)?.date;
  return typeof date === 'string' ? date : undefined;
}

export type { EntryId };
