import { type AccountName, parseAccountName } from '../../account.js';
import { type Amount } from '../../amount.js';
import { type AccountDeclaration, type CommodityDeclaration, type PriceRecord } from '../../book.js';
import { type IsoDate } from '../../date.js';
import { type SourceLocation, TallystickError, ValidationErrors } from '../../errors.js';
import { type BalanceAssertion, type PostingDraft, type Transaction, type TransactionDraft, type TransactionStatus } from '../../transaction.js';
import { type ImportWarning, type ParsedBook, type ReadIncludedFile, type Sourced } from '../parsed-book.js';
import { type AmountSettings, type DecimalMark } from './journal-amount.js';
import { type AssertionItem, applyBalanceAssertions } from './journal-assertions.js';
import { completeTransaction } from './journal-balance.js';
import { type DirectiveHost, type JournalScope, type LineSource, copyScope, isIndented, readDirective, rewriteAccountName, stripCarriageReturn } from './journal-directives.js';
import { type ScannedPosting, type Writable, postingSource, scanPosting } from './journal-posting.js';
import { type LineContext, failAt, isBlank, isDigit, parseErrorAt, scanDate, skipBlanks } from './journal-scan.js';
import { splitComment } from './journal-tags.js';

export interface ParseJournalOptions {
  /** The file's name, as error locations should show it. */
  readonly file: string;
  /** Reads `include`d files (core does no IO); without it an `include` is an error. */
  readonly readIncludedFile?: ReadIncludedFile;
  /** Told every few thousand lines how many of the top file's lines were read, of how many (a terminal shows it). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Beyond this many problems the parser stops: the first ones are enough to fix the file. */
const MAX_ERRORS = 100;

/** How often (in lines of the top file) a parser tells its progress. */
const PROGRESS_LINES = 8192;

/**
 * Parses an hledger / ledger journal into a ParsedBook: transactions complete and balanced, in file
 * order (included files where they are included), with account, commodity and price directives.
 * Throws ParseError (one problem) or ValidationErrors (several) naming file:line:column for every
 * malformed, unbalanced or unsupported line, so that a bad file imports nothing.
 *
 * Balanced virtual postings `[Account]` are imported as real postings (they must balance among
 * themselves, so every account balance is what hledger shows without --real); unbalanced virtual
 * postings `(Account)` are refused.
 * README.md in this folder lists what is supported and what is refused.
 */
export function parseJournal(text: string, options: ParseJournalOptions): ParsedBook {
  const reader = new JournalReader(options.readIncludedFile, options.onProgress);
  reader.readFile(options.file, text, { aliases: [], parents: [] });
  return reader.finish();
}

/**
 * A transaction read from the file: complete, or waiting for the assertion pass (balance assignments).
 * What was read is let go once complete unless the assertion pass needs it (big journals are big).
 */
interface ReadTransaction {
  readonly source: SourceLocation;
  readonly date: IsoDate;
  transaction?: Transaction;
  draft?: TransactionDraft;
  postings?: readonly ScannedPosting[];
}

class JournalReader implements DirectiveHost {
  scope: JournalScope = { aliases: [], parents: [] };
  readonly commodityMarks = new Map<string, DecimalMark>();
  private readonly transactions: ReadTransaction[] = [];
  private readonly accounts: Sourced<AccountDeclaration>[] = [];
  private readonly commodities: Sourced<CommodityDeclaration>[] = [];
  private readonly prices: Sourced<PriceRecord>[] = [];
  private readonly warnings: ImportWarning[] = [];
  private readonly notices = new Map<string, { first: SourceLocation; count: number }>();
  private readonly errors: TallystickError[] = [];
  private readonly accountNames = new Map<string, AccountName>();
  private readonly files: string[] = [];
  private hasAssertions = false;
  private readonly postingSettings: AmountSettings;
  private readonly formatSettings: AmountSettings;

  constructor(private readonly readIncludedFile: ReadIncludedFile | undefined, private readonly onProgress?: (done: number, total: number) => void) {
    const decimalMarkFor = (commodity: string) => this.commodityMarks.get(commodity) ?? this.scope.decimalMark;
    const scope = () => this.scope;
    this.postingSettings = { decimalMarkFor, get defaultCommodity() { return scope().defaultCommodity; } };
    this.formatSettings = { decimalMarkFor, get defaultCommodity() { return scope().defaultCommodity; }, isFormat: true };
  }

  amountSettings(isFormat = false): AmountSettings {
    return isFormat ? this.formatSettings : this.postingSettings;
  }

  readFile(file: string, text: string, scope: JournalScope): void {
    const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
    const source: LineSource = { file, lines };
    const outerScope = this.scope;
    this.scope = scope;
    this.files.push(file);
    let index = 0;
    const top = this.files.length === 1;
    let told = 0;
    while (index < lines.length && this.errors.length < MAX_ERRORS) {
      if (top && this.onProgress !== undefined && index - told >= PROGRESS_LINES) {
        told = index;
        this.onProgress(index, lines.length);
      }
      try {
        index = this.readUnit(source, index);
      } catch (error) {
        if (!(error instanceof TallystickError)) throw error;
        this.errors.push(error);
        index += 1;
        while (index < lines.length && isIndented(lines[index]!)) index += 1;
      }
    }
    this.files.pop();
    this.scope = outerScope;
  }

  /** Reads one transaction, directive or comment starting at `index`; returns the next line to read. */
  private readUnit(source: LineSource, index: number): number {
    const text = stripCarriageReturn(source.lines[index]!);
    const first = text.charCodeAt(0);
    if (text.length === 0 || (isBlank(first) && skipBlanks(text, 0) === text.length)) return index + 1;
    if (isDigit(first)) return this.readTransaction(source, index);
    if (first === 59 || first === 35 || first === 42 || first === 37 || first === 124) return index + 1;
    if (isBlank(first)) {
      const start = skipBlanks(text, 0);
      if (text.charCodeAt(start) === 59 || text.charCodeAt(start) === 35) return index + 1;
      failAt({ file: source.file, line: index + 1, text }, start, 'a transaction or a directive starting in column 1 (an indented line belongs to the transaction or directive just above it, with no blank line between)');
    }
    const word = text.trimEnd();
    if (word === 'comment' || word === 'test' || word.startsWith('comment ') || word.startsWith('test ')) {
      const end = word.startsWith('comment') ? 'end comment' : 'end test';
      let next = index + 1;
      while (next < source.lines.length && source.lines[next]!.trim() !== end) next += 1;
      return next + 1;
    }
    return readDirective(this, source, index);
  }

  private readTransaction(source: LineSource, index: number): number {
    const context: LineContext = { file: source.file, line: index + 1, text: stripCarriageReturn(source.lines[index]!) };
    const header = scanHeader(context, this.scope.defaultYear);
    const commentLines = header.comment === undefined ? [] : [header.comment];
    const postings: ScannedPosting[] = [];
    let broken = false;
    let next = index + 1;
    for (; next < source.lines.length && isIndented(source.lines[next]!); next += 1) {
      const line: LineContext = { file: source.file, line: next + 1, text: stripCarriageReturn(source.lines[next]!) };
      const start = skipBlanks(line.text, 0);
      if (line.text.charCodeAt(start) === 59) {
        const last = postings.at(-1);
        if (last) (last.commentLines ??= []).push(line.text.slice(start + 1));
        else commentLines.push(line.text.slice(start + 1));
        continue;
      }
      try {
        postings.push(scanPosting(line, this.postingSettings, this.resolveAccount));
      } catch (error) {
        if (!(error instanceof TallystickError)) throw error;
        this.errors.push(error);
        broken = true;
      }
    }
    const location = { file: context.file, line: context.line, column: 1 };
    if (broken) return next;
    if (postings.length === 0) {
      this.notice('transactions without postings were skipped: they move no money', location);
      return next;
    }
    this.addTransaction(header, commentLines, postings, location);
    return next;
  }

  private addTransaction(header: TransactionHeader, commentLines: readonly string[], postings: readonly ScannedPosting[], source: SourceLocation): void {
    const parts = splitComment(commentLines);
    // Built field by field rather than with conditional spreads: this runs 100,000 times in a big journal.
    const draft: Writable<TransactionDraft> = { date: header.date, status: header.status, description: header.description, tags: parts.tags, links: parts.links, metadata: parts.metadata, postings: [] };
    if (header.code !== undefined) draft.code = header.code;
    if (header.payee !== undefined) draft.payee = header.payee;
    if (parts.comment !== undefined) draft.comment = parts.comment;
    draft.postings = postings.map((posting) => this.postingDraft(posting, source.file));
    const read: ReadTransaction = { source, date: header.date, draft, postings };
    this.transactions.push(read);
    const hasAssertion = postings.some((posting) => posting.draft.balanceAssertion !== undefined);
    if (hasAssertion) this.hasAssertions = true;
    if (postings.some((posting) => posting.isAssignment)) return;
    try {
      read.transaction = this.complete(read);
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      this.errors.push(error);
    }
    // Cleared rather than deleted: `delete` would turn each of 100,000 records into a slow dictionary.
    read.draft = undefined;
    if (!hasAssertion) read.postings = undefined;
  }

  /** Completes the scanned posting's draft with what its comment lines say. */
  private postingDraft(posting: ScannedPosting, file: string): PostingDraft {
    const { draft, commentLines } = posting;
    if (posting.balancedVirtual) this.notice('balanced virtual postings [Account] were imported as real postings', postingSource(file, posting));
    if (!commentLines) return draft;
    const parts = splitComment(commentLines);
    const tags = parts.links.length > 0 ? [...parts.tags, ...parts.links.map((link) => `^${link}`)] : parts.tags;
    if ('date' in parts.metadata || 'date2' in parts.metadata) {
      this.notice('posting dates (date: tags) were kept as metadata only: each posting is dated by its transaction', postingSource(file, posting));
    }
    if (parts.comment !== undefined) draft.comment = parts.comment;
    if (tags.length > 0) draft.tags = tags;
    for (const _key in parts.metadata) {
      draft.metadata = parts.metadata;
      break;
    }
    return draft;
  }

  private complete(read: ReadTransaction, assigned?: ReadonlyMap<number, Amount>): Transaction {
    const written = read.draft!;
    const draft = assigned ? { ...written, postings: written.postings.map((posting, index) => (assigned.has(index) ? { ...posting, amount: assigned.get(index)! } : posting)) } : written;
    return completeTransaction({ draft, postings: read.postings!, source: read.source });
  }

  readonly resolveAccount = (name: string, context: LineContext, index: number): AccountName => {
    const scope = this.scope;
    const full = scope.parents.length === 0 && scope.aliases.length === 0 ? name : rewriteAccountName(scope, name);
    const known = this.accountNames.get(full);
    if (known) return known;
    try {
      const account = parseAccountName(full);
      this.accountNames.set(full, account);
      return account;
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      const problem = /: (.*) \(expected/u.exec(error.message)?.[1] ?? 'it is not valid';
      throw parseErrorAt(context, index, `the account name ${JSON.stringify(full)} (${problem})`, 'an account name of segments separated by ":", like Assets:Bank:Checking', 'invalid_account_name');
    }
  };

  addAccount(declaration: AccountDeclaration, source: SourceLocation): void {
    this.accounts.push({ value: declaration, source });
  }

  addCommodity(declaration: CommodityDeclaration, source: SourceLocation): void {
    this.commodities.push({ value: declaration, source });
  }

  addPrice(price: PriceRecord, source: SourceLocation): void {
    this.prices.push({ value: price, source });
  }

  include(path: string, context: LineContext, index: number): void {
    const found = `include ${JSON.stringify(path)}`;
    if (path === '') failAt(context, index, 'a file name after "include"');
    if (/[*?[]/u.test(path)) throw parseErrorAt(context, index, found, 'one file name (glob patterns are not supported: include each file)', 'unsupported_syntax');
    const prefix = /^(journal|timeclock|timedot|csv|ssv|tsv):/u.exec(path)?.[1];
    const target = prefix ? path.slice(prefix.length + 1) : path;
    if ((prefix && prefix !== 'journal') || /\.(csv|ssv|tsv|timeclock|timedot)$/iu.test(target)) {
      throw parseErrorAt(context, index, found, 'a journal file (CSV, timeclock and timedot files are not journals: import them separately)', 'unsupported_syntax');
    }
    if (!this.readIncludedFile) throw parseErrorAt(context, index, found, 'no include (this import was given no way to read other files)', 'include_failed');
    let included: { readonly file: string; readonly text: string };
    try {
      included = this.readIncludedFile(target, context.file);
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      throw parseErrorAt(context, index, found, `a file that can be read (${error.message})`, 'include_failed');
    }
    if (this.files.includes(included.file)) {
      throw parseErrorAt(context, index, `${found}, which includes itself (${[...this.files, included.file].join(' → ')})`, 'includes without a cycle', 'include_cycle');
    }
    this.readFile(included.file, included.text, copyScope(this.scope));
  }

  /** Warnings that could repeat thousands of times are given once, with a count and the first place. */
  private notice(message: string, source: SourceLocation): void {
    const current = this.notices.get(message);
    if (current) current.count += 1;
    else this.notices.set(message, { first: source, count: 1 });
  }

  finish(): ParsedBook {
    if (this.errors.length === 0 && this.hasAssertions) this.checkAssertions();
    if (this.errors.length >= MAX_ERRORS) this.errors.push(new TallystickError('too_many_errors', `stopped after ${MAX_ERRORS} problems; fix these and parse again`));
    if (this.errors.length > 0) throw this.errors.length === 1 ? this.errors[0]! : new ValidationErrors(this.errors);
    for (const [message, { first, count }] of this.notices) {
      this.warnings.push({ source: first, message: count === 1 ? message : `${message} (${count} times; the first is here)` });
    }
    return {
      transactions: this.transactions.map((read) => ({ value: read.transaction!, source: read.source })),
      accounts: this.accounts,
      commodities: this.commodities,
      prices: this.prices,
      assertions: [],
      warnings: this.warnings,
    };
  }

  private checkAssertions(): void {
    const items: AssertionItem[] = this.transactions.map((read) => {
      const assertionSources = new Map<BalanceAssertion, SourceLocation>();
      for (const posting of read.postings ?? []) {
        const assertion = posting.draft.balanceAssertion;
        if (assertion) assertionSources.set(assertion, { file: read.source.file, line: posting.line, column: posting.assertionColumn! });
      }
      if (read.transaction) return { date: read.date, transaction: read.transaction, assertionSources };
      const written = read.postings!.map((posting) => ({ ...posting.draft, isAssignment: posting.isAssignment }));
      return { date: read.date, written, complete: (assigned) => this.complete(read, assigned), assertionSources };
    });
    const completed = applyBalanceAssertions(items, this.errors);
    completed.forEach((transaction, index) => {
      if (transaction) this.transactions[index]!.transaction = transaction;
    });
  }
}

interface TransactionHeader {
  readonly date: IsoDate;
  readonly status: TransactionStatus;
  readonly code?: string;
  readonly payee?: string;
  readonly description: string;
  readonly comment?: string;
}

/**
 * `DATE[=DATE2] [*|!] [(CODE)] DESCRIPTION [; COMMENT]`. The secondary date is checked and dropped.
 * As in hledger, "payee | note" splits at the first "|" and the first ";" starts the comment.
 */
function scanHeader(context: LineContext, defaultYear: number | undefined): TransactionHeader {
  const { text } = context;
  const { date, end } = scanDate(context, 0, defaultYear);
  let position = end;
  if (text.charCodeAt(position) === 61) position = scanDate(context, position + 1, Number(date.slice(0, 4))).end;
  if (position < text.length && !isBlank(text.charCodeAt(position)) && text.charCodeAt(position) !== 59) failAt(context, position, 'a space after the date');
  position = skipBlanks(text, position);
  let status: TransactionStatus = '';
  if (text.charCodeAt(position) === 42 || text.charCodeAt(position) === 33) {
    status = text.charCodeAt(position) === 42 ? '*' : '!';
    position = skipBlanks(text, position + 1);
  }
  let code: string | undefined;
  if (text.charCodeAt(position) === 40) {
    const close = text.indexOf(')', position);
    if (close < 0) failAt(context, position, 'a transaction code in parentheses, like (1042), with its closing ")"');
    code = text.slice(position + 1, close);
    position = skipBlanks(text, close + 1);
  }
  const semicolon = text.indexOf(';', position);
  const written = text.slice(position, semicolon < 0 ? text.length : semicolon).trim();
  const pipe = written.indexOf('|');
  const header: Writable<TransactionHeader> = { date, status, description: pipe < 0 ? written : written.slice(pipe + 1).trim() };
  if (pipe >= 0) header.payee = written.slice(0, pipe).trim();
  if (code !== undefined) header.code = code;
  if (semicolon >= 0) header.comment = text.slice(semicolon + 1);
  return header;
}

