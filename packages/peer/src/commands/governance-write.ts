import {
  type DecisionRule, type DeviceKey, type Entry, type ProposalAction, type ProposalJson, type ProposalRecord, type TimebankRules, type VoteChoice,
  TallystickError, deviceKeyJson, instantKey, isControlKind, materialize, parseHours, parseIsoDate, proposalJson, timebankRulesJson,
} from '@tallystick/core';
import type { BookView, CoopStore } from '@tallystick/sync';
import { type CommandContext, loadBookView, openFolder, openStore, print, unlockSigner } from '../context.js';
import { writeEntries } from '../write-entries.js';
import { describeAction, findProposal } from './governance-text.js';

/*
 * `propose` and `vote`: each writes one control entry. What the materializer would reject is refused
 * before anything is written: first the common mistakes, from the index (before asking for the
 * passphrase), then the signed entry itself is judged by core with every control entry the store holds.
 */

const WEEK_MS = 7 * 24 * 3600 * 1000;

export interface ProposeOptions {
  device?: string;
  role?: string;
  deadline?: string;
  note?: string;
}

export const PROPOSAL_ACTIONS = 'add-member NAME --device KEY [--role R] | remove-member NAME | add-device MEMBER KEY | revoke-device MEMBER KEY | replace-device MEMBER OLD-KEY NEW-KEY | set-role MEMBER ROLE | set-rule majority|unanimity|quorum:N | lock DATE | timebank-rules [lowest=H] [highest=H] [grant=H] [community-lowest=H]';

export async function proposeCommand(context: CommandContext, kind: string, args: readonly string[], options: ProposeOptions): Promise<void> {
  const now = context.now();
  const proposal: ProposalJson = {
    action: actionOf(kind, args, options),
    deadline: deadlineOf(options.deadline, now),
    ...(options.note !== undefined ? { note: options.note } : {}),
  };
  const parsed = proposalJson.safeParse(proposal);
  if (!parsed.success) throw new TallystickError('invalid_proposal', `nothing was written: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  const view = await loadBookView(context);
  const folder = await openFolder(context);
  const { readDevicePublicKey } = await import('@tallystick/sync');
  checkMayVote(view, await readDevicePublicKey(folder.keyPath), 'propose');
  const { written } = await writeControlEntry(context, { kind: 'proposal', payload: proposal });
  const id = written[0]!.id;
  const record = (await loadBookView(context)).governance.proposals.find((candidate) => candidate.id === id);
  print(context, `Proposed ${id.slice(0, 12)}: ${describeAction(proposal.action)}; votes until ${proposal.deadline}.`);
  if (record && record.status !== 'pending') print(context, `It is ${record.status} already (${record.yes} yes, ${record.no} no).`);
  else print(context, `Members vote with \`tallystick vote ${id.slice(0, 12)} yes\` (or no).`);
}

export async function voteCommand(context: CommandContext, idOrPrefix: string, choiceText: string): Promise<void> {
  const choice = choiceText.toLowerCase();
  if (choice !== 'yes' && choice !== 'no') throw new TallystickError('invalid_choice', `a vote is yes or no, not "${choiceText}"`);
  const view = await loadBookView(context);
  const proposal = findProposal(view, idOrPrefix);
  const folder = await openFolder(context);
  const { readDevicePublicKey } = await import('@tallystick/sync');
  const member = checkMayVote(view, await readDevicePublicKey(folder.keyPath), 'vote');
  checkVote(proposal, member, choice, context.now());
  await writeControlEntry(context, { kind: 'vote', payload: { proposal: proposal.id, choice } });
  const after = (await loadBookView(context)).governance.proposals.find((candidate) => candidate.id === proposal.id) ?? proposal;
  print(context, `Voted ${choice} on ${proposal.id.slice(0, 12)} (${describeAction(proposal.action)}) as ${member}.`);
  print(context, `Tally: ${after.yes} yes, ${after.no} no of ${after.electorate.length}; the proposal is ${after.status}${after.noEffect ? ` with no effect (${after.noEffect})` : ''}.`);
}

/** The member this device acts for, if it may vote (and so propose) under the current roster. */
function checkMayVote(view: Pick<BookView, 'governance'>, device: string, what: string): string {
  const roster = view.governance.roster;
  const member = roster.members.find((candidate) => candidate.devices.includes(device as DeviceKey) || candidate.revokedDevices.includes(device as DeviceKey));
  const refuse = (why: string) => new TallystickError('may_not_vote', `this device may not ${what}: ${why}; nothing was written`);
  if (!member) throw refuse(`its key ${device.slice(0, 16)}… is no member's device (\`tallystick whoami\`)`);
  if (member.removed) throw refuse(`${member.name} was removed from the co-op`);
  if (member.revokedDevices.includes(device as DeviceKey)) throw refuse(`it was revoked as a device of ${member.name}`);
  const role = roster.roles.find((candidate) => candidate.name === member.role);
  if (!role?.may.includes('vote')) throw refuse(`${member.name}'s role ${member.role} may not vote`);
  return member.name;
}

function checkVote(proposal: ProposalRecord, member: string, choice: VoteChoice, now: Date): void {
  const refuse = (code: string, why: string) => new TallystickError(code, `cannot vote on ${proposal.id.slice(0, 12)}: ${why}; nothing was written`);
  if (proposal.status !== 'pending') throw refuse('proposal_decided', `it is ${proposal.status} already`);
  if (instantKey(now.toISOString()) > instantKey(proposal.deadline)) throw refuse('proposal_expired', `its deadline ${proposal.deadline} has passed`);
  if (!proposal.electorate.includes(member)) throw refuse('not_an_elector', `${member} was not a voting member when it was proposed`);
  const standing = proposal.votes.find((vote) => vote.member === member && vote.status === 'counted');
  if (standing?.choice === choice) throw refuse('duplicate_vote', `${member} already voted ${choice}`);
}

/** Signs one control entry, has core judge it against every control entry held, then saves it. */
async function writeControlEntry(context: CommandContext, entry: { kind: 'proposal'; payload: ProposalJson } | { kind: 'vote'; payload: { proposal: string; choice: VoteChoice } }): Promise<{ written: Entry[] }> {
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const store = await openStore(context, folder);
  try {
    return await writeEntries(context, store, signer, [entry], async (signed) => judgeBeforeWriting(store, signed));
  } finally {
    await store.close();
  }
}

/** Throws with core's reason if the materializer would not count a signed control entry. */
export async function judgeBeforeWriting(store: CoopStore, signed: readonly Entry[]): Promise<void> {
  const { indexPaths, readVerifiedEntries } = await import('@tallystick/sync');
  const read = await store.readEntries({ knownGood: await readVerifiedEntries(indexPaths(store.folder, store.coopId).entries) });
  const control = read.entries.filter((entry) => isControlKind(entry.body.kind));
  const ids = new Set<string>(signed.map((entry) => entry.id));
  const refused = materialize({ genesisId: read.genesisId, entries: [...control, ...signed] }).rejected.filter((entry) => ids.has(entry.id));
  if (refused.length === 0) return;
  throw new TallystickError(refused[0]!.code, `the co-op's rules would not count this ${refused[0]!.kind ?? 'entry'} (${refused[0]!.code}: ${refused[0]!.reason}); nothing was written`);
}

function actionOf(kind: string, args: readonly string[], options: ProposeOptions): ProposalAction {
  const need = (count: number, usage: string) => {
    if (args.length !== count) throw new TallystickError('invalid_proposal', `propose ${kind} takes ${usage} (got ${args.length} argument${args.length === 1 ? '' : 's'})`);
  };
  switch (kind) {
    case 'add-member':
      need(1, 'NAME --device KEY [--role ROLE]');
      if (options.device === undefined) throw new TallystickError('invalid_proposal', 'propose add-member needs --device KEY: the new member\'s device key (`tallystick whoami` on their device prints it)');
      return { kind, name: args[0]!, devices: [deviceKeyOf(options.device)], role: options.role ?? 'member' };
    case 'remove-member': need(1, 'NAME'); return { kind, member: args[0]! };
    case 'add-device': need(2, 'MEMBER KEY'); return { kind, member: args[0]!, device: deviceKeyOf(args[1]!) };
    case 'revoke-device': need(2, 'MEMBER KEY'); return { kind, member: args[0]!, device: deviceKeyOf(args[1]!) };
    case 'replace-device': need(3, 'MEMBER OLD-KEY NEW-KEY'); return { kind, member: args[0]!, device: deviceKeyOf(args[1]!), by: deviceKeyOf(args[2]!) };
    case 'set-role': need(2, 'MEMBER ROLE'); return { kind, member: args[0]!, role: args[1]! };
    case 'set-rule': need(1, 'majority|unanimity|quorum:N'); return { kind, rule: ruleOf(args[0]!) };
    case 'lock': need(1, 'DATE'); return { kind, through: parseIsoDate(args[0]!) };
    case 'timebank-rules': case 'set-timebank-rules': return { kind: 'set-timebank-rules', rules: timebankRulesOf(args) };
    default: throw new TallystickError('invalid_proposal', `unknown proposal "${kind}"; one of: ${PROPOSAL_ACTIONS}`);
  }
}

const TIMEBANK_RULE_KEYS = { lowest: 'lowestBalanceMinutes', highest: 'highestBalanceMinutes', grant: 'openingGrantMinutes', 'community-lowest': 'communityLowestBalanceMinutes' } as const;

/** `lowest=-10 highest=40 grant=2 community-lowest=-50`, in hours (1:30 or 1.5 too); absent limits are none, absent grant 0. */
export function timebankRulesOf(args: readonly string[]): TimebankRules {
  const rules: Record<string, number> = { openingGrantMinutes: 0, communityLowestBalanceMinutes: 0 };
  for (const arg of args) {
    const [key, value, ...rest] = arg.split('=');
    const field = TIMEBANK_RULE_KEYS[key as keyof typeof TIMEBANK_RULE_KEYS];
    if (field === undefined || value === undefined || rest.length > 0) {
      throw new TallystickError('invalid_proposal', `"${arg}" is not a time-bank rule: expected ${Object.keys(TIMEBANK_RULE_KEYS).map((name) => `${name}=HOURS`).join(', ')}`);
    }
    rules[field] = parseHours(value, key);
  }
  const parsed = timebankRulesJson.safeParse(rules);
  if (!parsed.success) throw new TallystickError('invalid_proposal', `nothing was written: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'rules'}: ${issue.message}`).join('; ')} (lowest and community-lowest are zero or less, highest and grant zero or more)`);
  return parsed.data;
}

export function ruleOf(text: string): DecisionRule {
  if (text === 'majority' || text === 'unanimity') return { kind: text };
  const quorum = /^quorum:(\d{1,4})$/u.exec(text);
  if (quorum && Number(quorum[1]) >= 1) return { kind: 'quorum', yes: Number(quorum[1]) };
  throw new TallystickError('invalid_rule', `"${text}" is not a decision rule: expected majority, unanimity or quorum:N (N yes votes, N ≥ 1)`);
}

function deviceKeyOf(text: string): string {
  const key = text.trim().toLowerCase();
  if (!deviceKeyJson.safeParse(key).success) throw new TallystickError('invalid_device_key', `"${text}" is not a device key: expected 64 hex digits, as \`tallystick whoami\` prints on that device`);
  return key;
}

/** The deadline as a UTC instant: ISO date-time (with a zone), or a date (its end, UTC); 7 days from now by default. */
export function deadlineOf(text: string | undefined, now: Date): string {
  if (text === undefined) return new Date(now.getTime() + WEEK_MS).toISOString();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/u.test(text);
  const instant = new Date(dateOnly ? `${text}T23:59:59Z` : text);
  if (Number.isNaN(instant.getTime()) || (!dateOnly && !/(?:Z|[+-]\d{2}:?\d{2})$/u.test(text))) {
    throw new TallystickError('invalid_deadline', `"${text}" is not a deadline: expected a date-time with a time zone like 2025-06-01T18:00:00Z, or a date`);
  }
  if (instant.getTime() <= now.getTime()) throw new TallystickError('invalid_deadline', `the deadline ${instant.toISOString()} is not in the future`);
  return instant.toISOString();
}
