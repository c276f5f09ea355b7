import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EntryId } from '../entry.js';
import { CausalPasts } from './causal-past.js';

describe('CausalPasts', () => {
  it('the past of any basis is exactly the set of entries reachable from it (a prefix plus extras)', () => {
    // Entry i may name any earlier entries (entries are added in a topological order, as the co-op order is).
    const dag = fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 40 }).map((picks) =>
      picks.map((names, index) => (index === 0 ? [] : [...new Set(names.map((pick) => (index - 1 - (pick % Math.min(index, 6)))))])));
    fc.assert(fc.property(dag, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (parents, basisPicks) => {
      const pasts = new CausalPasts();
      const id = (index: number) => `e${index}` as EntryId;
      parents.forEach((named, index) => pasts.add(id(index), named.map(id)));
      const reachable = (from: number[]) => {
        const seen = new Set<number>();
        const stack = [...from];
        for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
          if (seen.has(next)) continue;
          seen.add(next);
          stack.push(...parents[next]!);
        }
        return seen;
      };
      const basis = [...new Set(basisPicks.map((pick) => pick % parents.length))];
      const past = pasts.pastOf(basis.map(id))!;
      const positions = new Set([...Array.from({ length: past.prefix }, (_, index) => index), ...past.extra]);
      expect(positions).toEqual(reachable(basis));
      expect(past.extra.every((position) => position > past.prefix)).toBe(true);
      expect(pasts.pastOf([id(parents.length)])).toBeUndefined();
    }), { seed: 20_240_605, numRuns: 300 });
  });
});
