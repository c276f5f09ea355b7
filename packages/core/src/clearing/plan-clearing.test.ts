import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OracleObligation, networkxClearedUnits } from '../../../../test/oracles/networkx.js';
import { Decimal } from '../decimal.js';
import { ValidationErrors } from '../errors.js';
import type { ClearingPlan, Obligation } from './obligation.js';
import { clearedFraction, planClearing } from './plan-clearing.js';

function owes(debtor: string, creditor: string, quantity: string, commodity = 'EUR'): Obligation {
  return { debtor, creditor, amount: { commodity, quantity: Decimal.parse(quantity) } };
}

/** Each obligation as "debtor→creditor amount: cleared/remaining", for readable expectations. */
function summary(plan: ClearingPlan): string[] {
  return plan.obligations.map(({ obligation, cleared, remaining }) => `${obligation.debtor}→${obligation.creditor} ${obligation.amount.quantity.toString()}: ${cleared.toString()}/${remaining.toString()}`);
}

describe('planClearing', () => {
  it('clears a ring of debts down to what its smallest link leaves', () => {
    const plan = planClearing([owes('A', 'B', '100'), owes('B', 'C', '70.50'), owes('C', 'A', '80')]);
    expect(summary(plan)).toEqual(['A→B 100: 70.50/29.50', 'B→C 70.50: 70.50/0.00', 'C→A 80: 70.50/9.50']);
    expect(plan.cleared.toString()).toBe('211.50');
    expect(plan.owed.toString()).toBe('250.50');
    expect(plan.commodity).toBe('EUR');
    expect(clearedFraction(plan).toString()).toBe('0.844311');
    expect(plan.parties.map((party) => [party.party, party.owesBefore.toString(), party.isOwedBefore.toString(), party.cleared.toString(), party.owesAfter.toString(), party.isOwedAfter.toString(), party.netPosition.toString()])).toEqual([
      ['A', '100.00', '80.00', '70.50', '29.50', '9.50', '-20.00'],
      ['B', '70.50', '100.00', '70.50', '0.00', '29.50', '29.50'],
      ['C', '80.00', '70.50', '70.50', '9.50', '0.00', '-9.50'],
    ]);
  });

  it('clears nothing along a chain, and mutual debts down to their difference', () => {
    expect(planClearing([owes('A', 'B', '10'), owes('B', 'C', '10')]).cleared.toString()).toBe('0');
    expect(summary(planClearing([owes('A', 'B', '10'), owes('B', 'A', '4')]))).toEqual(['A→B 10: 4/6', 'B→A 4: 4/0']);
  });

  it('clears rings that share links together, here every debt', () => {
    const plan = planClearing([
      owes('A', 'B', '5'), owes('B', 'C', '5'), owes('C', 'A', '10'),
      owes('B', 'D', '5'), owes('D', 'C', '5'), owes('A', 'D', '5'), owes('D', 'B', '5'),
    ]);
    expect(plan.cleared.toString()).toBe('40');
    expect(plan.parties.every((party) => party.owesAfter.isZero())).toBe(true);
  });

  it('shares a merged set-off among parallel obligations smallest first, ties by id', () => {
    const plan = planClearing([
      { ...owes('A', 'B', '10'), id: 'z' }, { ...owes('A', 'B', '3'), id: 'y' }, { ...owes('A', 'B', '10'), id: 'x' }, owes('B', 'A', '15'),
    ]);
    expect(summary(plan)).toEqual(['A→B 10: 2/8', 'A→B 3: 3/0', 'A→B 10: 10/0', 'B→A 15: 15/0']);
  });

  it('works at the largest scale used, and plans nothing for no obligations', () => {
    const plan = planClearing([owes('A', 'B', '1.5'), owes('B', 'A', '0.125')]);
    expect(plan.scale).toBe(3);
    expect(summary(plan)).toEqual(['A→B 1.5: 0.125/1.375', 'B→A 0.125: 0.125/0.000']);
    const empty = planClearing([]);
    expect([empty.cleared.toString(), empty.owed.toString(), empty.obligations.length, empty.parties.length]).toEqual(['0', '0', 0, 0]);
    expect(clearedFraction(empty).toString()).toBe('0.000000');
  });

  it('reports every bad obligation at once, with its location when it has one', () => {
    const source = { file: 'debts.csv', line: 4, debtorColumn: 1, creditorColumn: 3, amountColumn: 5 };
    let thrown: unknown;
    try {
      planClearing([
        owes('A', 'B', '10'),
        owes('A', 'A', '5'),
        owes('B', 'C', '0'),
        { ...owes('C', 'A', '-2', 'USD'), source },
        owes('', 'A', '1'),
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationErrors);
    expect((thrown as ValidationErrors).errors.map((error) => error.code)).toEqual([
      'clearing_self_obligation', 'clearing_amount_not_positive', 'clearing_amount_not_positive', 'clearing_mixed_commodities', 'clearing_blank_party',
    ]);
    expect((thrown as Error).message).toBe([
      'obligation 2 ("A" owes "A"): found "A" owing itself, expected a creditor other than the debtor',
      'obligation 3 ("B" owes "C"): found 0, expected an amount greater than zero',
      'debts.csv:4:5: found -2, expected an amount greater than zero',
      'debts.csv:4:5: found an amount in "USD", expected "EUR", the commodity of the first obligation (clearing sets off debts in one commodity at a time)',
      'obligation 5 ("" owes "A"): found an empty debtor, expected the name or id of the co-op that owes',
    ].join('\n'));
  });

  it('refuses amounts whose total it could not compute exactly', () => {
    const big = (Number.MAX_SAFE_INTEGER - 1) / 2;
    expect(() => planClearing([owes('A', 'B', `${big}.99`), owes('B', 'A', `${big}.99`)])).toThrow(expect.objectContaining({
      code: 'clearing_amounts_too_large',
      message: expect.stringContaining('the obligations add up to 9007199254740991.98, which at 2 decimal places is more than 9007199254740991 minor units'),
    }));
    expect(planClearing([owes('A', 'B', `${big}`), owes('B', 'A', `${big}`)]).cleared.toString()).toBe(String(2 * big));
  });
});

const NAMES = ['Ana', 'Bäckerei', 'bakery', 'Coop 3', 'Δ', 'ana', 'Zed', '東', 'Ørsted', 'Mill', 'Hive', 'Yard'];

/** Random obligation graphs: up to 12 co-ops, amounts at 0–3 decimal places, some parallel obligations. */
const obligationLists = fc.record({
  parties: fc.integer({ min: 2, max: NAMES.length }),
  scale: fc.integer({ min: 0, max: 3 }),
}).chain(({ parties, scale }) => fc.array(
  fc.tuple(fc.nat(parties - 1), fc.nat(parties - 2), fc.bigInt({ min: 1n, max: 10n ** 7n }), fc.nat(scale)),
  { minLength: 1, maxLength: 45 },
).map((rows) => rows.map(([debtor, offset, units, rowScale]): Obligation => ({
  debtor: NAMES[debtor]!,
  creditor: NAMES[(debtor + 1 + offset) % parties]!,
  amount: { commodity: 'EUR', quantity: Decimal.of(units, rowScale) },
}))));

function netPositions(plan: ClearingPlan, remaining: boolean): Map<string, string> {
  const net = new Map<string, Decimal>();
  for (const { obligation, remaining: left } of plan.obligations) {
    const value = remaining ? left : obligation.amount.quantity;
    net.set(obligation.creditor, (net.get(obligation.creditor) ?? Decimal.ZERO).add(value));
    net.set(obligation.debtor, (net.get(obligation.debtor) ?? Decimal.ZERO).subtract(value));
  }
  return new Map([...net].map(([party, value]) => [party, value.normalize().toString()]));
}

/** The obligations still owed after a plan, as new obligations. */
function remainder(plan: ClearingPlan): Obligation[] {
  return plan.obligations.filter(({ remaining }) => !remaining.isZero())
    .map(({ obligation, remaining }) => ({ ...obligation, amount: { ...obligation.amount, quantity: remaining } }));
}

describe('planClearing on random obligation graphs', () => {
  it('never raises a debt, never changes a net position, and sums up what it says', () => {
    fc.assert(fc.property(obligationLists, (obligations) => {
      const plan = planClearing(obligations);
      let cleared = Decimal.ZERO;
      plan.obligations.forEach(({ obligation, cleared: set, remaining }, index) => {
        expect(obligation).toBe(obligations[index]);
        expect(set.sign()).toBeGreaterThanOrEqual(0);
        expect(remaining.sign()).toBeGreaterThanOrEqual(0);
        expect(set.add(remaining).equals(obligation.amount.quantity)).toBe(true);
        cleared = cleared.add(set);
      });
      expect(cleared.equals(plan.cleared)).toBe(true);
      expect(netPositions(plan, true)).toEqual(netPositions(plan, false));
      for (const party of plan.parties) {
        expect(party.netPosition.equals(party.isOwedAfter.subtract(party.owesAfter))).toBe(true);
        expect(party.owesAfter.add(party.cleared).equals(party.owesBefore)).toBe(true);
      }
    }), { seed: 20_250_611, numRuns: 300 });
  });

  it('is idempotent: what remains clears nothing more', () => {
    fc.assert(fc.property(obligationLists, (obligations) => {
      const again = planClearing(remainder(planClearing(obligations)));
      expect(again.cleared.isZero()).toBe(true);
    }), { seed: 20_250_612, numRuns: 300 });
  });

  it('does not depend on the order of its input', () => {
    fc.assert(fc.property(obligationLists.chain((obligations) => fc.tuple(fc.constant(obligations), fc.shuffledSubarray(obligations, { minLength: obligations.length }))), ([obligations, shuffled]) => {
      const key = (plan: ClearingPlan) => plan.obligations
        .map(({ obligation, cleared }) => `${obligation.debtor}\u0000${obligation.creditor}\u0000${obligation.amount.quantity.toString(plan.scale)}\u0000${cleared.toString()}`)
        .sort();
      const first = planClearing(obligations);
      const second = planClearing(shuffled);
      expect(key(second)).toEqual(key(first));
      expect(second.parties).toEqual(first.parties);
    }), { seed: 20_250_613, numRuns: 300 });
  });

  it('clears exactly the optimum networkx finds, to the last minor unit', async () => {
    const small = fc.sample(obligationLists, { seed: 20_250_614, numRuns: 150 });
    // Larger and denser graphs too: 40 co-ops, 400 obligations.
    const large = fc.sample(fc.array(fc.tuple(fc.nat(39), fc.nat(38), fc.bigInt({ min: 1n, max: 10n ** 9n })), { minLength: 50, maxLength: 400 })
      .map((rows) => rows.map(([debtor, offset, units]) => owes(`c${debtor}`, `c${(debtor + 1 + offset) % 40}`, Decimal.of(units, 2).toString()))), { seed: 20_250_615, numRuns: 20 });
    const graphs = [...small, ...large];
    const plans = graphs.map((obligations) => planClearing(obligations));
    const expected = await networkxClearedUnits(graphs.map((obligations, index) => obligations.map((obligation): OracleObligation => [
      obligation.debtor, obligation.creditor, obligation.amount.quantity.withScale(plans[index]!.scale).units,
    ])));
    expect(plans.map((plan) => plan.cleared.units)).toEqual(expected);
    expect(expected.filter((units) => units > 0n).length).toBeGreaterThan(60);
  });
});
