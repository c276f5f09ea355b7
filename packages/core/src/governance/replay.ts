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

export class ProposalState {
  status: ProposalStatus = 'pending';
  decidedBy: EntryId | undefined;
  /** Why an adopted action had no effect on the roster, if it had none. */
  noEffect: string | undefined;
  readonly standing = new Map<string, { choice: VoteChoice; index: number }>();
  readonly ballots: { -readonly [K in keyof VoteRecord]: VoteRecord[K] }[] = [];

  constructor(readonly info: ProposalInfo) {}

  tally(): { yes: number; no: number } {
    let yes = 0;
    for (const vote of this.standing.values()) if (vote.choice === 'yes') yes += 1;
    return { yes, no: this.standing.size - yes };
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
  private pending: ProposalState[] = [];

  constructor(genesis: GenesisJson, private readonly infos: ReadonlyMap<EntryId, ProposalInfo>) {
    this.roster = RosterState.ofGenesis(genesis);
  }

  apply(entry: Entry): void {
    const at = instantKey(entry.body.at);
    // An entry written after a pending proposal's deadline is the co-op's evidence that time has passed.
    if (this.pending.some((proposal) => proposal.info.deadlineKey < at)) {
      for (const proposal of this.pending) if (proposal.info.deadlineKey < at) this.decide(proposal, 'expired', entry.id);
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
        this.pending.push(proposal);
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

  private applyVote(vote: Entry<'vote'>): void {
    const proposal = this.proposals.get(vote.body.payload.proposal as EntryId);
    const member = this.roster.ownerOf(vote.body.author);
    assert(proposal !== undefined && member !== undefined, 'replay: an accepted vote names a proposal or device outside its history');
    const record = { id: vote.id, member, device: vote.body.author, choice: vote.body.payload.choice, at: vote.body.at, status: 'counted' as VoteRecord['status'] };
    if (proposal.status !== 'pending') {
      proposal.ballots.push({ ...record, status: 'after_decision' });
      return;
    }
    const previous = proposal.standing.get(member);
    if (previous) proposal.ballots[previous.index]!.status = 'superseded';
    proposal.standing.set(member, { choice: record.choice, index: proposal.ballots.length });
    proposal.ballots.push(record);
    this.decideIfTallied(proposal, vote.id);
  }

  private decideIfTallied(proposal: ProposalState, by: EntryId): void {
    const outcome = decisionOf(proposal.info.rule, { electorate: proposal.info.electorate.length, ...proposal.tally() });
    if (outcome) this.decide(proposal, outcome, by);
  }

  private decide(proposal: ProposalState, outcome: Exclude<ProposalStatus, 'pending'>, by: EntryId): void {
    proposal.status = outcome;
    proposal.decidedBy = by;
    this.pending = this.pending.filter((other) => other !== proposal);
    if (outcome !== 'adopted') return;
    const action = proposal.info.entry.body.payload.action;
    proposal.noEffect = this.roster.apply(action);
    this.changes.push({
      proposal: proposal.info.entry.id, decidedBy: by, action, applied: proposal.noEffect === undefined,
      ...(proposal.noEffect === undefined ? {} : { reason: proposal.noEffect }),
    });
  }
}
