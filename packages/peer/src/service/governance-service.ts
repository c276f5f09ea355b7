import { type DecisionRule, type DeviceKey, type ProposalRecord, type Roster, describeRule, instantKey } from '@tallystick/core';
import type { BookView } from '@tallystick/sync/book-index';
import { describeAction } from '../commands/governance-text.js';
import type { Governance, GovernanceProposal } from './protocol.js';

/*
 * The Members and votes screen's data: the book view's governance summary, read as `members`,
 * `devices` and `proposals` read it, plus what this device may do, judged as `vote` judges it
 * up front (the write itself still goes through the command, which refuses in words).
 */

/** Yes votes a rule needs from an electorate of this size to adopt. */
export function yesNeeded(rule: DecisionRule, electorate: number): number {
  switch (rule.kind) {
    case 'majority': return Math.floor(electorate / 2) + 1;
    case 'quorum': return rule.yes;
    case 'unanimity': return Math.max(electorate, 1);
  }
}

/** The member this device may vote for under the roster, if any. */
function voterOf(roster: Roster, device: string | undefined): string | undefined {
  if (device === undefined) return undefined;
  const member = roster.members.find((candidate) => candidate.devices.includes(device as DeviceKey));
  if (!member || member.removed) return undefined;
  const role = roster.roles.find((candidate) => candidate.name === member.role);
  return role?.may.includes('vote') ? member.name : undefined;
}

export function governanceOf(view: Pick<BookView, 'governance'>, device: string | undefined, now: Date): Governance {
  const { roster, proposals } = view.governance;
  const voter = voterOf(roster, device);
  const thisMember = roster.members.find((member) => device !== undefined && (member.devices.includes(device as DeviceKey) || member.revokedDevices.includes(device as DeviceKey)));
  return {
    rule: describeRule(roster.rule),
    ...(roster.lockedThrough ? { lockedThrough: roster.lockedThrough } : {}),
    members: roster.members.map((member) => ({
      name: member.name,
      role: member.role,
      may: [...(roster.roles.find((role) => role.name === member.role)?.may ?? [])],
      removed: member.removed,
      devices: [
        ...member.devices.map((key) => ({ key, revoked: false, thisDevice: key === device })),
        ...member.revokedDevices.map((key) => ({ key, revoked: true, thisDevice: key === device })),
      ],
    })),
    proposals: proposals.map((proposal) => proposalOf(proposal, voter, now)),
    ...(thisMember ? { thisMember: thisMember.name } : {}),
    mayPropose: voter !== undefined,
  };
}

function proposalOf(proposal: ProposalRecord, voter: string | undefined, now: Date): GovernanceProposal {
  const open = proposal.status === 'pending' && instantKey(now.toISOString()) <= instantKey(proposal.deadline);
  return {
    id: proposal.id,
    action: describeAction(proposal.action),
    proposer: proposal.proposer,
    at: proposal.at,
    deadline: proposal.deadline,
    ...(proposal.note ? { note: proposal.note } : {}),
    rule: describeRule(proposal.rule),
    electorate: [...proposal.electorate],
    yes: proposal.yes,
    no: proposal.no,
    needed: yesNeeded(proposal.rule, proposal.electorate.length),
    status: proposal.status,
    ...(proposal.noEffect ? { noEffect: proposal.noEffect } : {}),
    votes: proposal.votes.map((vote) => ({ member: vote.member, choice: vote.choice, at: vote.at, status: vote.status })),
    mayVote: open && voter !== undefined && proposal.electorate.includes(voter),
  };
}
