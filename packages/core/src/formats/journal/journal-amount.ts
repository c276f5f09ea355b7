import { type Amount } from '../../amount.js';
import { Decimal, MAX_SCALE } from '../../decimal.js';
import { type LineContext, SPACE, failAt, isDigit, parseErrorAt, scanQuoted, skipBlanks } from './journal-scan.js';

export type DecimalMark = '.' | ',';

/** How an amount was written: enough to write amounts of the same commodity the same way. */
export interface AmountStyle {
  /** Where the commodity symbol stands; 'right' also when there is none. */
  readonly side: 'left' | 'right';
  /** Whether a space separates the symbol from the number. */
  readonly spaced: boolean;
  /** The decimal mark the number used, if it had one. */
  readonly decimalMark?: DecimalMark;
}

export interface AmountSettings {
  /** The decimal mark declared for a commodity (`commodity` directive) or for the file (`decimal-mark`). */
  decimalMarkFor(commodity: string): DecimalMark | undefined;
  /** The `D` directive's commodity, for amounts written without one. */
  readonly defaultCommodity?: string;
  /**
   * In a `commodity` directive's format a lone `.` or `,` is the decimal mark, as hledger requires
   * (`commodity 1.000,00 EUR`, `commodity $1000.`), so no number there is ambiguous.
   */
  readonly isFormat?: boolean;
}

export interface ScannedAmount {
  readonly amount: Amount;
  readonly style: AmountStyle;
  /** Whether the amount named its commodity (rather than getting none or the `D` default). */
  readonly hasSymbol: boolean;
  readonly end: number;
}

export const AMOUNT_EXPECTED = 'an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"';

/**
 * Reads an amount at `index`: an optional sign, a commodity symbol before or after the number (with
 * or without a space; `"quoted"` when it has spaces or digits), and a number with `.` or `,` as the
 * decimal mark and the other (or a space) grouping digits. Throws ParseError at the offending column.
 */
export function scanAmount(context: LineContext, index: number, settings: AmountSettings): ScannedAmount {
  const { text } = context;
  const start = skipBlanks(text, index);
  let position = start;
  let negative = false;
  let signSeen = false;
  const takeSign = () => {
    const code = text.charCodeAt(position);
    if (code !== 45 && code !== 43) return;
    if (signSeen) failAt(context, position, 'a single sign');
    negative = code === 45;
    signSeen = true;
    position = skipBlanks(text, position + 1);
  };
  takeSign();
  let symbol: string | undefined;
  let side: 'left' | 'right' = 'right';
  let spaced = false;
  const left = scanSymbol(context, position);
  if (left) {
    symbol = left.value;
    side = 'left';
    position = skipBlanks(text, left.end);
    spaced = position > left.end;
    takeSign();
  }
  const numberStart = position;
  position = scanNumberText(text, position);
  if (position === numberStart) failAt(context, left ? start : numberStart, AMOUNT_EXPECTED);
  const numberText = text.slice(numberStart, position);
  if (!left) {
    const afterNumber = skipBlanks(text, position);
    const right = scanSymbol(context, afterNumber);
    if (right) {
      symbol = right.value;
      spaced = afterNumber > position;
      position = right.end;
    }
  }
  const commodity = symbol ?? settings.defaultCommodity ?? '';
  const reading = interpretNumber(numberText, settings.decimalMarkFor(commodity), settings.isFormat === true);
  if (typeof reading === 'string') throw parseErrorAt(context, numberStart, JSON.stringify(numberText), reading, 'invalid_number');
  const quantity = Decimal.of(negative ? -reading.units : reading.units, reading.scale);
  const style: AmountStyle = reading.decimalMark ? { side, spaced, decimalMark: reading.decimalMark } : { side, spaced };
  return { amount: { commodity, quantity }, style, hasSymbol: symbol !== undefined, end: position };
}

/** Reads a commodity symbol (quoted, or a run of symbol characters) at `index`, if there is one. */
export function scanSymbol(context: LineContext, index: number): { value: string; end: number } | undefined {
  const { text } = context;
  if (text.charCodeAt(index) === 34) {
    const quoted = scanQuoted(context, index, 'a commodity symbol');
    if (quoted.value === '') failAt(context, index, 'a commodity symbol between the double quotes');
    return quoted;
  }
  let end = index;
  while (end < text.length && isSymbolCode(text.charCodeAt(end))) end += 1;
  return end > index ? { value: text.slice(index, end), end } : undefined;
}

// ASCII characters that cannot appear in an unquoted symbol: hledger's set (-+.@*;"{}=), plus the
// comma and brackets, which start digit groups, lot dates and lot notes.
const NOT_IN_SYMBOL = new Set('-+.,@*;"{}=()[]'.split('').map((character) => character.charCodeAt(0)));

function isSymbolCode(code: number): boolean {
  if (code > 127) return code !== 0xa0;
  return code > 32 && code !== 127 && !isDigit(code) && !NOT_IN_SYMBOL.has(code);
}

/** Digits, `.`, `,`, and single spaces between digits (hledger's space digit groups). */
function scanNumberText(text: string, index: number): number {
  let position = index;
  let sawDigit = false;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (isDigit(code)) {
      sawDigit = true;
    } else if (code === 46 || code === 44) {
      if (!sawDigit && !isDigit(text.charCodeAt(position + 1))) break;
    } else if (!(code === SPACE && sawDigit && isDigit(text.charCodeAt(position - 1)) && isDigit(text.charCodeAt(position + 1)))) {
      break;
    }
    position += 1;
  }
  return sawDigit ? position : index;
}

interface NumberReading {
  readonly units: bigint;
  readonly scale: number;
  readonly decimalMark?: DecimalMark;
}

/**
 * Decides which separator is the decimal mark, as hledger does: the declared one if any; else the
 * last separator if it occurs once; a separator occurring several times groups digits. A lone comma
 * followed by exactly three digits is refused: hledger reads "1,000" as 1 and ledger as 1000.
 * Returns the reading, or what was expected instead.
 */
export function interpretNumber(raw: string, declared: DecimalMark | undefined, isFormat: boolean): NumberReading | string {
  const separators: number[] = [];
  for (let index = 0; index < raw.length; index += 1) {
    const code = raw.charCodeAt(index);
    if (code === 46 || code === 44 || code === SPACE) separators.push(index);
  }
  const decimalIndex = findDecimalMark(raw, separators, declared, isFormat);
  if (typeof decimalIndex === 'string') return decimalIndex;
  const problem = separatorProblem(raw, separators, decimalIndex);
  if (problem) return problem;
  let digits = raw;
  if (separators.length > 0) {
    digits = '';
    let from = 0;
    for (const index of separators) {
      digits += raw.slice(from, index);
      from = index + 1;
    }
    digits += raw.slice(from);
  }
  const scale = decimalIndex >= 0 ? raw.length - decimalIndex - 1 : 0;
  if (scale > MAX_SCALE) return `a number with at most ${MAX_SCALE} decimal places`;
  const decimalMark = decimalIndex >= 0 ? (raw[decimalIndex] as DecimalMark) : undefined;
  return decimalMark ? { units: BigInt(digits), scale, decimalMark } : { units: BigInt(digits), scale };
}

function findDecimalMark(raw: string, separators: readonly number[], declared: DecimalMark | undefined, isFormat: boolean): number | string {
  if (separators.length === 0) return -1;
  if (declared !== undefined) {
    const marks = separators.filter((index) => raw[index] === declared);
    if (marks.length > 1) return `a number with one decimal mark "${declared}" (declared for this commodity)`;
    if (marks.length === 1 && marks[0] !== separators.at(-1)) return `a number whose decimal mark "${declared}" (declared for this commodity) comes after its digit group marks`;
    return marks[0] ?? -1;
  }
  const last = separators.at(-1)!;
  const lastMark = raw[last]!;
  if (lastMark === ' ' || separators.some((index) => index !== last && raw[index] === lastMark)) return -1;
  if (!isFormat && lastMark === ',' && separators.length === 1 && raw.length - last - 1 === 3) {
    return `a number whose decimal mark is clear: hledger reads ${raw} as ${raw.replace(',', '.')} and ledger as ${raw.replace(',', '')}; declare the mark first (a "decimal-mark ." directive or a commodity directive like "commodity $1,000.00")`;
  }
  return last;
}

function separatorProblem(raw: string, separators: readonly number[], decimalIndex: number): string | undefined {
  let groupMark: string | undefined;
  for (let position = 0; position < separators.length; position += 1) {
    const index = separators[position]!;
    const isDecimal = index === decimalIndex;
    if (position > 0 && separators[position - 1] === index - 1) return 'a number without two separators in a row';
    if (isDecimal) continue;
    if (index === 0 || index === raw.length - 1) return 'a number whose digit group marks stand between digits';
    if (groupMark !== undefined && raw[index] !== groupMark) return 'a number with one kind of digit group mark';
    groupMark = raw[index];
    if (decimalIndex >= 0 && raw[decimalIndex] === groupMark) return 'a number whose digit group mark differs from its decimal mark';
  }
  return undefined;
}
