import { type DeviceKey, type Entry, type EntryBody, type EntryId } from '../entry.js';
import { assert } from '../errors.js';
import { type GenesisJson } from '../payloads.js';
import { decisionOf } from './decide.js';
import { type DecisionRule, type ProposalAction, type VoteChoice, instantKey } from './payloads.js';
import { RosterState } from './roster.js';

/** What a proposal is fixed to when it is accepted: the electorate and the rule in force at its basis. */
export interface ProposalInfo {
  readonly entry: Entry<'proposal'>;
  readonly proposer: string;
  readonly electorate: readonly string[];
  readonly rule: DecisionRule;
  readonly deadlineKey: string;
}

export type ProposalStatus = 'pending' | 'adopted' | 'rejected' | 'expired';

/** Sorts after every instant key. */
const NO_DEADLINE = '\uffff';

/**
 * A vote as a proposal's tally sees it. `counted`: the member's standing vote; `superseded`: replaced by
 * a later vote of the same member before the outcome was decided (not an error: a member may change
 * their mind); `after_decision`: written concurrently with the vote that decided the outcome, and later
 * than it in co-op order, so it came too late to count.
 */
export interface VoteRecord {
  readonly id: EntryId;
  readonly member: string;
  readonly device: DeviceKey;
  readonly choice: VoteChoice;
  readonly at: string;
  readonly status: 'counted' | 'superseded' | 'after_decision';
}

/** A decided proposal's effect on the roster, in the order the decisions happened. */
export interface RosterChange {
  readonly proposal: EntryId;
  /** The entry at which the outcome was decided: the deciding vote, or the proposal itself. */
  readonly decidedBy: EntryId;
  readonly action: ProposalAction;
  readonly applied: boolean;
  /** Why an adopted proposal changed nothing (a concurrent decision got there first). */
  readonly reason?: string;
}

/**
 * A proposal's tally in one replay. Once decided it never changes again (votes that arrive later are
 * kept by the replay, not here), so clones of a replay share decided proposals and copy open ones.
 */
export class ProposalState {
  status: ProposalStatus = 'pending';
  decidedBy: EntryId | undefined;
  /** Why an adopted action had no effect on the roster, if it had none. */
  noEffect: string | undefined;
  readonly standing = new Map<string, { choice: VoteChoice; index: number }>();
  readonly ballots: { -readonly [K in keyof VoteRecord]: VoteRecord[K] }[] = [];
  private yes = 0;

  constructor(readonly info: ProposalInfo) {}

  /** Records a member's vote, superseding their previous one. */
  cast(record: VoteRecord): void {
    const previous = this.standing.get(record.member);
    if (previous) {
      this.ballots[previous.index]!.status = 'superseded';
      if (previous.choice === 'yes') this.yes -= 1;
    }
    if (record.choice === 'yes') this.yes += 1;
    this.standing.set(record.member, { choice: record.choice, index: this.ballots.length });
    this.ballots.push({ ...record });
  }

  tally(): { yes: number; no: number } {
    return { yes: this.yes, no: this.standing.size - this.yes };
  }

  clone(): ProposalState {
    assert(this.status === 'pending', 'ProposalState.clone: decided proposals are shared, not copied');
    const copy = new ProposalState(this.info);
    for (const ballot of this.ballots) copy.cast(ballot);
    for (const [index, ballot] of this.ballots.entries()) copy.ballots[index]!.status = ballot.status;
    return copy;
  }
}

/**
 * Replays control entries in co-op order from the genesis: the roster, each proposal's tally and
 * outcome, and the changes decided. A replay of the causal closure of a basis is the state an entry
 * with that basis was written under. Entries must be accepted ones, given in co-op order.
 */
export class GovernanceReplay {
  readonly roster: RosterState;
  readonly proposals = new Map<EntryId, ProposalState>();
  readonly changes: RosterChange[] = [];
  /** Votes that arrived after their proposal was decided (concurrently with the deciding vote), by proposal. */
  readonly late = new Map<EntryId, VoteRecord[]>();
  private pending: ProposalState[] = [];
  /**
   * Open proposals this replay may change in place. A clone shares every proposal with its original
   * and neither owns them afterwards: whichever changes one first copies it (copy on write), so a
   * clone costs the number of proposals, not the number of votes.
   */
  private readonly owned = new Set<ProposalState>();
  /** The earliest deadline among pending proposals, so that most entries cost one comparison here. */
  private earliestDeadline = NO_DEADLINE;

  constructor(genesis: GenesisJson | RosterState, private readonly infos: ReadonlyMap<EntryId, ProposalInfo>) {
    this.roster = genesis instanceof RosterState ? genesis : RosterState.ofGenesis(genesis);
  }

  /** An independent copy: applying entries to one does not change the other. */
  clone(): GovernanceReplay {
    const copy = new GovernanceReplay(this.roster.clone(), this.infos);
    for (const [id, proposal] of this.proposals) copy.proposals.set(id, proposal);
    copy.changes.push(...this.changes);
    for (const [id, votes] of this.late) copy.late.set(id, [...votes]);
    copy.pending = [...this.pending];
    copy.earliestDeadline = this.earliestDeadline;
    this.owned.clear();
    return copy;
  }

  apply(entry: Entry): void {
    const at = instantKey(entry.body.at);
    // An entry written after a pending proposal's deadline is the co-op's evidence that time has passed.
    if (this.earliestDeadline < at) {
      for (const proposal of this.pending.filter((open) => open.info.deadlineKey < at)) this.decide(proposal, 'expired', entry.id);
    }
    switch (entry.body.kind) {
      case 'lock':
        this.roster.lock((entry.body as EntryBody<'lock'>).payload.through);
        return;
      case 'proposal': {
        const info = this.infos.get(entry.id);
        assert(info !== undefined, 'replay: a proposal without its accepted info');
        const proposal = new ProposalState(info);
        this.proposals.set(entry.id, proposal);
        this.owned.add(proposal);
        this.pending.push(proposal);
        if (info.deadlineKey < this.earliestDeadline) this.earliestDeadline = info.deadlineKey;
        this.decideIfTallied(proposal, entry.id);
        return;
      }
      case 'vote':
        this.applyVote(entry as Entry<'vote'>);
        return;
      default:
        assert(false, `replay: ${entry.body.kind} is not a control entry after the genesis`);
    }
  }

  /** Every vote on a proposal in co-op order: those tallied, then those that came after the decision. */
  votesOn(proposal: ProposalState): VoteRecord[] {
    return [...proposal.ballots.map((ballot) => ({ ...ballot })), ...(this.late.get(proposal.info.entry.id) ?? [])];
  }

  private applyVote(vote: Entry<'vote'>): void {
    const shared = this.proposals.get(vote.body.payload.proposal as EntryId);
    const member = this.roster.ownerOf(vote.body.author);
    assert(shared !== undefined && member !== undefined, 'replay: an accepted vote names a proposal or device outside its history');
    const record = { id: vote.id, member, device: vote.body.author, choice: vote.body.payload.choice, at: vote.body.at, status: 'counted' as VoteRecord['status'] };
    if (shared.status !== 'pending') {
      const late = this.late.get(shared.info.entry.id) ?? [];
      late.push({ ...record, status: 'after_decision' });
      this.late.set(shared.info.entry.id, late);
      return;
    }
    const proposal = this.writable(shared);
    proposal.cast(record);
    this.decideIfTallied(proposal, vote.id);
  }

  private decideIfTallied(proposal: ProposalState, by: EntryId): void {
    const outcome = decisionOf(proposal.info.rule, { electorate: proposal.info.electorate.length, ...proposal.tally() });
    if (outcome) this.decide(proposal, outcome, by);
  }

  /** The proposal, copied first if it is shared with a clone. */
  private writable(proposal: ProposalState): ProposalState {
    if (this.owned.has(proposal)) return proposal;
    const copy = proposal.clone();
    this.proposals.set(proposal.info.entry.id, copy);
    this.pending = this.pending.map((open) => (open === proposal ? copy : open));
    this.owned.add(copy);
    return copy;
  }

  private decide(shared: ProposalState, outcome: Exclude<ProposalStatus, 'pending'>, by: EntryId): void {
    const proposal = this.writable(shared);
    proposal.status = outcome;
    proposal.decidedBy = by;
    this.pending = this.pending.filter((other) => other !== proposal);
    this.owned.delete(proposal);
    this.earliestDeadline = this.pending.reduce((earliest, open) => (open.info.deadlineKey < earliest ? open.info.deadlineKey : earliest), NO_DEADLINE);
    if (outcome !== 'adopted') return;
    const action = proposal.info.entry.body.payload.action;
    proposal.noEffect = this.roster.apply(action);
    this.changes.push({
      proposal: proposal.info.entry.id, decidedBy: by, action, applied: proposal.noEffect === undefined,
      ...(proposal.noEffect === undefined ? {} : { reason: proposal.noEffect }),
    });
  }
}
