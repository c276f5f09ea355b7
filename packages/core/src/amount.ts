import { Decimal } from './decimal.js';
import { TallystickError, assert } from './errors.js';

/**
 * A quantity of one commodity. Commodity symbols are free text ("USD", "$", "€", "VANGUARD 500", "hours").
 * The empty string is the unnamed commodity that plain-text journals allow.
 */
export interface Amount {
  readonly commodity: string;
  readonly quantity: Decimal;
}

export function amount(commodity: string, quantity: Decimal | string): Amount {
  return { commodity, quantity: typeof quantity === 'string' ? Decimal.parse(quantity) : quantity };
}

export function negateAmount(value: Amount): Amount {
  return { commodity: value.commodity, quantity: value.quantity.negate() };
}

export function addAmounts(a: Amount, b: Amount): Amount {
  assert(a.commodity === b.commodity, `cannot add ${a.commodity} to ${b.commodity}`);
  return { commodity: a.commodity, quantity: a.quantity.add(b.quantity) };
}

/** Plain text for messages and canonical encodings: "12.50 USD", or "12.50" for the unnamed commodity. */
export function formatAmountPlain(value: Amount): string {
  if (value.commodity === '') return value.quantity.toString();
  return `${value.quantity.toString()} ${quoteCommodityIfNeeded(value.commodity)}`;
}

export function quoteCommodityIfNeeded(commodity: string): string {
  return /^[\p{L}$€£¥₹¢₽₩₿_]+$/u.test(commodity) ? commodity : `"${commodity}"`;
}

/**
 * Sums of amounts, one running total per commodity, as used by balances and balancing.
 * Commodities are kept in first-seen order; `entries()` sorts them for deterministic output.
 */
export class MixedAmount {
  private readonly totals = new Map<string, Decimal>();

  static of(amounts: Iterable<Amount>): MixedAmount {
    const result = new MixedAmount();
    for (const value of amounts) result.add(value);
    return result;
  }

  add(value: Amount): this {
    const current = this.totals.get(value.commodity);
    this.totals.set(value.commodity, current ? current.add(value.quantity) : value.quantity);
    return this;
  }

  addAll(other: MixedAmount): this {
    for (const [commodity, quantity] of other.totals) this.add({ commodity, quantity });
    return this;
  }

  get(commodity: string): Decimal {
    return this.totals.get(commodity) ?? Decimal.ZERO;
  }

  /** Non-zero totals, sorted by commodity. */
  amounts(): Amount[] {
    return [...this.totals]
      .filter(([, quantity]) => !quantity.isZero())
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([commodity, quantity]) => ({ commodity, quantity }));
  }

  isZero(): boolean {
    for (const quantity of this.totals.values()) if (!quantity.isZero()) return false;
    return true;
  }

  clone(): MixedAmount {
    const copy = new MixedAmount();
    copy.addAll(this);
    return copy;
  }

  negate(): MixedAmount {
    const result = new MixedAmount();
    for (const [commodity, quantity] of this.totals) result.add({ commodity, quantity: quantity.negate() });
    return result;
  }
}

/** Reads "12.50 USD", "USD 12.50", "-3 hours" or "7" (unnamed commodity) as used on the command line. */
export function parseAmountPlain(text: string): Amount {
  const trimmed = text.trim();
  const numberFirst = /^([+-]?\d[\d.]*|[+-]?\.\d+)\s*(?:"([^"]+)"|(\S.*))?$/u.exec(trimmed);
  if (numberFirst) {
    return amount((numberFirst[2] ?? numberFirst[3] ?? '').trim(), Decimal.parse(numberFirst[1]!));
  }
  const symbolFirst = /^(?:"([^"]+)"|([^\d\s+.-][^\d\s+-]*?))\s*([+-]?\d[\d.]*)$/u.exec(trimmed);
  if (symbolFirst) {
    return amount(symbolFirst[1] ?? symbolFirst[2] ?? '', Decimal.parse(symbolFirst[3]!));
  }
  throw new TallystickError('invalid_amount', `"${text}" is not an amount (expected a number and a commodity, like "12.50 USD" or "USD 12.50")`);
}
