import { TallystickError, assert } from '../errors.js';

/**
 * A minimum-cost flow problem on typed arrays. Node `v` must send `nodeSupplies[v]` more than it
 * receives (negative: receive), every arc carries between 0 and its capacity, and the total of
 * cost × flow is to be as small as possible. Capacities and supplies are whole numbers (minor units of
 * money, say) held exactly in doubles: the solver checks that nothing it adds up can pass 2^53.
 */
export interface MinCostFlowNetwork {
  readonly nodeCount: number;
  readonly arcSources: Int32Array;
  readonly arcTargets: Int32Array;
  readonly arcCapacities: Float64Array;
  readonly arcCosts: Int32Array;
  readonly nodeSupplies: Float64Array;
}

export interface MinCostFlow {
  readonly arcFlows: Float64Array;
  /** Σ cost × flow; exact (checked to stay within Number.MAX_SAFE_INTEGER). */
  readonly cost: number;
  readonly pivots: number;
}

// Arc states, as LEMON names them: a non-tree arc rests at its lower or upper bound; the sign is the
// direction in which changing its flow is allowed, so `state × reduced cost < 0` means "may enter".
const STATE_UPPER = -1;
const STATE_TREE = 0;
const STATE_LOWER = 1;
// Direction of a node's arc to its parent: UP when the arc points from the node to the parent.
const DIRECTION_UP = 1;
const DIRECTION_DOWN = -1;
const NO_NODE = -1;
// Potentials are whole numbers in a Float64Array: their differences stay below the artificial cost plus
// a path's cost, but shifting the larger side of a pivot moves them all, so they may drift; far below 2^53.
const POTENTIAL_LIMIT = 2 ** 50;
const COST_LIMIT = 2 ** 30;

/**
 * Primal network simplex with a strongly feasible spanning tree (so degenerate pivots cannot cycle)
 * and block search pivoting (Dantzig's rule within blocks of √m arcs, blocks taken in turn), the
 * method of LEMON's NetworkSimplex and networkx's network_simplex. The tree is kept as parent
 * pointers, a depth-first thread (next/previous/last descendant) and subtree sizes, as in Ahuja,
 * Magnanti & Orlin, "Network Flows", chapter 11. Deterministic: the same arrays give the same flows.
 * Throws `TallystickError('min_cost_flow_infeasible')` when the supplies cannot be met.
 */
export function solveMinCostFlow(network: MinCostFlowNetwork): MinCostFlow {
  checkNetwork(network);
  const tree = new SpanningTree(network);
  const pivotLimit = 50 * (network.arcSources.length + network.nodeCount + 1) ** 2 + 1000;
  let pivots = 0;
  for (let entering = tree.findEnteringArc(); entering !== NO_NODE; entering = tree.findEnteringArc()) {
    tree.pivot(entering);
    pivots += 1;
    assert(pivots < pivotLimit, `network simplex made ${pivots} pivots without finishing: it is cycling`);
  }
  tree.checkArtificialFlowsZero();
  const arcFlows = tree.flow.slice(0, network.arcSources.length);
  let cost = 0;
  for (let arc = 0; arc < arcFlows.length; arc += 1) cost += network.arcCosts[arc]! * arcFlows[arc]!;
  assert(Number.isSafeInteger(cost), `min-cost flow cost ${cost} is not an exact integer`);
  return { arcFlows, cost, pivots };
}

/** Bounds that keep every sum in the solver exact and every array index valid. */
function checkNetwork(network: MinCostFlowNetwork): void {
  const { nodeCount, arcSources, arcTargets, arcCapacities, arcCosts, nodeSupplies } = network;
  const arcCount = arcSources.length;
  assert(Number.isInteger(nodeCount) && nodeCount >= 0 && nodeCount < 2 ** 30, `node count ${nodeCount} out of range`);
  assert(arcTargets.length === arcCount && arcCapacities.length === arcCount && arcCosts.length === arcCount, 'arc arrays differ in length');
  assert(nodeSupplies.length === nodeCount, 'supplies and node count differ');
  let capacityTotal = 0;
  let costMaximum = 0;
  let costTimesCapacity = 0;
  for (let arc = 0; arc < arcCount; arc += 1) {
    const source = arcSources[arc]!;
    const target = arcTargets[arc]!;
    const capacity = arcCapacities[arc]!;
    const cost = Math.abs(arcCosts[arc]!);
    assert(source >= 0 && source < nodeCount && target >= 0 && target < nodeCount, `arc ${arc} names a node out of range`);
    assert(Number.isSafeInteger(capacity) && capacity >= 0, `arc ${arc} capacity ${capacity} is not a whole number ≥ 0`);
    capacityTotal += capacity;
    costTimesCapacity += cost * capacity;
    costMaximum = Math.max(costMaximum, cost);
  }
  let supplyTotal = 0;
  let supplyPositive = 0;
  for (let node = 0; node < nodeCount; node += 1) {
    const supply = nodeSupplies[node]!;
    assert(Number.isSafeInteger(supply), `node ${node} supply ${supply} is not a whole number`);
    supplyTotal += supply;
    if (supply > 0) supplyPositive += supply;
  }
  // No flow ever exceeds its arc's capacity, nor an artificial arc's the positive supplies' sum.
  assert(Number.isSafeInteger(capacityTotal) && Number.isSafeInteger(supplyPositive), 'capacities or supplies add up past 2^53: the flow would not be exact');
  assert(Number.isSafeInteger(costTimesCapacity), 'cost × capacity adds up past 2^53: the cost would not be exact');
  assert((costMaximum + 1) * (nodeCount + 1) * 3 < COST_LIMIT, 'costs too large: the artificial cost would not fit in 32 bits');
  if (supplyTotal !== 0) {
    throw new TallystickError('min_cost_flow_infeasible', `the supplies add up to ${supplyTotal}, not 0: no flow can meet them`);
  }
}

/**
 * The basis: a spanning tree over the nodes and an extra root. Arcs `arcCount + v` are artificial,
 * joining node v to the root; they start carrying each node's supply (cost 0 upward, a large cost
 * downward, so any flow through the root costs more than any path of real arcs) and are never chosen
 * to enter again once they leave, as in LEMON for supplies that sum to zero.
 */
class SpanningTree {
  readonly flow: Float64Array;
  private readonly arcCount: number;
  private readonly root: number;
  private readonly source: Int32Array;
  private readonly target: Int32Array;
  private readonly capacity: Float64Array;
  private readonly cost: Int32Array;
  private readonly state: Int8Array;
  private readonly potential: Float64Array;
  private readonly parent: Int32Array;
  private readonly parentArc: Int32Array;
  private readonly parentDirection: Int8Array;
  private readonly subtreeSize: Int32Array;
  private readonly threadNext: Int32Array;
  private readonly threadPrevious: Int32Array;
  private readonly lastDescendant: Int32Array;
  private readonly stem: Int32Array;
  private readonly blockSize: number;
  private nextSearchArc = 0;

  constructor(network: MinCostFlowNetwork) {
    const nodeCount = network.nodeCount;
    const arcCount = network.arcSources.length;
    const allArcs = arcCount + nodeCount;
    const allNodes = nodeCount + 1;
    this.arcCount = arcCount;
    this.root = nodeCount;
    this.source = new Int32Array(allArcs);
    this.target = new Int32Array(allArcs);
    this.capacity = new Float64Array(allArcs);
    this.cost = new Int32Array(allArcs);
    this.flow = new Float64Array(allArcs);
    this.state = new Int8Array(allArcs);
    this.source.set(network.arcSources);
    this.target.set(network.arcTargets);
    this.capacity.set(network.arcCapacities);
    this.cost.set(network.arcCosts);
    this.state.fill(STATE_LOWER, 0, arcCount);
    this.potential = new Float64Array(allNodes);
    this.parent = new Int32Array(allNodes);
    this.parentArc = new Int32Array(allNodes);
    this.parentDirection = new Int8Array(allNodes);
    this.subtreeSize = new Int32Array(allNodes);
    this.threadNext = new Int32Array(allNodes);
    this.threadPrevious = new Int32Array(allNodes);
    this.lastDescendant = new Int32Array(allNodes);
    this.stem = new Int32Array(allNodes);
    this.blockSize = Math.max(10, Math.ceil(Math.sqrt(arcCount)));
    this.buildStartingTree(network);
  }

  /** Every node a child of the root by its artificial arc; the thread runs root, 0, 1, …, n-1. */
  private buildStartingTree(network: MinCostFlowNetwork): void {
    const nodeCount = network.nodeCount;
    let costMaximum = 0;
    for (const cost of network.arcCosts) costMaximum = Math.max(costMaximum, Math.abs(cost));
    // Any path of real arcs costs at most (n − 1) × max |cost|; routing through the root costs more.
    const artificialCost = (costMaximum + 1) * (nodeCount + 1);
    for (let node = 0; node < nodeCount; node += 1) {
      const arc = this.arcCount + node;
      const supply = network.nodeSupplies[node]!;
      this.capacity[arc] = Infinity;
      this.state[arc] = STATE_TREE;
      this.parent[node] = this.root;
      this.parentArc[node] = arc;
      this.subtreeSize[node] = 1;
      this.lastDescendant[node] = node;
      this.threadNext[node] = node + 1 === nodeCount ? this.root : node + 1;
      this.threadPrevious[node] = node === 0 ? this.root : node - 1;
      // A node with nothing to send still points up: a strongly feasible tree's zero-flow arcs point to the root.
      if (supply >= 0) {
        this.source[arc] = node;
        this.target[arc] = this.root;
        this.flow[arc] = supply;
        this.parentDirection[node] = DIRECTION_UP;
        this.potential[node] = 0;
      } else {
        this.source[arc] = this.root;
        this.target[arc] = node;
        this.flow[arc] = -supply;
        this.cost[arc] = artificialCost;
        this.parentDirection[node] = DIRECTION_DOWN;
        this.potential[node] = artificialCost;
      }
    }
    this.parent[this.root] = NO_NODE;
    this.parentArc[this.root] = NO_NODE;
    this.subtreeSize[this.root] = nodeCount + 1;
    this.threadNext[this.root] = nodeCount === 0 ? this.root : 0;
    this.threadPrevious[this.root] = nodeCount === 0 ? this.root : nodeCount - 1;
    this.lastDescendant[this.root] = nodeCount === 0 ? this.root : nodeCount - 1;
  }

  /**
   * Block search: scan real arcs in turn from where the last search stopped; at the end of each block
   * of √m arcs, take the most violating arc seen so far if there is one. NO_NODE when none violates:
   * the flow is optimal.
   */
  findEnteringArc(): number {
    const { source, target, cost, state, potential, arcCount, blockSize } = this;
    let best = 0;
    let entering = NO_NODE;
    let remainingInBlock = blockSize;
    for (let scanned = 0, arc = this.nextSearchArc; scanned < arcCount; scanned += 1) {
      const violation = state[arc]! * (cost[arc]! + potential[source[arc]!]! - potential[target[arc]!]!);
      if (violation < best) {
        best = violation;
        entering = arc;
      }
      arc = arc + 1 === arcCount ? 0 : arc + 1;
      remainingInBlock -= 1;
      if (remainingInBlock === 0) {
        if (entering !== NO_NODE) {
          this.nextSearchArc = arc;
          return entering;
        }
        remainingInBlock = blockSize;
      }
    }
    return entering;
  }

  /** One pivot: push flow round the cycle the entering arc closes, swap it for the leaving arc. */
  pivot(entering: number): void {
    const forward = this.state[entering] === STATE_LOWER;
    const first = forward ? this.source[entering]! : this.target[entering]!;
    const second = forward ? this.target[entering]! : this.source[entering]!;
    const apex = this.findApex(first, second);
    const leaving = this.findLeaving(entering, first, second, apex);
    if (leaving.delta > 0) this.augment(entering, first, second, apex, leaving.delta);
    if (leaving.side === 0) {
      this.state[entering] = -this.state[entering]!;
      return;
    }
    const leavingArc = this.parentArc[leaving.child]!;
    this.state[leavingArc] = this.flow[leavingArc] === 0 ? STATE_LOWER : STATE_UPPER;
    this.state[entering] = STATE_TREE;
    // The subtree cut off by the leaving arc holds `moved`, which hangs from `attach` by the entering arc.
    const [attach, moved] = leaving.side === 1 ? [second, first] : [first, second];
    this.removeSubtree(leaving.child, apex);
    this.reroot(moved);
    this.attachSubtree(entering, attach, moved, apex);
    this.shiftPotentials(entering, attach, moved);
  }

  /** The lowest common ancestor, climbing from whichever side has the smaller subtree. */
  private findApex(first: number, second: number): number {
    const { parent, subtreeSize } = this;
    let one = first;
    let other = second;
    while (one !== other) {
      if (subtreeSize[one]! < subtreeSize[other]!) one = parent[one]!;
      else if (subtreeSize[one]! > subtreeSize[other]!) other = parent[other]!;
      else {
        one = parent[one]!;
        other = parent[other]!;
      }
    }
    return one;
  }

  /**
   * The blocking arc of least residual capacity along the cycle (apex → first → second → apex), the
   * last such in that order when several tie: the rule that keeps the tree strongly feasible.
   * side 0: the entering arc itself blocks; 1: an arc on the first path; 2: on the second.
   */
  private findLeaving(entering: number, first: number, second: number, apex: number): { delta: number; side: 0 | 1 | 2; child: number } {
    const { parent, parentArc, parentDirection, flow, capacity } = this;
    let delta = capacity[entering]!;
    let side: 0 | 1 | 2 = 0;
    let child = NO_NODE;
    for (let node = first; node !== apex; node = parent[node]!) {
      const arc = parentArc[node]!;
      // On the first path flow runs down the tree, from parent to node.
      const residual = parentDirection[node] === DIRECTION_DOWN ? capacity[arc]! - flow[arc]! : flow[arc]!;
      if (residual < delta) {
        delta = residual;
        side = 1;
        child = node;
      }
    }
    for (let node = second; node !== apex; node = parent[node]!) {
      const arc = parentArc[node]!;
      // On the second path flow runs up the tree, from node to parent.
      const residual = parentDirection[node] === DIRECTION_UP ? capacity[arc]! - flow[arc]! : flow[arc]!;
      if (residual <= delta) {
        delta = residual;
        side = 2;
        child = node;
      }
    }
    assert(delta >= 0 && delta < Infinity, `pivot found residual capacity ${delta}`);
    return { delta, side, child };
  }

  private augment(entering: number, first: number, second: number, apex: number, delta: number): void {
    const { parent, parentArc, parentDirection, flow } = this;
    flow[entering] = flow[entering]! + this.state[entering]! * delta;
    for (let node = first; node !== apex; node = parent[node]!) {
      const arc = parentArc[node]!;
      flow[arc] = flow[arc]! - parentDirection[node]! * delta;
    }
    for (let node = second; node !== apex; node = parent[node]!) {
      const arc = parentArc[node]!;
      flow[arc] = flow[arc]! + parentDirection[node]! * delta;
    }
  }

  /**
   * Cuts `child` and its subtree from its parent: the subtree's thread becomes a closed loop of its
   * own. Sizes change only below the apex (above it the subtree comes straight back); last descendants
   * change up the tree for as long as the subtree was what ended theirs.
   */
  private removeSubtree(child: number, apex: number): void {
    const { parent, subtreeSize, threadNext, threadPrevious, lastDescendant } = this;
    const size = subtreeSize[child]!;
    const before = threadPrevious[child]!;
    const last = lastDescendant[child]!;
    const after = threadNext[last]!;
    let ancestor = parent[child]!;
    parent[child] = NO_NODE;
    this.parentArc[child] = NO_NODE;
    threadNext[before] = after;
    threadPrevious[after] = before;
    threadNext[last] = child;
    threadPrevious[child] = last;
    let resizing = true;
    while (ancestor !== NO_NODE) {
      if (ancestor === apex) resizing = false;
      const endsWithSubtree = lastDescendant[ancestor] === last;
      if (!resizing && !endsWithSubtree) break;
      if (resizing) subtreeSize[ancestor] = subtreeSize[ancestor]! - size;
      if (endsWithSubtree) lastDescendant[ancestor] = before;
      ancestor = parent[ancestor]!;
    }
  }

  /** Makes `node` the root of the detached subtree it is in, reversing the parent links on its stem. */
  private reroot(node: number): void {
    const { parent, parentArc, parentDirection, subtreeSize, threadNext, threadPrevious, lastDescendant, stem } = this;
    let length = 0;
    for (let current = node; current !== NO_NODE; current = parent[current]!) {
      stem[length] = current;
      length += 1;
    }
    // From the old root down: each stem node becomes the child of the next one.
    for (let index = length - 1; index > 0; index -= 1) {
      const upper = stem[index]!;
      const lower = stem[index - 1]!;
      const upperSize = subtreeSize[upper]!;
      let upperLast = lastDescendant[upper]!;
      const lowerBefore = threadPrevious[lower]!;
      const lowerLast = lastDescendant[lower]!;
      const lowerAfter = threadNext[lowerLast]!;
      parent[upper] = lower;
      parent[lower] = NO_NODE;
      parentArc[upper] = parentArc[lower]!;
      parentArc[lower] = NO_NODE;
      parentDirection[upper] = -parentDirection[lower]!;
      subtreeSize[upper] = upperSize - subtreeSize[lower]!;
      subtreeSize[lower] = upperSize;
      threadNext[lowerBefore] = lowerAfter;
      threadPrevious[lowerAfter] = lowerBefore;
      threadNext[lowerLast] = lower;
      threadPrevious[lower] = lowerLast;
      if (upperLast === lowerLast) {
        lastDescendant[upper] = lowerBefore;
        upperLast = lowerBefore;
      }
      threadPrevious[upper] = lowerLast;
      threadNext[lowerLast] = upper;
      threadNext[upperLast] = lower;
      threadPrevious[lower] = upperLast;
      lastDescendant[lower] = upperLast;
    }
  }

  /** Hangs the subtree rooted at `moved` from `attach` by `arc`, its thread right after attach's descendants. */
  private attachSubtree(arc: number, attach: number, moved: number, apex: number): void {
    const { parent, subtreeSize, threadNext, threadPrevious, lastDescendant } = this;
    const attachLast = lastDescendant[attach]!;
    const after = threadNext[attachLast]!;
    const size = subtreeSize[moved]!;
    const movedLast = lastDescendant[moved]!;
    parent[moved] = attach;
    this.parentArc[moved] = arc;
    this.parentDirection[moved] = this.source[arc] === moved ? DIRECTION_UP : DIRECTION_DOWN;
    threadNext[attachLast] = moved;
    threadPrevious[moved] = attachLast;
    threadPrevious[after] = movedLast;
    threadNext[movedLast] = after;
    let resizing = true;
    for (let ancestor = attach; ancestor !== NO_NODE; ancestor = parent[ancestor]!) {
      if (ancestor === apex) resizing = false;
      const endedAtAttach = lastDescendant[ancestor] === attachLast;
      if (!resizing && !endedAtAttach) break;
      if (resizing) subtreeSize[ancestor] = subtreeSize[ancestor]! + size;
      if (endedAtAttach) lastDescendant[ancestor] = movedLast;
    }
  }

  /**
   * Gives the entering arc reduced cost zero by shifting the potentials on one side of it alike: the
   * moved subtree, or everything else when that is smaller (only differences of potentials matter).
   */
  private shiftPotentials(arc: number, attach: number, moved: number): void {
    const { potential, threadNext, lastDescendant } = this;
    const shift = this.target[arc] === moved
      ? potential[attach]! + this.cost[arc]! - potential[moved]!
      : potential[attach]! - this.cost[arc]! - potential[moved]!;
    if (shift === 0) return;
    const last = lastDescendant[moved]!;
    if (2 * this.subtreeSize[moved]! <= this.subtreeSize[this.root]!) {
      for (let node = moved; ; node = threadNext[node]!) {
        potential[node] = potential[node]! + shift;
        if (node === last) break;
      }
    } else {
      // The thread is a ring through every node: the rest runs from after the subtree back round to it.
      for (let node = threadNext[last]!; node !== moved; node = threadNext[node]!) potential[node] = potential[node]! - shift;
    }
    assert(Math.abs(potential[moved]!) < POTENTIAL_LIMIT && Math.abs(potential[attach]!) < POTENTIAL_LIMIT, 'node potential out of range');
  }

  /** Flow left on an artificial arc at the optimum means no flow of real arcs meets the supplies. */
  checkArtificialFlowsZero(): void {
    // What reaches the root is what leaves it: count the arcs into the root only.
    let stranded = 0;
    for (let arc = this.arcCount; arc < this.flow.length; arc += 1) if (this.target[arc] === this.root) stranded += this.flow[arc]!;
    if (stranded !== 0) {
      throw new TallystickError('min_cost_flow_infeasible', `no flow meets the supplies: ${stranded} units cannot reach where they are needed`);
    }
  }
}
