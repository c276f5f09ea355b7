import { access } from 'node:fs/promises';
import { type DeviceKey, type RosterMember, describeRule } from '@tallystick/core';
import { readDevicePublicKey } from '@tallystick/sync';
import { type CommandContext, loadBookView, openFolder, print } from '../context.js';
import { describeAction, shortKey, warnIfRejected } from './governance-text.js';

/** This device's key and, in the current co-op, the member it acts for, their role and rights. */
export async function whoamiCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const folder = await openFolder(context);
  if (!(await exists(folder.keyPath))) {
    print(context, 'This data folder has no device key yet: `tallystick init` makes one.');
    return;
  }
  const key = await readDevicePublicKey(folder.keyPath);
  if (Object.keys(folder.config.coops).length === 0) {
    if (options.json) print(context, JSON.stringify({ device: key }, null, 2));
    else print(context, `device  ${key}\nThis data folder holds no co-op yet.`);
    return;
  }
  const view = await loadBookView(context);
  warnIfRejected(context, view);
  const roster = view.governance.roster;
  const member = roster.members.find((candidate) => candidate.devices.includes(key as DeviceKey) || candidate.revokedDevices.includes(key as DeviceKey));
  const role = member ? roster.roles.find((candidate) => candidate.name === member.role) : undefined;
  const standing = !member ? 'not a device of any member' : member.removed ? 'removed from the co-op'
    : member.revokedDevices.includes(key as DeviceKey) ? 'revoked' : 'active';
  const may = standing === 'active' ? [...(role?.may ?? [])] : [];
  if (options.json) {
    print(context, JSON.stringify({ device: key, coop: view.coopName, member: member?.name ?? null, role: member?.role ?? null, standing, may }, null, 2));
    return;
  }
  print(context, `device  ${key}`);
  print(context, `co-op   ${view.coopName}`);
  print(context, `member  ${member ? member.name : '(none: this device is no member\'s; a member proposes `add-device` or `add-member` with this key)'}`);
  if (member) {
    print(context, `role    ${member.role}`);
    print(context, `status  ${standing}`);
    print(context, `may     ${may.length > 0 ? may.join(', ') : '(nothing)'}`);
  }
}

/** Every member admitted (removed ones marked), their roles and rights, and the decision rule. */
export async function membersCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const view = await loadBookView(context);
  warnIfRejected(context, view);
  const roster = view.governance.roster;
  if (options.json) {
    print(context, JSON.stringify(roster.members.map((member) => ({ name: member.name, role: member.role, removed: member.removed, devices: member.devices.length, may: mayOf(roster.roles, member) })), null, 2));
    return;
  }
  print(context, `Co-op "${view.coopName}": decisions by ${describeRule(roster.rule)}${roster.lockedThrough ? `; books locked through ${roster.lockedThrough}` : ''}.`);
  for (const member of roster.members) {
    const devices = `${member.devices.length} device${member.devices.length === 1 ? '' : 's'}`;
    print(context, `  ${member.name}  role ${member.role} (may ${mayOf(roster.roles, member).join(', ') || 'nothing'})  ${devices}${member.removed ? '  [removed]' : ''}`);
  }
}

/** Every member's devices, revoked ones marked. */
export async function devicesCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const view = await loadBookView(context);
  warnIfRejected(context, view);
  const rows = view.governance.roster.members.flatMap((member) => [
    ...member.devices.map((device) => ({ member: member.name, device, status: member.removed ? 'member_removed' : 'active' })),
    ...member.revokedDevices.map((device) => ({ member: member.name, device, status: 'revoked' })),
  ]);
  if (options.json) {
    print(context, JSON.stringify(rows, null, 2));
    return;
  }
  for (const row of rows) print(context, `${row.member}  ${row.device}${row.status === 'active' ? '' : `  [${row.status.replace('_', ' ')}]`}`);
}

/** Every proposal in co-op order: action, deadline, tally, status, and each vote with its status. */
export async function proposalsCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const view = await loadBookView(context);
  warnIfRejected(context, view);
  const proposals = view.governance.proposals;
  if (options.json) {
    print(context, JSON.stringify(proposals, null, 2));
    return;
  }
  if (proposals.length === 0) {
    print(context, 'No proposals yet: `tallystick propose --help` says how to make one.');
    return;
  }
  for (const proposal of proposals) {
    print(context, `${proposal.id.slice(0, 12)}  ${proposal.status.toUpperCase()}${proposal.noEffect ? ` (no effect: ${proposal.noEffect})` : ''}  ${describeAction(proposal.action)}`);
    print(context, `    by ${proposal.proposer} at ${proposal.at}, deadline ${proposal.deadline}; needs ${describeRule(proposal.rule)} of ${proposal.electorate.length} (${proposal.electorate.join(', ')})`);
    print(context, `    yes ${proposal.yes}, no ${proposal.no}${proposal.note ? `; note: ${proposal.note}` : ''}`);
    for (const vote of proposal.votes) print(context, `    ${vote.choice.padEnd(3)} ${vote.member} (device ${shortKey(vote.device)}) at ${vote.at}${vote.status === 'counted' ? '' : ` [${vote.status.replace('_', ' ')}]`}`);
  }
}

function mayOf(roles: readonly { name: string; may: readonly string[] }[], member: RosterMember): string[] {
  return [...(roles.find((role) => role.name === member.role)?.may ?? [])];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false; // no key yet
  }
}
