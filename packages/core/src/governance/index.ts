export * from './payloads.js';
export { type Tally, decisionOf, describeRule } from './decide.js';
export { type DeviceStanding, type RoleDefinition, type Roster, type RosterMember, RosterState } from './roster.js';
export { type ProposalStatus, type RosterChange, type VoteRecord } from './replay.js';
export {
  type AuthorCheck, type ControlRejection, type ProposalRecord, type Rejection, GovernanceHistory, authorProblem, deriveRoster, rightNeededFor,
} from './derive-roster.js';
export { compareCoopOrder } from './co-op-order.js';
