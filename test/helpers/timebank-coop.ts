import { createHash } from 'node:crypto';
import { type Book } from '../../packages/core/src/book.js';
import {
  type CoopId, type Entry, type EntryBody, type EntryId, type EntryKind, type PayloadOf, checkStoredEntry, createEntry, isControlKind,
} from '../../packages/core/src/entry.js';
import { deriveRoster } from '../../packages/core/src/governance/derive-roster.js';
import { type ProposalAction } from '../../packages/core/src/governance/payloads.js';
import { materialize } from '../../packages/core/src/materialize.js';
import { type GenesisJson } from '../../packages/core/src/payloads.js';
import { type TimebankRules } from '../../packages/core/src/timebank/rules.js';
import { NodeEntryCrypto, NodeEntrySigner } from '../../packages/sync/src/node-crypto.js';

/*
 * A co-op's entries as its devices would write them, signed with real Ed25519 keys derived from names
 * (every run signs the same bytes), read back through checkStoredEntry and materialized: for the time
 * bank's tests in core, and for its index's tests in sync.
 */

export const crypto = new NodeEntryCrypto();
export const device = (name: string): NodeEntrySigner => new NodeEntrySigner(new Uint8Array(createHash('sha256').update(`tallystick timebank test: ${name}`).digest()));

export const ALICE = device('alice laptop');
export const ALICE_PHONE = device('alice phone');
export const BOB = device('bob laptop');
export const BOB_PHONE = device('bob phone');
export const CAROL = device('carol');
export const COORDINATOR = device('cora the coordinator');
export const BOOKKEEPER = device('ben the bookkeeper');
export const STRANGER = device('mallory');
export const COOP = 'c0ffee00c0ffee00c0ffee00c0ffee00' as CoopId;
const LATER = '2030-01-01T00:00:00Z';

/** Alice, Bob and Carol use the time bank; Cora coordinates (paper slips, community gifts); Ben keeps the books only. */
export const TIMEBANK_FOUNDERS: GenesisJson = {
  name: 'Riverside Time Bank',
  members: [
    { name: 'Alice', devices: [ALICE.publicKey, ALICE_PHONE.publicKey], role: 'member' },
    { name: 'Bob', devices: [BOB.publicKey, BOB_PHONE.publicKey], role: 'member' },
    { name: 'Carol', devices: [CAROL.publicKey], role: 'member' },
    { name: 'Cora', devices: [COORDINATOR.publicKey], role: 'coordinator' },
    { name: 'Ben', devices: [BOOKKEEPER.publicKey], role: 'bookkeeper' },
  ],
  roles: [
    { name: 'member', may: ['timebank', 'vote'] },
    { name: 'coordinator', may: ['coordinate', 'vote'] },
    { name: 'bookkeeper', may: ['books'] },
  ],
};

export const atOf = (seconds: number): string => new Date(Date.UTC(2024, 5, 1) + seconds * 1000).toISOString();

export interface WriteOptions {
  readonly basis?: readonly Entry[];
  /** Seconds after 2024-06-01T00:00:00Z. */
  readonly at?: number;
  readonly n?: number;
}

export class TimebankCoop {
  readonly genesis: Entry<'genesis'>;
  readonly written: Entry[] = [];
  private clock = 0;

  constructor(payload: GenesisJson = TIMEBANK_FOUNDERS) {
    this.genesis = createEntry({ kind: 'genesis', coop: COOP, at: atOf(0), n: 0, basis: [], payload }, ALICE, crypto);
  }

  write<K extends EntryKind>(signer: NodeEntrySigner, kind: K, payload: PayloadOf<K>, options: WriteOptions = {}): Entry<K> {
    this.clock = options.at ?? this.clock + 10;
    const basis = options.basis ? options.basis.map((entry) => entry.id) : this.heads();
    const entry = createEntry({ kind, coop: COOP, at: atOf(this.clock), n: options.n ?? 0, basis, payload } as Omit<EntryBody<K>, 'v' | 'author'>, signer, crypto);
    this.written.push(entry);
    return entry;
  }

  /** A proposal, adopted by the votes of Alice, Bob and Carol (a majority of the four who may vote). */
  adopt(action: ProposalAction): Entry<'vote'> {
    const proposal = this.write(ALICE, 'proposal', { action, deadline: LATER });
    this.write(ALICE, 'vote', { proposal: proposal.id, choice: 'yes' });
    this.write(BOB, 'vote', { proposal: proposal.id, choice: 'yes' });
    return this.write(CAROL, 'vote', { proposal: proposal.id, choice: 'yes' });
  }

  rules(rules: TimebankRules): Entry<'vote'> {
    return this.adopt({ kind: 'set-timebank-rules', rules });
  }

  /** `provider` gave `receiver` minutes, logged by `signer` (a party's device). */
  log(signer: NodeEntrySigner, exchange: { provider: string; receiver: string; minutes: number; date?: string; description?: string } & Partial<PayloadOf<'exchange'>>, options: WriteOptions = {}): Entry<'exchange'> {
    return this.write(signer, 'exchange', { date: '2024-06-01', description: `${exchange.provider} helped ${exchange.receiver}`, ...exchange }, options);
  }

  confirm(signer: NodeEntrySigner, exchange: Entry, options: WriteOptions & { date?: string } = {}): Entry<'exchange-confirm'> {
    return this.write(signer, 'exchange-confirm', { date: options.date ?? '2024-06-02', exchange: exchange.id }, options);
  }

  decline(signer: NodeEntrySigner, exchange: Entry, reason: string, options: WriteOptions = {}): Entry<'exchange-decline'> {
    return this.write(signer, 'exchange-decline', { date: '2024-06-02', exchange: exchange.id, reason }, options);
  }

  heads(): EntryId[] {
    return deriveRoster({ genesis: this.genesis, control: this.written.filter((entry) => isControlKind(entry.body.kind)) }).headIds();
  }

  /** Materializes the entries given (every entry by default), read back from their signed text. */
  book(entries: readonly Entry[] = [this.genesis, ...this.written]): Book {
    const checked: Entry[] = [];
    for (const entry of entries) {
      const check = checkStoredEntry(entry.id, entry.stored, crypto);
      if (!check.ok) throw new Error(`a test entry does not verify: ${check.reason}`);
      checked.push(check.entry);
    }
    return materialize({ genesisId: this.genesis.id, entries: checked });
  }
}

/** What happened to each entry: its rejection code, or 'counted'. */
export function outcomes(book: Book, entries: readonly Entry[]): string[] {
  const codes = new Map(book.rejected.map((rejected) => [rejected.id, rejected.code]));
  return entries.map((entry) => codes.get(entry.id) ?? 'counted');
}

/** Balances by party ('' the community), zeros included. */
export function balances(book: Book): Record<string, number> {
  return Object.fromEntries(book.timebank.parties.map((party) => [party.party, party.given - party.received + party.community]));
}
