import { type EntryId } from '../entry.js';
import { assert } from '../errors.js';

/**
 * The causal past of a set of control entries, as positions in the co-op order: every entry before
 * `prefix`, plus the later positions in `extra`. A peer that keeps up names nearly everything, so its
 * past is a long prefix and a few extras; this keeps pasts small without storing a set per entry.
 */
export interface CausalPast {
  readonly prefix: number;
  /** Positions at or after `prefix` that are in the past, ascending. */
  readonly extra: readonly number[];
}

/** The causal past of each accepted control entry, added in co-op order. */
export class CausalPasts {
  private readonly positions = new Map<EntryId, number>();
  private readonly pasts: CausalPast[] = [];

  /** Adds the next entry in co-op order; every entry its basis names must already be here. */
  add(id: EntryId, basis: readonly EntryId[]): void {
    const past = this.pastOf(basis);
    assert(past !== undefined, 'CausalPasts.add: an entry before its basis');
    const position = this.pasts.length;
    this.positions.set(id, position);
    this.pasts.push(advance(past.prefix, new Set([...past.extra, position])));
  }

  has(id: EntryId): boolean {
    return this.positions.has(id);
  }

  /** The union of the pasts of the named entries (themselves included), or undefined if one is not here. */
  pastOf(basis: readonly EntryId[]): CausalPast | undefined {
    let prefix = 0;
    const named: CausalPast[] = [];
    for (const id of basis) {
      const position = this.positions.get(id);
      if (position === undefined) return undefined;
      const past = this.pasts[position]!;
      named.push(past);
      if (past.prefix > prefix) prefix = past.prefix;
    }
    const extra = new Set<number>();
    for (const past of named) for (const position of past.extra) if (position >= prefix) extra.add(position);
    return advance(prefix, extra);
  }
}

/** Moves extras that continue the prefix into it. */
function advance(prefix: number, extra: Set<number>): CausalPast {
  let end = prefix;
  while (extra.delete(end)) end += 1;
  return { prefix: end, extra: [...extra].sort((a, b) => a - b) };
}
