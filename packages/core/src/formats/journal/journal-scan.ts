import { type IsoDate, isValidDate } from '../../date.js';
import { ParseError } from '../../errors.js';

/**
 * Low-level scanning shared by the journal parser's pieces. Lines are scanned with indexes and
 * char codes rather than regular expressions, so that a 4 MB journal parses in well under a second.
 */

/** The line being read: where errors point. Columns are 1-based; a tab counts as one column. */
export interface LineContext {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

export const SPACE = 32;
export const TAB = 9;

export function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function skipBlanks(text: string, index: number): number {
  while (index < text.length && isBlank(text.charCodeAt(index))) index += 1;
  return index;
}

/** Index of the first blank at or after `index`, or the end of the text. */
export function skipToBlank(text: string, index: number): number {
  while (index < text.length && !isBlank(text.charCodeAt(index))) index += 1;
  return index;
}

/** True when the rest of the line from `index` is blank or a `;` comment. */
export function isLineEnd(text: string, index: number): boolean {
  const next = skipBlanks(text, index);
  return next >= text.length || text.charCodeAt(next) === 59;
}

/**
 * Where a journal field ends: at two spaces, a tab, or the end of the line (how hledger and ledger
 * end account names and descriptions of directives). Returns the index of the separator.
 */
export function fieldEnd(text: string, index: number): number {
  for (let position = index; position < text.length; position += 1) {
    const code = text.charCodeAt(position);
    if (code === TAB) return position;
    if (code === SPACE && text.charCodeAt(position + 1) === SPACE) return position;
  }
  return text.length;
}

/** A short, quoted excerpt of what is at `index`, for "found …" in error messages. */
export function describeFound(text: string, index: number): string {
  if (index >= text.length || text.slice(index).trim() === '') return 'the end of the line';
  const rest = text.slice(index).trimEnd();
  return JSON.stringify(rest.length > 30 ? `${rest.slice(0, 30)}…` : rest);
}

/** The blank-delimited word at `index`, quoted: for errors about one token such as a date. */
export function describeToken(text: string, index: number): string {
  const end = skipToBlank(text, index);
  return end === index ? describeFound(text, index) : describeFound(text.slice(0, end), index);
}

export function parseErrorAt(context: LineContext, index: number, found: string, expected: string, code?: string): ParseError {
  return new ParseError({ file: context.file, line: context.line, column: index + 1 }, found, expected, code);
}

/** Throws a ParseError describing whatever is at `index`. */
export function failAt(context: LineContext, index: number, expected: string, code?: string): never {
  throw parseErrorAt(context, index, describeFound(context.text, index), expected, code);
}

export const DATE_EXPECTED = 'a date like 2024-03-31 (YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD)';

/**
 * Reads a journal date at `index`: YYYY-MM-DD with `-`, `/` or `.` (the same separator twice),
 * one- or two-digit month and day, or a yearless M-D completed with `defaultYear` (the `Y` directive).
 * Returns the date and the index after it.
 */
export function scanDate(context: LineContext, index: number, defaultYear: number | undefined): { date: IsoDate; end: number } {
  const { text } = context;
  const values: number[] = [];
  const digitCounts: number[] = [];
  let position = index;
  let separator = -1;
  for (;;) {
    const start = position;
    let value = 0;
    while (position < text.length && isDigit(text.charCodeAt(position)) && position - start < 5) {
      value = value * 10 + text.charCodeAt(position) - 48;
      position += 1;
    }
    values.push(value);
    digitCounts.push(position - start);
    const code = text.charCodeAt(position);
    const isSeparator = code === 45 || code === 47 || code === 46;
    if (!isSeparator || values.length === 3 || (separator !== -1 && code !== separator)) break;
    separator = code;
    position += 1;
  }
  const yearless = values.length === 2 && digitCounts[0]! <= 2;
  if (yearless && defaultYear === undefined) {
    throw parseErrorAt(context, index, describeToken(text, index), 'a date with a year (or a "Y 2024" directive before dates without one)', 'invalid_date');
  }
  const [year, month, day] = yearless ? [defaultYear!, values[0]!, values[1]!] : [values[0]!, values[1]!, values[2]!];
  const shapeIsValid = yearless || (values.length === 3 && digitCounts[0] === 4);
  const partsAreShort = digitCounts.slice(yearless ? 0 : 1).every((count) => count >= 1 && count <= 2);
  const endsWell = position >= text.length || isDateEnd(text.charCodeAt(position));
  if (!shapeIsValid || !partsAreShort || !endsWell || day === undefined || !isValidDate(year, month, day)) {
    throw parseErrorAt(context, index, describeToken(text, index), DATE_EXPECTED, 'invalid_date');
  }
  const date = `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}` as IsoDate;
  return { date, end: position };
}

function isDateEnd(code: number): boolean {
  return isBlank(code) || code === 61 /* = */ || code === 59 /* ; */ || code === 93 /* ] in a lot date */;
}

/** Reads `"…"` starting at the quote; returns the text between the quotes and the index after the closing quote. */
export function scanQuoted(context: LineContext, index: number, what: string): { value: string; end: number } {
  const close = context.text.indexOf('"', index + 1);
  if (close < 0) failAt(context, index, `${what} with a closing double quote`);
  return { value: context.text.slice(index + 1, close), end: close + 1 };
}
