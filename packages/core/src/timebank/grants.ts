import { type EntryId } from '../entry.js';
import { assert } from '../errors.js';
import { DEFAULT_ROLE, type Permission } from '../governance/payloads.js';
import { type RosterChange } from '../governance/replay.js';
import { type GenesisJson } from '../payloads.js';
import { type GrantEvent } from './ledger.js';

/*
 * Opening grants (README.md): when the members adopt rules with an opening grant, every member then
 * able to use the time bank is given it from the community account; a member admitted later, or given
 * a role that may use the time bank later, is given it then. A member never gets more than the grant in
 * force in total (raising the grant tops everyone up to it); lowering it takes nothing back. Derived
 * from the decided roster changes in the order they took effect, so it is the same on every peer.
 */

interface GrantMember {
  role: string;
  removed: boolean;
  granted: number;
}

export function grantsOf(genesis: GenesisJson, changes: readonly RosterChange[], atOf: (id: EntryId) => string): GrantEvent[] {
  const roles = new Map<string, ReadonlySet<Permission>>((genesis.roles ?? [DEFAULT_ROLE]).map((role) => [role.name, new Set(role.may)]));
  const members = new Map<string, GrantMember>(genesis.members.map((member) => [member.name, { role: member.role ?? DEFAULT_ROLE.name, removed: false, granted: 0 }]));
  const grants: GrantEvent[] = [];
  let grant = 0;
  const topUp = (name: string, decidedBy: EntryId) => {
    const member = members.get(name);
    assert(member !== undefined, `grantsOf: an applied change names ${name}, who is no member`);
    if (member.removed || member.granted >= grant || roles.get(member.role)?.has('timebank') !== true) return;
    grants.push({ decidedBy, at: atOf(decidedBy), member: name, minutes: grant - member.granted });
    member.granted = grant;
  };
  for (const change of changes) {
    if (!change.applied) continue;
    const action = change.action;
    switch (action.kind) {
      case 'add-member':
        members.set(action.name, { role: action.role, removed: false, granted: 0 });
        topUp(action.name, change.decidedBy);
        break;
      case 'remove-member':
        members.get(action.member)!.removed = true;
        break;
      case 'set-role':
        members.get(action.member)!.role = action.role;
        topUp(action.member, change.decidedBy);
        break;
      case 'set-timebank-rules':
        grant = action.rules.openingGrantMinutes;
        for (const name of [...members.keys()].sort()) topUp(name, change.decidedBy);
        break;
      default:
        break;
    }
  }
  return grants;
}
