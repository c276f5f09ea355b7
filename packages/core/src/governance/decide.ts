import { type DecisionRule } from './payloads.js';

/** A proposal's tally: the electorate's size and how many electors' current votes are yes and no. */
export interface Tally {
  readonly electorate: number;
  readonly yes: number;
  readonly no: number;
}

/**
 * Whether a tally decides a proposal under a rule. Yes and no are decided symmetrically: a proposal is
 * rejected as soon as the electors who have not voted no can no longer adopt it.
 * - majority: adopted when more than half the electorate votes yes; rejected when at least half votes no
 *   (a tie rejects: a majority is needed to change anything);
 * - quorum N: adopted when N electors vote yes; rejected when fewer than N electors have not voted no;
 * - unanimity: adopted when every elector votes yes; rejected by one no, or an empty electorate.
 * An empty electorate rejects under every rule; a quorum larger than the electorate rejects at once.
 */
export function decisionOf(rule: DecisionRule, tally: Tally): 'adopted' | 'rejected' | undefined {
  const { electorate, yes, no } = tally;
  switch (rule.kind) {
    case 'majority':
      if (2 * yes > electorate) return 'adopted';
      return 2 * no >= electorate ? 'rejected' : undefined;
    case 'quorum':
      if (yes >= rule.yes) return 'adopted';
      return electorate - no < rule.yes ? 'rejected' : undefined;
    case 'unanimity':
      if (electorate > 0 && yes === electorate) return 'adopted';
      return no > 0 || electorate === 0 ? 'rejected' : undefined;
  }
}

export function describeRule(rule: DecisionRule): string {
  switch (rule.kind) {
    case 'majority': return 'a majority of the members who may vote';
    case 'quorum': return `${rule.yes} yes votes`;
    case 'unanimity': return 'every member who may vote';
  }
}
