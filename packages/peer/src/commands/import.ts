import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import {
  type DeviceKey, ParseError, type ParsedBook, type ReadIncludedFile, TallystickError, type TransactionJson, assert, canonicalJson, checkBalanceAssertions, encodeAmount, encodeTransaction,
  importCsv, parseBeancount, parseCsvRules, parseJournal, transactionLimitProblem,
} from '@tallystick/core';
import { type BatchPreparer, type BookView, type NewEntry, crypto, declarationKey, readDevicePublicKey } from '@tallystick/sync';
import { type CommandContext, loadBookView, openFolder, openStore, passphraseGiven, print, progress, unlockSigner, warn } from '../context.js';
import { checkAccountsOpen, checkNotLocked, writeEntries } from '../write-entries.js';

export type ImportFormat = 'ledger' | 'beancount' | 'csv';

export interface ImportOptions {
  format?: ImportFormat;
  rules?: string;
}

/**
 * Imports a journal, beancount file or bank CSV. All or nothing: the whole file is parsed and checked
 * (syntax, balancing, balance assertions, lock date) before anything is written, and the write itself
 * is atomic. Importing the same file again adds nothing: each transaction carries an import key (its
 * content and its occurrence number among identical transactions of the file).
 */
export async function importCommand(context: CommandContext, file: string, options: ImportOptions): Promise<void> {
  const format = options.format ?? detectFormat(file);
  const rulesFile = format === 'csv' ? options.rules ?? `${file}.rules` : undefined;
  const source: ImportSource = {
    name: file, text: await readText(file), format,
    ...(rulesFile ? { rules: { name: rulesFile, text: await readText(rulesFile, options.rules === undefined ? `no rules file: pass --rules FILE, or put the rules in ${rulesFile}` : undefined) } } : {}),
  };
  await importSource(context, source);
}

/** A file to import, already read: its name (for messages and `include`), text, format and, for CSV, the rules. */
export interface ImportSource {
  readonly name: string;
  readonly text: string;
  readonly format: ImportFormat;
  readonly rules?: { readonly name: string; readonly text: string };
}

/** What an import would add, checked as the import checks it, without writing anything. */
export interface ImportPlan {
  readonly parsed: ParsedBook;
  readonly entries: NewEntry[];
  readonly skipped: number;
  readonly transactionCount: number;
}

export async function planImport(
  context: CommandContext, source: ImportSource, view?: BookView,
  /** Told of the new entries made so far, every few thousand and once at the end (an import prepares them meanwhile). */
  onNewEntries?: (made: NewEntry[]) => void,
): Promise<ImportPlan> {
  const books = view ?? await loadBookView(context);
  const readBar = progress(context, `reading ${source.name}`);
  const parsed = parseSource(source, readBar.update);
  readBar.done();
  for (const warning of parsed.warnings) warn(context, `${warning.source.file}:${warning.source.line}: warning: ${warning.message}`);
  const failures = checkBalanceAssertions(parsed);
  if (failures.length > 0) {
    throw new TallystickError('balance_assertion_failed', `${failures.map((failure) => failure.message).join('\n')}\nnothing was imported`);
  }
  const entriesBar = progress(context, 'making entries');
  const { entries, skipped } = newEntriesOf(parsed, source.format, books, (made) => {
    entriesBar.update(made.length, parsed.transactions.length + parsed.accounts.length + parsed.commodities.length + parsed.prices.length + parsed.assertions.length);
    onNewEntries?.(made);
  });
  entriesBar.done();
  checkNotLocked(books, entries.flatMap((entry) => {
    const date = (entry.payload as { date?: string }).date;
    return date ? [{ date, what: entry.kind === 'transaction' ? `"${(entry.payload as { description: string }).description}"` : `a ${entry.kind}` }] : [];
  }));
  checkAccountsOpen(books, entries.flatMap((entry) => (entry.kind === 'transaction' ? [entry.payload as { date: string; description: string; postings: { account: string }[] }] : [])));
  return { parsed, entries, skipped, transactionCount: entries.filter((entry) => entry.kind === 'transaction').length };
}

/**
 * Imports a source. All or nothing: the whole file is parsed and checked (syntax, balancing, balance
 * assertions, lock date) before anything is written, and the write itself is atomic. Importing the same
 * file again adds nothing: each transaction carries an import key (its content and its occurrence number
 * among identical transactions of the file).
 */
export async function importSource(context: CommandContext, source: ImportSource): Promise<void> {
  const view = await loadBookView(context);
  const folder = await openFolder(context);
  // A passphrase given in the environment unlocks the key (scrypt, on the thread pool) while the file is
  // parsed; one asked for on a terminal is asked only once the file is known good and has something new.
  const unlocking = passphraseGiven(context) ? unlockSigner(context, folder) : undefined;
  unlocking?.catch(() => undefined); // awaited below when there is something to write; a wrong passphrase is reported then
  const store = await openStore(context, folder);
  // A large import's entries are prepared on a thread of their own as they are made (batch-thread.ts).
  let preparer: BatchPreparer | undefined;
  try {
    const author = await readDevicePublicKey(folder.keyPath) as DeviceKey;
    const now = context.now();
    let handedOver = 0;
    const onNewEntries = (made: NewEntry[]) => {
      if (preparer === undefined && made.length >= PREPARE_ON_THREAD_FROM) preparer = store.batchPreparer(author, now);
      if (preparer === undefined) return;
      preparer.add(made.slice(handedOver));
      // The preparer has the payloads' texts now: the plan keeps the payloads alone (~50 MB less held while writing).
      for (let index = handedOver; index < made.length; index += 1) made[index] = { kind: made[index]!.kind, payload: made[index]!.payload };
      handedOver = made.length;
    };
    let plan: ImportPlan | undefined = await planImport(context, source, view, onNewEntries);
    const { entries, skipped, transactionCount } = plan;
    plan = undefined; // the parsed file is not needed while writing (a large import needs the memory)
    if (entries.length === 0) {
      print(context, `Nothing new in ${source.name}: all ${skipped} entries were imported before.`);
      return;
    }
    const signer = await (unlocking ?? unlockSigner(context, folder));
    await writeEntries(context, store, signer, entries, undefined, preparer);
    const declarations = entries.length - transactionCount;
    print(context, `Imported ${transactionCount} transaction${transactionCount === 1 ? '' : 's'} and ${declarations} declaration${declarations === 1 ? '' : 's'} from ${source.name}${skipped > 0 ? ` (${skipped} already present, skipped)` : ''}.`);
  } finally {
    await preparer?.close();
    await store.close();
  }
}

/** From this many new entries an import prepares them on a thread of its own (a thread costs ~50 ms to start). */
const PREPARE_ON_THREAD_FROM = 5000;

export function detectFormat(file: string): ImportFormat {
  const extension = extname(file).toLowerCase();
  if (['.beancount', '.bean'].includes(extension)) return 'beancount';
  if (['.csv', '.tsv'].includes(extension)) return 'csv';
  if (['.journal', '.ledger', '.hledger', '.dat', '.j', '.txt'].includes(extension)) return 'ledger';
  throw new TallystickError('unknown_format', `cannot tell the format of ${file} from its extension; pass --format ledger|beancount|csv`);
}

function parseSource(source: ImportSource, onProgress: (done: number, total: number) => void): ParsedBook {
  switch (source.format) {
    case 'ledger': return parseJournal(source.text, { file: source.name, readIncludedFile: includeReader, onProgress });
    case 'beancount': return parseBeancount(source.text, { file: source.name, readIncludedFile: includeReader, onProgress });
    case 'csv': {
      if (!source.rules) throw new TallystickError('csv_rules_missing', `${source.name}: a CSV file needs rules saying which column is what`);
      return importCsv(source.text, parseCsvRules(source.rules.text, source.rules.name), { file: source.name });
    }
  }
}

async function readText(path: string, missingMessage?: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TallystickError('file_not_found', missingMessage ?? `${path}: no such file`);
    if (code === 'EISDIR') throw new TallystickError('file_not_found', `${path} is a folder, not a file`);
    throw error;
  }
}

/** `include` paths are relative to the including file, as in ledger, hledger and beancount. */
const includeReader: ReadIncludedFile = (path, fromFile) => {
  const resolved = resolve(dirname(fromFile), path);
  try {
    return { file: resolved, text: readFileSync(resolved, 'utf8') };
  } catch {
    throw new TallystickError('include_not_found', `${fromFile}: included file ${path} (${resolved}) cannot be read`);
  }
};

/** The entries a file adds, leaving out what the books already hold. */
export function newEntriesOf(
  parsed: ParsedBook, format: ImportFormat, view: Pick<BookView, 'importKeys' | 'declarationKeys'>, onNewEntries?: (made: NewEntry[]) => void,
): { entries: NewEntry[]; skipped: number } {
  const entries: NewEntry[] = [];
  let skipped = 0;
  const addDeclaration = (entry: NewEntry) => {
    if (view.declarationKeys.has(declarationKey(entry.kind, entry.payload))) skipped += 1;
    else entries.push(entry);
  };
  for (const { value } of parsed.commodities) addDeclaration({ kind: 'commodity', payload: withoutUndefined({ symbol: value.symbol, precision: value.precision, format: value.format, metadata: value.metadata }) });
  for (const { value } of parsed.accounts) addDeclaration({ kind: 'account', payload: withoutUndefined({ account: value.account, open: value.open, close: value.close, type: value.type, commodities: value.commodities ? [...value.commodities] : undefined, note: value.note, metadata: value.metadata }) });
  for (const { value } of parsed.prices) addDeclaration({ kind: 'price', payload: { date: value.date, commodity: value.commodity, price: encodeAmount(value.price) } });
  for (const { value } of parsed.assertions) addDeclaration({ kind: 'assertion', payload: { date: value.date, account: value.account, amount: encodeAmount(value.amount) } });
  const occurrences = new Map<string, number>();
  for (const { value, source } of parsed.transactions) {
    const payload = encodeTransaction(value);
    const tooBig = transactionLimitProblem(payload);
    if (tooBig) throw new ParseError(source, `a transaction with ${tooBig}`, 'a transaction within the limits every entry is held to; nothing was imported');
    // The payload's keys come in canonical order, so both texts below are the engine's JSON.stringify (canonical.ts).
    const payloadText = canonicalJson(payload);
    const content = crypto.sha256Hex(payloadText);
    const occurrence = occurrences.get(content) ?? 0;
    occurrences.set(content, occurrence + 1);
    const importKey = crypto.sha256Hex(`${format}\u0000${content}\u0000${occurrence}`);
    if (view.importKeys.has(importKey)) { skipped += 1; continue; }
    entries.push({ kind: 'transaction', payload: withImportKey(payload, importKey), payloadText: withImportKeyText(payload, payloadText, importKey) });
    if (onNewEntries !== undefined && entries.length % NEW_ENTRIES_TOLD_EVERY === 0) onNewEntries(entries);
  }
  onNewEntries?.(entries);
  return { entries, skipped };
}

const NEW_ENTRIES_TOLD_EVERY = 2000;

/** The payload with its import key, keys still in canonical order (the key goes where it sorts, not last). */
export function withImportKey(payload: TransactionJson, importKey: string): TransactionJson {
  const keyed: Record<string, unknown> = {};
  let placed = false;
  for (const key in payload) {
    if (!placed && key > 'importKey') { keyed.importKey = importKey; placed = true; }
    keyed[key] = payload[key as keyof TransactionJson];
  }
  if (!placed) keyed.importKey = importKey;
  return keyed as TransactionJson;
}

/**
 * `canonicalJson(withImportKey(payload, importKey))`, made from the payload's own canonical text (`text`)
 * rather than by encoding the payload a second time (~0.1 s of a 100k import): the key's field goes in
 * after the fields that sort before it, which are the text's first fields. The batch thread checks that
 * every text it signs is canonical (batch-thread.ts), and a test holds this to the encoder.
 */
export function withImportKeyText(payload: TransactionJson, text: string, importKey: string): string {
  const before: Record<string, unknown> = {};
  let fields = 0;
  for (const [key, value] of Object.entries(payload)) {
    assert(key !== 'importKey', 'a transaction payload with an import key already');
    if (key < 'importKey' && value !== undefined) { before[key] = value; fields += 1; }
  }
  const field = `"importKey":${JSON.stringify(importKey)}`;
  if (fields === 0) return text === '{}' ? `{${field}}` : `{${field},${text.slice(1)}`;
  const at = canonicalJson(before).length - 1; // `{` and the fields before the key, as they begin `text`
  return `${text.slice(0, at)},${field}${text.slice(at)}`;
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

