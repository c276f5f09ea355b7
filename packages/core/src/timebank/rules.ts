import { z } from 'zod';
import { formatMinutes } from './duration.js';

/*
 * The time bank's rules, set by the members by vote (a `set-timebank-rules` proposal, see
 * governance/payloads.ts). They live here, importing nothing of governance, so that governance can
 * name them without an import cycle. Everything is whole minutes: one hour of anyone's time is one
 * credit, and a duration is never a fraction of a minute.
 */

/** The largest limit or grant the rules may name: 100,000 hours, far beyond any life's work. */
export const MAX_RULE_MINUTES = 6_000_000;

const minutes = (min: number, max: number) => z.number().int().min(min).max(max);

export const timebankRulesJson = z.object({
  /** No exchange or gift may take a member's balance below this (absent: no lower limit). */
  lowestBalanceMinutes: minutes(-MAX_RULE_MINUTES, 0).optional(),
  /** No exchange or gift may take a member's balance above this (absent: no upper limit). */
  highestBalanceMinutes: minutes(0, MAX_RULE_MINUTES).optional(),
  /** Given once to every member who may use the time bank, from the community account. */
  openingGrantMinutes: minutes(0, MAX_RULE_MINUTES),
  /** How far gifts from the community may take the community account below zero (0: only what it was given). */
  communityLowestBalanceMinutes: minutes(-MAX_RULE_MINUTES, 0),
}).strict().superRefine((rules, context) => {
  const problem = rulesProblem(rules);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});
export type TimebankRules = z.infer<typeof timebankRulesJson>;

/** The rules of a co-op that has adopted none: no limits, no grant, the community gives only what it holds. */
export const DEFAULT_TIMEBANK_RULES: TimebankRules = { openingGrantMinutes: 0, communityLowestBalanceMinutes: 0 };

/** A grant outside the limits would put every new member out of bounds on arrival. */
function rulesProblem(rules: { lowestBalanceMinutes?: number | undefined; highestBalanceMinutes?: number | undefined; openingGrantMinutes: number }): string | undefined {
  if (rules.highestBalanceMinutes !== undefined && rules.openingGrantMinutes > rules.highestBalanceMinutes) {
    return `the opening grant (${rules.openingGrantMinutes} minutes) is above the highest balance (${rules.highestBalanceMinutes} minutes)`;
  }
  if (rules.lowestBalanceMinutes !== undefined && rules.highestBalanceMinutes !== undefined && rules.lowestBalanceMinutes > rules.highestBalanceMinutes) {
    return 'the lowest balance is above the highest';
  }
  return undefined;
}

/** The rules in words, for proposals and reports. */
export function describeTimebankRules(rules: TimebankRules): string {
  const parts = [
    rules.lowestBalanceMinutes === undefined ? 'no lowest balance' : `lowest balance ${formatMinutes(rules.lowestBalanceMinutes)}`,
    rules.highestBalanceMinutes === undefined ? 'no highest balance' : `highest balance ${formatMinutes(rules.highestBalanceMinutes)}`,
    rules.openingGrantMinutes === 0 ? 'no opening grant' : `opening grant ${formatMinutes(rules.openingGrantMinutes)}`,
    `the community may give down to ${formatMinutes(rules.communityLowestBalanceMinutes)}`,
  ];
  return parts.join(', ');
}
