import { Decimal } from '../decimal.js';
import { type CoopId } from '../entry.js';
import { assert } from '../errors.js';
import { type CreditLine, type Debt } from './federation.js';

/**
 * The bilateral positions of a federation: for each pair of co-ops, one signed number (what the first
 * owes the second), the limits creditors set, and the capacity promised to payments not yet settled.
 */
export class BilateralPositions {
  /** key `a>b` with a < b: what a owes b (negative: b owes a). */
  private readonly nets = new Map<string, Decimal>();
  /** key `creditor>debtor`. */
  private readonly limits = new Map<string, CreditLine>();
  /** key `debtor>creditor`: raises accepted (promised) for payments still pending. */
  private readonly reserved = new Map<string, Decimal>();

  /** What `debtor` owes `creditor`, signed: negative when `creditor` owes `debtor`. */
  signed(debtor: CoopId, creditor: CoopId): Decimal {
    const value = this.nets.get(pairKey(debtor, creditor)) ?? Decimal.ZERO;
    return debtor < creditor ? value : value.negate();
  }

  /** What `debtor` owes `creditor`, never below zero. */
  owes(debtor: CoopId, creditor: CoopId): Decimal {
    return positive(this.signed(debtor, creditor));
  }

  /** `from` pays `to` `amount`: cancels what `to` owes `from` first, then raises what `from` owes `to`. */
  pay(from: CoopId, to: CoopId, amount: Decimal): { lowered: Decimal; raised: Decimal } {
    assert(!amount.isNegative(), 'BilateralPositions.pay: a negative amount');
    const split = this.split(from, to, amount);
    const key = pairKey(from, to);
    const current = this.nets.get(key) ?? Decimal.ZERO;
    this.nets.set(key, from < to ? current.add(amount) : current.subtract(amount));
    return split;
  }

  /** How a payment of `amount` from `from` to `to` would split now, without making it. */
  split(from: CoopId, to: CoopId, amount: Decimal): { lowered: Decimal; raised: Decimal } {
    const owedToPayer = this.owes(to, from);
    const lowered = owedToPayer.compare(amount) < 0 ? owedToPayer : amount;
    return { lowered, raised: amount.subtract(lowered) };
  }

  /** Clearing: `debtor`'s debt to `creditor` goes down by `amount`, never below zero. */
  setOff(debtor: CoopId, creditor: CoopId, amount: Decimal): void {
    assert(this.owes(debtor, creditor).compare(amount) >= 0 && amount.sign() > 0, 'BilateralPositions.setOff: a set-off above the debt');
    const key = pairKey(debtor, creditor);
    const current = this.nets.get(key)!;
    this.nets.set(key, debtor < creditor ? current.subtract(amount) : current.add(amount));
  }

  limit(creditor: CoopId, debtor: CoopId): Decimal {
    return this.limits.get(`${creditor}>${debtor}`)?.limit ?? Decimal.ZERO;
  }

  setLimit(line: CreditLine): void {
    this.limits.set(`${line.creditor}>${line.debtor}`, line);
  }

  reservedFor(debtor: CoopId, creditor: CoopId): Decimal {
    return this.reserved.get(`${debtor}>${creditor}`) ?? Decimal.ZERO;
  }

  reserve(debtor: CoopId, creditor: CoopId, amount: Decimal): void {
    const next = this.reservedFor(debtor, creditor).add(amount);
    assert(!next.isNegative(), 'BilateralPositions.reserve: released more than was reserved');
    this.reserved.set(`${debtor}>${creditor}`, next);
  }

  /** How much more `debtor` may come to owe `creditor`: the limit less the debt and what is promised. */
  room(debtor: CoopId, creditor: CoopId): Decimal {
    return positive(this.limit(creditor, debtor).subtract(this.owes(debtor, creditor)).subtract(this.reservedFor(debtor, creditor)));
  }

  lines(): CreditLine[] {
    return [...this.limits.values()].sort((a, b) => compare(a.creditor, b.creditor) || compare(a.debtor, b.debtor));
  }

  promised(): Debt[] {
    return [...this.reserved].filter(([, amount]) => amount.sign() > 0)
      .map(([key, amount]) => { const [debtor, creditor] = key.split('>') as [CoopId, CoopId]; return { debtor, creditor, amount }; })
      .sort((x, y) => compare(x.debtor, y.debtor) || compare(x.creditor, y.creditor));
  }

  debts(): Debt[] {
    const debts: Debt[] = [];
    for (const [key, net] of this.nets) {
      if (net.isZero()) continue;
      const [a, b] = key.split('>') as [CoopId, CoopId];
      debts.push(net.isNegative() ? { debtor: b, creditor: a, amount: net.negate() } : { debtor: a, creditor: b, amount: net });
    }
    return debts.sort((x, y) => compare(x.debtor, y.debtor) || compare(x.creditor, y.creditor));
  }
}

function pairKey(x: CoopId, y: CoopId): string {
  return x < y ? `${x}>${y}` : `${y}>${x}`;
}

function positive(value: Decimal): Decimal {
  return value.isNegative() ? Decimal.ZERO : value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
