import { type ClearingPlan, type Obligation } from '../clearing/obligation.js';
import { planClearing } from '../clearing/plan-clearing.js';
import { Decimal } from '../decimal.js';
import { type CoopId } from '../entry.js';
import { assert } from '../errors.js';
import { instantKey } from '../governance/payloads.js';
import { type Federation, type PaymentRecord, type SetOff } from './federation.js';

/*
 * What a member computes from a federation before writing: the obligations to clear and the plan,
 * a path for a payment, and which pending payments its policy lets its always-on peer accept.
 */

/**
 * The co-ops a new plan leaves out: those that declined the latest clearing proposal that was
 * concluded, if it was declined (a plan is then recomputed without them). Once a later clearing is
 * applied, fails or expires, everyone is in again.
 */
export function excludedFromClearing(federation: Federation): CoopId[] {
  const concluded = federation.clearings.filter((clearing) => clearing.status !== 'pending');
  const latest = concluded.at(-1);
  return latest?.status === 'declined' ? [...latest.declined] : [];
}

/** The federation's current debts as clearing's obligations, co-ops named by their federation name. */
export function federationObligations(federation: Federation, exclude: readonly CoopId[] = []): Obligation[] {
  const names = new Map(federation.coops.map((coop) => [coop.id, coop.name]));
  const left = new Set(exclude);
  return federation.debts
    .filter((debt) => !left.has(debt.debtor) && !left.has(debt.creditor))
    .map((debt) => ({
      debtor: names.get(debt.debtor)!, creditor: names.get(debt.creditor)!,
      amount: { commodity: federation.unit.commodity, quantity: debt.amount }, id: `${debt.debtor}>${debt.creditor}`,
    }));
}

/** The plan over the federation's obligations (without the excluded co-ops), or undefined when nothing is owed. */
export function planFederationClearing(federation: Federation, exclude: readonly CoopId[] = excludedFromClearing(federation)): ClearingPlan | undefined {
  const obligations = federationObligations(federation, exclude);
  return obligations.length === 0 ? undefined : planClearing(obligations);
}

/** A plan's set-offs as a clearing proposal carries them (by co-op id), the pairs that clear nothing left out. */
export function setOffsOf(federation: Federation, plan: ClearingPlan): SetOff[] {
  const ids = new Map(federation.coops.map((coop) => [coop.name, coop.id]));
  const setOffs = plan.obligations
    .filter((item) => item.cleared.sign() > 0)
    .map((item) => ({ debtor: ids.get(item.obligation.debtor)!, creditor: ids.get(item.obligation.creditor)!, amount: item.cleared.withScale(Math.max(item.cleared.scale, federation.unit.scale)) }));
  assert(setOffs.every((item) => item.debtor !== undefined && item.creditor !== undefined), 'setOffsOf: a plan names a co-op the federation does not have');
  return setOffs;
}

/**
 * How much `from` can pay `to` directly now: what `to` owes it, plus the room on the line `to`
 * extended to `from` (its limit less what `from` owes and has been promised).
 */
export function hopCapacity(federation: Federation, from: CoopId, to: CoopId): Decimal {
  const owedBy = (debtor: CoopId, creditor: CoopId) => federation.debts.find((debt) => debt.debtor === debtor && debt.creditor === creditor)?.amount ?? Decimal.ZERO;
  const limit = federation.lines.find((line) => line.creditor === to && line.debtor === from)?.limit ?? Decimal.ZERO;
  const promised = federation.promised.find((item) => item.debtor === from && item.creditor === to)?.amount ?? Decimal.ZERO;
  const room = limit.subtract(owedBy(from, to)).subtract(promised);
  return owedBy(to, from).add(room.isNegative() ? Decimal.ZERO : room);
}

/**
 * The shortest path of hops with room for `amount` from `payer` to `payee` (breadth first over member
 * co-ops sorted by id, so every peer finds the same one), or undefined when there is none.
 */
export function findPaymentPath(federation: Federation, payer: CoopId, payee: CoopId, amount: Decimal, maxHops = 16): CoopId[] | undefined {
  const members = federation.coops.filter((coop) => coop.status === 'member').map((coop) => coop.id).sort();
  const previous = new Map<CoopId, CoopId | undefined>([[payer, undefined]]);
  let frontier: CoopId[] = [payer];
  for (let depth = 0; depth < maxHops && frontier.length > 0; depth += 1) {
    const next: CoopId[] = [];
    for (const from of frontier) {
      for (const to of members) {
        if (previous.has(to) || hopCapacity(federation, from, to).compare(amount) < 0) continue;
        previous.set(to, from);
        if (to === payee) return pathTo(previous, payee);
        next.push(to);
      }
    }
    frontier = next;
  }
  return undefined;
}

function pathTo(previous: ReadonlyMap<CoopId, CoopId | undefined>, last: CoopId): CoopId[] {
  const path: CoopId[] = [];
  for (let at: CoopId | undefined = last; at !== undefined; at = previous.get(at)) path.unshift(at);
  return path;
}

/** Hops of pending payments that `creditor` must accept, with whether its policy covers them. */
export function awaitingAcceptance(federation: Federation, creditor: CoopId, now?: Date): { payment: PaymentRecord; hop: number; withinPolicy: boolean }[] {
  const result: { payment: PaymentRecord; hop: number; withinPolicy: boolean }[] = [];
  for (const payment of federation.payments) {
    if (payment.status !== 'pending') continue;
    if (now && instantKey(now.toISOString()) > instantKey(payment.deadline)) continue;
    payment.hops.forEach((hop, index) => {
      if (hop.to !== creditor || !hop.needsAcceptance || hop.acceptedBy) return;
      const policy = federation.policies.find((candidate) => candidate.creditor === creditor && candidate.debtor === hop.from)
        ?? federation.policies.find((candidate) => candidate.creditor === creditor && candidate.debtor === '*');
      result.push({ payment, hop: index, withinPolicy: policy !== undefined && payment.amount.compare(policy.upTo) <= 0 });
    });
  }
  return result;
}

