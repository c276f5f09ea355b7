import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeEntryCrypto, NodeEntrySigner } from '../../../sync/src/node-crypto.js';
import { type Book } from '../book.js';
import {
  type CoopId, type Entry, type EntryBody, type EntryId, type EntryKind, type PayloadOf, type StoredEntry, bodyProblem, checkStoredEntry, createEntry, isControlKind,
} from '../entry.js';
import { materialize } from '../materialize.js';
import { type GenesisJson } from '../payloads.js';
import { deriveRoster } from './derive-roster.js';
import { type ProposalAction } from './payloads.js';

/*
 * Governance by example, with real Ed25519 signatures: every entry is signed, stored as text, and read
 * back through checkStoredEntry as a peer reading documents would, then materialized.
 */

const crypto = new NodeEntryCrypto();
/** A device whose key is derived from its name, so every run signs the same bytes. */
const device = (name: string) => new NodeEntrySigner(new Uint8Array(createHash('sha256').update(`tallystick governance test: ${name}`).digest()));

const ALICE_LAPTOP = device('alice laptop');
const ALICE_PHONE = device('alice phone');
const BOB = device('bob');
const CAROL = device('carol');
const DAVE = device('dave');
const MALLORY = device('mallory');
const COOP = 'c0ffee00c0ffee00c0ffee00c0ffee00' as CoopId;
const LATER = '2030-01-01T00:00:00Z';

const FOUNDERS: GenesisJson = {
  name: 'Riverside Bakery',
  members: [
    { name: 'Alice', devices: [ALICE_LAPTOP.publicKey, ALICE_PHONE.publicKey] },
    { name: 'Bob', devices: [BOB.publicKey] },
    { name: 'Carol', devices: [CAROL.publicKey] },
  ],
};

const atOf = (seconds: number) => new Date(Date.UTC(2024, 5, 1) + seconds * 1000).toISOString();

const sale = (date: string): PayloadOf<'transaction'> => ({
  date, status: '*', description: `sale on ${date}`, tags: [], links: [], metadata: {},
  postings: [{ account: 'assets:cash', amount: ['EUR', '10'] }, { account: 'income:sales', amount: ['EUR', '-10'] }],
});

/** A co-op's entries as its devices write them; `basis` defaults to the heads a peer holding every entry would name. */
class Coop {
  readonly genesis: Entry<'genesis'>;
  readonly written: Entry[] = [];
  private clock = 0;

  constructor(payload: GenesisJson = FOUNDERS) {
    this.genesis = createEntry({ kind: 'genesis', coop: COOP, at: atOf(0), n: 0, basis: [], payload }, ALICE_LAPTOP, crypto);
  }

  write<K extends EntryKind>(signer: NodeEntrySigner, kind: K, payload: PayloadOf<K>, options: { basis?: readonly Entry[]; at?: number } = {}): Entry<K> {
    this.clock = options.at ?? this.clock + 10;
    const basis = options.basis ? options.basis.map((entry) => entry.id) : this.heads();
    const entry = createEntry({ kind, coop: COOP, at: atOf(this.clock), n: 0, basis, payload } as Omit<EntryBody<K>, 'v' | 'author'>, signer, crypto);
    this.written.push(entry);
    return entry;
  }

  propose(signer: NodeEntrySigner, action: ProposalAction, options: { basis?: readonly Entry[]; at?: number; deadline?: string } = {}): Entry<'proposal'> {
    return this.write(signer, 'proposal', { action, deadline: options.deadline ?? LATER }, options);
  }

  vote(signer: NodeEntrySigner, proposal: Entry, choice: 'yes' | 'no', options: { basis?: readonly Entry[]; at?: number } = {}): Entry<'vote'> {
    return this.write(signer, 'vote', { proposal: proposal.id, choice }, options);
  }

  heads(): EntryId[] {
    return deriveRoster({ genesis: this.genesis, control: this.written.filter((entry) => isControlKind(entry.body.kind)) }).headIds();
  }

  book(stored: readonly { id: string; stored: StoredEntry }[] = this.stored()): Book {
    const entries: Entry[] = [];
    const unverified = [];
    for (const { id, stored: text } of stored) {
      const check = checkStoredEntry(id, text, crypto);
      if (check.ok) entries.push(check.entry);
      else unverified.push({ id, code: check.code, reason: check.reason });
    }
    return materialize({ genesisId: this.genesis.id, entries, unverified });
  }

  stored(): { id: string; stored: StoredEntry }[] {
    return [this.genesis, ...this.written].map((entry) => ({ id: entry.id, stored: entry.stored }));
  }
}

/** What happened to each entry: its rejection code, or 'counted'. */
function outcomes(book: Book, entries: readonly Entry[]): string[] {
  const codes = new Map(book.rejected.map((rejected) => [rejected.id, rejected.code]));
  return entries.map((entry) => codes.get(entry.id) ?? 'counted');
}

const proposalOf = (book: Book, proposal: Entry) => book.governance.proposals.find((record) => record.id === proposal.id)!;
const memberNames = (book: Book) => book.members.map((member) => member.name);

describe('governance: the genesis', () => {
  it('an old genesis (no roles, no rule) gives every founder the role member, which may write everything, under a simple majority', () => {
    const coop = new Coop();
    const book = coop.book();
    expect(book.rejected).toEqual([]);
    expect(book.governance.roster.roles).toEqual([{ name: 'member', may: ['books', 'timebank', 'credit', 'vote', 'coordinate'] }]);
    expect(book.governance.roster.rule).toEqual({ kind: 'majority' });
    expect(book.members).toEqual([
      { name: 'Alice', devices: [ALICE_LAPTOP.publicKey, ALICE_PHONE.publicKey], role: 'member' },
      { name: 'Bob', devices: [BOB.publicKey], role: 'member' },
      { name: 'Carol', devices: [CAROL.publicKey], role: 'member' },
    ]);
  });

  it('a genesis must define every role it gives and name each member and device once', () => {
    const base = { v: 1, kind: 'genesis', coop: COOP, author: ALICE_LAPTOP.publicKey, at: atOf(0), n: 0, basis: [] };
    const members = FOUNDERS.members;
    expect(bodyProblem({ ...base, payload: { name: 'x', members, roles: [{ name: 'treasurer', may: ['books'] }] } })).toMatch(/role member, which the genesis does not define/u);
    expect(bodyProblem({ ...base, payload: { name: 'x', members: [...members, members[0]] } })).toMatch(/listed twice/u);
    expect(bodyProblem({ ...base, payload: { name: 'x', members: [{ name: 'Eve', devices: [BOB.publicKey] }, members[1]] } })).toMatch(/device .* listed twice/u);
    expect(bodyProblem({ ...base, payload: { name: 'x', members, roles: [{ name: 'member', may: [] }, { name: 'member', may: ['vote'] }] } })).toMatch(/role is defined twice/u);
    expect(bodyProblem({ ...base, payload: { name: 'x', members, rule: { kind: 'quorum', yes: 0 } } })).toMatch(/rule/u);
    expect(bodyProblem({ ...base, payload: { name: 'x', members, roles: [{ name: 'member', may: ['books', 'books'] }] } })).toMatch(/listed twice/u);
    expect(bodyProblem({ ...base, payload: { ...FOUNDERS, roles: [{ name: 'member', may: ['books', 'vote'] }], rule: { kind: 'quorum', yes: 2 } } })).toBeUndefined();
  });
});

describe('governance: proposals and votes', () => {
  it('adopts a new member by majority; their device may write only under rules that include the adoption', () => {
    const coop = new Coop();
    const early = coop.write(DAVE, 'transaction', sale('2024-06-02'));
    const proposal = coop.propose(BOB, { kind: 'add-member', name: 'Dave', devices: [DAVE.publicKey], role: 'member' });
    const tooEarly = coop.write(DAVE, 'transaction', sale('2024-06-03'));
    const yes1 = coop.vote(ALICE_PHONE, proposal, 'yes');
    const pending = coop.book();
    expect(proposalOf(pending, proposal)).toMatchObject({ status: 'pending', yes: 1, no: 0, electorate: ['Alice', 'Bob', 'Carol'], proposer: 'Bob' });
    const yes2 = coop.vote(CAROL, proposal, 'yes');
    const welcome = coop.write(DAVE, 'transaction', sale('2024-06-04'));
    const book = coop.book();
    expect(outcomes(book, [early, proposal, tooEarly, yes1, yes2, welcome])).toEqual(['not_a_member_device', 'counted', 'not_a_member_device', 'counted', 'counted', 'counted']);
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'adopted', decidedBy: yes2.id, yes: 2, no: 0 });
    expect(memberNames(book)).toEqual(['Alice', 'Bob', 'Carol', 'Dave']);
    expect(book.governance.changes).toEqual([{ proposal: proposal.id, decidedBy: yes2.id, action: proposal.body.payload.action, applied: true }]);
  });

  it('a forged vote (signed by another key, or its text altered) does not count', () => {
    const coop = new Coop();
    const proposal = coop.propose(BOB, { kind: 'set-rule', rule: { kind: 'unanimity' } });
    coop.vote(BOB, proposal, 'yes');
    const forged = coop.vote(CAROL, proposal, 'yes');
    const spoil = (spoiled: (stored: StoredEntry) => StoredEntry) => coop.stored().map((item) => (item.id === forged.id ? { id: item.id, stored: spoiled(item.stored) } : item));
    const signedByMallory = coop.book(spoil((stored) => ({ text: stored.text, sig: MALLORY.sign(stored.text) })));
    expect(outcomes(signedByMallory, [forged])).toEqual(['bad_signature']);
    expect(proposalOf(signedByMallory, proposal)).toMatchObject({ status: 'pending', yes: 1 });
    const altered = coop.book(spoil((stored) => ({ text: stored.text.replace('"yes"', '"no"'), sig: stored.sig })));
    expect(outcomes(altered, [forged])).toEqual(['id_mismatch']);
    expect(proposalOf(altered, proposal)).toMatchObject({ status: 'pending', yes: 1, no: 0 });
    expect(proposalOf(coop.book(), proposal)).toMatchObject({ status: 'adopted', yes: 2 }); // the genuine one counts: 2 of 3
  });

  it('a replayed vote (the same entry twice) is one vote', () => {
    const coop = new Coop();
    const proposal = coop.propose(BOB, { kind: 'remove-member', member: 'Carol' });
    const vote = coop.vote(BOB, proposal, 'yes');
    const stored = coop.stored();
    const replayed = [...stored, stored.find((item) => item.id === vote.id)!, stored.find((item) => item.id === vote.id)!];
    const book = coop.book(replayed);
    expect(book.rejected).toEqual([]);
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'pending', yes: 1, votes: [expect.objectContaining({ id: vote.id, status: 'counted' })] });
    expect(proposalOf(book, proposal).votes).toHaveLength(1);
    expect(memberNames(book)).toContain('Carol');
  });

  it('a vote by a non-member, by a member not in the electorate, on an unknown proposal, or after the outcome does not count', () => {
    const coop = new Coop();
    const proposal = coop.propose(ALICE_LAPTOP, { kind: 'add-member', name: 'Dave', devices: [DAVE.publicKey], role: 'member' });
    const stranger = coop.vote(MALLORY, proposal, 'yes');
    const other = coop.propose(ALICE_LAPTOP, { kind: 'lock', through: '2024-03-31' }); // made while Dave was not yet a member
    coop.vote(ALICE_LAPTOP, proposal, 'yes');
    const deciding = coop.vote(BOB, proposal, 'yes');
    const late = coop.vote(CAROL, proposal, 'no');
    const notElector = coop.vote(DAVE, other, 'yes');
    const unseen = coop.vote(BOB, other, 'yes', { basis: [coop.genesis] });
    const book = coop.book();
    expect(outcomes(book, [stranger, late, notElector, unseen])).toEqual(['vote_by_non_member', 'proposal_decided', 'not_an_elector', 'unknown_proposal']);
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'adopted', decidedBy: deciding.id, yes: 2, no: 0 });
    expect(proposalOf(book, other)).toMatchObject({ status: 'pending', electorate: ['Alice', 'Bob', 'Carol'] });
  });

  it('one member, one vote: two devices of a member count once; a changed vote supersedes; a repeated one is a duplicate', () => {
    const coop = new Coop({ ...FOUNDERS, members: [...FOUNDERS.members, { name: 'Dave', devices: [DAVE.publicKey] }] });
    const proposal = coop.propose(BOB, { kind: 'set-rule', rule: { kind: 'quorum', yes: 3 } });
    // Concurrent: neither of Alice's devices had seen the other's vote.
    const laptop = coop.vote(ALICE_LAPTOP, proposal, 'yes', { basis: [proposal] });
    const phone = coop.vote(ALICE_PHONE, proposal, 'yes', { basis: [proposal] });
    const again = coop.vote(ALICE_PHONE, proposal, 'yes'); // had seen both
    const bob = coop.vote(BOB, proposal, 'yes');
    let book = coop.book();
    expect(outcomes(book, [laptop, phone, again, bob])).toEqual(['counted', 'counted', 'duplicate_vote', 'counted']);
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'pending', yes: 2, no: 0 }); // Alice and Bob, not three
    expect(proposalOf(book, proposal).votes.map((vote) => [vote.member, vote.status])).toEqual([['Alice', 'superseded'], ['Alice', 'counted'], ['Bob', 'counted']]);
    // Alice changes her mind: not an error, her earlier vote is superseded.
    const changed = coop.vote(ALICE_LAPTOP, proposal, 'no');
    book = coop.book();
    expect(outcomes(book, [changed])).toEqual(['counted']);
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'pending', yes: 1, no: 1 });
    coop.vote(CAROL, proposal, 'yes');
    // Decided under the majority in force at its basis: of 4 electors, 2 no votes leave no majority reachable.
    const deciding = coop.vote(DAVE, proposal, 'no');
    book = coop.book();
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'rejected', decidedBy: deciding.id, yes: 2, no: 2 });
    expect(book.governance.roster.rule).toEqual({ kind: 'majority' });
  });

  it('concurrent votes of one member through two devices: the later in co-op order counts, on every peer', () => {
    const coop = new Coop();
    const proposal = coop.propose(BOB, { kind: 'set-rule', rule: { kind: 'unanimity' } });
    const no = coop.vote(ALICE_LAPTOP, proposal, 'no', { basis: [proposal], at: 100 });
    const yes = coop.vote(ALICE_PHONE, proposal, 'yes', { basis: [proposal], at: 90 });
    const book = coop.book();
    expect(proposalOf(book, proposal).votes.map((vote) => [vote.id, vote.status])).toEqual([[yes.id, 'superseded'], [no.id, 'counted']]);
    expect(proposalOf(book, proposal)).toMatchObject({ yes: 0, no: 1 });
    expect(proposalOf(coop.book([...coop.stored()].reverse()), proposal)).toEqual(proposalOf(book, proposal));
    // Written at the same instant: the greater id is later in co-op order, whatever order a peer reads them in.
    const tie = coop.propose(BOB, { kind: 'set-rule', rule: { kind: 'unanimity' } }, { at: 200 });
    const one = coop.vote(ALICE_LAPTOP, tie, 'no', { basis: [tie], at: 210 });
    const other = coop.vote(ALICE_PHONE, tie, 'yes', { basis: [tie], at: 210 });
    const later = one.id > other.id ? one : other;
    for (const stored of [coop.stored(), [...coop.stored()].reverse()]) {
      const record = proposalOf(coop.book(stored), tie);
      expect(record.votes.find((vote) => vote.status === 'counted')?.id).toBe(later.id);
    }
  });

  it('a vote after the deadline does not count, and any entry written after the deadline closes the proposal', () => {
    const coop = new Coop();
    const proposal = coop.propose(BOB, { kind: 'remove-member', member: 'Carol' }, { at: 10, deadline: atOf(100) });
    const onTime = coop.vote(BOB, proposal, 'yes', { at: 100 });
    const late = coop.vote(ALICE_LAPTOP, proposal, 'yes', { at: 101 });
    expect(proposalOf(coop.book(), proposal)).toMatchObject({ status: 'pending', yes: 1 }); // a late vote is no evidence: it does not count
    const lock = coop.write(ALICE_LAPTOP, 'lock', { through: '2024-01-31' }, { at: 150 });
    const afterwards = coop.vote(ALICE_LAPTOP, proposal, 'yes', { at: 90 }); // backdated, but its author had seen the lock
    const book = coop.book();
    expect(outcomes(book, [onTime, late, lock, afterwards])).toEqual(['counted', 'proposal_expired', 'counted', 'proposal_expired']);
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'expired', decidedBy: lock.id, yes: 1 });
    expect(memberNames(book)).toContain('Carol');
    const badDeadline = coop.propose(BOB, { kind: 'lock', through: '2024-01-31' }, { at: 200, deadline: atOf(200) });
    expect(outcomes(coop.book(), [badDeadline])).toEqual(['invalid_proposal']);
    // Times compare as instants, whether or not they are written with milliseconds.
    const wholeSeconds = coop.propose(BOB, { kind: 'lock', through: '2024-01-31' }, { at: 300, deadline: atOf(400).replace('.000Z', 'Z') });
    const inTime = coop.vote(BOB, wholeSeconds, 'yes', { at: 400 });
    const halfSecondLate = coop.vote(CAROL, wholeSeconds, 'yes', { at: 400.5 });
    expect(outcomes(coop.book(), [wholeSeconds, inTime, halfSecondLate])).toEqual(['counted', 'counted', 'proposal_expired']);
  });

  it('a proposal is judged by the rule and electorate at its basis, not by a rule adopted while it is open', () => {
    const coop = new Coop();
    const unanimity = coop.propose(ALICE_LAPTOP, { kind: 'set-rule', rule: { kind: 'unanimity' } });
    const underMajority = coop.propose(ALICE_LAPTOP, { kind: 'lock', through: '2024-03-31' });
    coop.vote(ALICE_LAPTOP, unanimity, 'yes');
    coop.vote(BOB, unanimity, 'yes');
    const underUnanimity = coop.propose(ALICE_LAPTOP, { kind: 'lock', through: '2024-04-30' });
    coop.vote(ALICE_LAPTOP, underMajority, 'yes');
    coop.vote(BOB, underMajority, 'yes');
    coop.vote(ALICE_LAPTOP, underUnanimity, 'yes');
    coop.vote(BOB, underUnanimity, 'yes');
    const book = coop.book();
    expect(proposalOf(book, unanimity).status).toBe('adopted');
    expect(proposalOf(book, underMajority)).toMatchObject({ status: 'adopted', rule: { kind: 'majority' } });
    expect(proposalOf(book, underUnanimity)).toMatchObject({ status: 'pending', rule: { kind: 'unanimity' } });
    expect(book.lockedThrough).toBe('2024-03-31');
    expect(book.locks.map((lock) => lock.id)).toEqual([underMajority.id]);
  });

  it('a proposal that the roster at its basis could not apply is invalid, as is one that would leave the co-op unable to decide', () => {
    const coop = new Coop({ ...FOUNDERS, rule: { kind: 'quorum', yes: 3 } });
    const invalid = [
      coop.propose(BOB, { kind: 'remove-member', member: 'Zed' }),
      coop.propose(BOB, { kind: 'add-device', member: 'Bob', device: CAROL.publicKey }),
      coop.propose(BOB, { kind: 'set-role', member: 'Bob', role: 'treasurer' }),
      coop.propose(BOB, { kind: 'add-member', name: 'Alice', devices: [DAVE.publicKey], role: 'member' }),
      coop.propose(BOB, { kind: 'remove-member', member: 'Carol' }), // would leave 2 voters under a quorum of 3
    ];
    const unreachable = coop.propose(BOB, { kind: 'set-rule', rule: { kind: 'quorum', yes: 4 } });
    const book = coop.book();
    expect(outcomes(book, invalid)).toEqual(Array(invalid.length).fill('invalid_proposal'));
    expect(book.rejected.find((rejected) => rejected.id === invalid[4]!.id)?.reason).toMatch(/quorum of 3/u);
    expect(outcomes(book, [unreachable])).toEqual(['invalid_proposal']);
  });
});

describe('governance: who may write', () => {
  const ROLES: GenesisJson = {
    name: 'Riverside Bakery',
    members: [
      { name: 'Alice', devices: [ALICE_LAPTOP.publicKey, ALICE_PHONE.publicKey], role: 'member' },
      { name: 'Bob', devices: [BOB.publicKey], role: 'bookkeeper' },
      { name: 'Carol', devices: [CAROL.publicKey], role: 'observer' },
    ],
    roles: [{ name: 'member', may: ['books', 'vote'] }, { name: 'bookkeeper', may: ['books'] }, { name: 'observer', may: ['vote'] }],
  };

  it('an entry by a role without the right is rejected: books need books, proposals and votes need vote', () => {
    const coop = new Coop(ROLES);
    const entries: Entry[] = [
      coop.write(BOB, 'transaction', sale('2024-06-02')),
      coop.write(CAROL, 'transaction', sale('2024-06-02')),
      coop.write(CAROL, 'account', { account: 'assets:cash' }),
      coop.write(CAROL, 'lock', { through: '2024-01-31' }),
      coop.propose(BOB, { kind: 'set-role', member: 'Bob', role: 'member' }),
      coop.propose(CAROL, { kind: 'set-role', member: 'Bob', role: 'member' }),
    ];
    entries.push(coop.vote(BOB, entries[5]!, 'yes'), coop.vote(ALICE_PHONE, entries[5]!, 'yes'));
    const book = coop.book();
    expect(outcomes(book, entries)).toEqual(['counted', 'role_not_allowed', 'role_not_allowed', 'role_not_allowed', 'role_not_allowed', 'counted', 'role_not_allowed', 'counted']);
    expect(book.rejected.find((rejected) => rejected.id === entries[1]!.id)?.reason).toBe("Carol's role may not write transaction entries (needs 'books')");
    // The electorate is Alice and Carol (Bob may not vote): one yes of two is not a majority.
    expect(proposalOf(book, entries[5]!)).toMatchObject({ status: 'pending', electorate: ['Alice', 'Carol'], yes: 1 });
    coop.vote(CAROL, entries[5]!, 'yes');
    const promoted = coop.write(BOB, 'vote', { proposal: entries[5]!.id, choice: 'no' }); // Bob may vote now, but not on this
    const bookkeeping = coop.write(BOB, 'transaction', sale('2024-06-09'));
    const after = coop.book();
    expect(outcomes(after, [promoted, bookkeeping])).toEqual(['not_an_elector', 'counted']);
    expect(after.members.find((member) => member.name === 'Bob')?.role).toBe('member');
  });

  it('a revoked device: its entries written under rules that include the revocation are rejected, earlier ones stand', () => {
    const coop = new Coop();
    const before = coop.write(ALICE_PHONE, 'transaction', sale('2024-06-02'));
    const revoke = coop.propose(ALICE_LAPTOP, { kind: 'revoke-device', member: 'Alice', device: ALICE_PHONE.publicKey });
    coop.vote(ALICE_LAPTOP, revoke, 'yes');
    const concurrent = coop.write(ALICE_PHONE, 'transaction', sale('2024-06-03')); // Bob's vote not yet seen
    const deciding = coop.vote(BOB, revoke, 'yes');
    const after = coop.write(ALICE_PHONE, 'transaction', sale('2024-06-04'));
    const afterVote = coop.write(ALICE_PHONE, 'proposal', { action: { kind: 'lock', through: '2024-01-31' }, deadline: LATER });
    const stillAlice = coop.write(ALICE_LAPTOP, 'transaction', sale('2024-06-05'));
    const book = coop.book();
    expect(outcomes(book, [before, concurrent, deciding, after, afterVote, stillAlice])).toEqual(['counted', 'counted', 'counted', 'device_revoked', 'device_revoked', 'counted']);
    expect(book.members.find((member) => member.name === 'Alice')?.devices).toEqual([ALICE_LAPTOP.publicKey]);
    expect(book.governance.roster.members.find((member) => member.name === 'Alice')?.revokedDevices).toEqual([ALICE_PHONE.publicKey]);
    expect(book.transactions.map((recorded) => recorded.id)).toEqual([before.id, concurrent.id, stillAlice.id]);
    // A revoked key is never valid again.
    const readd = coop.propose(BOB, { kind: 'add-device', member: 'Alice', device: ALICE_PHONE.publicKey });
    expect(outcomes(coop.book(), [readd])).toEqual(['invalid_proposal']);
  });

  it('key rotation: replace-device revokes the old key and admits the new one in one decision', () => {
    const coop = new Coop();
    const ALICE_NEW = device('alice new phone');
    const before = coop.write(ALICE_PHONE, 'transaction', sale('2024-06-02'));
    const early = coop.write(ALICE_NEW, 'transaction', sale('2024-06-02')); // not hers yet
    const rotate = coop.propose(ALICE_LAPTOP, { kind: 'replace-device', member: 'Alice', device: ALICE_PHONE.publicKey, by: ALICE_NEW.publicKey });
    coop.vote(ALICE_LAPTOP, rotate, 'yes');
    coop.vote(BOB, rotate, 'yes');
    const oldAfter = coop.write(ALICE_PHONE, 'transaction', sale('2024-06-04'));
    const newAfter = coop.write(ALICE_NEW, 'transaction', sale('2024-06-04'));
    const book = coop.book();
    expect(outcomes(book, [before, early, oldAfter, newAfter])).toEqual(['counted', 'not_a_member_device', 'device_revoked', 'counted']);
    const alice = book.governance.roster.members.find((member) => member.name === 'Alice')!;
    expect(alice.devices).toEqual([ALICE_LAPTOP.publicKey, ALICE_NEW.publicKey]);
    expect(alice.revokedDevices).toEqual([ALICE_PHONE.publicKey]);
    // Rotating to a key another member holds, or from a key that is not the member's, has no effect.
    const taken = coop.propose(ALICE_LAPTOP, { kind: 'replace-device', member: 'Alice', device: ALICE_LAPTOP.publicKey, by: BOB.publicKey });
    const notHers = coop.propose(ALICE_LAPTOP, { kind: 'replace-device', member: 'Alice', device: CAROL.publicKey, by: DAVE.publicKey });
    expect(outcomes(coop.book(), [taken, notHers])).toEqual(['invalid_proposal', 'invalid_proposal']);
  });

  it('a removed member keeps their history but can no longer write or vote', () => {
    const coop = new Coop();
    const before = coop.write(CAROL, 'transaction', sale('2024-06-02'));
    const open = coop.propose(CAROL, { kind: 'lock', through: '2024-02-29' });
    const remove = coop.propose(ALICE_LAPTOP, { kind: 'remove-member', member: 'Carol' });
    coop.vote(ALICE_LAPTOP, remove, 'yes');
    coop.vote(BOB, remove, 'yes');
    const after = coop.write(CAROL, 'transaction', sale('2024-06-03'));
    const vote = coop.vote(CAROL, open, 'yes');
    const book = coop.book();
    expect(outcomes(book, [before, open, after, vote])).toEqual(['counted', 'counted', 'member_removed', 'vote_by_non_member']);
    expect(memberNames(book)).toEqual(['Alice', 'Bob']);
    expect(book.governance.roster.members.find((member) => member.name === 'Carol')).toMatchObject({ removed: true, devices: [CAROL.publicKey] });
    // Carol's proposal stays open with the electorate it was made with; her vote cast before the removal would have counted.
    expect(proposalOf(book, open)).toMatchObject({ status: 'pending', electorate: ['Alice', 'Bob', 'Carol'] });
  });

  it('an adopted lock proposal refuses entries written under it that are dated on or before its date', () => {
    const coop = new Coop();
    const lock = coop.propose(BOB, { kind: 'lock', through: '2024-05-31' });
    const concurrent = coop.write(ALICE_LAPTOP, 'transaction', sale('2024-05-02'));
    coop.vote(BOB, lock, 'yes');
    coop.vote(CAROL, lock, 'yes');
    const locked = coop.write(ALICE_LAPTOP, 'transaction', sale('2024-05-03'));
    const open = coop.write(ALICE_LAPTOP, 'transaction', sale('2024-06-01'));
    const book = coop.book();
    expect(outcomes(book, [concurrent, locked, open])).toEqual(['counted', 'period_locked', 'counted']);
    expect(book.lockedThrough).toBe('2024-05-31');
  });
});

describe('governance: concurrent conflicting proposals', () => {
  /** Two proposals made and adopted concurrently; `first` is decided earlier in co-op order. */
  function concurrently(first: ProposalAction, second: ProposalAction, times: { first: number; second: number }) {
    const coop = new Coop();
    const a = coop.propose(ALICE_LAPTOP, first, { basis: [coop.genesis], at: 10 });
    const b = coop.propose(BOB, second, { basis: [coop.genesis], at: 11 });
    coop.vote(ALICE_LAPTOP, a, 'yes', { basis: [a], at: 20 });
    coop.vote(CAROL, a, 'yes', { basis: [a], at: times.first });
    coop.vote(ALICE_PHONE, b, 'yes', { basis: [b], at: 21 });
    coop.vote(BOB, b, 'yes', { basis: [b], at: times.second });
    return { coop, book: coop.book(), a, b };
  }

  it('two rule changes: the one decided later in co-op order is the rule, on every peer', () => {
    const majorityLast = concurrently({ kind: 'set-rule', rule: { kind: 'unanimity' } }, { kind: 'set-rule', rule: { kind: 'quorum', yes: 2 } }, { first: 30, second: 40 });
    expect(majorityLast.book.governance.roster.rule).toEqual({ kind: 'quorum', yes: 2 });
    const swapped = concurrently({ kind: 'set-rule', rule: { kind: 'unanimity' } }, { kind: 'set-rule', rule: { kind: 'quorum', yes: 2 } }, { first: 40, second: 30 });
    expect(swapped.book.governance.roster.rule).toEqual({ kind: 'unanimity' });
    expect(swapped.coop.book([...swapped.coop.stored()].reverse()).governance).toEqual(swapped.book.governance);
  });

  it('removing a member and adding them a device: the member is removed whichever is decided first', () => {
    for (const times of [{ first: 30, second: 40 }, { first: 40, second: 30 }]) {
      const { book, a, b } = concurrently({ kind: 'remove-member', member: 'Carol' }, { kind: 'add-device', member: 'Carol', device: DAVE.publicKey }, times);
      expect(memberNames(book)).toEqual(['Alice', 'Bob']);
      expect(proposalOf(book, a)).toMatchObject({ status: 'adopted' });
      expect(proposalOf(book, b).status).toBe('adopted');
      if (times.first > times.second) expect(proposalOf(book, b).noEffect).toBeUndefined();
      else expect(proposalOf(book, b).noEffect).toBe('Carol was removed');
    }
  });

  it('two members added with the same name, or the same device given to two members: the first decided wins, the other has no effect', () => {
    const { book, b } = concurrently(
      { kind: 'add-member', name: 'Dave', devices: [DAVE.publicKey], role: 'member' },
      { kind: 'add-device', member: 'Bob', device: DAVE.publicKey },
      { first: 30, second: 40 },
    );
    expect(book.members.find((member) => member.name === 'Dave')?.devices).toEqual([DAVE.publicKey]);
    expect(book.members.find((member) => member.name === 'Bob')?.devices).toEqual([BOB.publicKey]);
    expect(proposalOf(book, b).noEffect).toMatch(/already a device of Dave/u);
    expect(book.governance.changes.map((change) => change.applied)).toEqual([true, false]);
  });

  it('a member\'s concurrent second vote can reopen an outcome a peer saw; what was written under that outcome stands', () => {
    const coop = new Coop();
    const proposal = coop.propose(BOB, { kind: 'add-member', name: 'Dave', devices: [DAVE.publicKey], role: 'member' }, { at: 10 });
    const laptop = coop.vote(ALICE_LAPTOP, proposal, 'yes', { basis: [proposal], at: 20 });
    const phone = coop.vote(ALICE_PHONE, proposal, 'no', { basis: [proposal], at: 25 }); // Alice's other device, unaware
    const bob = coop.vote(BOB, proposal, 'yes', { basis: [laptop], at: 30 });
    const welcomed = coop.write(DAVE, 'transaction', sale('2024-06-02'), { basis: [bob], at: 40 });
    // A peer that has not yet received the phone's vote sees Dave adopted.
    const partial = coop.book(coop.stored().filter((item) => item.id !== phone.id));
    expect(proposalOf(partial, proposal).status).toBe('adopted');
    // With it, Alice's standing vote is the phone's no (later in co-op order): one yes, one no, open again.
    const later = coop.write(DAVE, 'transaction', sale('2024-06-03'), { at: 50 });
    const book = coop.book();
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'pending', yes: 1, no: 1 });
    expect(outcomes(book, [welcomed, later])).toEqual(['counted', 'not_a_member_device']);
  });

  it('a vote concurrent with the deciding vote and later in co-op order is reported, not counted', () => {
    const coop = new Coop();
    const proposal = coop.propose(ALICE_LAPTOP, { kind: 'lock', through: '2024-01-31' });
    coop.vote(ALICE_LAPTOP, proposal, 'yes', { at: 20 });
    const deciding = coop.vote(BOB, proposal, 'yes', { at: 30 });
    const concurrent = coop.vote(CAROL, proposal, 'no', { basis: [proposal], at: 40 });
    const book = coop.book();
    expect(outcomes(book, [concurrent])).toEqual(['counted']); // a valid entry: it just came too late
    expect(proposalOf(book, proposal)).toMatchObject({ status: 'adopted', decidedBy: deciding.id, yes: 2, no: 0 });
    expect(proposalOf(book, proposal).votes.at(-1)).toMatchObject({ id: concurrent.id, status: 'after_decision' });
  });
});
