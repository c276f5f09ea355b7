import { TallystickError, assert } from './errors.js';

export const MAX_SCALE = 18;

/**
 * An exact decimal number: `units × 10^-scale`, `units` a bigint. Never a binary float.
 * The scale is kept as written ("1.50" has scale 2) so that display precision can be inferred
 * from use, as hledger and ledger do. Equality and arithmetic ignore the scale.
 */
export class Decimal {
  readonly units: bigint;
  readonly scale: number;

  private constructor(units: bigint, scale: number) {
    assert(Number.isInteger(scale) && scale >= 0 && scale <= MAX_SCALE, `decimal scale ${scale} out of range`);
    this.units = units;
    this.scale = scale;
  }

  static readonly ZERO = new Decimal(0n, 0);

  static of(units: bigint, scale = 0): Decimal {
    return new Decimal(units, scale);
  }

  /** Parses a plain decimal: optional sign, digits, optional `.` and digits. No separators, no exponent. */
  static parse(text: string): Decimal {
    const match = DECIMAL_PATTERN.exec(text);
    if (!match) {
      throw new TallystickError('invalid_decimal', `"${text}" is not a decimal number (expected digits with an optional "." and sign, like -12.50)`);
    }
    const sign = match[1] === '-' ? -1n : 1n;
    const whole = match[2] ?? '';
    const fraction = match[3] ?? '';
    if (fraction.length > MAX_SCALE) {
      throw new TallystickError('invalid_decimal', `"${text}" has ${fraction.length} decimal places; at most ${MAX_SCALE} are supported`);
    }
    const digits = `${whole}${fraction}` || '0';
    return new Decimal(sign * BigInt(digits), fraction.length);
  }

  static tryParse(text: string): Decimal | undefined {
    return DECIMAL_PATTERN.test(text) ? Decimal.parse(text) : undefined;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.units === 0n ? 0 : this.units < 0n ? -1 : 1;
  }

  negate(): Decimal {
    return new Decimal(-this.units, this.scale);
  }

  abs(): Decimal {
    return this.units < 0n ? this.negate() : this;
  }

  add(other: Decimal): Decimal {
    if (this.scale === other.scale) return new Decimal(this.units + other.units, this.scale);
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.unitsAt(scale) + other.unitsAt(scale), scale);
  }

  subtract(other: Decimal): Decimal {
    return this.add(other.negate());
  }

  multiply(other: Decimal): Decimal {
    const product = new Decimal(this.units * other.units, Math.min(this.scale + other.scale, MAX_SCALE));
    // Only a product beyond MAX_SCALE needs rounding; keep it exact otherwise.
    return this.scale + other.scale > MAX_SCALE
      ? Decimal.of(this.units * other.units, this.scale + other.scale).round(MAX_SCALE, 'half-even')
      : product;
  }

  /** Division is inexact in general: the caller names the scale and the rounding mode. */
  divide(other: Decimal, scale: number, mode: RoundingMode): Decimal {
    if (other.units === 0n) throw new TallystickError('division_by_zero', 'cannot divide by zero');
    // this/other = (u1/10^s1) / (u2/10^s2); result units at `scale` = u1*10^(scale+s2-s1)/u2
    const shift = scale + other.scale - this.scale;
    let numerator = this.units;
    let denominator = other.units;
    if (shift >= 0) numerator *= 10n ** BigInt(shift);
    else denominator *= 10n ** BigInt(-shift);
    return new Decimal(divideRounded(numerator, denominator, mode), scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const scale = Math.max(this.scale, other.scale);
    const a = this.unitsAt(scale);
    const b = other.unitsAt(scale);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equals(other: Decimal): boolean {
    return this.compare(other) === 0;
  }

  /** Same value at a larger scale (exact). */
  withScale(scale: number): Decimal {
    assert(scale >= this.scale, `withScale(${scale}) would lose digits of a scale-${this.scale} value; use round()`);
    return new Decimal(this.unitsAt(scale), scale);
  }

  round(scale: number, mode: RoundingMode): Decimal {
    if (scale >= this.scale) return this.withScale(scale);
    return new Decimal(divideRounded(this.units, 10n ** BigInt(this.scale - scale), mode), scale);
  }

  /** Drops trailing zeros of the fraction: 1.500 → 1.5. */
  normalize(): Decimal {
    let units = this.units;
    let scale = this.scale;
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale -= 1;
    }
    return new Decimal(units, scale);
  }

  /** Plain decimal text at its own scale (or at least `minimumScale`): "-1234.50". */
  toString(minimumScale = 0): string {
    const scale = Math.max(this.scale, minimumScale);
    const units = this.unitsAt(scale);
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
    const whole = digits.slice(0, digits.length - scale);
    const fraction = digits.slice(digits.length - scale);
    return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
  }

  toJSON(): string {
    return this.toString();
  }

  private unitsAt(scale: number): bigint {
    return scale === this.scale ? this.units : this.units * 10n ** BigInt(scale - this.scale);
  }
}

export type RoundingMode = 'half-even' | 'half-up' | 'down' | 'up' | 'floor' | 'ceiling';


const DECIMAL_PATTERN = /^([+-])?(?=\.?\d)(\d*)(?:\.(\d*))?$/u;

/** Texts `Decimal.parse(text).toString()` gives back unchanged: no `+`, no leading zero, no `-0`, a fraction of 1 to 18 digits. */
const NORMAL_DECIMAL = /^(?:-(?!0(?:\.0+)?$))?(?:0|[1-9]\d*)(?:\.\d{1,18})?$/u;

/**
 * `Decimal.parse(text).toString()`, without building the Decimal when the text is already in that form
 * (as every amount a payload encoder wrote is): the index normalizes each of 100k imported postings.
 */
export function normalDecimalText(text: string): string {
  return NORMAL_DECIMAL.test(text) ? text : Decimal.parse(text).toString();
}

function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  const negative = numerator < 0n;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const awayFromZero = negative ? quotient - 1n : quotient + 1n;
  switch (mode) {
    case 'down':
      return quotient;
    case 'up':
      return awayFromZero;
    case 'floor':
      return negative ? quotient - 1n : quotient;
    case 'ceiling':
      return negative ? quotient : quotient + 1n;
    case 'half-up':
      return twice >= denominator ? awayFromZero : quotient;
    case 'half-even':
      if (twice > denominator) return awayFromZero;
      if (twice < denominator) return quotient;
      return quotient % 2n === 0n ? quotient : awayFromZero;
  }
}
