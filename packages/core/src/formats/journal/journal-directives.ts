import { type AccountType } from '../../account.js';
import { type AccountDeclaration, type CommodityDeclaration, type PriceRecord } from '../../book.js';
import { type SourceLocation } from '../../errors.js';
import { type AmountSettings, type DecimalMark, scanAmount, scanSymbol } from './journal-amount.js';
import { type ResolveAccount } from './journal-posting.js';
import { type LineContext, failAt, fieldEnd, isBlank, isDigit, parseErrorAt, scanDate, skipBlanks, skipToBlank } from './journal-scan.js';
import { splitComment } from './journal-tags.js';

/** An `alias` directive: plain (the account and its subaccounts) or a regular expression (case-insensitive). */
export type AccountAlias =
  | { readonly kind: 'plain'; readonly from: string; readonly to: string }
  | { readonly kind: 'regex'; readonly pattern: RegExp; readonly replacement: string };

/** Settings that hold for the rest of a file and the files it includes, but not back in the including file. */
export interface JournalScope {
  aliases: AccountAlias[];
  parents: string[];
  defaultYear?: number;
  defaultCommodity?: string;
  decimalMark?: DecimalMark;
}

export function copyScope(scope: JournalScope): JournalScope {
  return { ...scope, aliases: [...scope.aliases], parents: [...scope.parents] };
}

/** What directives act on: the parser state. */
export interface DirectiveHost {
  readonly scope: JournalScope;
  readonly commodityMarks: Map<string, DecimalMark>;
  amountSettings(isFormat?: boolean): AmountSettings;
  readonly resolveAccount: ResolveAccount;
  addAccount(declaration: AccountDeclaration, source: SourceLocation): void;
  addCommodity(declaration: CommodityDeclaration, source: SourceLocation): void;
  addPrice(price: PriceRecord, source: SourceLocation): void;
  include(path: string, context: LineContext, index: number): void;
}

/** Lines of the file being read, for directives that own the indented lines after them. */
export interface LineSource {
  readonly file: string;
  readonly lines: readonly string[];
}

const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['~', 'periodic transaction rules ("~") are budgets, not transactions'],
  ['=', 'automated transactions ("=") would add postings Tallystick cannot see'],
  ['A', 'the "A" (bucket) directive fills amounts in ways Tallystick does not'],
  ['bucket', 'the "bucket" directive fills amounts in ways Tallystick does not'],
  ['C', 'commodity conversions ("C") are not supported'],
  ['apply tag', 'apply tag is not supported'],
  ['apply fixed', 'fixed lot prices are not supported'],
  ['fixed', 'fixed lot prices are not supported'],
]);

const IGNORED = new Set(['payee', 'tag', 'N']);

/**
 * Reads the directive starting at `index` (and its indented subdirective lines); returns the index of
 * the next line to read. Throws ParseError on anything malformed or unsupported.
 */
export function readDirective(host: DirectiveHost, source: LineSource, index: number): number {
  const context: LineContext = { file: source.file, line: index + 1, text: stripCarriageReturn(source.lines[index]!) };
  const { text } = context;
  const wordEnd = skipToBlank(text, 0);
  const word = text.slice(0, wordEnd);
  const argumentStart = skipBlanks(text, wordEnd);
  const second = text.slice(argumentStart, skipToBlank(text, argumentStart));
  switch (word) {
    case 'account': return readAccount(host, source, index, context, argumentStart);
    case 'commodity': return readCommodity(host, source, index, context, argumentStart);
    case 'P': readPrice(host, context, argumentStart); return index + 1;
    case 'D': readDefaultCommodity(host, context, argumentStart); return index + 1;
    case 'Y': case 'year': readYear(host, context, argumentStart); return index + 1;
    case 'decimal-mark': readDecimalMark(host, context, argumentStart); return index + 1;
    case 'include': host.include(directiveArgument(text, argumentStart), context, argumentStart); return index + 1;
    case 'alias': readAlias(host, context, argumentStart); return index + 1;
    case 'end': return readEnd(host, context, argumentStart, index);
    case 'apply': return readApply(host, context, second, index);
    default: break;
  }
  if (IGNORED.has(word)) return skipIndented(source, index + 1);
  const reason = UNSUPPORTED.get(word) ?? UNSUPPORTED.get(text.charAt(0));
  if (reason) throw parseErrorAt(context, 0, JSON.stringify(text.trim().slice(0, 30)), `a transaction or a supported directive (${reason}; remove it or turn it into plain transactions)`, 'unsupported_syntax');
  throw parseErrorAt(context, 0, `the unknown or unsupported directive ${JSON.stringify(word)}`, 'a transaction (a line starting with a date), a comment, or one of the directives account, commodity, P, D, Y, decimal-mark, include, alias, apply account, payee, tag', 'unsupported_syntax');
}

export function stripCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** The directive's argument: up to a `;` comment preceded by a blank, trimmed. */
function directiveArgument(text: string, start: number): string {
  let end = text.length;
  for (let position = start; position < text.length; position += 1) {
    if (text.charCodeAt(position) === 59 && (position === start || isBlank(text.charCodeAt(position - 1)))) {
      end = position;
      break;
    }
  }
  return text.slice(start, end).trim();
}

function skipIndented(source: LineSource, index: number): number {
  let next = index;
  while (next < source.lines.length && isIndented(source.lines[next]!)) next += 1;
  return next;
}

/** A line starting with a blank that is not blank throughout (a posting, a subdirective, an indented comment). */
export function isIndented(line: string): boolean {
  if (line.length === 0 || !isBlank(line.charCodeAt(0))) return false;
  const next = skipBlanks(line, 1);
  return next < line.length && line.charCodeAt(next) !== 13;
}

/** The indented lines after a directive: comments (their text) and subdirectives (with their context). */
function subdirectives(source: LineSource, index: number): { comments: string[]; lines: LineContext[]; next: number } {
  const comments: string[] = [];
  const lines: LineContext[] = [];
  let next = index + 1;
  for (; next < source.lines.length && isIndented(source.lines[next]!); next += 1) {
    const text = stripCarriageReturn(source.lines[next]!);
    const start = skipBlanks(text, 0);
    if (text.charCodeAt(start) === 59 || text.charCodeAt(start) === 35) comments.push(text.slice(start + 1));
    else lines.push({ file: source.file, line: next + 1, text });
  }
  return { comments, lines, next };
}

const ACCOUNT_TYPES_BY_TAG: ReadonlyMap<string, AccountType> = new Map([
  ['a', 'asset'], ['asset', 'asset'], ['assets', 'asset'], ['c', 'asset'], ['cash', 'asset'],
  ['l', 'liability'], ['liability', 'liability'], ['liabilities', 'liability'],
  ['e', 'equity'], ['equity', 'equity'], ['v', 'equity'], ['conversion', 'equity'],
  ['r', 'income'], ['revenue', 'income'], ['revenues', 'income'], ['income', 'income'],
  ['x', 'expense'], ['expense', 'expense'], ['expenses', 'expense'],
]);

function readAccount(host: DirectiveHost, source: LineSource, index: number, context: LineContext, start: number): number {
  const { text } = context;
  const nameEnd = fieldEnd(text, start);
  const semicolon = text.indexOf(';', start);
  const end = semicolon >= 0 && semicolon < nameEnd && isBlank(text.charCodeAt(semicolon - 1)) ? semicolon : nameEnd;
  const name = text.slice(start, end).trim();
  if (name === '') failAt(context, start, 'an account name after "account"');
  const account = host.resolveAccount(name, context, start);
  const after = skipBlanks(text, end);
  if (after < text.length && text.charCodeAt(after) !== 59) failAt(context, after, 'a comment ";" or the end of the line after the account name');
  const sub = subdirectives(source, index);
  const commentLines = after < text.length ? [text.slice(after + 1), ...sub.comments] : sub.comments;
  let note: string | undefined;
  for (const line of sub.lines) {
    const word = line.text.slice(skipBlanks(line.text, 0), skipToBlank(line.text, skipBlanks(line.text, 0)));
    const argument = directiveArgument(line.text, skipBlanks(line.text, skipToBlank(line.text, skipBlanks(line.text, 0))));
    if (word === 'note') note = note === undefined ? argument : `${note}\n${argument}`;
    else if (word === 'alias') host.scope.aliases.push({ kind: 'plain', from: argument, to: account });
    else failAt(line, skipBlanks(line.text, 0), 'an account subdirective "note" or "alias", or a comment (check, assert, payee, default and eval are not supported)');
  }
  const parts = splitComment(commentLines);
  const { type: typeTag, ...metadata } = parts.metadata;
  let type: AccountType | undefined;
  if (typeTag !== undefined) {
    type = ACCOUNT_TYPES_BY_TAG.get(typeTag.toLowerCase());
    if (!type) throw parseErrorAt(context, start, `the account type ${JSON.stringify(typeTag)}`, 'an account type A, L, E, R or X (or Asset, Liability, Equity, Revenue, Expense, Cash)', 'invalid_account_type');
  }
  note ??= parts.comment;
  host.addAccount({
    account,
    ...(type ? { type } : {}),
    ...(note !== undefined ? { note } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  }, { file: context.file, line: context.line, column: 1 });
  return sub.next;
}

function readCommodity(host: DirectiveHost, source: LineSource, index: number, context: LineContext, start: number): number {
  const argument = directiveArgument(context.text, start);
  if (argument === '') failAt(context, start, 'a commodity symbol or a sample amount like "commodity $1,000.00"');
  let format: CommodityFormat | undefined;
  let symbol: string;
  if (/\d/u.test(argument.replace(/"[^"]*"/gu, ''))) {
    format = readCommodityFormat(host, context, start, argument);
    symbol = format.symbol;
  } else {
    const scanned = scanSymbol(context, start);
    if (!scanned || skipBlanks(context.text, scanned.end) < start + argument.length) failAt(context, start, 'one commodity symbol (quoted if it has spaces, like "VANGUARD 500")');
    symbol = scanned.value;
  }
  const sub = subdirectives(source, index);
  const metadata: Record<string, string> = {};
  for (const line of sub.lines) {
    const wordStart = skipBlanks(line.text, 0);
    const wordEnd = skipToBlank(line.text, wordStart);
    const word = line.text.slice(wordStart, wordEnd);
    const valueStart = skipBlanks(line.text, wordEnd);
    const value = directiveArgument(line.text, valueStart);
    if (word === 'format') {
      format = readCommodityFormat(host, line, valueStart, value);
      if (format.symbol !== symbol) failAt(line, valueStart, `a format for the commodity ${JSON.stringify(symbol)}`);
    } else if (word === 'note') {
      metadata.note = value;
    } else if (word === 'default') {
      host.scope.defaultCommodity = symbol;
    } else if (word !== 'nomarket') {
      failAt(line, wordStart, 'a commodity subdirective "format", "note", "nomarket" or "default", or a comment (alias is not supported)');
    }
  }
  Object.assign(metadata, splitComment(sub.comments).metadata);
  host.addCommodity({
    symbol,
    ...(format ? { precision: format.precision, format: format.text } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  }, { file: context.file, line: context.line, column: 1 });
  return sub.next;
}

interface CommodityFormat {
  readonly symbol: string;
  readonly precision: number;
  readonly text: string;
}

/** A sample amount (`$1,000.00`, `1.000,00 EUR`): its decimal mark then holds for that commodity's amounts. */
function readCommodityFormat(host: DirectiveHost, context: LineContext, start: number, text: string): CommodityFormat {
  const scanned = scanAmount(context, start, host.amountSettings(true));
  const after = skipBlanks(context.text, scanned.end);
  if (after < start + text.length) failAt(context, after, 'the end of the sample amount');
  const symbol = scanned.hasSymbol ? scanned.amount.commodity : '';
  if (scanned.style.decimalMark) host.commodityMarks.set(symbol, scanned.style.decimalMark);
  return { symbol, precision: scanned.amount.quantity.scale, text };
}

function readPrice(host: DirectiveHost, context: LineContext, start: number): void {
  const { text } = context;
  const { date, end } = scanDate(context, start, host.scope.defaultYear);
  let position = skipBlanks(text, end);
  if (isDigit(text.charCodeAt(position)) && text.indexOf(':', position) === position + 2) position = skipBlanks(text, skipToBlank(text, position));
  const symbol = scanSymbol(context, position);
  if (!symbol) failAt(context, position, 'the commodity being priced, then its price, like "P 2024-03-01 EUR $1.08"');
  const price = scanAmount(context, symbol.end, host.amountSettings());
  const after = skipBlanks(text, price.end);
  if (after < text.length && text.charCodeAt(after) !== 59) failAt(context, after, 'a comment ";" or the end of the line after the price');
  host.addPrice({ date, commodity: symbol.value, price: price.amount }, { file: context.file, line: context.line, column: 1 });
}

function readDefaultCommodity(host: DirectiveHost, context: LineContext, start: number): void {
  const scanned = scanAmount(context, start, host.amountSettings(true));
  if (!scanned.hasSymbol) failAt(context, start, 'a sample amount with a commodity symbol, like "D $1,000.00"');
  if (scanned.style.decimalMark && !host.commodityMarks.has(scanned.amount.commodity)) host.commodityMarks.set(scanned.amount.commodity, scanned.style.decimalMark);
  host.scope.defaultCommodity = scanned.amount.commodity;
}

function readYear(host: DirectiveHost, context: LineContext, start: number): void {
  const argument = directiveArgument(context.text, start);
  if (!/^\d{4}$/u.test(argument)) failAt(context, start, 'a four-digit year, like "Y 2024"');
  host.scope.defaultYear = Number(argument);
}

function readDecimalMark(host: DirectiveHost, context: LineContext, start: number): void {
  const argument = directiveArgument(context.text, start);
  if (argument !== '.' && argument !== ',') failAt(context, start, 'a decimal mark "." or ","');
  host.scope.decimalMark = argument;
}

function readAlias(host: DirectiveHost, context: LineContext, start: number): void {
  const argument = directiveArgument(context.text, start);
  const equals = argument.startsWith('/') ? argument.indexOf('=', argument.lastIndexOf('/')) : argument.indexOf('=');
  const from = equals < 0 ? '' : argument.slice(0, equals).trim();
  const to = equals < 0 ? '' : argument.slice(equals + 1).trim();
  if (from === '' || to === '') failAt(context, start, 'an alias like "alias checking = Assets:Bank:Checking" or "alias /regex/ = replacement"');
  if (!(from.length > 1 && from.startsWith('/') && from.endsWith('/'))) {
    host.scope.aliases.push({ kind: 'plain', from, to });
    return;
  }
  try {
    // hledger's regex aliases are case-insensitive and replace every match; \1 refers to a group.
    host.scope.aliases.push({ kind: 'regex', pattern: new RegExp(from.slice(1, -1), 'giu'), replacement: to.replace(/\\(\d)/gu, '$$$1') });
  } catch {
    failAt(context, start, 'a valid regular expression between the slashes');
  }
}

function readApply(host: DirectiveHost, context: LineContext, second: string, index: number): number {
  const { text } = context;
  if (second === 'account') {
    const argumentStart = skipBlanks(text, skipToBlank(text, skipBlanks(text, skipToBlank(text, 0))));
    const parent = directiveArgument(text, argumentStart);
    if (parent === '') failAt(context, argumentStart, 'an account name after "apply account"');
    host.scope.parents.push(parent);
    return index + 1;
  }
  if (second === 'year') {
    readYear(host, context, skipBlanks(text, skipToBlank(text, skipBlanks(text, skipToBlank(text, 0)))));
    return index + 1;
  }
  throw parseErrorAt(context, 0, JSON.stringify(text.trim().slice(0, 30)), `"apply account" or "apply year" (${UNSUPPORTED.get(`apply ${second}`) ?? `apply ${second} is not supported`})`, 'unsupported_syntax');
}

function readEnd(host: DirectiveHost, context: LineContext, start: number, index: number): number {
  const argument = directiveArgument(context.text, start);
  if (argument === 'aliases') {
    host.scope.aliases.length = 0;
    return index + 1;
  }
  if ((argument === '' || argument === 'apply account') && host.scope.parents.length > 0) {
    host.scope.parents.pop();
    return index + 1;
  }
  throw parseErrorAt(context, 0, JSON.stringify(context.text.trim()), argument === '' || argument === 'apply account' ? 'an "apply account" before this "end"' : '"end apply account", "end aliases" or "end comment"', 'invalid_directive');
}

/** Applies `apply account` parents, then aliases (the most recent first), as hledger does. */
export function rewriteAccountName(scope: JournalScope, name: string): string {
  let result = scope.parents.length > 0 ? `${scope.parents.join(':')}:${name}` : name;
  for (let index = scope.aliases.length - 1; index >= 0; index -= 1) {
    const alias = scope.aliases[index]!;
    if (alias.kind === 'plain') {
      if (result === alias.from || result.startsWith(`${alias.from}:`)) result = alias.to + result.slice(alias.from.length);
    } else {
      alias.pattern.lastIndex = 0;
      result = result.replace(alias.pattern, alias.replacement);
    }
  }
  return result;
}
