import { type LockRecord } from '../book.js';
import { type IsoDate } from '../date.js';
import { type DeviceKey, type Entry, type EntryBody, type EntryId, type EntryKind } from '../entry.js';
import { assert } from '../errors.js';
import { CausalPasts } from './causal-past.js';
import { ReadyEntries } from './co-op-order.js';
import { describeRule } from './decide.js';
import { type DecisionRule, type Permission, type ProposalAction, instantKey } from './payloads.js';
import { GovernanceReplay, type ProposalInfo, type ProposalStatus, type RosterChange, type VoteRecord } from './replay.js';
import { type Roster, type RosterState } from './roster.js';

/** What a rejected entry gets: a stable code and a sentence. */
export interface Rejection {
  readonly code: string;
  readonly reason: string;
}

export interface ControlRejection extends Rejection {
  readonly entry: Entry;
}

/** A proposal and its outcome, as every peer holding the same entries computes it. */
export interface ProposalRecord {
  readonly id: EntryId;
  readonly proposer: string;
  readonly author: DeviceKey;
  readonly at: string;
  readonly action: ProposalAction;
  readonly deadline: string;
  readonly note?: string;
  /** The rule and the electorate in force at the proposal's basis; they do not change afterwards. */
  readonly rule: DecisionRule;
  readonly electorate: readonly string[];
  readonly status: ProposalStatus;
  /** The vote that decided it, the proposal itself (decided at once), or the entry that showed the deadline had passed. */
  readonly decidedBy?: EntryId;
  /** Adopted, but the roster had already changed so that the action could not apply: why. */
  readonly noEffect?: string;
  readonly yes: number;
  readonly no: number;
  readonly votes: readonly VoteRecord[];
}

/** What the right to write each kind of entry is. The genesis needs none: it founds the roster. */
export function rightNeededFor(kind: EntryKind): Permission | undefined {
  switch (kind) {
    case 'genesis': return undefined;
    case 'proposal': case 'vote': return 'vote';
    case 'transaction': case 'account': case 'commodity': case 'price': case 'assertion': case 'lock': return 'books';
    // The time bank judges its own entries (timebank/judge-timebank.ts): a paper slip or a gift from the
    // community needs 'coordinate' instead, which depends on the payload, not only the kind.
    case 'listing': case 'listing-close': case 'exchange': case 'exchange-confirm': case 'exchange-decline': case 'community-transfer': return 'timebank';
    // A co-op acts in a federation through a device of a member its roster lets act on credit (credit/README.md).
    default: return 'credit';
  }
}

/** The roster an author is judged by, the lock date in force, or why the entry does not count. */
export type AuthorCheck = { readonly ok: true; readonly lockThrough: string } | ({ readonly ok: false } & Rejection);

const CACHED_STATES = 256;
const CHECKPOINT_EVERY = 64;

/**
 * The co-op's governance history, derived from its control entries: which count (in co-op order), the
 * roster they lead to, every proposal's outcome, and the roster at any basis. See README.md.
 */
export class GovernanceHistory {
  private readonly accepted: Entry[] = [];
  private readonly refused: ControlRejection[] = [];
  private readonly byId = new Map<EntryId, Entry>();
  private readonly rejectedIds = new Set<EntryId>();
  private readonly infos = new Map<EntryId, ProposalInfo>();
  private readonly heads = new Set<EntryId>();
  private readonly pasts = new CausalPasts();
  /** Copies of the replay after every `checkpointEvery` entries (and after the genesis alone), by entries replayed. */
  private readonly checkpoints = new Map<number, GovernanceReplay>();
  private readonly states = new Map<string, { state: GovernanceReplay; length: number }>();
  private readonly full: GovernanceReplay;

  constructor(genesis: Entry<'genesis'>, private readonly checkpointEvery = CHECKPOINT_EVERY) {
    assert(Number.isSafeInteger(checkpointEvery) && checkpointEvery >= 2, 'GovernanceHistory: checkpointEvery must be an integer of at least 2');
    this.full = new GovernanceReplay(genesis.body.payload, this.infos);
    this.accept(genesis);
  }

  /** Accepted control entries, the genesis first, in co-op order. */
  get order(): readonly Entry[] {
    return this.accepted;
  }

  /** Control entries that do not count, with why. */
  get rejected(): readonly ControlRejection[] {
    return this.refused;
  }

  /** The roster after every accepted control entry (what a new entry naming all heads is written under). */
  roster(): Roster {
    return this.full.roster.toRoster();
  }

  /** The control entries no accepted control entry names: what a new entry names as its basis. */
  headIds(): EntryId[] {
    return [...this.heads].sort();
  }

  /** The roster that holds for an entry with this basis, or undefined if the basis names an entry that does not count here. */
  rosterAt(basis: readonly EntryId[]): Roster | undefined {
    return this.stateAt(basis)?.roster.toRoster();
  }

  /**
   * The roster state at a basis, read only, for judges of other entries (the time bank), or undefined
   * if the basis names an entry that does not count here (`checkAuthor` then says why).
   */
  rosterStateAt(basis: readonly EntryId[]): Readonly<RosterState> | undefined {
    return this.stateAt(basis)?.roster;
  }

  /** Whether an entry of this kind by this device, written under this basis, may count, and the lock date it must respect. */
  checkAuthor(basis: readonly EntryId[], author: DeviceKey, kind: EntryKind): AuthorCheck {
    const state = this.stateAt(basis);
    if (!state) {
      // An entry naming rules this peer does not hold, by a device no member ever had, is reported as
      // the stranger's it most likely is (as before governance); naming rejected rules is unknown_basis.
      const missing = basis.some((id) => !this.byId.has(id) && !this.rejectedIds.has(id));
      return missing && this.full.roster.ownerOf(author) === undefined
        ? { ok: false, ...notAMemberDevice(author) }
        : { ok: false, code: 'unknown_basis', reason: 'entry names rules (basis) this peer does not hold or that were rejected' };
    }
    const problem = authorProblem(state.roster, author, kind);
    return problem ? { ok: false, ...problem } : { ok: true, lockThrough: state.roster.lockThrough };
  }

  proposals(): ProposalRecord[] {
    return [...this.full.proposals.values()].map((proposal) => {
      const { info, status, decidedBy, noEffect } = proposal;
      const payload = info.entry.body.payload;
      return {
        id: info.entry.id, proposer: info.proposer, author: info.entry.body.author, at: info.entry.body.at,
        action: payload.action, deadline: payload.deadline, ...(payload.note === undefined ? {} : { note: payload.note }),
        rule: info.rule, electorate: info.electorate, status,
        ...(decidedBy === undefined ? {} : { decidedBy }), ...(noEffect === undefined ? {} : { noEffect }),
        ...proposal.tally(),
        votes: this.full.votesOn(proposal),
      };
    });
  }

  /** Accepted lock entries and adopted lock proposals (under the proposal's id, author and time). */
  locks(): LockRecord[] {
    const direct = this.accepted.filter((entry) => entry.body.kind === 'lock')
      .map((entry) => ({ id: entry.id, through: (entry.body as EntryBody<'lock'>).payload.through as IsoDate, author: entry.body.author, at: entry.body.at }));
    const voted = [...this.full.proposals.values()]
      .filter((proposal) => proposal.status === 'adopted' && proposal.info.entry.body.payload.action.kind === 'lock')
      .map(({ info }) => ({ id: info.entry.id, through: (info.entry.body.payload.action as { through: string }).through as IsoDate, author: info.entry.body.author, at: info.entry.body.at }));
    return [...direct, ...voted].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The decided changes of the roster in the order they took effect (the roster timeline). */
  changes(): readonly RosterChange[] {
    return this.full.changes;
  }

  /** Judges one control entry whose basis entries have all been judged (deriveRoster calls this in co-op order). */
  judge(entry: Entry): void {
    if (entry.body.basis.some((id) => !this.byId.has(id))) {
      this.reject(entry, { code: 'unknown_basis', reason: 'control entry names rules (basis) that were rejected' });
      return;
    }
    const state = this.stateAt(entry.body.basis);
    assert(state !== undefined, 'deriveRoster: an entry decided before its basis');
    const problem = authorProblem(state.roster, entry.body.author, entry.body.kind) ?? controlProblem(entry, state);
    if (problem) {
      this.reject(entry, problem);
      return;
    }
    if (entry.body.kind === 'proposal') this.infos.set(entry.id, proposalInfo(entry as Entry<'proposal'>, state.roster));
    this.accept(entry);
  }

  /** Entries whose basis never resolves (names an entry this peer does not hold): rejected last. */
  rejectUnresolved(entry: Entry): void {
    this.reject(entry, this.full.roster.ownerOf(entry.body.author) === undefined
      ? notAMemberDevice(entry.body.author)
      : { code: 'unknown_basis', reason: 'control entry names rules (basis) this peer does not hold' });
  }

  private accept(entry: Entry): void {
    if (entry.body.kind !== 'genesis') this.full.apply(entry);
    this.accepted.push(entry);
    this.byId.set(entry.id, entry);
    this.pasts.add(entry.id, entry.body.basis);
    for (const id of entry.body.basis) this.heads.delete(id);
    this.heads.add(entry.id);
    if (this.accepted.length === 1 || this.accepted.length % this.checkpointEvery === 0) this.checkpoints.set(this.accepted.length, this.full.clone());
  }

  private reject(entry: Entry, problem: Rejection): void {
    this.refused.push({ entry, ...problem });
    this.rejectedIds.add(entry.id);
  }

  /**
   * The replayed state at a basis: the causal closure of the entries it names, replayed in co-op order.
   * That closure is a prefix of the co-op order plus a few later entries (see CausalPast), so it is
   * the nearest checkpoint, replayed up to the prefix, then the extras: a replay of a handful of
   * entries, not of the whole history. A basis naming everything so far is the running replay itself.
   */
  private stateAt(basis: readonly EntryId[]): GovernanceReplay | undefined {
    if (basis.some((id) => !this.byId.has(id))) return undefined;
    const key = basis.length === 1 ? basis[0]! : [...basis].sort().join(',');
    const cached = this.states.get(key);
    if (cached && (cached.state !== this.full || cached.length === this.accepted.length)) return cached.state;
    const past = this.pasts.pastOf(basis)!;
    let state = this.full;
    if (past.prefix < this.accepted.length) {
      state = this.replayedPrefix(past.prefix);
      for (const position of past.extra) state.apply(this.accepted[position]!);
    }
    if (this.states.size >= CACHED_STATES) this.states.clear();
    this.states.set(key, { state, length: this.accepted.length });
    return state;
  }

  /** A new replay of the first `length` entries in co-op order. */
  private replayedPrefix(length: number): GovernanceReplay {
    const start = length < this.checkpointEvery ? 1 : length - (length % this.checkpointEvery);
    const state = this.checkpoints.get(start)!.clone();
    for (let position = start; position < length; position += 1) state.apply(this.accepted[position]!);
    return state;
  }
}

/**
 * Derives the governance history from the genesis and the other control entries (locks, proposals,
 * votes), all already signature-checked and of this co-op. Entries are decided in co-op order, each
 * against the state at its own basis, so whether a control entry counts depends only on the entry and
 * its causal past: never on entries its author could not have seen, nor on the order they arrived in.
 */
export function deriveRoster(input: {
  readonly genesis: Entry<'genesis'>;
  readonly control: Iterable<Entry>;
  /** How often the replay is copied, to replay a basis from near it (a speed/memory trade; never changes a result). */
  readonly checkpointEvery?: number;
}): GovernanceHistory {
  const history = new GovernanceHistory(input.genesis, input.checkpointEvery);
  const waiting = new Map<EntryId, Entry>();
  for (const entry of input.control) if (entry.id !== input.genesis.id && entry.body.kind !== 'genesis') waiting.set(entry.id, entry);
  const children = new Map<EntryId, Entry[]>();
  const unresolved = new Map<EntryId, number>();
  const ready = new ReadyEntries();
  for (const entry of waiting.values()) {
    const parents = new Set(entry.body.basis);
    unresolved.set(entry.id, parents.size);
    for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), entry]);
  }
  const release = (id: EntryId) => {
    for (const child of children.get(id) ?? []) {
      const left = unresolved.get(child.id)! - 1;
      unresolved.set(child.id, left);
      if (left === 0) ready.push(child);
    }
  };
  release(input.genesis.id);
  for (let entry = ready.pop(); entry !== undefined; entry = ready.pop()) {
    history.judge(entry);
    waiting.delete(entry.id);
    release(entry.id);
  }
  for (const entry of [...waiting.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) history.rejectUnresolved(entry);
  return history;
}

function proposalInfo(entry: Entry<'proposal'>, roster: RosterState): ProposalInfo {
  const standing = roster.standing(entry.body.author);
  assert(standing.kind === 'active', 'deriveRoster: an accepted proposal by an inactive device');
  return { entry, proposer: standing.member, electorate: roster.votingMembers(), rule: roster.rule, deadlineKey: instantKey(entry.body.payload.deadline) };
}

function notAMemberDevice(author: DeviceKey): Rejection {
  return { code: 'not_a_member_device', reason: `author device ${author.slice(0, 16)}… is not a device of any member` };
}

/** Whether the author device could write this kind of entry in this roster (with `right`, when the payload decides it). */
export function authorProblem(roster: Readonly<RosterState>, author: DeviceKey, kind: EntryKind, right: Permission | undefined = rightNeededFor(kind)): Rejection | undefined {
  if (right === undefined) return undefined;
  const standing = roster.standing(author);
  const device = `${author.slice(0, 16)}…`;
  switch (standing.kind) {
    case 'unknown':
      return kind === 'vote' ? { code: 'vote_by_non_member', reason: `vote by device ${device}, which is not a device of any member` } : notAMemberDevice(author);
    case 'revoked':
      return { code: 'device_revoked', reason: `device ${device} of ${standing.member} was revoked in the rules its author had seen` };
    case 'removed':
      return kind === 'vote'
        ? { code: 'vote_by_non_member', reason: `vote by a device of ${standing.member}, who was removed from the co-op` }
        : { code: 'member_removed', reason: `${standing.member} was removed from the co-op in the rules its author had seen` };
    case 'active':
      return standing.may.has(right) ? undefined : { code: 'role_not_allowed', reason: `${standing.member}'s role may not write ${kind} entries (needs '${right}')` };
  }
}

/** The checks particular to proposals and votes, against the state at the entry's basis. */
function controlProblem(entry: Entry, state: GovernanceReplay): Rejection | undefined {
  if (entry.body.kind === 'proposal') {
    const payload = (entry.body as EntryBody<'proposal'>).payload;
    if (instantKey(payload.deadline) <= instantKey(entry.body.at)) return { code: 'invalid_proposal', reason: `deadline ${payload.deadline} is not after the proposal was written (${entry.body.at})` };
    const problem = state.roster.actionProblem(payload.action);
    return problem === undefined ? undefined : { code: 'invalid_proposal', reason: `${payload.action.kind}: ${problem}` };
  }
  if (entry.body.kind !== 'vote') return undefined;
  const { proposal: id, choice } = (entry.body as EntryBody<'vote'>).payload;
  const proposal = state.proposals.get(id as EntryId);
  if (!proposal) return { code: 'unknown_proposal', reason: `votes on ${id.slice(0, 12)}…, which is not a proposal in the history its author had seen` };
  const member = state.roster.ownerOf(entry.body.author)!;
  if (!proposal.info.electorate.includes(member)) return { code: 'not_an_elector', reason: `${member} could not vote when proposal ${id.slice(0, 12)}… was made (its electorate: ${proposal.info.electorate.join(', ')})` };
  if (instantKey(entry.body.at) > proposal.info.deadlineKey || proposal.status === 'expired') {
    return { code: 'proposal_expired', reason: `written after the deadline ${proposal.info.entry.body.payload.deadline} of proposal ${id.slice(0, 12)}…` };
  }
  if (proposal.status !== 'pending') return { code: 'proposal_decided', reason: `proposal ${id.slice(0, 12)}… was already ${proposal.status} (by ${describeRule(proposal.info.rule)}) in the history its author had seen` };
  if (proposal.standing.get(member)?.choice === choice) return { code: 'duplicate_vote', reason: `${member} had already voted ${choice} on ${id.slice(0, 12)}…, as its author had seen` };
  return undefined;
}

