import { join } from 'node:path';
import {
  type Entry, type EntryId, type IsoDate, type Movement, type MovementKind, type RejectedEntry, type Roster, type TimebankBook,
  RosterState, assert, extendTimebank, isTimebankKind,
} from '@tallystick/core';
import { readChecked, writeChecked } from './checked-file.js';
import { type DataFolder } from './data-folder.js';
import { FileStorageAdapter } from './file-storage-adapter.js';

/**
 * The time bank's derived index, beside the books' (book-index.ts), so that `hours balances` on a time
 * bank of 200,000 exchanges answers from a small file instead of loading every document and judging
 * every entry again. Rebuildable at any time; never replicated. Two files in index/:
 * - `<coop>.timebank.json`: the judge's result without its movements (rules, balances, pending and
 *   declined exchanges, offers and requests, the heads and last event it was judged at): what balances,
 *   pending and listings read, and what a write extends;
 * - `<coop>.timebank-movements.json`: every counted movement, in columns: what history, the monthly and
 *   category reports and the export read.
 * Both record the storage fingerprint they were built at and end with a SHA-256 of their content; a
 * reader uses them only if both match the current fingerprint. The summary is written last, so a crash
 * between the two leaves an index that is not current (and is rebuilt), never a mixed one.
 * Like book-index.ts, this module must not load Automerge.
 */
export const TIMEBANK_INDEX_VERSION = 1;

const KINDS: readonly MovementKind[] = ['exchange', 'grant', 'to-community', 'from-community'];

export type TimebankSummary = Omit<TimebankBook, 'movements'>;

interface SummaryFile extends TimebankSummary {
  format: 'tallystick-timebank-index';
  version: number;
  coop: string;
  fingerprint: string;
  movementCount: number;
}

/** Movements in columns: names (parties, categories) as numbers into `names`, absent optional fields left out. */
interface MovementsFile {
  format: 'tallystick-timebank-movements';
  version: number;
  coop: string;
  fingerprint: string;
  names: string[];
  kind: number[];
  id: string[];
  date: string[];
  from: number[];
  to: number[];
  minutes: number[];
  description: string[];
  /** -1: none */
  category: number[];
  by: number[];
  countedBy: string[];
  countedAt: string[];
  /** [row, value] for the rows that have one */
  listing: [number, string][];
  reverses: [number, string][];
  slip: [number, string][];
  reversedBy: [number, string][];
}

export function timebankIndexPaths(folder: DataFolder, coopId: string): { summary: string; movements: string } {
  return { summary: join(folder.indexDir, `${coopId}.timebank.json`), movements: join(folder.indexDir, `${coopId}.timebank-movements.json`) };
}

/** The summary (no movements), if the index is current: balances, pending, listings. Reads one small file. */
export async function readCurrentTimebankSummary(folder: DataFolder, coopId: string): Promise<TimebankSummary | undefined> {
  const fingerprint = await new FileStorageAdapter(folder.storageDir).fingerprint();
  const summary = await readSummary(folder, coopId);
  return summary?.fingerprint === fingerprint ? summaryOf(summary) : undefined;
}

/**
 * The whole result, movements included, if the index is current. With `party`, only the movements
 * from or to that party (a member's history: decoding 200,000 movements to keep 200 costs more than reading them).
 */
export async function readCurrentTimebankIndex(folder: DataFolder, coopId: string, options: { party?: string } = {}): Promise<TimebankBook | undefined> {
  const fingerprint = await new FileStorageAdapter(folder.storageDir).fingerprint();
  const summary = await readSummary(folder, coopId);
  if (summary?.fingerprint !== fingerprint) return undefined;
  const movements = await readChecked<MovementsFile>(timebankIndexPaths(folder, coopId).movements);
  if (!movements || movements.format !== 'tallystick-timebank-movements' || movements.version !== TIMEBANK_INDEX_VERSION
    || movements.coop !== coopId || movements.fingerprint !== fingerprint || movements.id.length !== summary.movementCount) return undefined;
  return { ...summaryOf(summary), movements: decodeMovements(movements, options.party) };
}

async function readSummary(folder: DataFolder, coopId: string): Promise<SummaryFile | undefined> {
  const summary = await readChecked<SummaryFile>(timebankIndexPaths(folder, coopId).summary);
  if (!summary || summary.format !== 'tallystick-timebank-index' || summary.version !== TIMEBANK_INDEX_VERSION || summary.coop !== coopId) return undefined;
  return summary;
}

function summaryOf(file: SummaryFile): TimebankSummary {
  return { rules: file.rules, parties: file.parties, unsettled: file.unsettled, listings: file.listings, heads: file.heads, lastKey: file.lastKey };
}

/** Writes the whole index at a fingerprint (after a rebuild). */
export async function writeTimebankIndex(folder: DataFolder, coopId: string, book: TimebankBook, fingerprint: string): Promise<void> {
  const paths = timebankIndexPaths(folder, coopId);
  await writeChecked(paths.movements, JSON.stringify(encodeMovements(book.movements, coopId, fingerprint)));
  await writeSummary(paths.summary, book, coopId, fingerprint, book.movements.length);
}

async function writeSummary(path: string, book: TimebankSummary, coopId: string, fingerprint: string, movementCount: number): Promise<void> {
  const { rules, parties, unsettled, listings, heads, lastKey } = book;
  const file: SummaryFile = {
    format: 'tallystick-timebank-index', version: TIMEBANK_INDEX_VERSION, coop: coopId, fingerprint, movementCount,
    rules, parties, unsettled, listings, heads, lastKey,
  };
  await writeChecked(path, JSON.stringify(file));
}

/**
 * After a write that changed no time-bank entry (the books, say), the time bank is what it was: the
 * index built at `before` is moved to `after` if it was current, instead of being rebuilt.
 */
export async function restampTimebankIndex(folder: DataFolder, coopId: string, before: string, after: string): Promise<void> {
  const paths = timebankIndexPaths(folder, coopId);
  const summary = await readSummary(folder, coopId);
  const movements = await readChecked<MovementsFile>(paths.movements);
  if (summary?.fingerprint !== before || movements?.fingerprint !== before) return;
  await writeChecked(paths.movements, JSON.stringify({ ...movements, fingerprint: after }));
  await writeChecked(paths.summary, JSON.stringify({ ...summary, fingerprint: after }));
}

/**
 * After this process appended `written` to documents the index matched at `before`, judges the new
 * time-bank entries on top of it (core's extendTimebank) and writes the index at `after`. Returns the
 * entries rejected, or undefined when the index was not current or extending is not exact (the caller
 * rebuilds). `roster` is the roster after every control entry (from the books' index).
 */
export async function extendTimebankIndex(folder: DataFolder, coopId: string, options: {
  before: string; after: string; written: readonly Entry[]; roster: Roster;
}): Promise<RejectedEntry[] | undefined> {
  const paths = timebankIndexPaths(folder, coopId);
  const summary = await readSummary(folder, coopId);
  if (summary?.fingerprint !== options.before) return undefined;
  const written = options.written.filter((entry) => isTimebankKind(entry.body.kind));
  const result = extendTimebank(summaryOf(summary), written, RosterState.ofRoster(options.roster));
  if (!result) return undefined;
  const movements = await readChecked<MovementsFile>(paths.movements);
  if (movements?.fingerprint !== options.before || movements.id.length !== summary.movementCount) return undefined;
  const merged = appendMovements(movements, result.movements);
  merged.fingerprint = options.after;
  await writeChecked(paths.movements, JSON.stringify(merged));
  await writeSummary(paths.summary, result.book, coopId, options.after, merged.id.length);
  return result.rejected;
}

function encodeMovements(movements: readonly Movement[], coopId: string, fingerprint: string): MovementsFile {
  const file: MovementsFile = {
    format: 'tallystick-timebank-movements', version: TIMEBANK_INDEX_VERSION, coop: coopId, fingerprint, names: [],
    kind: [], id: [], date: [], from: [], to: [], minutes: [], description: [], category: [], by: [], countedBy: [], countedAt: [],
    listing: [], reverses: [], slip: [], reversedBy: [],
  };
  return appendMovements(file, movements);
}

function appendMovements(file: MovementsFile, movements: readonly Movement[]): MovementsFile {
  const numbers = new Map(file.names.map((name, index) => [name, index]));
  const number = (name: string) => {
    let value = numbers.get(name);
    if (value === undefined) {
      value = file.names.length;
      file.names.push(name);
      numbers.set(name, value);
    }
    return value;
  };
  for (const movement of movements) {
    const row = file.id.length;
    file.kind.push(KINDS.indexOf(movement.kind));
    file.id.push(movement.id);
    file.date.push(movement.date);
    file.from.push(number(movement.from));
    file.to.push(number(movement.to));
    file.minutes.push(movement.minutes);
    file.description.push(movement.description);
    file.category.push(movement.category === undefined ? -1 : number(movement.category));
    file.by.push(number(movement.by));
    file.countedBy.push(movement.countedBy);
    file.countedAt.push(movement.countedAt);
    if (movement.listing !== undefined) file.listing.push([row, movement.listing]);
    if (movement.reverses !== undefined) file.reverses.push([row, movement.reverses]);
    if (movement.slip !== undefined) file.slip.push([row, movement.slip]);
    if (movement.reversedBy !== undefined) file.reversedBy.push([row, movement.reversedBy]);
  }
  return file;
}

function decodeMovements(file: MovementsFile, party?: string): Movement[] {
  const sparse = (pairs: [number, string][]) => new Map(pairs);
  const [listing, reverses, slip, reversedBy] = [sparse(file.listing), sparse(file.reverses), sparse(file.slip), sparse(file.reversedBy)];
  const name = (number: number) => {
    const value = file.names[number];
    assert(value !== undefined, 'timebank index: a movement names an unknown party');
    return value;
  };
  const movements: Movement[] = [];
  const only = party === undefined ? -1 : file.names.indexOf(party);
  if (party !== undefined && only < 0) return movements;
  for (let row = 0; row < file.id.length; row += 1) {
    if (only >= 0 && file.from[row] !== only && file.to[row] !== only) continue;
    const kind = KINDS[file.kind[row]!];
    assert(kind !== undefined, 'timebank index: a movement of an unknown kind');
    const category = file.category[row]!;
    movements.push({
      kind, id: file.id[row]! as EntryId, date: file.date[row]! as IsoDate, from: name(file.from[row]!), to: name(file.to[row]!), minutes: file.minutes[row]!,
      description: file.description[row]!, by: name(file.by[row]!), countedBy: file.countedBy[row]! as EntryId, countedAt: file.countedAt[row]!,
      ...(category < 0 ? {} : { category: name(category) }),
      ...(listing.has(row) ? { listing: listing.get(row) as EntryId } : {}),
      ...(reverses.has(row) ? { reverses: reverses.get(row) as EntryId } : {}),
      ...(slip.has(row) ? { slip: slip.get(row)! } : {}),
      ...(reversedBy.has(row) ? { reversedBy: reversedBy.get(row) as EntryId } : {}),
    });
  }
  return movements;
}
