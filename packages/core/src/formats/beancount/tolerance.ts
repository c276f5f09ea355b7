import { type Amount } from '../../amount.js';
import { Decimal } from '../../decimal.js';
import { type PostingPrice } from '../../transaction.js';

/**
 * beancount's balancing tolerance (beancount.core.interpolate.infer_tolerances): a transaction whose
 * residual in a commodity is at most half the last decimal place used by its amounts in that commodity
 * still balances. Tallystick keeps every transaction exactly balanced, so the importer accepts what
 * beancount accepts and records the residual on an explicit rounding posting (see parse-beancount.ts).
 */
export interface ToleranceOptions {
  /** `inferred_tolerance_multiplier`, 0.5 by default. */
  readonly multiplier: Decimal;
  /** `inferred_tolerance_default`: per commodity, `*` for the rest. */
  readonly defaults: ReadonlyMap<string, Decimal>;
  /** `infer_tolerance_from_cost`. */
  readonly fromCost: boolean;
}

export interface TolerancePosting {
  readonly amount: Amount;
  /** The number of decimals the amount was written with (booking may have split it). */
  readonly writtenScale: number;
  readonly costPerUnit?: Amount;
  readonly price?: PostingPrice;
}

const MAXIMUM_TOLERANCE = Decimal.parse('0.5');

export class Tolerances {
  private readonly byCommodity: Map<string, Decimal>;
  private readonly fallback: Decimal;

  constructor(byCommodity: Map<string, Decimal>, fallback: Decimal) {
    this.byCommodity = byCommodity;
    this.fallback = fallback;
  }

  get(commodity: string): Decimal {
    return this.byCommodity.get(commodity) ?? this.fallback;
  }
}

export function inferTolerances(postings: readonly TolerancePosting[], options: ToleranceOptions): Tolerances {
  const tolerances = new Map<string, Decimal>();
  for (const [commodity, tolerance] of options.defaults) if (commodity !== '*') tolerances.set(commodity, tolerance);
  const costTolerances = new Map<string, Decimal>();
  for (const posting of postings) {
    if (posting.writtenScale === 0) continue;
    const tolerance = scaledTolerance(options.multiplier, posting.writtenScale);
    raise(tolerances, posting.amount.commodity, tolerance);
    if (!options.fromCost) continue;
    if (posting.costPerUnit) {
      addTo(costTolerances, posting.costPerUnit.commodity, minimum(tolerance.multiply(posting.costPerUnit.quantity), MAXIMUM_TOLERANCE));
    }
    if (posting.price) {
      const perUnit = posting.price.kind === 'unit' || posting.amount.quantity.isZero()
        ? posting.price.amount.quantity
        : posting.price.amount.quantity.divide(posting.amount.quantity.abs(), 18, 'half-even');
      addTo(costTolerances, posting.price.amount.commodity, minimum(tolerance.multiply(perUnit), MAXIMUM_TOLERANCE));
    }
  }
  for (const [commodity, tolerance] of costTolerances) raise(tolerances, commodity, tolerance);
  return new Tolerances(tolerances, options.defaults.get('*') ?? Decimal.ZERO);
}

/** multiplier × 10^-scale, cached: every posting of every transaction asks for one. */
const toleranceCache = new WeakMap<Decimal, Decimal[]>();

export function scaledTolerance(multiplier: Decimal, scale: number): Decimal {
  let byScale = toleranceCache.get(multiplier);
  if (!byScale) {
    byScale = [];
    toleranceCache.set(multiplier, byScale);
  }
  return (byScale[scale] ??= multiplier.multiply(Decimal.of(1n, scale)));
}

function raise(tolerances: Map<string, Decimal>, commodity: string, tolerance: Decimal): void {
  const current = tolerances.get(commodity);
  if (!current || tolerance.compare(current) > 0) tolerances.set(commodity, tolerance);
}

function addTo(tolerances: Map<string, Decimal>, commodity: string, tolerance: Decimal): void {
  const current = tolerances.get(commodity);
  tolerances.set(commodity, current ? current.add(tolerance) : tolerance);
}

function minimum(a: Decimal, b: Decimal): Decimal {
  return a.compare(b) <= 0 ? a : b;
}

/**
 * beancount's quantize_with_tolerance: an interpolated (elided) amount is rounded, half to even, to the
 * quantum twice the tolerance when that quantum is a "neat" number (fewer than five significant digits).
 */
export function quantizeInterpolated(number: Decimal, tolerance: Decimal): Decimal {
  if (tolerance.isZero()) return number;
  const exponent = quantumExponent(tolerance);
  if (exponent === undefined) return number;
  if (exponent <= 0) return number.scale === -exponent ? number : number.round(-exponent, 'half-even');
  const step = Decimal.of(10n ** BigInt(exponent));
  return number.divide(step, 0, 'half-even').multiply(step);
}

const quantumCache = new WeakMap<Decimal, { exponent: number | undefined }>();

/** The exponent of the normalized quantum (2 × tolerance), or undefined if it is not neat (5+ significant digits). */
function quantumExponent(tolerance: Decimal): number | undefined {
  const cached = quantumCache.get(tolerance);
  if (cached) return cached.exponent;
  let coefficient = tolerance.multiply(Decimal.of(2n)).units;
  let exponent = -tolerance.scale;
  while (coefficient !== 0n && coefficient % 10n === 0n) {
    coefficient /= 10n;
    exponent += 1;
  }
  const digits = (coefficient < 0n ? -coefficient : coefficient).toString().length;
  const result = digits >= 5 ? undefined : exponent;
  quantumCache.set(tolerance, { exponent: result });
  return result;
}
