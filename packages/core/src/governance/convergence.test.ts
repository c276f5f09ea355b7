import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeEntryCrypto, NodeEntrySigner } from '../../../sync/src/node-crypto.js';
import { type Book } from '../book.js';
import { type CoopId, type Entry, type EntryBody, type EntryId, type EntryKind, type PayloadOf, checkStoredEntry, createEntry, isControlKind } from '../entry.js';
import { materialize } from '../materialize.js';
import { type GenesisJson } from '../payloads.js';
import { deriveRoster, rightNeededFor } from './derive-roster.js';
import { type DecisionRule, type ProposalAction } from './payloads.js';
import { type Roster } from './roster.js';

/*
 * Peers that write concurrently and exchange entries in random order must agree: on the same set of
 * entries every peer decides the same (whatever order it read them in), and a peer holding only a
 * causally closed part of the history decides every entry it holds, and the roster at every basis it
 * holds, exactly as a peer holding everything. Entries are signed with real Ed25519 keys.
 */

const crypto = new NodeEntryCrypto();
const device = (name: string) => new NodeEntrySigner(new Uint8Array(createHash('sha256').update(`tallystick convergence test: ${name}`).digest()));
const ALICE_LAPTOP = device('alice laptop');
const ALICE_PHONE = device('alice phone');
const BOB = device('bob');
const CAROL = device('carol');
const DAVE = device('dave');
const BOB_TABLET = device('bob tablet');
const MALLORY = device('mallory');
const DEVICES = [ALICE_LAPTOP, ALICE_PHONE, BOB, CAROL, DAVE, BOB_TABLET, MALLORY];
const COOP = 'beef0000beef0000beef0000beef0000' as CoopId;

const FOUNDING: GenesisJson = {
  name: 'Harbour Co-op',
  members: [
    { name: 'Alice', devices: [ALICE_LAPTOP.publicKey, ALICE_PHONE.publicKey], role: 'member' },
    { name: 'Bob', devices: [BOB.publicKey], role: 'member' },
    { name: 'Carol', devices: [CAROL.publicKey], role: 'member' },
  ],
  roles: [{ name: 'member', may: ['books', 'vote'] }, { name: 'observer', may: ['vote'] }, { name: 'bookkeeper', may: ['books'] }],
};
const GENESIS = createEntry({ kind: 'genesis', coop: COOP, at: '2024-06-01T00:00:00.000Z', n: 0, basis: [], payload: FOUNDING }, ALICE_LAPTOP, crypto);

/** Actions that overlap on purpose: the same member removed and given a device, one device given to two members… */
const ACTIONS: ProposalAction[] = [
  { kind: 'add-member', name: 'Dave', devices: [DAVE.publicKey], role: 'member' },
  { kind: 'revoke-device', member: 'Alice', device: ALICE_PHONE.publicKey },
  { kind: 'replace-device', member: 'Alice', device: ALICE_PHONE.publicKey, by: DAVE.publicKey },
  { kind: 'replace-device', member: 'Bob', device: BOB.publicKey, by: BOB_TABLET.publicKey },
  { kind: 'remove-member', member: 'Carol' },
  { kind: 'add-device', member: 'Bob', device: BOB_TABLET.publicKey },
  { kind: 'add-device', member: 'Carol', device: BOB_TABLET.publicKey },
  { kind: 'set-rule', rule: { kind: 'quorum', yes: 2 } },
  { kind: 'set-rule', rule: { kind: 'unanimity' } },
  { kind: 'set-role', member: 'Bob', role: 'observer' },
  { kind: 'set-role', member: 'Carol', role: 'bookkeeper' },
  { kind: 'lock', through: '2024-03-31' },
  { kind: 'remove-member', member: 'Bob' },
];

type Basis = 'heads' | 'raw' | 'genesis';
type Step =
  | { readonly kind: 'propose'; readonly device: number; readonly action: number; readonly deadline: number; readonly skew: number; readonly basis: Basis }
  | { readonly kind: 'vote'; readonly device: number; readonly pick: number; readonly choice: 'yes' | 'no'; readonly skew: number; readonly basis: Basis }
  | { readonly kind: 'lock'; readonly device: number; readonly day: number; readonly skew: number; readonly basis: Basis }
  | { readonly kind: 'transaction'; readonly device: number; readonly day: number; readonly skew: number; readonly basis: Basis }
  | { readonly kind: 'sync'; readonly from: number; readonly to: number };

const atOf = (seconds: number) => new Date(Date.UTC(2024, 5, 1) + seconds * 1000).toISOString();
const dayOf = (day: number) => new Date(Date.UTC(2024, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
const controlOf = (entries: Iterable<Entry>) => [...entries].filter((entry) => isControlKind(entry.body.kind));

/** What each device holds after the steps: every device writes into its own replica; sync copies one replica into another. */
function simulate(steps: readonly Step[]): { replicas: Map<EntryId, Entry>[]; all: Entry[] } {
  const replicas = DEVICES.map(() => new Map<EntryId, Entry>([[GENESIS.id, GENESIS as Entry]]));
  const all: Entry[] = [];
  steps.forEach((step, index) => {
    if (step.kind === 'sync') {
      for (const [id, entry] of replicas[step.from]!) replicas[step.to]!.set(id, entry);
      return;
    }
    const replica = replicas[step.device]!;
    const payload = payloadOf(step, [...replica.values()].filter((entry) => entry.body.kind === 'proposal'), index);
    if (!payload) return;
    const entry = createEntry({ kind: payload.kind, coop: COOP, at: atOf(index * 10 + step.skew), n: 0, basis: basisOf(replica, step.basis), payload: payload.payload } as Omit<EntryBody, 'v' | 'author'>, DEVICES[step.device]!, crypto);
    replica.set(entry.id, entry);
    all.push(entry);
  });
  return { replicas, all: [GENESIS, ...all] };
}

function payloadOf(step: Exclude<Step, { kind: 'sync' }>, proposals: readonly Entry[], index: number): { kind: EntryKind; payload: unknown } | undefined {
  switch (step.kind) {
    case 'propose': return { kind: 'proposal', payload: { action: ACTIONS[step.action]!, deadline: atOf(index * 10 + step.skew + step.deadline * 10) } };
    case 'vote': {
      // Counted back from the newest proposal the device holds: votes gather on open proposals.
      const newestFirst = [...proposals].sort((a, b) => (a.body.at < b.body.at ? 1 : a.body.at > b.body.at ? -1 : 0));
      const proposal = newestFirst[step.pick % Math.max(1, proposals.length)];
      return proposal ? { kind: 'vote', payload: { proposal: proposal.id, choice: step.choice } } : undefined;
    }
    case 'lock': return { kind: 'lock', payload: { through: dayOf(step.day) } };
    case 'transaction': return {
      kind: 'transaction',
      payload: {
        date: dayOf(step.day), status: '*', description: `sale ${index}`, tags: [], links: [], metadata: {},
        postings: [{ account: 'assets:cash', amount: ['EUR', String(index + 1)] }, { account: 'income:sales', amount: ['EUR', String(-(index + 1))] }],
      } satisfies PayloadOf<'transaction'>,
    };
  }
}

/** An honest writer names the heads of what counts; a careless one the heads of everything it holds; a stale one only the genesis. */
function basisOf(replica: ReadonlyMap<EntryId, Entry>, mode: Basis): EntryId[] {
  if (mode === 'genesis') return [GENESIS.id];
  const control = controlOf(replica.values());
  if (mode === 'heads') return deriveRoster({ genesis: GENESIS, control }).headIds();
  const named = new Set(control.flatMap((entry) => entry.body.basis));
  return control.filter((entry) => !named.has(entry.id)).map((entry) => entry.id).sort();
}

/** A peer reading stored entries: signature checks, then materialize. */
function bookOf(entries: readonly Entry[]): Book {
  const checked: Entry[] = [];
  for (const entry of entries) {
    const check = checkStoredEntry(entry.id, entry.stored, crypto);
    expect(check.ok).toBe(true);
    if (check.ok) checked.push(check.entry);
  }
  return materialize({ genesisId: GENESIS.id, entries: checked });
}

const codesOf = (book: Book) => new Map(book.rejected.map((rejected) => [rejected.id, rejected.code]));

/** The causal closure of some entries: what a peer that received them (and what they name) holds. */
function closureOf(picked: readonly Entry[], byId: ReadonlyMap<EntryId, Entry>): Entry[] {
  const held = new Map<EntryId, Entry>([[GENESIS.id, GENESIS]]);
  const stack = [...picked];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    if (held.has(entry.id)) continue;
    held.set(entry.id, entry);
    for (const id of entry.body.basis) stack.push(byId.get(id)!);
  }
  return [...held.values()];
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = (seed >>> 0) || 1;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

// Mostly the founders' devices; sometimes Dave, Bob's tablet (members only if adopted) and Mallory (never).
const device_ = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 4, max: DEVICES.length - 1 }) });
// Clocks disagree (author times need not follow causality), and often two entries share a time: the id decides.
const skew = fc.oneof(fc.integer({ min: -25, max: 25 }), fc.constantFrom(-20, -10, 0, 10, 20));
const basis = fc.constantFrom<Basis>('heads', 'heads', 'heads', 'heads', 'heads', 'heads', 'raw', 'genesis');
const day = fc.integer({ min: 0, max: 180 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('propose' as const), device: device_, action: fc.integer({ min: 0, max: ACTIONS.length - 1 }), deadline: fc.integer({ min: 3, max: 80 }), skew, basis }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('vote' as const), device: device_, pick: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(4) }), choice: fc.constantFrom('yes' as const, 'yes' as const, 'yes' as const, 'no' as const), skew, basis }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lock' as const), device: device_, day, skew, basis }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('transaction' as const), device: device_, day, skew, basis }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('sync' as const), from: device_, to: device_ }) },
);
const founder = fc.integer({ min: 0, max: 3 });
/** Free-form histories, and histories of 2–4 proposals made concurrently by founders, then votes and gossip. */
const steps = fc.oneof(
  fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }),
  fc.tuple(
    // Actions that conflict pairwise: Carol removed, given the tablet or made bookkeeper; the tablet given to Bob or Carol; two rules.
    fc.array(fc.record({ kind: fc.constant('propose' as const), device: founder, action: fc.constantFrom(2, 3, 4, 5, 6, 8), deadline: fc.integer({ min: 30, max: 90 }), skew, basis: fc.constant<Basis>('heads') }), { minLength: 2, maxLength: 4 }),
    fc.array(fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('vote' as const), device: founder, pick: fc.nat(3), choice: fc.constantFrom('yes' as const, 'yes' as const, 'no' as const), skew, basis: fc.constant<Basis>('heads') }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('sync' as const), from: founder, to: founder }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('transaction' as const), device: device_, day, skew, basis }) },
    ), { minLength: 10, maxLength: 50, size: 'max' }),
    fc.boolean(),
  ).map(([proposals, rest, shared]): Step[] => {
    // Sometimes every founder hears of every proposal before voting (the votes still race each other).
    const gossip = shared ? [0, 1, 2, 3].flatMap((from) => [0, 1, 2, 3].map((to) => ({ kind: 'sync' as const, from, to }))) : [];
    return [...proposals, ...gossip, ...gossip, ...rest];
  }),
);
const RUNS = { seed: 20_240_604, numRuns: 50 };

/** Everything governance decides, to compare two books as a whole. */
function decisionsOf(book: Book): unknown {
  return { rejected: book.rejected, governance: book.governance, members: book.members, locks: book.locks, lockedThrough: book.lockedThrough, transactions: book.transactions.map((recorded) => recorded.id) };
}

describe('governance: every peer agrees', () => {
  it('the same entries in any order give the same decisions, roster, proposals and books', () => {
    fc.assert(fc.property(steps, fc.integer(), fc.integer(), (written, first, second) => {
      const { all } = simulate(written);
      const reference = decisionsOf(bookOf(all));
      expect(decisionsOf(bookOf(shuffle(all, first)))).toEqual(reference);
      expect(decisionsOf(bookOf(shuffle(all, second).reverse()))).toEqual(reference);
      // deriveRoster itself, not only through materialize (which sorts its input first).
      const history = (entries: readonly Entry[]) => {
        const derived = deriveRoster({ genesis: GENESIS, control: controlOf(entries) });
        return { roster: derived.roster(), proposals: derived.proposals(), changes: derived.changes(), order: derived.order.map((entry) => entry.id), rejected: derived.rejected.map(({ entry, code }) => [entry.id, code]).sort() };
      };
      expect(history(shuffle(all, first))).toEqual(history(shuffle(all, second)));
      // How often the replay is checkpointed is a speed trade and never changes a result.
      const everyOther = deriveRoster({ genesis: GENESIS, control: controlOf(all), checkpointEvery: 2 });
      const usual = deriveRoster({ genesis: GENESIS, control: controlOf(all) });
      for (const entry of all) expect(everyOther.rosterAt(entry.body.basis)).toEqual(usual.rosterAt(entry.body.basis));
      expect(everyOther.proposals()).toEqual(usual.proposals());
      expect(everyOther.rejected.map(({ entry, code }) => [entry.id, code])).toEqual(usual.rejected.map(({ entry, code }) => [entry.id, code]));
    }), RUNS);
  });

  it('a peer holding a causally closed part decides each entry it holds, and the roster at each basis, as a peer holding everything', () => {
    fc.assert(fc.property(steps, fc.array(fc.nat(), { maxLength: 6 }), (written, picks) => {
      const { replicas, all } = simulate(written);
      const byId = new Map(all.map((entry) => [entry.id, entry]));
      const full = bookOf(all);
      const fullHistory = deriveRoster({ genesis: GENESIS, control: controlOf(all), checkpointEvery: 3 });
      const codes = codesOf(full);
      const fullProposals = new Map(fullHistory.proposals().map((proposal) => [proposal.id, proposal]));
      const parts = [...replicas.map((replica) => [...replica.values()]), closureOf(picks.map((pick) => all[pick % all.length]!), byId)];
      // The roster at a basis is, by definition, the roster a peer holding only that basis's causal past derives.
      for (const entry of all.slice(1)) {
        const roster = fullHistory.rosterAt(entry.body.basis);
        // No roster holds where the basis names a control entry that does not count.
        expect(roster === undefined).toBe(entry.body.basis.some((id) => codes.has(id)));
        if (roster === undefined) continue;
        const past = closureOf(entry.body.basis.map((id) => byId.get(id)!), byId);
        expect(roster).toEqual(deriveRoster({ genesis: GENESIS, control: controlOf(past) }).roster());
      }
      for (const part of parts) {
        const partCodes = codesOf(bookOf(part));
        const history = deriveRoster({ genesis: GENESIS, control: controlOf(part) });
        for (const entry of part) {
          expect(partCodes.get(entry.id), `${entry.body.kind} ${entry.id.slice(0, 8)}`).toBe(codes.get(entry.id));
          expect(history.rosterAt(entry.body.basis)).toEqual(fullHistory.rosterAt(entry.body.basis));
        }
        // An outcome a peer saw stands when it learns more, unless a member voted twice on the proposal
        // (changed their vote, or voted through two devices): only then can a concurrent vote reorder the tally.
        for (const proposal of history.proposals()) {
          const everything = fullProposals.get(proposal.id)!;
          const votedOnce = new Set(everything.votes.map((vote) => vote.member)).size === everything.votes.length;
          if (votedOnce && (proposal.status === 'adopted' || proposal.status === 'rejected')) expect(everything.status).toBe(proposal.status);
        }
      }
    }), RUNS);
  });

  it('every entry that counts was written by an active device of a member whose role had the right, in the roster at its basis', () => {
    fc.assert(fc.property(steps, (written) => {
      const { all } = simulate(written);
      const book = bookOf(all);
      const history = deriveRoster({ genesis: GENESIS, control: controlOf(all) });
      const codes = codesOf(book);
      let counted = 0;
      for (const entry of all) {
        if (entry.id === GENESIS.id || codes.has(entry.id)) continue;
        counted += 1;
        const roster = history.rosterAt(entry.body.basis);
        expect(roster).toBeDefined();
        expect(authorMay(roster!, entry)).toBe(true);
      }
      // And every entry that does not count has a reason, every one that does is in the book.
      expect(counted + book.rejected.length).toBe(all.length - 1);
    }), RUNS);
  });

  it('tallies count one standing vote per elector, and every outcome is what the rule says of the tally', () => {
    fc.assert(fc.property(steps, (written) => {
      const { all } = simulate(written);
      const book = bookOf(all);
      for (const proposal of book.governance.proposals) {
        const counted = proposal.votes.filter((vote) => vote.status === 'counted');
        expect(new Set(counted.map((vote) => vote.member)).size).toBe(counted.length);
        for (const vote of counted) expect(proposal.electorate).toContain(vote.member);
        expect(proposal.yes).toBe(counted.filter((vote) => vote.choice === 'yes').length);
        expect(proposal.no).toBe(counted.length - proposal.yes);
        expect(outcomeByRule(proposal.rule, proposal.electorate.length, proposal.yes, proposal.no)).toBe(proposal.status === 'adopted' || proposal.status === 'rejected' ? proposal.status : undefined);
        if (proposal.status !== 'pending') expect(proposal.decidedBy).toBeDefined();
      }
      for (const change of book.governance.changes) {
        expect(book.governance.proposals.find((proposal) => proposal.id === change.proposal)?.status).toBe('adopted');
      }
    }), RUNS);
  });

  it('peers that exchanged everything, in whatever order, hold the same roster', () => {
    fc.assert(fc.property(steps, fc.array(fc.record({ from: device_, to: device_ }), { maxLength: 30 }), (written, syncs) => {
      const { replicas } = simulate(written);
      // Gossip in a random order, then a final round in which everyone hears from everyone.
      for (const { from, to } of syncs) for (const [id, entry] of replicas[from]!) replicas[to]!.set(id, entry);
      for (const replica of replicas) for (const other of replicas) for (const [id, entry] of other) replica.set(id, entry);
      const rosters = replicas.map((replica) => decisionsOf(bookOf([...replica.values()])));
      for (const roster of rosters) expect(roster).toEqual(rosters[0]);
    }), { ...RUNS, numRuns: 25 });
  });
});

/** Written from the rule's words, not from the code under test. */
function outcomeByRule(rule: DecisionRule, electorate: number, yes: number, no: number): 'adopted' | 'rejected' | undefined {
  if (rule.kind === 'majority') return yes > electorate / 2 ? 'adopted' : no >= electorate / 2 ? 'rejected' : undefined;
  if (rule.kind === 'quorum') return yes >= rule.yes ? 'adopted' : electorate - no < rule.yes ? 'rejected' : undefined;
  return electorate > 0 && yes === electorate ? 'adopted' : no > 0 || electorate === 0 ? 'rejected' : undefined;
}

function authorMay(roster: Roster, entry: Entry): boolean {
  const member = roster.members.find((candidate) => candidate.devices.includes(entry.body.author));
  const right = rightNeededFor(entry.body.kind);
  if (!member || member.removed || right === undefined) return false;
  return roster.roles.find((role) => role.name === member.role)?.may.includes(right) === true;
}


// ---------------------------------------------------------------- a model of the rules, for histories without concurrency

interface ModelMember { role: string; devices: string[]; revoked: string[]; removed: boolean }
interface ModelProposal { action: ProposalAction; electorate: string[]; rule: DecisionRule; deadline: string; votes: Map<string, 'yes' | 'no'>; status: string }

/**
 * The rules as the README states them, for a history in which every entry was written having seen every
 * earlier one (so the co-op order is the order written): what each entry's fate should be.
 */
class Model {
  readonly members = new Map<string, ModelMember>(FOUNDING.members.map((member) => [member.name, { role: member.role!, devices: [...member.devices], revoked: [], removed: false }]));
  readonly proposals = new Map<string, ModelProposal>();
  rule: DecisionRule = { kind: 'majority' };
  lockThrough = '';

  fate(entry: Entry): string {
    const at = entry.body.at;
    const owner = [...this.members].find(([, member]) => member.devices.includes(entry.body.author) || member.revoked.includes(entry.body.author));
    const vote = entry.body.kind === 'vote';
    if (!owner) return vote ? 'vote_by_non_member' : 'not_a_member_device';
    const [name, member] = owner;
    if (member.revoked.includes(entry.body.author)) return 'device_revoked';
    if (member.removed) return vote ? 'vote_by_non_member' : 'member_removed';
    const may = FOUNDING.roles!.find((role) => role.name === member.role)!.may as readonly string[];
    if (!may.includes(entry.body.kind === 'vote' || entry.body.kind === 'proposal' ? 'vote' : 'books')) return 'role_not_allowed';
    switch (entry.body.kind) {
      case 'transaction': return (entry.body.payload as { date: string }).date <= this.lockThrough ? 'period_locked' : 'counted';
      case 'lock': {
        const through = (entry.body.payload as { through: string }).through;
        this.expire(at);
        if (through > this.lockThrough) this.lockThrough = through;
        return 'counted';
      }
      case 'proposal': {
        const { action, deadline } = entry.body.payload as { action: ProposalAction; deadline: string };
        if (deadline <= at || this.problem(action) !== undefined) return 'invalid_proposal';
        this.expire(at);
        const proposal = { action, electorate: this.voters(), rule: this.rule, deadline, votes: new Map(), status: 'pending' };
        this.proposals.set(entry.id, proposal);
        this.tally(proposal);
        return 'counted';
      }
      default: return this.vote(entry, name);
    }
  }

  private vote(entry: Entry, member: string): string {
    const { proposal: id, choice } = entry.body.payload as { proposal: string; choice: 'yes' | 'no' };
    const proposal = this.proposals.get(id);
    if (!proposal) return 'unknown_proposal';
    if (!proposal.electorate.includes(member)) return 'not_an_elector';
    if (entry.body.at > proposal.deadline || proposal.status === 'expired') return 'proposal_expired';
    if (proposal.status !== 'pending') return 'proposal_decided';
    if (proposal.votes.get(member) === choice) return 'duplicate_vote';
    this.expire(entry.body.at);
    proposal.votes.set(member, choice);
    this.tally(proposal);
    return 'counted';
  }

  /** A control entry that counts, written after a pending proposal's deadline, closes it. */
  private expire(at: string): void {
    for (const proposal of this.proposals.values()) if (proposal.status === 'pending' && proposal.deadline < at) proposal.status = 'expired';
  }

  private tally(proposal: ModelProposal): void {
    const yes = [...proposal.votes.values()].filter((choice) => choice === 'yes').length;
    const outcome = outcomeByRule(proposal.rule, proposal.electorate.length, yes, proposal.votes.size - yes);
    if (!outcome) return;
    proposal.status = outcome;
    if (outcome === 'adopted' && this.problem(proposal.action) === undefined) this.apply(proposal.action);
  }

  private voters(except?: string, role?: [string, string]): string[] {
    return [...this.members].filter(([name, member]) => !member.removed && name !== except
      && FOUNDING.roles!.find((known) => known.name === (role?.[0] === name ? role[1] : member.role))!.may.includes('vote')).map(([name]) => name).sort();
  }

  private decidable(voters: number, rule: DecisionRule = this.rule): boolean {
    return voters >= 1 && (rule.kind !== 'quorum' || voters >= rule.yes);
  }

  private problem(action: ProposalAction): string | undefined {
    const taken = (device: string) => [...this.members.values()].some((member) => member.devices.includes(device) || member.revoked.includes(device));
    const active = (name: string) => this.members.get(name)?.removed === false;
    const role = (name: string) => FOUNDING.roles!.some((known) => known.name === name);
    switch (action.kind) {
      case 'add-member': return this.members.has(action.name) || !role(action.role) || action.devices.some(taken) ? 'no' : undefined;
      case 'remove-member': return !active(action.member) || !this.decidable(this.voters(action.member).length) ? 'no' : undefined;
      case 'add-device': return !active(action.member) || taken(action.device) ? 'no' : undefined;
      case 'revoke-device': return this.members.get(action.member)?.devices.includes(action.device) ? undefined : 'no';
      case 'replace-device': return active(action.member) && this.members.get(action.member)!.devices.includes(action.device) && !taken(action.by) ? undefined : 'no';
      case 'set-role': return !active(action.member) || !role(action.role) || !this.decidable(this.voters(undefined, [action.member, action.role]).length) ? 'no' : undefined;
      case 'set-rule': return this.decidable(this.voters().length, action.rule) ? undefined : 'no';
      case 'lock': return undefined;
    }
  }

  private apply(action: ProposalAction): void {
    switch (action.kind) {
      case 'add-member': this.members.set(action.name, { role: action.role, devices: [...action.devices], revoked: [], removed: false }); return;
      case 'remove-member': this.members.get(action.member)!.removed = true; return;
      case 'add-device': this.members.get(action.member)!.devices.push(action.device); return;
      case 'revoke-device':
      case 'replace-device': {
        const member = this.members.get(action.member)!;
        member.devices = member.devices.filter((device) => device !== action.device);
        member.revoked.push(action.device);
        if (action.kind === 'replace-device') member.devices.push(action.by);
        return;
      }
      case 'set-role': this.members.get(action.member)!.role = action.role; return;
      case 'set-rule': this.rule = action.rule; return;
      case 'lock': if (action.through > this.lockThrough) this.lockThrough = action.through;
    }
  }
}

describe('governance: without concurrency, the rules as stated', () => {
  it('every entry counts or is rejected exactly as a model of the rules says, and the rosters agree', () => {
    const written = fc.array(fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('propose' as const), device: device_, action: fc.integer({ min: 0, max: ACTIONS.length - 1 }), deadline: fc.integer({ min: 0, max: 30 }) }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('vote' as const), device: device_, pick: fc.nat(3), choice: fc.constantFrom('yes' as const, 'yes' as const, 'no' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('lock' as const), device: device_, day }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('transaction' as const), device: device_, day }) },
    ), { minLength: 5, maxLength: 50, size: 'max' });
    fc.assert(fc.property(written, (steps) => {
      const model = new Model();
      const entries: Entry[] = [GENESIS];
      const expected = new Map<string, string>();
      const counted: Entry[] = [];
      steps.forEach((step, index) => {
        const payload = payloadOf({ ...step, skew: 0, basis: 'heads' }, entries.filter((entry) => entry.body.kind === 'proposal'), index);
        if (!payload) return;
        // The author had seen everything: it names every control entry that counts and that no other names.
        const control = [GENESIS as Entry, ...counted.filter((entry) => isControlKind(entry.body.kind))];
        const named = new Set(control.flatMap((entry) => entry.body.basis));
        const basis = control.filter((entry) => !named.has(entry.id)).map((entry) => entry.id);
        const entry = createEntry({ kind: payload.kind, coop: COOP, at: atOf(index * 10 + 10), n: 0, basis, payload: payload.payload } as Omit<EntryBody, 'v' | 'author'>, DEVICES[step.device]!, crypto);
        const fate = model.fate(entry);
        expected.set(entry.id, fate);
        if (fate === 'counted') counted.push(entry);
        entries.push(entry);
      });
      const book = bookOf(entries);
      const codes = codesOf(book);
      for (const entry of entries.slice(1)) expect(codes.get(entry.id) ?? 'counted', `${entry.body.kind} ${entry.id.slice(0, 8)}`).toBe(expected.get(entry.id));
      expect(book.members.map((member) => member.name).sort()).toEqual([...model.members].filter(([, member]) => !member.removed).map(([name]) => name).sort());
      for (const member of book.members) expect(member.devices).toEqual(model.members.get(member.name)!.devices);
      expect(book.governance.roster.rule).toEqual(model.rule);
      expect(book.lockedThrough ?? '').toBe(model.lockThrough);
      for (const proposal of book.governance.proposals) expect(proposal.status).toBe(model.proposals.get(proposal.id)!.status);
    }), RUNS);
  });
});
