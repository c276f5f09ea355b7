import { type IsoDate } from '../../date.js';
import { type Decimal } from '../../decimal.js';
import { ParseError, type SourceLocation, TallystickError } from '../../errors.js';
import { type ImportWarning } from '../parsed-book.js';
import {
  Cursor,
  isAccountStart,
  isDigit,
  isLower,
  isNumberStart,
  readAccount,
  readCurrency,
  readDate,
  readKeyword,
  readNumberExpression,
  readString,
  readTagName,
  stripCommentMarker,
  tryReadKey,
} from './cursor.js';
import {
  BOOKING_METHODS,
  type BookingMethod,
  type CostSpec,
  type Directive,
  type RawAmount,
  type RawPosting,
  type TransactionDirective,
} from './directives.js';
import { OTHER_FLAGS, isTagCharacter } from './syntax.js';

export interface RawOption {
  readonly key: string;
  readonly value: string;
  readonly source: SourceLocation;
}

/** What reading files accumulates; one instance is shared by the top file and every included file. */
export interface ParseState {
  readonly directives: Directive[];
  readonly errors: TallystickError[];
  readonly warnings: ImportWarning[];
  /** Each distinct account name read, with where it was first seen; checked once the root names are known. */
  readonly accountNames: Map<string, SourceLocation>;
  readonly options: RawOption[];
  order: number;
}

export interface FileResult {
  readonly includes: readonly { readonly path: string; readonly source: SourceLocation }[];
}

const DIRECTIVE_EXPECTED = 'a directive (a date, option, plugin, include, pushtag, poptag, pushmeta, popmeta) or a comment';
const DATED_EXPECTED = 'a directive keyword after the date (txn, *, !, open, close, commodity, balance, pad, price, note, event, document, query, custom)';
const IGNORED_DIRECTIVES = new Set(['note', 'event', 'document', 'query', 'custom']);

/**
 * Reads one file's directives into `state`. A malformed directive is recorded as an error and skipped
 * (up to the next line that is not indented), so that every syntax error in the file is reported.
 */
export function parseFile(text: string, file: string, state: ParseState, isTop: boolean, onProgress?: (done: number, total: number) => void): FileResult {
  const reader = new FileReader(new Cursor(text, file), state, isTop);
  reader.run(onProgress);
  return { includes: reader.includes };
}

class FileReader {
  readonly cursor: Cursor;
  readonly state: ParseState;
  readonly isTop: boolean;
  readonly includes: { path: string; source: SourceLocation }[] = [];
  private readonly pushedTags: { tag: string; source: SourceLocation }[] = [];
  private readonly pushedMetadata = new Map<string, { value: string; source: SourceLocation }[]>();

  constructor(cursor: Cursor, state: ParseState, isTop: boolean) {
    this.cursor = cursor;
    this.state = state;
    this.isTop = isTop;
  }

  run(onProgress?: (done: number, total: number) => void): void {
    const cursor = this.cursor;
    let toldAtLine = 0;
    while (!cursor.atEnd()) {
      if (onProgress !== undefined && cursor.line - toldAtLine >= 8192) {
        toldAtLine = cursor.line;
        onProgress(cursor.pos, cursor.text.length);
      }
      try {
        this.readTopLine();
      } catch (error) {
        if (!(error instanceof TallystickError)) throw error;
        this.state.errors.push(error);
        cursor.nextLine();
        this.skipIndentedLines();
      }
    }
    for (const pushed of this.pushedTags) {
      this.state.errors.push(new ParseError(pushed.source, `pushtag #${pushed.tag} never popped`, `a "poptag #${pushed.tag}" before the end of the file`));
    }
    for (const [key, stack] of this.pushedMetadata) {
      for (const pushed of stack) this.state.errors.push(new ParseError(pushed.source, `pushmeta ${key} never popped`, `a "popmeta ${key}:" before the end of the file`));
    }
  }

  private skipIndentedLines(): void {
    const cursor = this.cursor;
    while (!cursor.atEnd()) {
      const code = cursor.code();
      if ((code !== 32 && code !== 9) || cursor.restOfLineIsBlank()) return;
      cursor.nextLine();
    }
  }

  private readTopLine(): void {
    const cursor = this.cursor;
    const code = cursor.code();
    if (code === 10 || code === 32 || code === 9 || code === 13) {
      if (cursor.restOfLineIsBlank()) return cursor.nextLine();
      cursor.skipBlanks();
      if (cursor.code() === 59) return cursor.nextLine();
      throw cursor.error('a directive at the start of a line (indented lines belong to the directive above, with no blank line between)');
    }
    if (code === 59) return cursor.nextLine();
    // Org-mode headings and other outline marks: beancount skips these lines.
    if (code === 42 || code === 58 || code === 33 || code === 38 || code === 37 || code === 63) return cursor.nextLine();
    if (code === 35) {
      if (isTagCharacter(cursor.codeAt(1))) throw cursor.error(DIRECTIVE_EXPECTED);
      return cursor.nextLine();
    }
    if (isDigit(code)) return this.readDated();
    if (isLower(code)) return this.readUndated();
    throw cursor.error(DIRECTIVE_EXPECTED);
  }

  private readUndated(): void {
    const cursor = this.cursor;
    const source = cursor.location();
    const keyword = readKeyword(cursor);
    switch (keyword) {
      case 'option': {
        cursor.expectBlank('the option name as a string');
        const key = readString(cursor, 'the option name as a string');
        cursor.expectBlank('the option value as a string');
        const value = readString(cursor, 'the option value as a string');
        cursor.finishLine();
        if (this.isTop) this.state.options.push({ key, value, source });
        else this.warn(source, `option "${key}" in an included file is ignored (beancount only reads options from the top file)`);
        return;
      }
      case 'plugin': {
        cursor.expectBlank('the plugin module name as a string');
        const name = readString(cursor, 'the plugin module name as a string');
        cursor.skipBlanks();
        if (cursor.code() === 34) readString(cursor);
        cursor.finishLine();
        this.warn(source, `plugin "${name}" is not run: Tallystick imports the directives as written, without the plugin's changes`);
        return;
      }
      case 'include': {
        cursor.expectBlank('the included file name as a string');
        const path = readString(cursor, 'the included file name as a string');
        cursor.finishLine();
        this.includes.push({ path, source });
        return;
      }
      case 'pushtag':
      case 'poptag':
        return this.readTagStack(keyword, source);
      case 'pushmeta':
      case 'popmeta':
        return this.readMetadataStack(keyword, source);
      default:
        cursor.pos -= keyword.length;
        throw cursor.error(DIRECTIVE_EXPECTED);
    }
  }

  private readTagStack(keyword: 'pushtag' | 'poptag', source: SourceLocation): void {
    const cursor = this.cursor;
    cursor.expectBlank('a tag like #trip');
    if (cursor.code() !== 35) throw cursor.error('a tag like #trip');
    const tagLocation = cursor.location();
    const tag = readTagName(cursor, 'a tag like #trip');
    cursor.finishLine();
    if (keyword === 'pushtag') {
      this.pushedTags.push({ tag, source });
      return;
    }
    const index = this.pushedTags.findLastIndex((pushed) => pushed.tag === tag);
    if (index < 0) throw new ParseError(tagLocation, `poptag #${tag}`, 'a tag pushed earlier in this file with pushtag');
    this.pushedTags.splice(index, 1);
  }

  private readMetadataStack(keyword: 'pushmeta' | 'popmeta', source: SourceLocation): void {
    const cursor = this.cursor;
    cursor.expectBlank('a metadata key like "location:"');
    const keyLocation = cursor.location();
    const key = tryReadKey(cursor);
    if (key === undefined) throw cursor.error('a metadata key like "location:"');
    if (keyword === 'pushmeta') {
      const value = this.readMetadataValue();
      const stack = this.pushedMetadata.get(key) ?? [];
      stack.push({ value, source });
      this.pushedMetadata.set(key, stack);
      return;
    }
    cursor.finishLine();
    const stack = this.pushedMetadata.get(key);
    if (!stack || stack.length === 0) throw new ParseError(keyLocation, `popmeta ${key}:`, 'a key pushed earlier in this file with pushmeta');
    stack.pop();
    if (stack.length === 0) this.pushedMetadata.delete(key);
  }

  private readDated(): void {
    const cursor = this.cursor;
    const source = cursor.location();
    const date = readDate(cursor);
    const order = this.state.order++;
    cursor.expectBlank(DATED_EXPECTED);
    const code = cursor.code();
    const next = cursor.codeAt(1);
    const flagAlone = next === 32 || next === 9 || next === 13 || next === 10 || next === -1 || next === 34;
    if ((code === 42 || code === 33 || OTHER_FLAGS.has(String.fromCharCode(code))) && flagAlone) {
      cursor.pos += 1;
      return this.readTransaction(date, source, order, String.fromCharCode(code));
    }
    const keyword = readKeyword(cursor);
    switch (keyword) {
      case 'txn':
        return this.readTransaction(date, source, order, 'txn');
      case 'open':
        return this.readOpen(date, source, order);
      case 'close': {
        const account = this.readAccountAfterBlank();
        cursor.finishLine();
        this.readDirectiveMetadata();
        this.state.directives.push({ kind: 'close', date, source, order, account });
        return;
      }
      case 'commodity': {
        cursor.expectBlank('a commodity (like USD)');
        const currency = readCurrency(cursor);
        cursor.finishLine();
        const metadata = this.readDirectiveMetadata();
        this.state.directives.push({ kind: 'commodity', date, source, order, currency, metadata });
        return;
      }
      case 'balance':
        return this.readBalance(date, source, order);
      case 'pad': {
        const account = this.readAccountAfterBlank();
        const sourceAccount = this.readAccountAfterBlank('the account to take the padding from');
        cursor.finishLine();
        this.readDirectiveMetadata();
        this.state.directives.push({ kind: 'pad', date, source, order, account, sourceAccount });
        return;
      }
      case 'price': {
        cursor.expectBlank('a commodity (like HOOL)');
        const currency = readCurrency(cursor);
        cursor.expectBlank('a price (like 12.50 USD)');
        const amount = this.readAmount('a price (like 12.50 USD)');
        cursor.finishLine();
        this.readDirectiveMetadata();
        this.state.directives.push({ kind: 'price', date, source, order, currency, amount });
        return;
      }
      default:
        if (IGNORED_DIRECTIVES.has(keyword)) return this.skipIgnored(keyword, source);
        cursor.pos -= keyword.length;
        throw cursor.error(DATED_EXPECTED);
    }
  }

  private readAccountAfterBlank(expected?: string): string {
    this.cursor.expectBlank(expected ?? 'an account name (like Assets:Bank:Checking)');
    return this.readAccountName(expected);
  }

  private readAccountName(expected?: string): string {
    const cursor = this.cursor;
    const line = cursor.line;
    const column = cursor.pos - cursor.lineStart + 1;
    const name = readAccount(cursor, expected);
    if (!this.state.accountNames.has(name)) this.state.accountNames.set(name, { file: cursor.file, line, column });
    return name;
  }

  private readOpen(date: IsoDate, source: SourceLocation, order: number): void {
    const cursor = this.cursor;
    const account = this.readAccountAfterBlank();
    const currencies: string[] = [];
    let booking: BookingMethod | undefined;
    cursor.skipBlanks();
    if (!cursor.atLineEnd() && cursor.code() !== 34) {
      for (;;) {
        currencies.push(readCurrency(cursor));
        cursor.skipBlanks();
        if (cursor.code() !== 44) break;
        cursor.pos += 1;
        cursor.skipBlanks();
      }
    }
    if (cursor.code() === 34) {
      const location = cursor.location();
      const method = readString(cursor, 'a booking method');
      if (!BOOKING_METHODS.has(method)) throw new ParseError(location, JSON.stringify(method), 'a booking method: "STRICT", "FIFO", "LIFO", "NONE" or "AVERAGE"');
      booking = method as BookingMethod;
    }
    cursor.finishLine();
    const metadata = this.readDirectiveMetadata();
    this.state.directives.push({ kind: 'open', date, source, order, account, currencies, ...(booking ? { booking } : {}), metadata });
  }

  private readBalance(date: IsoDate, source: SourceLocation, order: number): void {
    const cursor = this.cursor;
    const account = this.readAccountAfterBlank();
    cursor.expectBlank('an amount (like 100.00 USD)');
    if (!isNumberStart(cursor.code())) throw cursor.error('an amount (like 100.00 USD)');
    const number = readNumberExpression(cursor);
    cursor.skipBlanks();
    let tolerance: Decimal | undefined;
    if (cursor.code() === 126) {
      cursor.pos += 1;
      cursor.skipBlanks();
      if (!isNumberStart(cursor.code())) throw cursor.error('a tolerance after "~" (like 0.01)');
      tolerance = readNumberExpression(cursor);
      cursor.skipBlanks();
    }
    const currency = readCurrency(cursor, 'a commodity after the number (like USD)');
    cursor.finishLine();
    this.readDirectiveMetadata();
    this.state.directives.push({ kind: 'balance', date, source, order, account, amount: { number, currency }, ...(tolerance ? { tolerance } : {}) });
  }

  private skipIgnored(keyword: string, source: SourceLocation): void {
    const cursor = this.cursor;
    // The values are read loosely (strings may span lines); only their extent matters.
    for (;;) {
      cursor.skipBlanks();
      if (cursor.atLineEnd()) break;
      if (cursor.code() === 34) {
        readString(cursor);
        continue;
      }
      while (!cursor.atEnd()) {
        const code = cursor.code();
        if (code === 32 || code === 9 || code === 13 || code === 10) break;
        cursor.pos += 1;
      }
    }
    cursor.finishLine();
    this.readDirectiveMetadata();
    this.warn(source, `${keyword} directive is not imported (Tallystick has nothing to keep it in)`);
  }

  /** Indented `key: value` and comment lines after a directive other than a transaction. */
  private readDirectiveMetadata(): Record<string, string> {
    const cursor = this.cursor;
    const metadata: Record<string, string> = {};
    while (this.atContinuationLine()) {
      cursor.skipBlanks();
      if (cursor.code() === 59) {
        cursor.nextLine();
        continue;
      }
      this.readMetadataLine(metadata, 'metadata ("key: value") or a comment');
    }
    return metadata;
  }

  private atContinuationLine(): boolean {
    const cursor = this.cursor;
    const code = cursor.code();
    return (code === 32 || code === 9) && !cursor.restOfLineIsBlank();
  }

  private readMetadataLine(metadata: Record<string, string>, expected: string): void {
    const cursor = this.cursor;
    const location = cursor.location();
    const key = tryReadKey(cursor);
    if (key === undefined) throw cursor.error(expected);
    if (Object.hasOwn(metadata, key)) throw new ParseError(location, `a second "${key}:"`, 'each metadata key once per directive or posting');
    metadata[key] = this.readMetadataValue();
  }

  /** A metadata value, kept as text: strings as they read, other values (numbers, dates, accounts…) as written. */
  private readMetadataValue(): string {
    const cursor = this.cursor;
    cursor.skipBlanks();
    const code = cursor.code();
    let value: string;
    if (cursor.atLineEnd()) value = '';
    else if (code === 34) value = readString(cursor);
    else if (code === 35 || code === 94) value = `${String.fromCharCode(code)}${readTagName(cursor, 'a tag or link')}`;
    else if (isDigit(code) && isDigit(cursor.codeAt(1)) && isDigit(cursor.codeAt(2)) && isDigit(cursor.codeAt(3)) && (cursor.codeAt(4) === 45 || cursor.codeAt(4) === 47)) {
      value = readDate(cursor);
    } else if (isNumberStart(code)) {
      value = readNumberExpression(cursor).toString();
      cursor.skipBlanks();
      if (!cursor.atLineEnd()) value = `${value} ${readCurrency(cursor)}`;
    } else if (isAccountStart(code)) {
      value = this.readNameValue();
    } else throw cursor.error('a metadata value (a string, number, amount, date, account, commodity, tag or TRUE/FALSE)');
    cursor.finishLine();
    return value;
  }

  private readNameValue(): string {
    const cursor = this.cursor;
    const start = cursor.pos;
    while (!cursor.atEnd()) {
      const code = cursor.code();
      if (code === 32 || code === 9 || code === 13 || code === 10 || code === 59) break;
      cursor.pos += 1;
    }
    const word = cursor.text.slice(start, cursor.pos);
    if (word === 'TRUE' || word === 'FALSE' || word === 'NULL') return word === 'NULL' ? '' : word;
    cursor.pos = start;
    if (word.includes(':')) return readAccount(cursor);
    return readCurrency(cursor);
  }

  private readTransaction(date: IsoDate, source: SourceLocation, order: number, flag: string): void {
    const cursor = this.cursor;
    let payee: string | undefined;
    let narration: string | undefined;
    const transaction: TransactionDirective = {
      kind: 'transaction', date, source, order, flag, payee: undefined, narration: '', tags: undefined, links: undefined, metadata: undefined, comment: undefined, postings: [],
    };
    for (;;) {
      cursor.skipBlanks();
      const code = cursor.code();
      if (code === 34) {
        if (transaction.tags || transaction.links) throw cursor.error('tags and links after the payee and narration');
        if (payee !== undefined) throw cursor.error('at most two strings (payee and narration)');
        const text = readString(cursor);
        if (narration === undefined) narration = text;
        else {
          payee = narration;
          narration = text;
        }
      } else if (code === 35 || code === 94) {
        this.readTagOrLink(transaction);
      } else break;
    }
    transaction.comment = cursor.finishLine();
    (transaction as { payee: string | undefined }).payee = payee;
    (transaction as { narration: string }).narration = narration ?? '';
    this.readTransactionBody(transaction);
    this.applyPushed(transaction);
    this.state.directives.push(transaction);
  }

  private readTagOrLink(transaction: TransactionDirective): void {
    const cursor = this.cursor;
    const isTag = cursor.code() === 35;
    const name = readTagName(cursor, isTag ? 'a tag name after "#"' : 'a link name after "^"');
    const list = isTag ? (transaction.tags ??= []) : (transaction.links ??= []);
    if (!list.includes(name)) list.push(name);
  }

  private readTransactionBody(transaction: TransactionDirective): void {
    const cursor = this.cursor;
    let posting: RawPosting | undefined;
    while (this.atContinuationLine()) {
      cursor.skipBlanks();
      const code = cursor.code();
      if (code === 59) {
        const line = cursor.text.indexOf('\n', cursor.pos);
        const text = stripCommentMarker(cursor.text.slice(cursor.pos + 1, line < 0 ? cursor.text.length : line));
        if (posting) posting.comment = posting.comment === undefined ? text : `${posting.comment}\n${text}`;
        else transaction.comment = transaction.comment === undefined ? text : `${transaction.comment}\n${text}`;
        cursor.nextLine();
      } else if ((code === 35 || code === 94) && isTagCharacter(cursor.codeAt(1))) {
        while (cursor.code() === 35 || cursor.code() === 94) {
          this.readTagOrLink(transaction);
          cursor.skipBlanks();
        }
        cursor.finishLine();
      } else if (isLower(code)) {
        if (posting) this.readMetadataLine((posting.metadata ??= {}), 'metadata ("key: value")');
        else this.readMetadataLine((transaction.metadata ??= {}), 'metadata ("key: value")');
      } else {
        posting = this.readPosting();
        transaction.postings.push(posting);
      }
    }
  }

  private readPosting(): RawPosting {
    const cursor = this.cursor;
    const line = cursor.line;
    const column = cursor.pos - cursor.lineStart + 1;
    let flag: string | undefined;
    const code = cursor.code();
    const next = cursor.codeAt(1);
    if ((code === 42 || code === 33 || OTHER_FLAGS.has(String.fromCharCode(code))) && (next === 32 || next === 9)) {
      flag = String.fromCharCode(code);
      cursor.pos += 1;
      cursor.skipBlanks();
    }
    const account = this.readAccountName('a posting (an account name like Assets:Cash, then an amount), metadata ("key: value"), tags or a comment');
    cursor.skipBlanks();
    let units: RawAmount | undefined;
    let cost: CostSpec | undefined;
    let price: RawPosting['price'];
    if (!cursor.atLineEnd()) {
      if (!isNumberStart(cursor.code())) throw cursor.error('an amount (like -12.50 USD) or the end of the posting');
      units = this.readAmount('an amount (like -12.50 USD)');
      cursor.skipBlanks();
      if (cursor.code() === 123) {
        cost = this.readCost();
        cursor.skipBlanks();
      }
      if (cursor.code() === 64) {
        const kind = cursor.codeAt(1) === 64 ? 'total' : 'unit';
        cursor.pos += kind === 'total' ? 2 : 1;
        cursor.skipBlanks();
        price = { kind, amount: this.readAmount('a price (like 12.50 USD) after "@"') };
      }
    }
    const comment = cursor.finishLine();
    return { account, flag, units, cost, price, metadata: undefined, comment, line, column };
  }

  private readAmount(expected: string): RawAmount {
    const cursor = this.cursor;
    if (!isNumberStart(cursor.code())) throw cursor.error(expected);
    const number = readNumberExpression(cursor);
    cursor.skipBlanks();
    const currency = readCurrency(cursor, 'a commodity after the number (like USD)');
    return { number, currency };
  }

  /** `{…}` or `{{…}}`: comma-separated per-unit/total amount, date and label, in any order. */
  private readCost(): CostSpec {
    const cursor = this.cursor;
    const source = cursor.location();
    const isTotal = cursor.codeAt(1) === 123;
    cursor.pos += isTotal ? 2 : 1;
    const spec: { perUnit?: Decimal; total?: Decimal; currency?: string; date?: IsoDate; label?: string } = {};
    const expected = 'a cost part (an amount like 10.00 USD, a date, a "label") or the closing brace';
    cursor.skipBlanks();
    while (cursor.code() !== 125) {
      const location = cursor.location();
      const code = cursor.code();
      if (code === 34) {
        if (spec.label !== undefined) throw cursor.error('at most one label in a cost');
        spec.label = readString(cursor);
      } else if (isDigit(code) && isDateAhead(cursor)) {
        if (spec.date !== undefined) throw cursor.error('at most one date in a cost');
        spec.date = readDate(cursor);
      } else if (isNumberStart(code) || code === 35 || (code >= 65 && code <= 90)) {
        if (spec.currency !== undefined) throw cursor.error('at most one amount in a cost');
        this.readCostAmount(spec, isTotal);
      } else if (code === 42) {
        throw new ParseError(location, '"*" (average-cost merge)', 'a cost amount, date or label: beancount 2 does not support merging lots');
      } else throw cursor.error(expected);
      cursor.skipBlanks();
      if (cursor.code() === 44) {
        cursor.pos += 1;
        cursor.skipBlanks();
      } else if (cursor.code() !== 125) throw cursor.error(`"," or the closing brace "${isTotal ? '}}' : '}'}"`);
    }
    if (isTotal && cursor.codeAt(1) !== 125) {
      cursor.pos += 1;
      throw cursor.error('"}}" to close a total cost');
    }
    cursor.pos += isTotal ? 2 : 1;
    return { ...spec, source };
  }

  private readCostAmount(spec: { perUnit?: Decimal; total?: Decimal; currency?: string }, isTotal: boolean): void {
    const cursor = this.cursor;
    if (isNumberStart(cursor.code())) {
      const number = readNumberExpression(cursor);
      if (isTotal) spec.total = number;
      else spec.perUnit = number;
      cursor.skipBlanks();
    }
    if (cursor.code() === 35 && !isTotal) {
      cursor.pos += 1;
      cursor.skipBlanks();
      if (isNumberStart(cursor.code())) {
        spec.total = readNumberExpression(cursor);
        cursor.skipBlanks();
      }
    }
    spec.currency = readCurrency(cursor, 'a commodity in the cost (like USD)');
  }

  private applyPushed(transaction: TransactionDirective): void {
    for (const pushed of this.pushedTags) {
      const tags = (transaction.tags ??= []);
      if (!tags.includes(pushed.tag)) tags.push(pushed.tag);
    }
    for (const [key, stack] of this.pushedMetadata) {
      const top = stack[stack.length - 1];
      const metadata = (transaction.metadata ??= {});
      if (top && !Object.hasOwn(metadata, key)) metadata[key] = top.value;
    }
  }

  private warn(source: SourceLocation, message: string): void {
    this.state.warnings.push({ source, message });
  }
}

function isDateAhead(cursor: Cursor): boolean {
  const separator = cursor.codeAt(4);
  return isDigit(cursor.codeAt(1)) && isDigit(cursor.codeAt(2)) && isDigit(cursor.codeAt(3)) && (separator === 45 || separator === 47) && isDigit(cursor.codeAt(5));
}
