import { type Amount, quoteCommodityIfNeeded } from '../amount.js';
import { type CommodityDeclaration } from '../book.js';
import { MAX_SCALE } from '../decimal.js';

/** How a commodity's amounts are written: `$1,000.00`, `1.000,00 EUR`, `12.5 hours`. */
export interface CommodityStyle {
  readonly side: 'left' | 'right';
  /** A space between symbol and number. */
  readonly spaced: boolean;
  /** Decimal places shown; longer amounts are rounded half-even (as hledger), shorter ones padded. */
  readonly precision: number;
  readonly decimalMark: '.' | ',';
  /** Separator between groups of three integer digits, if any. */
  readonly digitGroupSeparator?: string;
}

export type CommodityStyles = ReadonlyMap<string, CommodityStyle>;

export interface CommodityStyleSources {
  readonly declarations?: Iterable<CommodityDeclaration>;
  /** Amounts seen: their largest number of decimal places sets an undeclared precision. */
  readonly amounts?: Iterable<Amount>;
  /** Largest number of decimal places per commodity, as every report records from all postings it read. */
  readonly precisions?: ReadonlyMap<string, number>;
}

/**
 * Styles per commodity: a declaration's `format` (a sample like "$1,000.00") and `precision` win; otherwise
 * the largest number of decimal places seen, the symbol on the left for a one-character symbol such as
 * `$ € £ ¥` and on the right, after a space, for anything else.
 */
export function commodityStyles(sources: CommodityStyleSources): Map<string, CommodityStyle> {
  const seenScale = new Map<string, number>(sources.precisions ?? []);
  for (const value of sources.amounts ?? []) notePrecision(seenScale, value);
  const styles = new Map<string, CommodityStyle>();
  for (const [commodity, scale] of seenScale) styles.set(commodity, defaultStyle(commodity, scale));
  for (const declaration of sources.declarations ?? []) {
    const fromFormat = declaration.format === undefined ? undefined : styleFromFormat(declaration.format, declaration.symbol);
    const base = fromFormat ?? styles.get(declaration.symbol) ?? defaultStyle(declaration.symbol, 0);
    styles.set(declaration.symbol, declaration.precision === undefined ? base : { ...base, precision: declaration.precision });
  }
  return styles;
}

/** Keeps the largest number of decimal places seen per commodity (the display precision hledger infers). */
export function notePrecision(precisions: Map<string, number>, value: Amount): void {
  const scale = value.quantity.scale;
  if (scale > (precisions.get(value.commodity) ?? -1)) precisions.set(value.commodity, scale);
}

export function defaultStyle(commodity: string, precision: number): CommodityStyle {
  const left = [...commodity].length === 1 && !/[\p{L}\p{N}]/u.test(commodity);
  return { side: left ? 'left' : 'right', spaced: !left, precision: Math.min(precision, MAX_SCALE), decimalMark: '.' };
}

const FORMAT_SAMPLE = /^(?<before>.*?)(?<numberSpace>\s*)(?<number>[-+]?\d(?:[\d.,'\u00a0 ]*\d)?[.,]?)(?<afterSpace>\s*)(?<after>.*)$/u;

/**
 * Reads a sample such as "$1,000.00", "1.000,00 EUR" or "EUR 1000" (a journal `commodity` directive's
 * format). A sample without a symbol ("1,000.00") keeps the commodity's default side.
 */
export function styleFromFormat(format: string, commodity: string): CommodityStyle | undefined {
  const match = FORMAT_SAMPLE.exec(format.trim());
  if (!match?.groups) return undefined;
  const { before = '', numberSpace = '', number = '', afterSpace = '', after = '' } = match.groups;
  const symbolLeft = before.trim() !== '';
  const symbolRight = after.trim() !== '';
  if (symbolLeft && symbolRight) return undefined;
  const { decimalMark, digitGroupSeparator, precision } = numberShape(number.replace(/^[-+]/u, ''));
  const fallback = defaultStyle(commodity, 0);
  return {
    side: symbolLeft ? 'left' : symbolRight ? 'right' : fallback.side,
    spaced: symbolLeft ? numberSpace !== '' : symbolRight ? afterSpace !== '' : fallback.spaced,
    precision: Math.min(precision, MAX_SCALE),
    decimalMark,
    ...(digitGroupSeparator !== undefined ? { digitGroupSeparator } : {}),
  };
}

/**
 * Which mark is the decimal mark: with both "." and ",", the last one; with one of them used once, that
 * one (so "1,000" reads as one with three decimals, as hledger reads an ambiguous sample); used more than
 * once, a digit group separator. Spaces and apostrophes only ever group digits.
 */
function numberShape(number: string): { decimalMark: '.' | ','; digitGroupSeparator?: string; precision: number } {
  const marks = [...number].filter((character) => !/\d/u.test(character));
  const lastMark = [...marks].reverse().find((mark) => mark === '.' || mark === ',');
  const isDecimal = lastMark !== undefined && marks.filter((mark) => mark === lastMark).length === 1;
  const decimalMark: '.' | ',' = isDecimal ? (lastMark as '.' | ',') : lastMark === '.' ? ',' : '.';
  const group = marks.find((mark) => mark !== (isDecimal ? lastMark : undefined));
  const precision = isDecimal ? number.length - number.lastIndexOf(lastMark) - 1 : 0;
  return { decimalMark, precision, ...(group !== undefined ? { digitGroupSeparator: group } : {}) };
}

/** `$-1,234.50`, `12.00 EUR`, `"VANGUARD 500" 3`: the commodity's style, or the default style at the amount's own scale. */
export function formatAmount(value: Amount, styles: CommodityStyles): string {
  const style = styles.get(value.commodity) ?? defaultStyle(value.commodity, value.quantity.scale);
  const rounded = value.quantity.round(style.precision, 'half-even');
  const plain = rounded.abs().toString(style.precision);
  const [whole = '', fraction] = plain.split('.');
  const grouped = style.digitGroupSeparator === undefined ? whole : groupDigits(whole, style.digitGroupSeparator);
  const number = `${rounded.isNegative() ? '-' : ''}${grouped}${fraction === undefined ? '' : `${style.decimalMark}${fraction}`}`;
  if (value.commodity === '') return number;
  const symbol = quoteCommodityIfNeeded(value.commodity);
  const space = style.spaced ? ' ' : '';
  return style.side === 'left' ? `${symbol}${space}${number}` : `${number}${space}${symbol}`;
}

function groupDigits(whole: string, separator: string): string {
  let result = '';
  for (let index = 0; index < whole.length; index += 1) {
    if (index > 0 && (whole.length - index) % 3 === 0) result += separator;
    result += whole[index];
  }
  return result;
}

/** One line per commodity; "0" for none. */
export function formatAmountLines(amounts: readonly Amount[], styles: CommodityStyles): string[] {
  return amounts.length === 0 ? ['0'] : amounts.map((value) => formatAmount(value, styles));
}

/** On one line, as hledger's CSV output writes several commodities: "$10.00, 5 EUR"; "0" for none. */
export function formatAmountsInline(amounts: readonly Amount[], styles: CommodityStyles): string {
  return formatAmountLines(amounts, styles).join(', ');
}
