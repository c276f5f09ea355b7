import { type Entry, type Roster, checkStoredEntry, isControlKind, materialize } from '@tallystick/core';
import { type CatalogDoc, decodePack } from '../documents.js';
import { nodeEntryCrypto as crypto } from '../node-crypto.js';

/** Control entries kept verified between reads: the catalog only grows, and an id names its text. */
const MAXIMUM_REMEMBERED_ENTRIES = 100_000;

/**
 * The roster in force, from a co-op's catalog alone: every control entry (genesis, proposals, votes,
 * locks) lives in the catalog, so the gate need not load a single month. Signatures are checked once
 * per entry; core's materializer decides, exactly as for the books.
 */
export class CatalogRosterReader {
  private readonly verified = new Map<string, Entry | null>();

  constructor(private readonly coopId: string, private readonly genesisId: string) {}

  read(catalog: CatalogDoc): Roster {
    const control: Entry[] = [];
    for (const value of Object.values(catalog.entries ?? {})) {
      for (const line of decodePack(value)) {
        if (!line.ok) continue;
        const id = crypto.sha256Hex(line.stored.text);
        let entry = this.verified.get(`${id}\t${line.stored.sig}`);
        if (entry === undefined) {
          const checked = checkStoredEntry(id, line.stored, crypto);
          entry = checked.ok ? checked.entry : null;
          if (this.verified.size >= MAXIMUM_REMEMBERED_ENTRIES) this.verified.clear();
          this.verified.set(`${id}\t${line.stored.sig}`, entry);
        }
        if (entry !== null && entry.body.coop === this.coopId && isControlKind(entry.body.kind)) control.push(entry);
      }
    }
    return materialize({ genesisId: this.genesisId as Entry['id'], entries: control }).governance.roster;
  }
}
