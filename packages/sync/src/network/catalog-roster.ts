import { type Entry, type Roster, isControlKind, materialize } from '@tallystick/core';
import { checkPack } from '../coop-store.js';
import type { CatalogDoc } from '../documents.js';

/** Control entries kept verified between reads: the catalog only grows, and an id names its text. */
const MAXIMUM_REMEMBERED_ENTRIES = 100_000;

/**
 * The roster in force, from a co-op's catalog alone: every control entry (genesis, proposals, votes,
 * locks) lives in the catalog, so the gate need not load a single month. Packs are checked as the store
 * checks them (coop-store.ts `checkPack`), each entry once; core's materializer decides, as for the books.
 */
export class CatalogRosterReader {
  private readonly verified = new Map<string, Entry>();

  constructor(private readonly coopId: string, private readonly genesisId: string) {}

  read(catalog: CatalogDoc): Roster {
    const control: Entry[] = [];
    for (const [key, value] of Object.entries(catalog.entries ?? {})) {
      for (const checked of checkPack(key, value, this.verified)) {
        if (!checked.ok) continue;
        if (this.verified.size >= MAXIMUM_REMEMBERED_ENTRIES) this.verified.clear();
        this.verified.set(checked.entry.id, checked.entry);
        if (checked.entry.body.coop === this.coopId && isControlKind(checked.entry.body.kind)) control.push(checked.entry);
      }
    }
    return materialize({ genesisId: this.genesisId as Entry['id'], entries: control }).governance.roster;
  }
}
