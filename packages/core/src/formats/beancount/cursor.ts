import { type IsoDate, isValidDate } from '../../date.js';
import { Decimal, MAX_SCALE } from '../../decimal.js';
import { ParseError, type SourceLocation } from '../../errors.js';
import { isAsciiAccountCharacter, isTagCharacter, unescapeString } from './syntax.js';

/**
 * A hand-written scanner over the whole text (strings may span lines), reading one token at a time with
 * `charCodeAt`: no regular expression runs over the input, so time is linear in its length.
 * Blanks are space, tab and carriage return (so CRLF files read like LF files).
 */
export class Cursor {
  readonly text: string;
  readonly file: string;
  pos = 0;
  line = 1;
  lineStart = 0;

  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
    if (text.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  location(): SourceLocation {
    return { file: this.file, line: this.line, column: this.pos - this.lineStart + 1 };
  }

  code(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  codeAt(offset: number): number {
    const index = this.pos + offset;
    return index < this.text.length ? this.text.charCodeAt(index) : -1;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipBlanks(): void {
    let pos = this.pos;
    const text = this.text;
    while (pos < text.length) {
      const code = text.charCodeAt(pos);
      if (code !== 32 && code !== 9 && code !== 13) break;
      pos += 1;
    }
    this.pos = pos;
  }

  /** After blanks: the end of the line, the end of the text, or a comment. */
  atLineEnd(): boolean {
    const code = this.code();
    return code === -1 || code === 10 || code === 59;
  }

  /** Whether the line from the cursor holds only blanks. Does not move. */
  restOfLineIsBlank(): boolean {
    const saved = this.pos;
    this.skipBlanks();
    const code = this.code();
    this.pos = saved;
    return code === -1 || code === 10;
  }

  /** Ends the current line: blanks, an optional `; comment` (returned), then a newline or the end. */
  finishLine(): string | undefined {
    this.skipBlanks();
    let comment: string | undefined;
    if (this.code() === 59) {
      const end = this.lineEndIndex();
      comment = stripCommentMarker(this.text.slice(this.pos + 1, end));
      this.pos = end;
    }
    const code = this.code();
    if (code !== -1 && code !== 10) throw this.error('the end of the line');
    this.nextLine();
    return comment;
  }

  /** Moves to the start of the next line. */
  nextLine(): void {
    const end = this.lineEndIndex();
    if (end >= this.text.length) {
      this.pos = this.text.length;
      return;
    }
    this.pos = end + 1;
    this.line += 1;
    this.lineStart = this.pos;
  }

  private lineEndIndex(): number {
    const end = this.text.indexOf('\n', this.pos);
    return end < 0 ? this.text.length : end;
  }

  /** What is at the cursor, for an error message. */
  found(): string {
    const code = this.code();
    if (code === -1) return 'end of file';
    if (code === 10) return 'end of line';
    let end = this.pos;
    while (end < this.text.length && end - this.pos < 40) {
      const next = this.text.charCodeAt(end);
      if (next === 32 || next === 9 || next === 13 || next === 10) break;
      end += 1;
    }
    return JSON.stringify(this.text.slice(this.pos, end));
  }

  error(expected: string, found = this.found(), location = this.location()): ParseError {
    return new ParseError(location, found, expected);
  }

  /** Requires at least one blank here (tokens must be separated). */
  expectBlank(expected: string): void {
    const code = this.code();
    if (code !== 32 && code !== 9 && code !== 13) throw this.error(expected);
    this.skipBlanks();
  }
}

/** `; text` → `text`: the marker and one following space go, the rest is kept as written. */
export function stripCommentMarker(afterMarker: string): string {
  const text = afterMarker.endsWith('\r') ? afterMarker.slice(0, -1) : afterMarker;
  return text.startsWith(' ') ? text.slice(1) : text;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

export function isLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

/** Dates as beancount reads them: `2024-03-01` or `2024/3/1`. */
export function readDate(cursor: Cursor): IsoDate {
  const start = cursor.pos;
  const location = cursor.location();
  const year = readDigitsValue(cursor, 4, 4);
  const separator = cursor.code();
  if (year < 0 || (separator !== 45 && separator !== 47)) throw dateError(cursor, start, location);
  cursor.pos += 1;
  const monthStart = cursor.pos;
  const month = readDigitsValue(cursor, 1, 2);
  if (month < 0 || cursor.code() !== separator) throw dateError(cursor, start, location);
  cursor.pos += 1;
  const dayStart = cursor.pos;
  const day = readDigitsValue(cursor, 1, 2);
  if (day < 0 || !isValidDate(year, month, day)) throw dateError(cursor, start, location);
  // The usual spelling is already the ISO form: no new string needed beyond the slice.
  if (separator === 45 && dayStart - monthStart === 3 && cursor.pos - dayStart === 2) return cursor.text.slice(start, cursor.pos) as IsoDate;
  return `${String(year)}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` as IsoDate;
}

function dateError(cursor: Cursor, start: number, location: SourceLocation): ParseError {
  cursor.pos = start;
  return cursor.error('a date (YYYY-MM-DD, a real calendar day)', cursor.found(), location);
}

/** The value of `minimum` to `maximum` digits here, or -1 if there are fewer or more. */
function readDigitsValue(cursor: Cursor, minimum: number, maximum: number): number {
  let value = 0;
  let count = 0;
  for (let code = cursor.code(); isDigit(code); code = cursor.code()) {
    value = value * 10 + code - 48;
    count += 1;
    cursor.pos += 1;
  }
  return count < minimum || count > maximum ? -1 : value;
}

/** A run of lowercase letters (directive keywords), or '' if there is none. */
export function readKeyword(cursor: Cursor): string {
  const start = cursor.pos;
  while (isLower(cursor.code())) cursor.pos += 1;
  return cursor.text.slice(start, cursor.pos);
}

/** Whether an account name starts here: a capital or any non-ASCII character. */
export function isAccountStart(code: number): boolean {
  return isUpper(code) || code >= 128;
}

/**
 * An account name as the lexer cuts it (segments of letters, digits, "-" and non-ASCII characters).
 * Roots and segment rules are checked later, once every `name_*` option has been read.
 */
export function readAccount(cursor: Cursor, expected = 'an account name (like Assets:Bank:Checking)'): string {
  const start = cursor.pos;
  if (!isAccountStart(cursor.code())) throw cursor.error(expected);
  let hasSeparator = false;
  for (;;) {
    const code = cursor.code();
    if (code === 58) hasSeparator = true;
    else if (code === -1 || (code < 128 && !isAsciiAccountCharacter(code)) || code === 160 || code === 0x3000) break;
    cursor.pos += 1;
  }
  const name = cursor.text.slice(start, cursor.pos);
  if (!hasSeparator || isAccountBodyBroken(cursor.code())) {
    cursor.pos = start;
    throw cursor.error(expected);
  }
  return name;
}

/** A name running straight into a character no token may start with (e.g. `Assets:A_b`). */
function isAccountBodyBroken(code: number): boolean {
  return code === 95 || code === 39 || code === 46;
}

/** A commodity: the lexer's run of capitals, digits and `'._-`; validated by the caller's rule. */
export function readCurrency(cursor: Cursor, expected = 'a commodity (2 to 24 capitals, digits or \'._-, like USD)'): string {
  const start = cursor.pos;
  const location = cursor.location();
  if (!isUpper(cursor.code())) throw cursor.error(expected);
  cursor.pos += 1;
  for (;;) {
    const code = cursor.code();
    if (isUpper(code) || isDigit(code) || code === 39 || code === 46 || code === 95 || code === 45) cursor.pos += 1;
    else break;
  }
  const symbol = cursor.text.slice(start, cursor.pos);
  const last = symbol.charCodeAt(symbol.length - 1);
  const next = cursor.code();
  const runsOn = isLower(next) || next === 58 || next >= 128;
  if (symbol.length < 2 || symbol.length > 24 || !(isUpper(last) || isDigit(last)) || runsOn) {
    cursor.pos = start;
    throw cursor.error(expected, cursor.found(), location);
  }
  return symbol;
}

/** A double-quoted string; it may span lines. */
export function readString(cursor: Cursor, expected = 'a string in double quotes'): string {
  if (cursor.code() !== 34) throw cursor.error(expected);
  const location = cursor.location();
  const text = cursor.text;
  let pos = cursor.pos + 1;
  for (;;) {
    const quote = text.indexOf('"', pos);
    if (quote < 0) throw cursor.error('a closing double quote for the string started here', 'end of file', location);
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes += 1;
    pos = quote + 1;
    if (backslashes % 2 === 0) break;
  }
  const raw = text.slice(cursor.pos + 1, pos - 1);
  countNewlines(cursor, cursor.pos, pos);
  cursor.pos = pos;
  return unescapeString(raw);
}

function countNewlines(cursor: Cursor, from: number, to: number): void {
  let newline = cursor.text.indexOf('\n', from);
  while (newline >= 0 && newline < to) {
    cursor.line += 1;
    cursor.lineStart = newline + 1;
    newline = cursor.text.indexOf('\n', newline + 1);
  }
}

/** `#tag` or `^link` without its marker. */
export function readTagName(cursor: Cursor, expected: string): string {
  cursor.pos += 1;
  const start = cursor.pos;
  while (isTagCharacter(cursor.code())) cursor.pos += 1;
  if (cursor.pos === start) {
    cursor.pos -= 1;
    throw cursor.error(expected);
  }
  return cursor.text.slice(start, cursor.pos);
}

/** A metadata key `name:` if one starts here (the cursor then stands after the colon), else undefined. */
export function tryReadKey(cursor: Cursor): string | undefined {
  if (!isLower(cursor.code())) return undefined;
  let end = cursor.pos + 1;
  const text = cursor.text;
  for (;;) {
    const code = end < text.length ? text.charCodeAt(end) : -1;
    if (isLower(code) || isUpper(code) || isDigit(code) || code === 45 || code === 95) end += 1;
    else break;
  }
  if (text.charCodeAt(end) !== 58) return undefined;
  const key = text.slice(cursor.pos, end);
  cursor.pos = end + 1;
  return key;
}

/** Whether a number expression starts here. */
export function isNumberStart(code: number): boolean {
  return isDigit(code) || code === 45 || code === 43 || code === 40;
}

/**
 * A number expression: `1,234.50`, `-(2 + 3) * 1.5`, `10 / 4`. Results keep Python's Decimal scales
 * (sum: larger scale, product: sum of scales, exact quotient: as Python reduces it), since the scale
 * decides beancount's tolerance. Inexact quotients are refused rather than rounded.
 */
export function readNumberExpression(cursor: Cursor): Decimal {
  let value = readTerm(cursor);
  for (;;) {
    cursor.skipBlanks();
    const code = cursor.code();
    if (code !== 43 && code !== 45) return value;
    cursor.pos += 1;
    cursor.skipBlanks();
    const right = readTerm(cursor);
    value = code === 43 ? value.add(right) : value.subtract(right);
  }
}

function readTerm(cursor: Cursor): Decimal {
  let value = readUnary(cursor);
  for (;;) {
    const saved = cursor.pos;
    cursor.skipBlanks();
    const code = cursor.code();
    if (code !== 42 && code !== 47) {
      cursor.pos = saved;
      return value;
    }
    const location = cursor.location();
    cursor.pos += 1;
    cursor.skipBlanks();
    const right = readUnary(cursor);
    value = code === 42 ? multiplyExactly(cursor, value, right, location) : divideExactly(cursor, value, right, location);
  }
}

function readUnary(cursor: Cursor): Decimal {
  const code = cursor.code();
  if (code === 45 || code === 43) {
    cursor.pos += 1;
    cursor.skipBlanks();
    const operand = readUnary(cursor);
    return code === 45 ? operand.negate() : operand;
  }
  if (code === 40) {
    cursor.pos += 1;
    cursor.skipBlanks();
    const value = readNumberExpression(cursor);
    cursor.skipBlanks();
    if (cursor.code() !== 41) throw cursor.error('")" to close the parenthesis');
    cursor.pos += 1;
    return value;
  }
  return readNumber(cursor);
}

/** `1234`, `1,234.56`, `1000.` (beancount's NUMBER; no leading ".", commas only between digits). */
function readNumber(cursor: Cursor): Decimal {
  const text = cursor.text;
  const start = cursor.pos;
  if (!isDigit(cursor.code())) throw cursor.error('a number');
  // Digits are accumulated as a JS number while exact (up to 15 of them), so most numbers need no string.
  let value = 0;
  let digitCount = 0;
  let hasComma = false;
  let pos = start;
  for (;;) {
    const code = pos < text.length ? text.charCodeAt(pos) : -1;
    if (isDigit(code)) {
      value = value * 10 + code - 48;
      digitCount += 1;
      pos += 1;
    } else if (code === 44 && isDigit(text.charCodeAt(pos + 1))) {
      hasComma = true;
      pos += 1;
    } else break;
  }
  const wholeEnd = pos;
  let scale = 0;
  if (text.charCodeAt(pos) === 46) {
    pos += 1;
    for (let code = text.charCodeAt(pos); isDigit(code); code = text.charCodeAt(pos)) {
      value = value * 10 + code - 48;
      digitCount += 1;
      scale += 1;
      pos += 1;
    }
  }
  const next = text.charCodeAt(pos);
  if (next === 44 || next === 46 || scale > MAX_SCALE) {
    const location = { file: cursor.file, line: cursor.line, column: start - cursor.lineStart + 1 };
    const expected = scale > MAX_SCALE ? `a number with at most ${MAX_SCALE} decimal places` : 'a number (digits, optional "," between thousands, optional "." and decimals)';
    throw cursor.error(expected, JSON.stringify(text.slice(start, pos + 1)), location);
  }
  cursor.pos = pos;
  if (digitCount <= 15) return Decimal.of(BigInt(value), scale);
  const whole = text.slice(start, wholeEnd);
  const digits = `${hasComma ? whole.replaceAll(',', '') : whole}${text.slice(wholeEnd + 1, pos)}`;
  return Decimal.of(BigInt(digits), scale);
}

function multiplyExactly(cursor: Cursor, left: Decimal, right: Decimal, location: SourceLocation): Decimal {
  if (left.scale + right.scale > MAX_SCALE) {
    throw cursor.error(`a product with at most ${MAX_SCALE} decimal places`, `${left.toString()} * ${right.toString()}`, location);
  }
  return left.multiply(right);
}

/** Python's Decimal division when the quotient is exact: the scale is reduced towards `scale(a) - scale(b)`. */
function divideExactly(cursor: Cursor, dividend: Decimal, divisor: Decimal, location: SourceLocation): Decimal {
  const found = `${dividend.toString()} / ${divisor.toString()}`;
  if (divisor.isZero()) throw cursor.error('a division by a number other than zero', found, location);
  // quotient units at scale s = dividend.units * 10^(divisor.scale + s) / (divisor.units * 10^dividend.scale)
  const denominator = divisor.units * 10n ** BigInt(dividend.scale);
  for (let scale = 0; scale <= MAX_SCALE; scale += 1) {
    const numerator = dividend.units * 10n ** BigInt(divisor.scale + scale);
    if (numerator % denominator === 0n) {
      const quotient = Decimal.of(numerator / denominator, scale);
      const ideal = Math.max(0, dividend.scale - divisor.scale);
      return scale < ideal ? quotient.withScale(ideal) : quotient;
    }
  }
  throw cursor.error(`a division with an exact result of at most ${MAX_SCALE} decimal places`, found, location);
}
