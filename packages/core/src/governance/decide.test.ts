import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisionOf } from './decide.js';
import { type DecisionRule } from './payloads.js';

const RUNS = { seed: 20_240_603, numRuns: 200 };

const rule: fc.Arbitrary<DecisionRule> = fc.oneof(
  fc.constant({ kind: 'majority' as const }),
  fc.constant({ kind: 'unanimity' as const }),
  fc.integer({ min: 1, max: 12 }).map((yes) => ({ kind: 'quorum' as const, yes })),
);
const tally = fc.integer({ min: 0, max: 12 }).chain((electorate) => fc.integer({ min: 0, max: electorate }).chain((yes) =>
  fc.integer({ min: 0, max: electorate - yes }).map((no) => ({ electorate, yes, no }))));

describe('decisionOf', () => {
  it('decides by the rule, by example', () => {
    const majority = { kind: 'majority' } as const;
    expect(decisionOf(majority, { electorate: 3, yes: 2, no: 0 })).toBe('adopted');
    expect(decisionOf(majority, { electorate: 3, yes: 1, no: 1 })).toBeUndefined();
    expect(decisionOf(majority, { electorate: 3, yes: 1, no: 2 })).toBe('rejected');
    expect(decisionOf(majority, { electorate: 4, yes: 2, no: 0 })).toBeUndefined(); // half is not a majority
    expect(decisionOf(majority, { electorate: 4, yes: 0, no: 2 })).toBe('rejected'); // and a majority can no longer be reached
    expect(decisionOf({ kind: 'quorum', yes: 3 }, { electorate: 5, yes: 3, no: 2 })).toBe('adopted');
    expect(decisionOf({ kind: 'quorum', yes: 3 }, { electorate: 5, yes: 2, no: 2 })).toBeUndefined();
    expect(decisionOf({ kind: 'quorum', yes: 3 }, { electorate: 5, yes: 0, no: 3 })).toBe('rejected');
    expect(decisionOf({ kind: 'quorum', yes: 3 }, { electorate: 2, yes: 0, no: 0 })).toBe('rejected'); // unreachable at once
    expect(decisionOf({ kind: 'unanimity' }, { electorate: 3, yes: 2, no: 0 })).toBeUndefined();
    expect(decisionOf({ kind: 'unanimity' }, { electorate: 3, yes: 3, no: 0 })).toBe('adopted');
    expect(decisionOf({ kind: 'unanimity' }, { electorate: 3, yes: 2, no: 1 })).toBe('rejected');
    for (const empty of [majority, { kind: 'unanimity' } as const, { kind: 'quorum', yes: 1 } as const]) {
      expect(decisionOf(empty, { electorate: 0, yes: 0, no: 0 })).toBe('rejected');
    }
  });

  it('decides only what can no longer change: more yes votes never turn adopted into anything else, and the same for no', () => {
    fc.assert(fc.property(rule, tally, ({ ...decision }, { electorate, yes, no }) => {
      const outcome = decisionOf(decision, { electorate, yes, no });
      const undecided = electorate - yes - no;
      // Every way the undecided electors (and the no voters changing their minds) could still vote.
      for (let moreYes = 0; moreYes <= undecided; moreYes += 1) {
        for (let moreNo = 0; moreNo <= undecided - moreYes; moreNo += 1) {
          const later = decisionOf(decision, { electorate, yes: yes + moreYes, no: no + moreNo });
          if (outcome === 'adopted') expect(later).toBe('adopted');
        }
      }
      if (outcome === 'rejected') {
        // Even if every elector who has not voted no voted yes, it would not be adopted.
        expect(decisionOf(decision, { electorate, yes: electorate - no, no })).not.toBe('adopted');
      }
      if (outcome === undefined) {
        // Undecided means both outcomes are still reachable.
        expect(decisionOf(decision, { electorate, yes: electorate - no, no })).toBe('adopted');
        expect(decisionOf(decision, { electorate, yes, no: electorate - yes })).toBe('rejected');
      }
    }), RUNS);
  });
});
