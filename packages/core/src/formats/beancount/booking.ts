import { type Amount, formatAmountPlain } from '../../amount.js';
import { type IsoDate } from '../../date.js';
import { Decimal, MAX_SCALE } from '../../decimal.js';
import { type LotCost } from '../../transaction.js';
import { type BookingMethod } from './directives.js';

/**
 * Lot booking as beancount 2 does it (beancount.parser.booking_full and booking_method): a posting with
 * a cost that reduces an account's holding is matched against the lots held; the booking method
 * settles ambiguity (STRICT: one lot, or all matching lots exactly; FIFO/LIFO: oldest/newest first;
 * NONE: no matching). Used by the parser, and by the writer to check its output books the same way.
 */
export interface LotSpec {
  readonly perUnit?: Decimal;
  readonly total?: Decimal;
  readonly currency?: string;
  readonly date?: IsoDate;
  readonly label?: string;
}

/** A lot held: units of a commodity at a cost whose date is always known (the lot's acquisition date). */
interface Position {
  units: Decimal;
  readonly cost: HeldCost;
}

interface HeldCost {
  readonly perUnit: Amount;
  readonly date: IsoDate;
  readonly label?: string;
}

export interface BookedLot {
  readonly quantity: Decimal;
  readonly cost: LotCost;
}

export type BookingOutcome =
  | { readonly kind: 'reduction'; readonly lots: readonly BookedLot[] }
  | { readonly kind: 'augmentation'; readonly cost: LotCost }
  | { readonly kind: 'error'; readonly found: string; readonly expected: string };

export class LotInventory {
  private readonly accounts = new Map<string, Map<string, Holding>>();

  /** Books a posting of `units` with cost spec `spec` in `account`; reductions are applied at once. */
  book(account: string, method: BookingMethod, units: Amount, spec: LotSpec): BookingOutcome {
    const holding = this.holding(account, units.commodity);
    if (method !== 'NONE' && isReducedBy(holding, units.quantity)) return this.reduce(account, method, units, spec, holding);
    return augmentation(units, spec);
  }

  /** Adds a posting's units (an augmentation, or a posting without cost) once its transaction is complete. */
  add(account: string, units: Amount, cost: LotCost | undefined, date: IsoDate): void {
    if (units.quantity.isZero()) return;
    const holding = this.holding(account, units.commodity);
    if (!cost) {
      holding.plain = holding.plain.add(units.quantity);
      return;
    }
    const held: HeldCost = { perUnit: cost.perUnit, date: cost.date ?? date, ...(cost.label !== undefined ? { label: cost.label } : {}) };
    const key = lotKey(held);
    const position = holding.lots.get(key);
    if (!position) {
      holding.lots.set(key, { units: units.quantity, cost: held });
      countSign(holding, units.quantity, 1);
      return;
    }
    countSign(holding, position.units, -1);
    position.units = position.units.add(units.quantity);
    if (position.units.isZero()) holding.lots.delete(key);
    else countSign(holding, position.units, 1);
  }

  private holding(account: string, commodity: string): Holding {
    let byCommodity = this.accounts.get(account);
    if (!byCommodity) {
      byCommodity = new Map();
      this.accounts.set(account, byCommodity);
    }
    let holding = byCommodity.get(commodity);
    if (!holding) {
      holding = { plain: Decimal.ZERO, lots: new Map(), positiveLots: 0, negativeLots: 0 };
      byCommodity.set(commodity, holding);
    }
    return holding;
  }

  private reduce(account: string, method: BookingMethod, units: Amount, spec: LotSpec, holding: Holding): BookingOutcome {
    const costNumber = reductionCostNumber(spec, units.quantity);
    const matches = [...holding.lots.values()].filter((position) => matchesSpec(position.cost, spec, costNumber));
    const posting = `${formatAmountPlain(units)} ${describeSpec(spec)}`;
    if (matches.length === 0) {
      return { kind: 'error', found: `a reduction ${posting} in ${account}`, expected: `a lot it matches; ${account} holds ${describeHolding(holding, units.commodity)}` };
    }
    const chosen = chooseLots(method, units.quantity, matches);
    if (chosen.kind === 'error') {
      const reason = chosen.reason === 'ambiguous'
        ? `one matching lot; ${describePositions(matches, units.commodity)} all match (give the lot's cost, date or label, or open the account with "FIFO")`
        : `lots enough to reduce it; only ${describePositions(matches, units.commodity)} match`;
      return { kind: 'error', found: `a reduction ${posting} in ${account}`, expected: method === 'AVERAGE' ? 'a booking method other than AVERAGE, which beancount 2 does not support' : reason };
    }
    for (const lot of chosen.lots) this.add(account, { commodity: units.commodity, quantity: lot.quantity }, lot.cost, lot.cost.date!);
    return { kind: 'reduction', lots: chosen.lots };
  }
}

/**
 * What an account holds of one commodity: units without cost, and lots keyed by cost (in the order they
 * were first held, as beancount's inventory keeps them), with counts of long and short lots so that
 * "does this posting reduce the holding?" is answered without a scan.
 */
interface Holding {
  plain: Decimal;
  readonly lots: Map<string, Position>;
  positiveLots: number;
  negativeLots: number;
}

function lotKey(cost: HeldCost): string {
  return `${cost.perUnit.commodity} ${cost.perUnit.quantity.normalize().toString()} ${cost.date} ${cost.label === undefined ? '-' : JSON.stringify(cost.label)}`;
}

function countSign(holding: Holding, units: Decimal, change: 1 | -1): void {
  if (units.sign() > 0) holding.positiveLots += change;
  else if (units.sign() < 0) holding.negativeLots += change;
}

function isReducedBy(holding: Holding, quantity: Decimal): boolean {
  const sign = quantity.sign();
  if (sign === 0) return false;
  if (holding.plain.sign() === -sign) return true;
  return sign > 0 ? holding.negativeLots > 0 : holding.positiveLots > 0;
}

function augmentation(units: Amount, spec: LotSpec): BookingOutcome {
  const found = `${formatAmountPlain(units)} ${describeSpec(spec)}`;
  if (spec.currency === undefined || (spec.perUnit === undefined && spec.total === undefined)) {
    return { kind: 'error', found, expected: 'the cost of a new lot, like {10.00 USD} ({} and partial costs are only for reducing a lot held)' };
  }
  if (units.quantity.isZero()) return { kind: 'error', found, expected: 'a non-zero number of units for a lot at cost' };
  let perUnit = spec.perUnit ?? Decimal.ZERO;
  if (spec.total !== undefined) {
    const quotient = pythonQuotient(spec.total.add(perUnit.multiply(units.quantity.abs())), units.quantity.abs());
    if (!quotient) return { kind: 'error', found, expected: `a total cost that divides into an exact per-unit cost of at most ${MAX_SCALE} decimals (write the per-unit cost instead)` };
    perUnit = quotient;
  }
  if (perUnit.isNegative()) return { kind: 'error', found, expected: 'a cost that is not negative' };
  const cost: LotCost = {
    perUnit: { commodity: spec.currency, quantity: perUnit },
    ...(spec.date !== undefined ? { date: spec.date } : {}),
    ...(spec.label !== undefined ? { label: spec.label } : {}),
  };
  return { kind: 'augmentation', cost };
}

/** beancount's compute_cost_number for matching: the per-unit cost the spec implies, if it gives one. */
function reductionCostNumber(spec: LotSpec, quantity: Decimal): Decimal | undefined {
  if (spec.total !== undefined) {
    const total = spec.total.add((spec.perUnit ?? Decimal.ZERO).multiply(quantity.abs()));
    return exactQuotient(total, quantity.abs()) ?? spec.total.divide(quantity.abs(), MAX_SCALE, 'half-even');
  }
  return spec.perUnit;
}

function matchesSpec(cost: HeldCost, spec: LotSpec, costNumber: Decimal | undefined): boolean {
  if (costNumber !== undefined && !cost.perUnit.quantity.equals(costNumber)) return false;
  if (spec.currency !== undefined && cost.perUnit.commodity !== spec.currency) return false;
  if (spec.date !== undefined && cost.date !== spec.date) return false;
  if (spec.label !== undefined && cost.label !== spec.label) return false;
  return true;
}

type Choice = { kind: 'lots'; lots: BookedLot[] } | { kind: 'error'; reason: 'ambiguous' | 'insufficient' };

function chooseLots(method: BookingMethod, quantity: Decimal, matches: readonly Position[]): Choice {
  const sign = quantity.sign();
  switch (method) {
    case 'STRICT': {
      if (matches.length > 1) {
        const sum = matches.reduce((total, position) => total.add(position.units), Decimal.ZERO);
        if (!sum.equals(quantity.negate())) return { kind: 'error', reason: 'ambiguous' };
        return { kind: 'lots', lots: matches.map((position) => ({ quantity: position.units.negate(), cost: lotCost(position.cost) })) };
      }
      const match = matches[0]!;
      const size = minimumAbs(match.units, quantity);
      if (!size.equals(quantity.abs())) return { kind: 'error', reason: 'insufficient' };
      return { kind: 'lots', lots: [{ quantity: sign < 0 ? size.negate() : size, cost: lotCost(match.cost) }] };
    }
    case 'FIFO':
    case 'LIFO': {
      const ordered = [...matches].sort((a, b) => compareText(a.cost.date, b.cost.date) * (method === 'LIFO' ? -1 : 1));
      const lots: BookedLot[] = [];
      let remaining = quantity.abs();
      for (const match of ordered) {
        if (remaining.sign() <= 0) break;
        if (match.units.sign() === sign) continue;
        const size = minimumAbs(match.units, remaining);
        lots.push({ quantity: sign < 0 ? size.negate() : size, cost: lotCost(match.cost) });
        remaining = remaining.subtract(size);
      }
      return remaining.sign() > 0 ? { kind: 'error', reason: 'insufficient' } : { kind: 'lots', lots };
    }
    default:
      return { kind: 'error', reason: 'ambiguous' };
  }
}

function lotCost(cost: HeldCost): LotCost {
  return { perUnit: cost.perUnit, date: cost.date, ...(cost.label !== undefined ? { label: cost.label } : {}) };
}

function minimumAbs(a: Decimal, b: Decimal): Decimal {
  return a.abs().compare(b.abs()) <= 0 ? a.abs() : b.abs();
}


/**
 * a / b as Python's Decimal gives it when exact: at least the scale scale(a) - scale(b) (550.00 / 5 is
 * 110.00, as beancount computes a per-unit cost), else the fewest decimals. Undefined if not exact.
 */
export function pythonQuotient(a: Decimal, b: Decimal): Decimal | undefined {
  const quotient = exactQuotient(a, b);
  if (!quotient) return undefined;
  const ideal = a.scale - b.scale;
  return quotient.scale < ideal && ideal <= MAX_SCALE ? quotient.withScale(ideal) : quotient;
}

/** a / b if it is a decimal of at most MAX_SCALE places (with the fewest decimals), else undefined. */
export function exactQuotient(a: Decimal, b: Decimal): Decimal | undefined {
  if (b.isZero()) return undefined;
  const denominator = b.units * 10n ** BigInt(a.scale);
  for (let scale = 0; scale <= MAX_SCALE; scale += 1) {
    const numerator = a.units * 10n ** BigInt(b.scale + scale);
    if (numerator % denominator === 0n) return Decimal.of(numerator / denominator, scale);
  }
  return undefined;
}

function describeSpec(spec: LotSpec): string {
  if (spec.total !== undefined && spec.perUnit === undefined && spec.date === undefined && spec.label === undefined) return `{{${spec.total.toString()} ${spec.currency ?? ''}}}`.replace(' }}', '}}');
  const parts: string[] = [];
  if (spec.perUnit !== undefined || spec.total !== undefined || spec.currency !== undefined) {
    const numbers = [spec.perUnit?.toString(), spec.total !== undefined ? `# ${spec.total.toString()}` : undefined].filter((part) => part !== undefined);
    parts.push([...numbers, spec.currency].filter((part) => part !== undefined).join(' '));
  }
  if (spec.date !== undefined) parts.push(spec.date);
  if (spec.label !== undefined) parts.push(JSON.stringify(spec.label));
  return `{${parts.join(', ')}}`;
}

function describeHolding(holding: Holding, commodity: string): string {
  const lots = [...holding.lots.values()];
  const plain = holding.plain.isZero() ? [] : [`${holding.plain.toString()} ${commodity} without cost`];
  return lots.length + plain.length === 0 ? `no ${commodity}` : [...plain, describePositions(lots, commodity)].filter((part) => part !== '').join(', ');
}

function describePositions(positions: readonly Position[], commodity: string): string {
  return positions
    .map((position) => {
      const units = `${position.units.toString()} ${commodity}`;
      const label = position.cost.label !== undefined ? `, ${JSON.stringify(position.cost.label)}` : '';
      return `${units} {${formatAmountPlain(position.cost.perUnit)}, ${position.cost.date}${label}}`;
    })
    .join(', ');
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
