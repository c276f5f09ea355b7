import { ImmutableString } from '@automerge/automerge';
import type { EntryId, StoredEntry } from '@tallystick/core';

/*
 * The document layout (see docs/ARCHITECTURE.md, "Documents"). A co-op's books are:
 * - one catalog document: the genesis, the rules (locks, later roster changes), account and commodity
 *   declarations, and the list of period documents by month;
 * - one period document per calendar month holding that month's dated entries (transactions, prices,
 *   balance assertions), grouped by day so that a change touches a small map (FINDINGS: a flat map
 *   of thousands of keys makes every change slow).
 * Entries written together on one day are packed into one immutable string (one Automerge op, not one
 * per entry or per character), a "pack": one line per entry, `SIGNATURE<TAB>CANONICAL-TEXT`. Measured:
 * a map of {text, sig} per entry costs 5× the time to change and to load. A pack's key is the SHA-256
 * of its content, so writing the same pack twice (a replayed batch) changes nothing, and two devices
 * writing concurrently add different keys (no conflict). Entries stay individually signed.
 */

export const SCHEMA_VERSION = 1;

export interface CatalogDoc {
  tallystick: 'catalog';
  schema: number;
  coop: string;
  name: string;
  genesis: string;
  /** pack key → pack (rules, declarations) */
  entries: Record<string, ImmutableString>;
  /** month → set of document ids. A set, not one id: two devices may each create a month concurrently. */
  periods: Record<string, Record<string, true>>;
}

export interface PeriodDoc {
  tallystick: 'period';
  schema: number;
  coop: string;
  month: string;
  /** date → pack key → pack */
  days: Record<string, Record<string, ImmutableString>>;
}

export const MAX_PACK_LINES = 100_000;

/** Packs entries (one line each). The caller keys the pack by `sha256Hex(pack)`. */
export function encodePack(entries: readonly StoredEntry[]): string {
  return entries.map((entry) => `${entry.sig}\t${entry.text}`).join('\n');
}

export type PackLine = { ok: true; stored: StoredEntry } | { ok: false; line: number; reason: string };

/** Reads a pack as written by any peer: anything that is not a pack of lines is reported, not thrown. */
export function decodePack(value: unknown): PackLine[] {
  const text = typeof value === 'string' ? value : value instanceof ImmutableString ? value.val : undefined;
  if (text === undefined) return [{ ok: false, line: 0, reason: 'stored pack is not a string' }];
  const lines = text.split('\n');
  if (lines.length > MAX_PACK_LINES) return [{ ok: false, line: 0, reason: `pack of ${lines.length} lines exceeds ${MAX_PACK_LINES}` }];
  return lines.map((line, index) => {
    const tab = line.indexOf('\t');
    if (tab < 0) return { ok: false, line: index + 1, reason: 'pack line is not SIGNATURE<TAB>TEXT' };
    return { ok: true, stored: { sig: line.slice(0, tab), text: line.slice(tab + 1) } };
  });
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
