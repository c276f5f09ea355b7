import { Decimal, MAX_SCALE } from '../decimal.js';
import { ParseError, TallystickError, ValidationErrors, assert } from '../errors.js';
import { solveMinCostFlow } from './network-simplex.js';
import type { ClearingPlan, Obligation, ObligationSetOff, PartyPosition } from './obligation.js';

/**
 * The multilateral set-off that cancels the most debt while leaving every co-op's net position
 * unchanged. With `a` each debtor→creditor total and `x` what stays owed, it solves
 *   minimise Σ x  subject to  0 ≤ x ≤ a  and, for every co-op, Σ x out − Σ x in = Σ a out − Σ a in,
 * a minimum-cost flow with unit costs (see README.md). Clearing never raises a debt (x ≤ a) and never
 * changes a net position; the cleared total is the optimum. The plan depends only on the obligations,
 * not on their order: co-ops are numbered by sorted name, parallel obligations are merged, and a
 * merged set-off is shared out smallest obligation first (ties by id), so equal inputs clear alike.
 */
export function planClearing(obligations: readonly Obligation[]): ClearingPlan {
  const { commodity, scale } = checkObligations(obligations);
  const units = minorUnits(obligations, scale);
  const parties = [...new Set(obligations.flatMap((obligation) => [obligation.debtor, obligation.creditor]))].sort(compareText);
  const partyIndex = new Map(parties.map((party, index) => [party, index]));
  const debtors = Int32Array.from(obligations, (obligation) => partyIndex.get(obligation.debtor)!);
  const creditors = Int32Array.from(obligations, (obligation) => partyIndex.get(obligation.creditor)!);
  const order = canonicalOrder(obligations, debtors, creditors, units, parties.length);
  const arcs = mergeParallel(order, debtors, creditors, units, parties.length);
  const clearedPerArc = solveSetOff(arcs, parties.length);
  const clearedUnits = shareOut(order, arcs, clearedPerArc, units);
  return assemblePlan({ obligations, commodity, scale, parties, debtors, creditors, units, clearedUnits });
}

/** Cleared ÷ owed, rounded half-even to `scale` places; 0 when nothing was owed. */
export function clearedFraction(plan: ClearingPlan, scale = 6): Decimal {
  return plan.owed.isZero() ? Decimal.ZERO.withScale(scale) : plan.cleared.divide(plan.owed, scale, 'half-even');
}

/** Every problem at once: a self-obligation, an amount not above zero, a second commodity, a blank name. */
function checkObligations(obligations: readonly Obligation[]): { commodity: string; scale: number } {
  const problems: TallystickError[] = [];
  const commodity = obligations[0]?.amount.commodity ?? '';
  let scale = 0;
  obligations.forEach((obligation, index) => {
    const problem = (code: string, column: 'debtorColumn' | 'creditorColumn' | 'amountColumn', found: string, expected: string) => {
      const source = obligation.source;
      problems.push(source
        ? new ParseError({ file: source.file, line: source.line, column: source[column] }, found, expected, code)
        : new TallystickError(code, `obligation ${index + 1} (${JSON.stringify(obligation.debtor)} owes ${JSON.stringify(obligation.creditor)}): found ${found}, expected ${expected}`));
    };
    if (obligation.debtor === '') problem('clearing_blank_party', 'debtorColumn', 'an empty debtor', 'the name or id of the co-op that owes');
    if (obligation.creditor === '') problem('clearing_blank_party', 'creditorColumn', 'an empty creditor', 'the name or id of the co-op that is owed');
    if (obligation.debtor === obligation.creditor && obligation.debtor !== '') {
      problem('clearing_self_obligation', 'creditorColumn', `${JSON.stringify(obligation.creditor)} owing itself`, 'a creditor other than the debtor');
    }
    if (obligation.amount.quantity.sign() <= 0) {
      problem('clearing_amount_not_positive', 'amountColumn', obligation.amount.quantity.toString(), 'an amount greater than zero');
    }
    if (obligation.amount.commodity !== commodity) {
      problem('clearing_mixed_commodities', 'amountColumn', `an amount in ${JSON.stringify(obligation.amount.commodity)}`,
        `${JSON.stringify(commodity)}, the commodity of the first obligation (clearing sets off debts in one commodity at a time)`);
    }
    scale = Math.max(scale, obligation.amount.quantity.scale);
  });
  if (problems.length > 0) throw new ValidationErrors(problems);
  assert(scale <= MAX_SCALE, `scale ${scale} out of range`);
  return { commodity, scale };
}

/**
 * Each amount as whole minor units in a double, exact: the solver adds them up, so the whole total
 * must stay within Number.MAX_SAFE_INTEGER; past that clearing refuses rather than round.
 */
function minorUnits(obligations: readonly Obligation[], scale: number): Float64Array {
  const units = new Float64Array(obligations.length);
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  let total = 0n;
  obligations.forEach((obligation, index) => {
    const value = obligation.amount.quantity.withScale(scale).units;
    total += value;
    units[index] = Number(value);
  });
  if (total > limit) {
    throw new TallystickError('clearing_amounts_too_large',
      `the obligations add up to ${Decimal.of(total, scale).toString()}, which at ${scale} decimal places is more than `
      + `${Number.MAX_SAFE_INTEGER} minor units, the most clearing computes exactly; clear smaller groups of obligations, or write amounts with fewer decimal places`);
  }
  return units;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Obligation indexes sorted by (debtor, creditor, amount, id): an order that does not depend on the input's. */
function canonicalOrder(obligations: readonly Obligation[], debtors: Int32Array, creditors: Int32Array, units: Float64Array, partyCount: number): Int32Array {
  const order = Int32Array.from(obligations.keys());
  const pair = (index: number) => debtors[index]! * partyCount + creditors[index]!;
  return order.sort((a, b) => pair(a) - pair(b) || units[a]! - units[b]! || compareText(obligations[a]!.id ?? '', obligations[b]!.id ?? ''));
}

/** One arc per (debtor, creditor) pair, in canonical order: where its obligations start in `order`, and their sum. */
interface MergedArcs {
  readonly count: number;
  readonly sources: Int32Array;
  readonly targets: Int32Array;
  readonly amounts: Float64Array;
  /** Arc `a`'s obligations are order[starts[a]] … order[starts[a + 1] − 1]. */
  readonly starts: Int32Array;
}

function mergeParallel(order: Int32Array, debtors: Int32Array, creditors: Int32Array, units: Float64Array, partyCount: number): MergedArcs {
  const sources = new Int32Array(order.length);
  const targets = new Int32Array(order.length);
  const amounts = new Float64Array(order.length);
  const starts = new Int32Array(order.length + 1);
  let count = 0;
  let previousPair = -1;
  order.forEach((index, position) => {
    const pair = debtors[index]! * partyCount + creditors[index]!;
    if (pair !== previousPair) {
      sources[count] = debtors[index]!;
      targets[count] = creditors[index]!;
      starts[count] = position;
      count += 1;
      previousPair = pair;
    }
    amounts[count - 1] = amounts[count - 1]! + units[index]!;
  });
  starts[count] = order.length;
  return { count, sources: sources.subarray(0, count), targets: targets.subarray(0, count), amounts: amounts.subarray(0, count), starts };
}

/**
 * The cleared amount on each merged arc. Each co-op must send (through what stays owed) what it owes
 * less what it is owed; with unit costs the cheapest such flow is the least debt that can remain.
 */
function solveSetOff(arcs: MergedArcs, partyCount: number): Float64Array {
  const supplies = new Float64Array(partyCount);
  for (let arc = 0; arc < arcs.count; arc += 1) {
    supplies[arcs.sources[arc]!] = supplies[arcs.sources[arc]!]! + arcs.amounts[arc]!;
    supplies[arcs.targets[arc]!] = supplies[arcs.targets[arc]!]! - arcs.amounts[arc]!;
  }
  const { arcFlows } = solveMinCostFlow({
    nodeCount: partyCount,
    arcSources: arcs.sources,
    arcTargets: arcs.targets,
    arcCapacities: arcs.amounts,
    arcCosts: new Int32Array(arcs.count).fill(1),
    nodeSupplies: supplies,
  });
  const cleared = new Float64Array(arcs.count);
  for (let arc = 0; arc < arcs.count; arc += 1) {
    cleared[arc] = arcs.amounts[arc]! - arcFlows[arc]!;
    assert(cleared[arc]! >= 0 && cleared[arc]! <= arcs.amounts[arc]!, `arc ${arc}: set-off ${cleared[arc]} outside 0…${arcs.amounts[arc]}`);
  }
  return cleared;
}

/** Shares each arc's set-off among its obligations in canonical order: the smallest is cleared first. */
function shareOut(order: Int32Array, arcs: MergedArcs, clearedPerArc: Float64Array, units: Float64Array): Float64Array {
  const cleared = new Float64Array(units.length);
  for (let arc = 0; arc < arcs.count; arc += 1) {
    let left = clearedPerArc[arc]!;
    for (let position = arcs.starts[arc]!; position < arcs.starts[arc + 1]! && left > 0; position += 1) {
      const index = order[position]!;
      const share = Math.min(units[index]!, left);
      cleared[index] = share;
      left -= share;
    }
    assert(left === 0, `arc ${arc}: ${left} units of its set-off were not shared out`);
  }
  return cleared;
}

interface PlanParts {
  readonly obligations: readonly Obligation[];
  readonly commodity: string;
  readonly scale: number;
  readonly parties: readonly string[];
  readonly debtors: Int32Array;
  readonly creditors: Int32Array;
  readonly units: Float64Array;
  readonly clearedUnits: Float64Array;
}

/** Back to exact decimals, checking the invariants again: each co-op clears as much as it is cleared. */
function assemblePlan(parts: PlanParts): ClearingPlan {
  const { obligations, scale, parties, debtors, creditors, units, clearedUnits } = parts;
  const decimal = (value: number) => Decimal.of(BigInt(value), scale);
  const owes = new Float64Array(parties.length);
  const isOwed = new Float64Array(parties.length);
  const clearedAsDebtor = new Float64Array(parties.length);
  const clearedAsCreditor = new Float64Array(parties.length);
  let owed = 0;
  let cleared = 0;
  const setOffs: ObligationSetOff[] = obligations.map((obligation, index) => {
    const amount = units[index]!;
    const set = clearedUnits[index]!;
    assert(set >= 0 && set <= amount, `obligation ${index + 1}: set-off ${set} outside 0…${amount}`);
    owes[debtors[index]!] = owes[debtors[index]!]! + amount;
    isOwed[creditors[index]!] = isOwed[creditors[index]!]! + amount;
    clearedAsDebtor[debtors[index]!] = clearedAsDebtor[debtors[index]!]! + set;
    clearedAsCreditor[creditors[index]!] = clearedAsCreditor[creditors[index]!]! + set;
    owed += amount;
    cleared += set;
    return { obligation, cleared: decimal(set), remaining: decimal(amount - set) };
  });
  const positions: PartyPosition[] = parties.map((party, index) => {
    const set = clearedAsDebtor[index]!;
    assert(set === clearedAsCreditor[index], `${party}: cleared ${set} of its debts but ${clearedAsCreditor[index]} of its claims; its net position would change`);
    return {
      party,
      owesBefore: decimal(owes[index]!),
      isOwedBefore: decimal(isOwed[index]!),
      cleared: decimal(set),
      owesAfter: decimal(owes[index]! - set),
      isOwedAfter: decimal(isOwed[index]! - set),
      netPosition: decimal(isOwed[index]! - owes[index]!),
    };
  });
  return { commodity: parts.commodity, scale, owed: decimal(owed), cleared: decimal(cleared), obligations: setOffs, parties: positions };
}
