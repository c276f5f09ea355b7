import { Decimal, MAX_SCALE } from '../../decimal.js';

export interface CsvAmount {
  readonly quantity: Decimal;
  /** A currency symbol or code written with the number ("$", "EUR"), if any. */
  readonly symbol: string;
}

export type CsvAmountReading = { readonly ok: true; readonly amount: CsvAmount } | { readonly ok: false };

const SYMBOL = /^[^\d\s.,'+\-()]+/u;
const SYMBOL_AT_END = /[^\d\s.,'+\-()]+$/u;

/**
 * Reads a bank statement's amount exactly: `-1,234.50`, `$1,234.50`, `(12.00)` and `12.00-` (negative),
 * `- $ 5`, `$-5`, `1.234,50 EUR` with decimal mark ",". Digit group separators (`,` or `.`, whichever is
 * not the decimal mark, a space, an apostrophe) must separate groups of three digits.
 */
export function readCsvAmount(text: string, decimalMark: '.' | ','): CsvAmountReading {
  let rest = text.trim().replace(/\u2212/gu, '-');
  let negative = false;
  if (rest.startsWith('(') && rest.endsWith(')')) {
    negative = true;
    rest = rest.slice(1, -1).trim();
  }
  let symbol = '';
  // A sign and a symbol may come in either order before the number: -$5, $-5, - $ 5.
  for (let step = 0; step < 2; step += 1) {
    const sign = /^([+-])\s*/u.exec(rest);
    if (sign) {
      if (sign[1] === '-') negative = !negative;
      rest = rest.slice(sign[0].length);
    }
    const leading = symbol === '' ? SYMBOL.exec(rest) : null;
    if (leading) {
      symbol = leading[0];
      rest = rest.slice(symbol.length).trimStart();
    }
  }
  const trailingMinus = /\s*-$/u.exec(rest);
  if (trailingMinus) {
    negative = !negative;
    rest = rest.slice(0, -trailingMinus[0].length);
  }
  const trailing = SYMBOL_AT_END.exec(rest);
  if (trailing) {
    if (symbol !== '') return { ok: false };
    symbol = trailing[0];
    rest = rest.slice(0, -symbol.length).trimEnd();
  }
  const quantity = readNumber(rest, decimalMark);
  if (!quantity) return { ok: false };
  return { ok: true, amount: { quantity: negative ? quantity.negate() : quantity, symbol } };
}

function readNumber(text: string, decimalMark: '.' | ','): Decimal | undefined {
  const group = decimalMark === '.' ? ',' : '.';
  const pattern = new RegExp(`^(\\d+|\\d{1,3}(?:([${group} '\\u00a0])\\d{3})(?:\\2\\d{3})*)?(?:${decimalMark === '.' ? '\\.' : ','}(\\d*))?$`, 'u');
  const match = pattern.exec(text);
  if (!match || (match[1] === undefined && !match[3])) return undefined;
  const whole = (match[1] ?? '0').replace(/\D/gu, '');
  const fraction = match[3] ?? '';
  if (fraction.length > MAX_SCALE) return undefined;
  return Decimal.parse(fraction === '' ? whole : `${whole}.${fraction}`);
}
