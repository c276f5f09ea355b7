import { type AccountName } from '../../account.js';
import { type Amount } from '../../amount.js';
import { type IsoDate } from '../../date.js';
import { Decimal, MAX_SCALE } from '../../decimal.js';
import { type SourceLocation } from '../../errors.js';
import { type LotCost, type PostingDraft, type PostingPrice, type TransactionStatus } from '../../transaction.js';
import { AMOUNT_EXPECTED, type AmountSettings, scanAmount } from './journal-amount.js';
import { type LineContext, describeFound, failAt, fieldEnd, isBlank, parseErrorAt, scanDate, skipBlanks } from './journal-scan.js';

/** A posting line as read, before its comment lines are gathered and its transaction balanced. */
export interface ScannedPosting {
  /** The posting as written (amount absent when elided); completed in place with comment, tags and metadata. */
  readonly draft: Writable<PostingDraft>;
  /** `[Account]` postings balance among themselves; `(Account)` ones are refused. */
  readonly balancedVirtual: boolean;
  /** A balance assignment: no amount, an assertion whose amount the posting's amount must make true. */
  readonly isAssignment: boolean;
  /** Where the account starts (file and line are the transaction's line context). */
  readonly line: number;
  readonly column: number;
  readonly assertionColumn?: number;
  /** The same-line comment, then the comment lines below the posting. */
  commentLines?: string[];
}

export type Writable<T> = { -readonly [K in keyof T]: T[K] };

export type ResolveAccount = (name: string, context: LineContext, index: number) => AccountName;

/**
 * Reads one indented posting line: `[status] account  [amount] [{lot cost}] [[lot date]] [(lot note)]
 * [@ price | @@ total] [= assertion]  [; comment]`. The account ends at two spaces or a tab.
 * Builds as few objects as it can: a big journal has hundreds of thousands of postings.
 */
export function scanPosting(context: LineContext, settings: AmountSettings, resolveAccount: ResolveAccount): ScannedPosting {
  const { text } = context;
  let position = skipBlanks(text, 0);
  let status: TransactionStatus = '';
  const statusCode = text.charCodeAt(position);
  if (statusCode === 42 || statusCode === 33) {
    status = statusCode === 42 ? '*' : '!';
    position = skipBlanks(text, position + 1);
  }
  const account = scanPostingAccount(context, position, resolveAccount);
  const draft: Writable<PostingDraft> = { account: account.name };
  const rest = scanPostingRest(context, account.end, settings, draft);
  if (status !== '') draft.status = status;
  const posting: Writable<ScannedPosting> = {
    draft,
    balancedVirtual: account.balancedVirtual,
    isAssignment: draft.amount === undefined && draft.balanceAssertion !== undefined,
    line: context.line,
    column: position + 1,
  };
  if (rest.assertionColumn !== undefined) posting.assertionColumn = rest.assertionColumn;
  if (rest.comment !== undefined) posting.commentLines = [rest.comment];
  return posting;
}

/** Where a scanned posting is, for messages. */
export function postingSource(file: string, posting: ScannedPosting): SourceLocation {
  return { file, line: posting.line, column: posting.column };
}

function scanPostingAccount(context: LineContext, start: number, resolveAccount: ResolveAccount): { name: AccountName; balancedVirtual: boolean; end: number } {
  const { text } = context;
  const end = fieldEnd(text, start);
  const written = text.slice(start, end).trimEnd();
  if (written === '' || written.startsWith(';')) failAt(context, start, 'an account name');
  const first = written.charCodeAt(0);
  const last = written.charCodeAt(written.length - 1);
  if (first === 40 && last === 41) {
    throw parseErrorAt(context, start, `the unbalanced virtual posting ${written}`, 'a real posting, or a balanced virtual posting [Account] (every Tallystick transaction balances, so (Account) postings are not imported)', 'unsupported_syntax');
  }
  const balancedVirtual = first === 91 && last === 93;
  const name = balancedVirtual ? written.slice(1, -1) : written;
  return { name: resolveAccount(name, context, balancedVirtual ? start + 1 : start), balancedVirtual, end };
}

interface PostingRest {
  assertionColumn?: number;
  comment?: string;
}

function scanPostingRest(context: LineContext, start: number, settings: AmountSettings, draft: Writable<PostingDraft>): PostingRest {
  const { text } = context;
  const rest: PostingRest = {};
  let position = skipBlanks(text, start);
  const amountStart = position;
  if (position < text.length && !isCode(text, position, 59) && !isCode(text, position, 61)) {
    const scanned = scanAmount(context, position, settings);
    draft.amount = scanned.amount;
    position = scanned.end;
  }
  position = scanLotAnnotations(context, position, settings, draft, amountStart);
  position = skipBlanks(text, position);
  if (isCode(text, position, 64)) {
    if (draft.amount === undefined) failAt(context, position, 'an amount before the "@" price');
    const total = isCode(text, position + 1, 64);
    const scanned = scanAmount(context, position + (total ? 2 : 1), settings);
    draft.price = { kind: total ? 'total' : 'unit', amount: scanned.amount };
    position = skipBlanks(text, scanned.end);
  }
  if (isCode(text, position, 61)) {
    rest.assertionColumn = position + 1;
    position = scanAssertion(context, position, settings, draft);
  }
  if (isCode(text, position, 59)) {
    rest.comment = text.slice(position + 1);
  } else if (position < text.length) {
    failAt(context, position, draft.amount || draft.balanceAssertion ? 'a price "@", a balance assertion "=", a comment ";" or the end of the line' : `${AMOUNT_EXPECTED}, a comment ";" or the end of the line`);
  }
  // "{C} @ C" is how a lot bought at cost is written for hledger, which ignores "{}": the price adds nothing.
  if (draft.cost && draft.price && draft.amount && priceEqualsCost(draft.price, draft.cost, draft.amount)) delete draft.price;
  return rest;
}

/** Whether `@ unit` / `@@ total` says no more than the lot cost (the posting weighs the same either way). */
function priceEqualsCost(price: PostingPrice, cost: LotCost, amount: Amount): boolean {
  if (price.amount.commodity !== cost.perUnit.commodity) return false;
  const expected = price.kind === 'unit' ? cost.perUnit.quantity : cost.perUnit.quantity.multiply(amount.quantity.abs());
  return price.amount.quantity.equals(expected);
}

/** `{unit cost}` or `{{total cost}}` (a leading "=" for ledger's fixed price is accepted), `[lot date]`, `(lot note)`. */
function scanLotAnnotations(context: LineContext, start: number, settings: AmountSettings, draft: Writable<PostingDraft>, amountStart: number): number {
  const { text } = context;
  let position = skipBlanks(text, start);
  let perUnit: Amount | undefined;
  let date: IsoDate | undefined;
  let label: string | undefined;
  for (;;) {
    const code = text.charCodeAt(position);
    if (code === 123 && perUnit === undefined) {
      const total = isCode(text, position + 1, 123);
      let inner = skipBlanks(text, position + (total ? 2 : 1));
      if (isCode(text, inner, 61)) inner += 1;
      const scanned = scanAmount(context, inner, settings);
      const close = skipBlanks(text, scanned.end);
      if (!isCode(text, close, 125) || (total && !isCode(text, close + 1, 125))) failAt(context, close, total ? '"}}" closing the total lot cost' : '"}" closing the lot cost');
      if (draft.amount === undefined) failAt(context, amountStart, 'an amount before the lot cost');
      perUnit = total ? unitCost(context, position, scanned.amount, draft.amount) : scanned.amount;
      position = skipBlanks(text, close + (total ? 2 : 1));
    } else if (code === 91 && date === undefined && perUnit !== undefined) {
      const scanned = scanDate(context, position + 1, undefined);
      if (!isCode(text, scanned.end, 93)) failAt(context, scanned.end, '"]" closing the lot date');
      date = scanned.date;
      position = skipBlanks(text, scanned.end + 1);
    } else if (code === 40 && label === undefined && perUnit !== undefined) {
      const close = text.indexOf(')', position);
      if (close < 0) failAt(context, position, 'a lot note "(…)" with its closing parenthesis');
      label = text.slice(position + 1, close);
      position = skipBlanks(text, close + 1);
    } else {
      break;
    }
  }
  if (perUnit !== undefined) draft.cost = { perUnit, ...(date ? { date } : {}), ...(label !== undefined ? { label } : {}) };
  return position;
}

/** `{{total}}` as a per-unit cost; refused when the division is not exact (the cost would change). */
function unitCost(context: LineContext, index: number, total: Amount, quantity: Amount): Amount {
  const perUnit = divideExactly(total.quantity.abs(), quantity.quantity.abs());
  if (!perUnit) {
    throw parseErrorAt(context, index, `a total lot cost of ${describeFound(context.text, index)} for ${quantity.quantity.toString()} units`, `a total that divides exactly into a per-unit cost of at most ${MAX_SCALE} decimal places (or a per-unit cost "{…}")`);
  }
  return { commodity: total.commodity, quantity: perUnit };
}

export function divideExactly(dividend: Decimal, divisor: Decimal): Decimal | undefined {
  if (divisor.isZero()) return undefined;
  const quotient = dividend.divide(divisor, MAX_SCALE, 'down');
  // quotient × divisor = dividend, compared in integers: q·d·10^sa = a·10^(sq+sd)
  const left = quotient.units * divisor.units * 10n ** BigInt(dividend.scale);
  const right = dividend.units * 10n ** BigInt(quotient.scale + divisor.scale);
  return left === right ? quotient.normalize() : undefined;
}

/** `= amount` (own balance), `==` (and no other commodity), `=*` / `==*` (subaccounts included). */
function scanAssertion(context: LineContext, start: number, settings: AmountSettings, draft: Writable<PostingDraft>): number {
  const { text } = context;
  let position = start + 1;
  const total = isCode(text, position, 61);
  if (total) position += 1;
  const inclusive = isCode(text, position, 42);
  if (inclusive) position += 1;
  if (position < text.length && !isBlank(text.charCodeAt(position)) && !isAmountStart(text, position)) failAt(context, start, 'a balance assertion "=", "==", "=*" or "==*" followed by an amount');
  const scanned = scanAmount(context, position, settings);
  draft.balanceAssertion = { amount: scanned.amount, ...(total ? { total } : {}), ...(inclusive ? { inclusive } : {}) };
  return skipBlanks(text, scanned.end);
}

function isAmountStart(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code !== 61 && code !== 42;
}

function isCode(text: string, index: number, code: number): boolean {
  return text.charCodeAt(index) === code;
}
