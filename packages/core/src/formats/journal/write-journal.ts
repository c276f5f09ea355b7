import { type AccountType } from '../../account.js';
import { type Amount, quoteCommodityIfNeeded } from '../../amount.js';
import { type AccountDeclaration, type CommodityDeclaration, type PriceRecord } from '../../book.js';
import { isIsoDate } from '../../date.js';
import { Decimal } from '../../decimal.js';
import { TallystickError, ValidationErrors } from '../../errors.js';
import { type Posting, type Transaction } from '../../transaction.js';
import { type DecimalMark, scanAmount } from './journal-amount.js';
import { splitComment } from './journal-tags.js';

export interface WriteJournalInput {
  readonly transactions: readonly Transaction[];
  readonly accounts?: readonly AccountDeclaration[];
  readonly commodities?: readonly CommodityDeclaration[];
  readonly prices?: readonly PriceRecord[];
}

/**
 * Writes a journal that hledger (`check`, `bal`) and ledger (`bal`) both accept with the same balances
 * as ours: commodity and account directives first, then prices, then transactions in the order given,
 * every amount explicit and exact. Where the two tools differ, the writer keeps to what both read:
 * - a lot cost is written `{cost} [date] @ cost` (hledger ignores `{}` and weighs by `@`); a different
 *   sale price, and a lot label, go in the posting's comment, since hledger would refuse the `@`;
 * - only `=` balance assertions of a named commodity are written as syntax (ledger knows no `==`, `=*`,
 *   `==*`, and compares an amount without a commodity with the whole balance); the others go in the
 *   posting's comment;
 * - amounts use "." as decimal mark and no digit groups, except for commodities whose declared format
 *   has a "," decimal mark (written as a `format` subdirective, which both tools read);
 * - links become `^link:` tags, metadata `key: value` comment lines, tags `tag:` lines.
 * Text that the format cannot carry (a ";" in a description, a "," in a metadata value, a line break
 * in a name…) is refused with ValidationErrors listing every case, rather than written wrongly.
 */
export function writeJournal(input: WriteJournalInput): string {
  const problems: TallystickError[] = [];
  const styles = new Map<string, WriteStyle>();
  const out: string[] = [];
  for (const declaration of input.commodities ?? []) writeCommodity(declaration, styles, out, problems);
  if ((input.commodities ?? []).length > 0) out.push('');
  for (const declaration of input.accounts ?? []) writeAccount(declaration, out, problems);
  if ((input.accounts ?? []).length > 0) out.push('');
  for (const price of input.prices ?? []) {
    checkSymbol(price.commodity, `price of ${price.commodity} on ${price.date}`, problems);
    checkSymbol(price.price.commodity, `price of ${price.commodity} on ${price.date}`, problems);
    out.push(`P ${price.date} ${quoteCommodityIfNeeded(price.commodity)} ${formatAmount(price.price, styles)}`);
  }
  if ((input.prices ?? []).length > 0) out.push('');
  for (const transaction of input.transactions) {
    writeTransaction(transaction, styles, out, problems);
    out.push('');
  }
  if (problems.length > 0) throw new ValidationErrors(problems);
  return out.join('\n');
}

interface WriteStyle {
  readonly side: 'left' | 'right';
  readonly spaced: boolean;
  readonly decimalMark: DecimalMark;
}

const ACCOUNT_TYPE_CODES: Readonly<Record<AccountType, string>> = { asset: 'A', liability: 'L', equity: 'E', income: 'R', expense: 'X' };

function writeCommodity(declaration: CommodityDeclaration, styles: Map<string, WriteStyle>, out: string[], problems: TallystickError[]): void {
  const { symbol } = declaration;
  if (symbol === '') return; // the unnamed commodity needs no declaration, and "commodity" needs a symbol
  if (!checkSymbol(symbol, `commodity ${symbol}`, problems)) return;
  out.push(`commodity ${quoteCommodityIfNeeded(symbol)}`);
  const format = portableFormat(declaration);
  if (format) {
    out.push(`    format ${format.text}`);
    styles.set(symbol, format.style);
  }
  writeMetadataLines(declaration.metadata ?? {}, '    ', `commodity ${symbol}`, out, problems);
}

/**
 * A `format` both tools read the same way: one with a decimal mark and at least one decimal (hledger
 * wants the mark; ledger refuses "1000."), digit groups only of "." or ",". The declared text when it
 * is such a format, else one made from the declared precision.
 */
function portableFormat(declaration: CommodityDeclaration): { text: string; style: WriteStyle } | undefined {
  const { symbol, format } = declaration;
  if (format !== undefined && !format.includes('\n')) {
    try {
      const scanned = scanAmount({ file: '', line: 1, text: format }, 0, { decimalMarkFor: () => undefined, isFormat: true });
      const { decimalMark, side, spaced } = scanned.style;
      const clean = scanned.end === format.length && !/\d \d/u.test(format) && scanned.amount.commodity === symbol && scanned.hasSymbol;
      if (clean && decimalMark && scanned.amount.quantity.scale > 0) return { text: format, style: { side, spaced: spaced || needsSpace(symbol), decimalMark } };
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
    }
  }
  const precision = declaration.precision ?? 0;
  if (precision === 0) return undefined;
  const style = defaultStyle(symbol);
  return { text: formatAmount({ commodity: symbol, quantity: sampleQuantity(precision) }, new Map([[symbol, style]])), style };
}

function sampleQuantity(precision: number): Decimal {
  return Decimal.of(1000n * 10n ** BigInt(precision), precision);
}

function writeAccount(declaration: AccountDeclaration, out: string[], problems: TallystickError[]): void {
  const { account, type, note, metadata = {} } = declaration;
  if (!checkAccount(account, `account ${account}`, problems)) return;
  out.push(`account ${account}${type ? `  ; type: ${ACCOUNT_TYPE_CODES[type]}` : ''}`);
  if (note !== undefined) writeCommentLines(note, '    ', out);
  const carried = note === undefined ? {} : splitComment(note.split('\n')).metadata;
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) if (carried[key] !== value && key !== 'type') extra[key] = value;
  if (declaration.open) extra.open = declaration.open;
  if (declaration.close) extra.close = declaration.close;
  writeMetadataLines(extra, '    ', `account ${account}`, out, problems);
}

function writeTransaction(transaction: Transaction, styles: ReadonlyMap<string, WriteStyle>, out: string[], problems: TallystickError[]): void {
  const where = `transaction "${transaction.description}" on ${transaction.date}`;
  const problemCount = problems.length;
  checkHeader(transaction, where, problems);
  if (problems.length > problemCount) return;
  const { payee, description, code, status } = transaction;
  const text = payee !== undefined ? `${payee} | ${description}` : description;
  out.push(`${transaction.date}${status ? ` ${status}` : ''}${code !== undefined ? ` (${code})` : ''}${text ? ` ${text}` : ''}`.trimEnd());
  writeCommentBlock(transaction, '    ', where, out, problems);
  for (const posting of transaction.postings) writePosting(posting, styles, `${where}, posting to ${posting.account}`, out, problems);
}

function writePosting(posting: Posting, styles: ReadonlyMap<string, WriteStyle>, where: string, out: string[], problems: TallystickError[]): void {
  if (!checkAccount(posting.account, where, problems)) return;
  for (const value of [posting.amount, posting.price?.amount, posting.cost?.perUnit, posting.balanceAssertion?.amount]) {
    if (value && !checkSymbol(value.commodity, where, problems)) return;
  }
  const notes: string[] = [];
  let line = `    ${posting.status ? `${posting.status} ` : ''}${posting.account}  ${formatAmount(posting.amount, styles)}`;
  const { cost, price, balanceAssertion } = posting;
  if (cost) {
    const unit = formatAmount(cost.perUnit, styles);
    line += ` {${unit}}${cost.date ? ` [${cost.date}]` : ''} @ ${unit}`;
    if (price) notes.push(`sold at ${price.kind === 'unit' ? '@' : '@@'} ${formatAmount(price.amount, styles)}`);
    if (cost.label !== undefined) {
      if (/[\r\n]/u.test(cost.label)) problems.push(writeProblem(where, `its lot label ${JSON.stringify(cost.label)} has a line break`));
      else notes.push(`lot "${cost.label}"`);
    }
  } else if (price) {
    line += ` ${price.kind === 'unit' ? '@' : '@@'} ${formatAmount(price.amount, styles)}`;
  }
  if (balanceAssertion) {
    const operator = `=${balanceAssertion.total ? '=' : ''}${balanceAssertion.inclusive ? '*' : ''}`;
    const written = formatAmount(balanceAssertion.amount, styles);
    // ledger compares an amount without a commodity with the whole balance; hledger with the unnamed commodity only.
    const unnamed = balanceAssertion.amount.commodity === '';
    if (operator === '=' && !unnamed) line += ` = ${written}`;
    else notes.push(`balance assertion ${operator} ${written} (${unnamed ? 'ledger would compare it with every commodity' : 'ledger reads only "="'})`);
  }
  out.push(line);
  const comment = [posting.comment, ...notes].filter((text) => text !== undefined).join('\n');
  const metadata = posting.metadata ?? {};
  for (const key of ['date', 'date2']) {
    if (metadata[key] !== undefined && !isIsoDate(metadata[key])) problems.push(writeProblem(where, `its metadata ${key}: ${metadata[key]} is not a date, and hledger reads "${key}:" as the posting's date`));
  }
  writeCommentBlock({ comment: comment === '' ? undefined : comment, tags: posting.tags ?? [], links: [], metadata, tagsMayStartWithCaret: true }, '      ', where, out, problems);
}

interface Commented {
  readonly comment?: string | undefined;
  readonly tags: readonly string[];
  readonly links: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Postings have no links, so the parser keeps their "^x:" tags as tags. */
  readonly tagsMayStartWithCaret?: boolean;
}

/** The comment's lines, then a line for each tag, link and metadata entry the comment does not already carry. */
function writeCommentBlock(item: Commented, indent: string, where: string, out: string[], problems: TallystickError[]): void {
  const lines = item.comment === undefined ? [] : item.comment.split('\n');
  const carried = splitComment(lines);
  if (item.comment !== undefined) writeCommentLines(item.comment, indent, out);
  for (const tag of item.tags) {
    if (carried.tags.includes(tag) || (tag.startsWith('^') && carried.links.includes(tag.slice(1)))) continue;
    if (!checkTagName(tag, 'tag', where, problems)) continue;
    if (tag.startsWith('^') && !item.tagsMayStartWithCaret) {
      problems.push(writeProblem(where, `its tag ${JSON.stringify(tag)} starts with "^", which marks a link`));
      continue;
    }
    out.push(`${indent}; ${tag}:`);
  }
  for (const link of item.links) {
    if (!carried.links.includes(link) && checkTagName(link, 'link', where, problems)) out.push(`${indent}; ^${link}:`);
  }
  const missing: Record<string, string> = {};
  for (const [key, value] of Object.entries(item.metadata)) if (carried.metadata[key] !== value) missing[key] = value;
  writeMetadataLines(missing, indent, where, out, problems);
}

function writeCommentLines(comment: string, indent: string, out: string[]): void {
  for (const line of comment.split('\n')) out.push(`${indent}; ${line.replace(/\r/gu, '')}`.trimEnd());
}

function writeMetadataLines(metadata: Readonly<Record<string, string>>, indent: string, where: string, out: string[], problems: TallystickError[]): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (!checkTagName(key, 'metadata key', where, problems)) continue;
    if (value.trim() === '' || /[,\r\n]/u.test(value) || value !== value.trim()) {
      problems.push(writeProblem(where, `its metadata ${key}: ${JSON.stringify(value)} cannot be written as a journal tag (a value must be non-empty, without commas or line breaks, and not start or end with a space)`));
      continue;
    }
    out.push(`${indent}; ${key}: ${value}`);
  }
}

function checkHeader(transaction: Transaction, where: string, problems: TallystickError[]): void {
  const { payee, description, code, status } = transaction;
  if (/[;\r\n]/u.test(description)) problems.push(writeProblem(where, 'its description has a ";" (which starts a comment) or a line break'));
  if (payee !== undefined && /[;|\r\n]/u.test(payee)) problems.push(writeProblem(where, `its payee ${JSON.stringify(payee)} has a ";", a "|" or a line break`));
  if (code !== undefined && /[)\r\n]/u.test(code)) problems.push(writeProblem(where, `its code ${JSON.stringify(code)} has a ")" or a line break`));
  const start = (payee ?? description).charAt(0);
  if ((status === '' && (start === '*' || start === '!')) || (code === undefined && start === '(')) {
    problems.push(writeProblem(where, `its ${payee !== undefined ? 'payee' : 'description'} starts with "${start}", which would be read as a ${start === '(' ? 'code' : 'status'}`));
  }
}

function checkAccount(account: string, where: string, problems: TallystickError[]): boolean {
  const first = account.charAt(0);
  const last = account.charAt(account.length - 1);
  const looksVirtual = (first === '(' && last === ')') || (first === '[' && last === ']');
  if (looksVirtual || '*!;#'.includes(first)) {
    problems.push(writeProblem(where, `the account name ${JSON.stringify(account)} would be read as ${looksVirtual ? 'a virtual posting' : 'a status or a comment'}`));
    return false;
  }
  return true;
}

function checkSymbol(symbol: string, where: string, problems: TallystickError[]): boolean {
  if (!/["\r\n]/u.test(symbol)) return true;
  problems.push(writeProblem(where, `the commodity symbol ${JSON.stringify(symbol)} has a double quote or a line break`));
  return false;
}

function checkTagName(name: string, what: string, where: string, problems: TallystickError[]): boolean {
  if (name !== '' && !/[\s:,]/u.test(name)) return true;
  problems.push(writeProblem(where, `its ${what} ${JSON.stringify(name)} is empty or has a space, ":" or ","`));
  return false;
}

function writeProblem(where: string, problem: string): TallystickError {
  return new TallystickError('unwritable_journal', `cannot write ${where} as a journal: ${problem}`);
}

function defaultStyle(symbol: string): WriteStyle {
  // "$5.00" for one-character currency signs; "5.00 EUR" (and quoted symbols) otherwise.
  const left = symbol.length === 1 && !/[\p{L}\p{N}"]/u.test(symbol) && quoteCommodityIfNeeded(symbol) === symbol;
  return { side: left ? 'left' : 'right', spaced: !left, decimalMark: '.' };
}

function needsSpace(symbol: string): boolean {
  return quoteCommodityIfNeeded(symbol) !== symbol || /\p{L}/u.test(symbol);
}

function formatAmount(value: Amount, styles: ReadonlyMap<string, WriteStyle>): string {
  const { commodity, quantity } = value;
  const style = styles.get(commodity) ?? defaultStyle(commodity);
  let number = quantity.toString();
  if (style.decimalMark === ',') number = number.replace('.', ',');
  if (commodity === '') return number;
  const symbol = quoteCommodityIfNeeded(commodity);
  const space = style.spaced ? ' ' : '';
  return style.side === 'left' ? `${symbol}${space}${number}` : `${number}${space}${symbol}`;
}
