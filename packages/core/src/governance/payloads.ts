import { z } from 'zod';
import { isIsoDate } from '../date.js';
import { timebankRulesJson } from '../timebank/rules.js';

/*
 * The JSON shapes of governance: roles and the decision rule (in the genesis, and changed by proposals),
 * proposals and votes. Every collection is bounded: another peer wrote these.
 */

/**
 * What a role may write. 'timebank': offers, requests, exchanges and answers to them; 'coordinate':
 * the time bank's paper slips and the community account's gifts; 'credit': acting for the co-op in a federation.
 */
export const PERMISSIONS = ['books', 'timebank', 'credit', 'vote', 'coordinate'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const MAX_ROLES = 32;
export const MAX_MEMBERS = 1000;
export const MAX_DEVICES_PER_MEMBER = 100;
const MAX_NOTE = 4096;

/** The role every founding member has when the genesis names no roles: it may write everything. */
export const DEFAULT_ROLE = { name: 'member', may: [...PERMISSIONS] } as const;
export const DEFAULT_RULE = { kind: 'majority' } as const;

export const deviceKeyJson = z.string().regex(/^[0-9a-f]{64}$/u, 'expected a device key (64 hex digits)');
export const memberNameJson = z.string().min(1).max(200);
export const roleNameJson = z.string().min(1).max(100);
const entryIdJson = z.string().regex(/^[0-9a-f]{64}$/u, 'expected an entry id (64 hex digits)');

/** An instant as entries write their `at`: UTC, seconds, optional milliseconds. */
const INSTANT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z$/u;
export const instantJson = z.string().refine((value) => {
  const match = INSTANT.exec(value);
  return match !== null && isIsoDate(match[1]!);
}, 'expected a UTC date-time like 2024-05-01T12:00:00Z');

/**
 * A sort key for an instant that compares correctly as text: `at` may be written with or without
 * milliseconds ("…:00Z" sorts after "…:00.500Z" as raw text), so both are padded to milliseconds.
 */
export function instantKey(value: string): string {
  const dot = value.indexOf('.');
  if (dot < 0) return `${value.slice(0, -1)}.000Z`;
  return `${value.slice(0, dot + 1)}${value.slice(dot + 1, -1).padEnd(3, '0')}Z`;
}

const isoDateJson = z.string().refine((value): boolean => isIsoDate(value), 'expected a calendar date YYYY-MM-DD');

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

export const roleJson = z.object({
  name: roleNameJson,
  may: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length).refine(unique, 'a permission is listed twice'),
}).strict();
export type RoleJson = z.infer<typeof roleJson>;

export const decisionRuleJson = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('majority') }).strict(),
  z.object({ kind: z.literal('quorum'), yes: z.number().int().min(1).max(MAX_MEMBERS) }).strict(),
  z.object({ kind: z.literal('unanimity') }).strict(),
]);
export type DecisionRule = z.infer<typeof decisionRuleJson>;

export const proposalActionJson = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('add-member'),
    name: memberNameJson,
    devices: z.array(deviceKeyJson).min(1).max(MAX_DEVICES_PER_MEMBER).refine(unique, 'a device is listed twice'),
    role: roleNameJson,
  }).strict(),
  z.object({ kind: z.literal('remove-member'), member: memberNameJson }).strict(),
  z.object({ kind: z.literal('add-device'), member: memberNameJson, device: deviceKeyJson }).strict(),
  z.object({ kind: z.literal('revoke-device'), member: memberNameJson, device: deviceKeyJson }).strict(),
  /** Key rotation: the member's device `device` is revoked and `by` added in one decision. */
  z.object({ kind: z.literal('replace-device'), member: memberNameJson, device: deviceKeyJson, by: deviceKeyJson }).strict(),
  z.object({ kind: z.literal('set-role'), member: memberNameJson, role: roleNameJson }).strict(),
  z.object({ kind: z.literal('set-rule'), rule: decisionRuleJson }).strict(),
  z.object({ kind: z.literal('lock'), through: isoDateJson }).strict(),
  /** The time bank's limits, opening grant and community limit (timebank/README.md); replaces the rules in force. */
  z.object({ kind: z.literal('set-timebank-rules'), rules: timebankRulesJson }).strict(),
]);
export type ProposalAction = z.infer<typeof proposalActionJson>;

/** A proposal has no id field: the id of the entry that carries it is the proposal's id. */
export const proposalJson = z.object({
  action: proposalActionJson,
  /** Votes written after this instant do not count (see README: how core judges time without a clock). */
  deadline: instantJson,
  note: z.string().max(MAX_NOTE).optional(),
}).strict();
export type ProposalJson = z.infer<typeof proposalJson>;

export const voteJson = z.object({
  proposal: entryIdJson,
  choice: z.enum(['yes', 'no']),
}).strict();
export type VoteJson = z.infer<typeof voteJson>;
export type VoteChoice = VoteJson['choice'];
