import { type Entry } from '../entry.js';
import { instantKey } from './payloads.js';

/**
 * The co-op order of control entries: a linear extension of the causal order (an entry comes after
 * every entry its basis names), ties between entries that are ready together broken by author time,
 * then id. It is what Kahn's algorithm yields when it always takes the smallest (time, id) among the
 * entries whose basis is done. Because an entry's key is fixed, the order of any causally closed subset
 * is the full order restricted to that subset: a peer holding fewer entries orders the ones it holds
 * exactly as a peer holding more does.
 */
export function compareCoopOrder(a: Entry, b: Entry): number {
  const at = compareText(instantKey(a.body.at), instantKey(b.body.at));
  return at !== 0 ? at : compareText(a.id, b.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary min-heap of entries in (author time, id) order: the ready set of Kahn's algorithm. */
export class ReadyEntries {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(entry: Entry): void {
    const items = this.items;
    items.push(entry);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (compareCoopOrder(items[parent]!, items[index]!) <= 0) break;
      [items[parent], items[index]] = [items[index]!, items[parent]!];
      index = parent;
    }
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && compareCoopOrder(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && compareCoopOrder(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === index) return top;
      [items[smallest], items[index]] = [items[index]!, items[smallest]!];
      index = smallest;
    }
  }
}
