import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OracleFlowProblem, networkxMinCosts } from '../../../../test/oracles/networkx.js';
import { TallystickError } from '../errors.js';
import { type MinCostFlowNetwork, solveMinCostFlow } from './network-simplex.js';

/** A network from plain lists: arcs [source, target, capacity, cost], supplies per node. */
function network(nodeCount: number, arcs: readonly (readonly [number, number, number, number])[], supplies: readonly number[]): MinCostFlowNetwork {
  return {
    nodeCount,
    arcSources: Int32Array.from(arcs, (arc) => arc[0]),
    arcTargets: Int32Array.from(arcs, (arc) => arc[1]),
    arcCapacities: Float64Array.from(arcs, (arc) => arc[2]),
    arcCosts: Int32Array.from(arcs, (arc) => arc[3]),
    nodeSupplies: Float64Array.from(supplies),
  };
}

/** Feasibility checked from scratch: bounds, and every node sends exactly its supply. */
function checkFeasible(problem: MinCostFlowNetwork, flows: Float64Array): void {
  const sent = new Float64Array(problem.nodeCount);
  flows.forEach((flow, arc) => {
    expect(Number.isInteger(flow)).toBe(true);
    expect(flow).toBeGreaterThanOrEqual(0);
    expect(flow).toBeLessThanOrEqual(problem.arcCapacities[arc]!);
    sent[problem.arcSources[arc]!]! += flow;
    sent[problem.arcTargets[arc]!]! -= flow;
  });
  expect([...sent]).toEqual([...problem.nodeSupplies]);
}

/**
 * The auditor: a flow is optimal exactly when its residual graph has no cycle of negative cost.
 * Bellman–Ford from a virtual source finds one if there is any (it relaxes after n rounds).
 */
function hasNegativeResidualCycle(problem: MinCostFlowNetwork, flows: Float64Array): boolean {
  const distance = new Array<number>(problem.nodeCount).fill(0);
  const residual: [number, number, number][] = [];
  flows.forEach((flow, arc) => {
    const [source, target, cost] = [problem.arcSources[arc]!, problem.arcTargets[arc]!, problem.arcCosts[arc]!];
    if (flow < problem.arcCapacities[arc]!) residual.push([source, target, cost]);
    if (flow > 0) residual.push([target, source, -cost]);
  });
  for (let round = 0; round <= problem.nodeCount; round += 1) {
    let changed = false;
    for (const [from, to, cost] of residual) {
      if (distance[from]! + cost < distance[to]!) {
        distance[to] = distance[from]! + cost;
        changed = true;
      }
    }
    if (!changed) return false;
  }
  return true;
}

describe('solveMinCostFlow', () => {
  it('sends supplies along the cheapest path and fills it before using a dearer one', () => {
    // 0 → 1 directly costs 5; 0 → 2 → 1 costs 2 but carries at most 3.
    const problem = network(3, [[0, 1, 10, 5], [0, 2, 3, 1], [2, 1, 10, 1]], [7, -7, 0]);
    const result = solveMinCostFlow(problem);
    expect([...result.arcFlows]).toEqual([4, 3, 3]);
    expect(result.cost).toBe(4 * 5 + 3 + 3);
  });

  it('saturates a negative cycle when nothing needs to be sent', () => {
    const problem = network(3, [[0, 1, 5, -2], [1, 2, 4, -1], [2, 0, 9, 1]], [0, 0, 0]);
    const result = solveMinCostFlow(problem);
    expect([...result.arcFlows]).toEqual([4, 4, 4]);
    expect(result.cost).toBe(-8);
  });

  it('solves an empty network and a network without arcs', () => {
    expect(solveMinCostFlow(network(0, [], [])).cost).toBe(0);
    expect(solveMinCostFlow(network(2, [], [0, 0])).arcFlows).toHaveLength(0);
  });

  it('refuses supplies that cannot reach their destination, and supplies that do not add up to zero', () => {
    const stuck = () => solveMinCostFlow(network(3, [[0, 1, 5, 1], [2, 1, 5, 1]], [3, 0, -3]));
    expect(stuck).toThrow(TallystickError);
    expect(stuck).toThrow('no flow meets the supplies: 3 units cannot reach where they are needed');
    expect(() => solveMinCostFlow(network(2, [[0, 1, 5, 1]], [3, -2]))).toThrow('the supplies add up to 1, not 0');
    expect(() => solveMinCostFlow(network(2, [[0, 1, 2, 1]], [3, -3]))).toThrow(expect.objectContaining({ code: 'min_cost_flow_infeasible' }));
  });

  it('refuses, as a bug, amounts it could not add up exactly', () => {
    const huge = Number.MAX_SAFE_INTEGER;
    expect(() => solveMinCostFlow(network(2, [[0, 1, huge, 1], [1, 0, huge, 1]], [0, 0]))).toThrow(/past 2\^53/u);
    expect(() => solveMinCostFlow(network(2, [[0, 1, 1.5, 1]], [0, 0]))).toThrow(/not a whole number/u);
  });

  it('gives the same flows for the same arrays', () => {
    const problem = network(4, [[0, 1, 5, 1], [0, 2, 5, 1], [1, 3, 5, 1], [2, 3, 5, 1]], [5, 0, 0, -5]);
    expect([...solveMinCostFlow(problem).arcFlows]).toEqual([...solveMinCostFlow(problem).arcFlows]);
  });
});

/** Random problems that are feasible by construction (supplies of a random flow), some with extra demand. */
const problems = fc.integer({ min: 1, max: 12 }).chain((nodeCount) => fc.record({
  nodeCount: fc.constant(nodeCount),
  arcs: fc.array(fc.tuple(fc.nat(nodeCount - 1), fc.nat(nodeCount - 1), fc.nat(20), fc.integer({ min: -6, max: 9 }), fc.nat(20)), { maxLength: 40 }),
  infeasibleDemand: fc.option(fc.tuple(fc.nat(nodeCount - 1), fc.nat(nodeCount - 1), fc.integer({ min: 1, max: 30 }))),
})).map(({ nodeCount, arcs, infeasibleDemand }) => {
  const supplies = new Array<number>(nodeCount).fill(0);
  const kept = arcs.filter(([source, target]) => source !== target).map(([source, target, capacity, cost, share]) => {
    const flow = Math.min(capacity, share);
    supplies[source]! += flow;
    supplies[target]! -= flow;
    return [source, target, capacity, cost] as const;
  });
  if (infeasibleDemand && infeasibleDemand[0] !== infeasibleDemand[1]) {
    supplies[infeasibleDemand[0]]! += infeasibleDemand[2];
    supplies[infeasibleDemand[1]]! -= infeasibleDemand[2];
  }
  return { nodes: nodeCount, arcs: kept, supplies } satisfies OracleFlowProblem;
});

describe('solveMinCostFlow on random networks', () => {
  it('finds a feasible flow with no negative residual cycle (the auditor), whenever one exists', () => {
    fc.assert(fc.property(problems, (problem) => {
      const built = network(problem.nodes, problem.arcs, problem.supplies);
      let result;
      try {
        result = solveMinCostFlow(built);
      } catch (error) {
        expect((error as TallystickError).code).toBe('min_cost_flow_infeasible');
        return;
      }
      checkFeasible(built, result.arcFlows);
      expect(hasNegativeResidualCycle(built, result.arcFlows)).toBe(false);
    }), { seed: 20_250_601, numRuns: 400 });
  });

  it('has the least cost networkx finds, and is infeasible exactly when networkx says so', async () => {
    const sample = fc.sample(problems, { seed: 20_250_602, numRuns: 200 });
    const expected = await networkxMinCosts(sample);
    const actual = sample.map((problem) => {
      try {
        return BigInt(solveMinCostFlow(network(problem.nodes, problem.arcs, problem.supplies)).cost);
      } catch (error) {
        if ((error as TallystickError).code === 'min_cost_flow_infeasible') return 'infeasible';
        throw error;
      }
    });
    expect(actual).toEqual(expected);
    expect(expected.filter((cost) => cost === 'infeasible').length).toBeGreaterThan(10);
    expect(expected.filter((cost) => cost !== 'infeasible' && cost < 0n).length).toBeGreaterThan(10);
  });
});
