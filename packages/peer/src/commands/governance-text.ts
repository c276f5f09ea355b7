import { type ProposalAction, type ProposalRecord, TallystickError, describeTimebankRules } from '@tallystick/core';
import type { BookView } from '@tallystick/sync/book-index';
import { type CommandContext, warn } from '../context.js';

/*
 * What the governance commands share: how an action and a key are shown, how a proposal is found
 * from an id prefix, and the warning every read gives when the book holds entries that do not count.
 */

export function shortKey(key: string): string {
  return `${key.slice(0, 16)}…`;
}

/** One line saying what a proposal would do. */
export function describeAction(action: ProposalAction): string {
  switch (action.kind) {
    case 'add-member': return `add member ${action.name} (role ${action.role}) with device${action.devices.length === 1 ? '' : 's'} ${action.devices.map(shortKey).join(', ')}`;
    case 'remove-member': return `remove member ${action.member}`;
    case 'add-device': return `add device ${shortKey(action.device)} to ${action.member}`;
    case 'revoke-device': return `revoke device ${shortKey(action.device)} of ${action.member}`;
    case 'replace-device': return `replace device ${shortKey(action.device)} of ${action.member} by ${shortKey(action.by)} (key rotation)`;
    case 'set-role': return `give ${action.member} the role ${action.role}`;
    case 'set-rule': return `decide by ${action.rule.kind === 'quorum' ? `a quorum of ${action.rule.yes}` : action.rule.kind}`;
    case 'lock': return `lock the books through ${action.through}`;
    case 'set-timebank-rules': return `set the time bank's rules: ${describeTimebankRules(action.rules)}`;
  }
}

/** The proposal an id or unique id prefix names, or a clear error. */
export function findProposal(view: Pick<BookView, 'governance'>, idOrPrefix: string): ProposalRecord {
  const wanted = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f]{4,64}$/u.test(wanted)) {
    throw new TallystickError('invalid_proposal_id', `"${idOrPrefix}" is not a proposal id: expected at least 4 hex digits, as \`tallystick proposals\` shows`);
  }
  const matches = view.governance.proposals.filter((proposal) => proposal.id.startsWith(wanted));
  if (matches.length === 0) throw new TallystickError('unknown_proposal', `no proposal has an id starting ${wanted}; \`tallystick proposals\` lists them`);
  if (matches.length > 1) throw new TallystickError('ambiguous_proposal', `${matches.length} proposals have ids starting ${wanted}: give more digits`);
  return matches[0]!;
}

/** Every read says so when some entries in the documents do not count. */
export function warnIfRejected(context: CommandContext, view: Pick<BookView, 'rejected'>): void {
  const count = view.rejected.length;
  if (count === 0) return;
  warn(context, `tallystick: warning: ${count} entr${count === 1 ? 'y' : 'ies'} in the documents do${count === 1 ? 'es' : ''} not count (unsigned, tampered or not allowed); see \`tallystick rejected\` or \`tallystick audit\``);
}
