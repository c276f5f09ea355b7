import { type IsoDate } from '../date.js';
import { type DeviceKey } from '../entry.js';
import { type GenesisJson } from '../payloads.js';
import { DEFAULT_TIMEBANK_RULES, type TimebankRules } from '../timebank/rules.js';
import { DEFAULT_ROLE, DEFAULT_RULE, type DecisionRule, type Permission, type ProposalAction } from './payloads.js';

/** A role of the co-op and what it may write. Roles are defined by the genesis. */
export interface RoleDefinition {
  readonly name: string;
  readonly may: readonly Permission[];
}

/** A member as the roster knows them at some point of the co-op's history. */
export interface RosterMember {
  readonly name: string;
  readonly role: string;
  /** Devices that may act for the member (never revoked), in the order they were added. */
  readonly devices: readonly DeviceKey[];
  /** Devices that were the member's and are revoked: their entries written after they knew it do not count. */
  readonly revokedDevices: readonly DeviceKey[];
  /** A removed member keeps their history; nothing they write after the removal counts. */
  readonly removed: boolean;
}

/** Who belongs, with which devices and roles, under which decision rule and lock: the rules an entry is judged by. */
export interface Roster {
  /** Every member admitted so far, removed ones included, in admission order. */
  readonly members: readonly RosterMember[];
  readonly roles: readonly RoleDefinition[];
  readonly rule: DecisionRule;
  /** The latest lock date (lock entries and adopted lock proposals), if any. */
  readonly lockedThrough?: IsoDate;
  /** The time bank's rules, once the members have adopted some (else DEFAULT_TIMEBANK_RULES hold). */
  readonly timebank?: TimebankRules;
}

/** What a device is, in a roster. */
export type DeviceStanding =
  | { readonly kind: 'active'; readonly member: string; readonly may: ReadonlySet<Permission> }
  | { readonly kind: 'revoked'; readonly member: string }
  | { readonly kind: 'removed'; readonly member: string }
  | { readonly kind: 'unknown' };

interface MemberState {
  name: string;
  role: string;
  devices: DeviceKey[];
  revokedDevices: DeviceKey[];
  removed: boolean;
}

/**
 * The mutable roster a replay of the control history builds. A device key belongs to one member for
 * the whole history (the first that had it), a revoked key is never valid again, and a member's name
 * names them for the whole history (removed members are not re-added under the same name).
 */
export class RosterState {
  private readonly members = new Map<string, MemberState>();
  private readonly owners = new Map<DeviceKey, string>();
  private readonly revoked = new Set<DeviceKey>();
  private readonly roles: ReadonlyMap<string, ReadonlySet<Permission>>;
  private readonly roleList: readonly RoleDefinition[];
  rule: DecisionRule;
  lockThrough = '';
  /** Undefined until a `set-timebank-rules` proposal is adopted. */
  timebankRules: TimebankRules | undefined;

  private constructor(roles: readonly RoleDefinition[], rule: DecisionRule) {
    this.roleList = roles;
    this.roles = new Map(roles.map((role) => [role.name, new Set(role.may)]));
    this.rule = rule;
  }

  /** The roster the genesis founds, with the defaults for fields older genesis entries do not have. */
  static ofGenesis(genesis: GenesisJson): RosterState {
    const roles = (genesis.roles ?? [DEFAULT_ROLE]).map((role) => ({ name: role.name, may: [...role.may] }));
    const state = new RosterState(roles, genesis.rule ?? DEFAULT_RULE);
    for (const member of genesis.members) state.admit(member.name, member.devices as DeviceKey[], member.role ?? DEFAULT_ROLE.name);
    return state;
  }

  clone(): RosterState {
    const copy = new RosterState(this.roleList, this.rule);
    for (const [name, member] of this.members) copy.members.set(name, { ...member, devices: [...member.devices], revokedDevices: [...member.revokedDevices] });
    for (const [device, owner] of this.owners) copy.owners.set(device, owner);
    for (const device of this.revoked) copy.revoked.add(device);
    copy.lockThrough = this.lockThrough;
    copy.timebankRules = this.timebankRules;
    return copy;
  }

  /** The roster state a plain roster describes (what an index stored): the inverse of toRoster. */
  static ofRoster(roster: Roster): RosterState {
    const state = new RosterState(roster.roles.map((role) => ({ name: role.name, may: [...role.may] })), roster.rule);
    for (const member of roster.members) {
      state.members.set(member.name, { name: member.name, role: member.role, devices: [...member.devices], revokedDevices: [...member.revokedDevices], removed: member.removed });
      for (const device of [...member.devices, ...member.revokedDevices]) state.owners.set(device, member.name);
      for (const device of member.revokedDevices) state.revoked.add(device);
    }
    state.lockThrough = roster.lockedThrough ?? '';
    state.timebankRules = roster.timebank;
    return state;
  }

  /** The time bank's rules in force. */
  get timebank(): TimebankRules {
    return this.timebankRules ?? DEFAULT_TIMEBANK_RULES;
  }

  /** What a member's role may write, or undefined for a name that is no member, or a removed one. */
  permissionsOf(name: string): ReadonlySet<Permission> | undefined {
    const member = this.members.get(name);
    if (!member || member.removed) return undefined;
    return this.roles.get(member.role) ?? new Set();
  }

  standing(device: DeviceKey): DeviceStanding {
    const owner = this.owners.get(device);
    if (owner === undefined) return { kind: 'unknown' };
    if (this.revoked.has(device)) return { kind: 'revoked', member: owner };
    const member = this.members.get(owner)!;
    if (member.removed) return { kind: 'removed', member: owner };
    return { kind: 'active', member: owner, may: this.roles.get(member.role) ?? new Set() };
  }

  /** The member a device was ever given to, whatever its standing now. */
  ownerOf(device: DeviceKey): string | undefined {
    return this.owners.get(device);
  }

  /** Members (not removed) whose role may vote, sorted by name: a proposal's electorate. */
  votingMembers(): string[] {
    return [...this.members.values()]
      .filter((member) => !member.removed && this.roles.get(member.role)?.has('vote') === true)
      .map((member) => member.name)
      .sort();
  }

  /** Why the action cannot apply to this roster, or undefined if it can. */
  actionProblem(action: ProposalAction): string | undefined {
    switch (action.kind) {
      case 'add-member': {
        if (this.members.has(action.name)) return `${action.name} is already the name of a member${this.members.get(action.name)!.removed ? ' (removed)' : ''}`;
        return this.roleProblem(action.role) ?? action.devices.map((device) => this.newDeviceProblem(device as DeviceKey)).find((problem) => problem !== undefined);
      }
      case 'remove-member':
        return this.activeMemberProblem(action.member) ?? this.undecidableProblem({ removed: action.member });
      case 'add-device':
        return this.activeMemberProblem(action.member) ?? this.newDeviceProblem(action.device as DeviceKey);
      case 'revoke-device': {
        if (this.owners.get(action.device as DeviceKey) !== action.member) return `device ${action.device.slice(0, 16)}… is not a device of ${action.member}`;
        return this.revoked.has(action.device as DeviceKey) ? `device ${action.device.slice(0, 16)}… is already revoked` : undefined;
      }
      case 'replace-device': {
        if (this.owners.get(action.device as DeviceKey) !== action.member) return `device ${action.device.slice(0, 16)}… is not a device of ${action.member}`;
        if (this.revoked.has(action.device as DeviceKey)) return `device ${action.device.slice(0, 16)}… is already revoked`;
        return this.activeMemberProblem(action.member) ?? this.newDeviceProblem(action.by as DeviceKey);
      }
      case 'set-role':
        return this.activeMemberProblem(action.member) ?? this.roleProblem(action.role) ?? this.undecidableProblem({ role: [action.member, action.role] });
      case 'set-rule':
        return this.undecidableProblem({ rule: action.rule });
      case 'lock':
      case 'set-timebank-rules':
        return undefined;
    }
  }

  /** Applies an adopted action; returns why it had no effect (the roster then is unchanged), if it had none. */
  apply(action: ProposalAction): string | undefined {
    const problem = this.actionProblem(action);
    if (problem !== undefined) return problem;
    switch (action.kind) {
      case 'add-member': this.admit(action.name, action.devices as DeviceKey[], action.role); break;
      case 'remove-member': this.members.get(action.member)!.removed = true; break;
      case 'add-device': this.addDevice(action.member, action.device as DeviceKey); break;
      case 'revoke-device': this.revokeDevice(action.member, action.device as DeviceKey); break;
      case 'replace-device':
        this.revokeDevice(action.member, action.device as DeviceKey);
        this.addDevice(action.member, action.by as DeviceKey);
        break;
      case 'set-role': this.members.get(action.member)!.role = action.role; break;
      case 'set-rule': this.rule = action.rule; break;
      case 'lock': this.lock(action.through); break;
      case 'set-timebank-rules': this.timebankRules = action.rules; break;
    }
    return undefined;
  }

  lock(through: string): void {
    if (through > this.lockThrough) this.lockThrough = through;
  }

  toRoster(): Roster {
    return {
      members: [...this.members.values()].map((member) => ({ ...member, devices: [...member.devices], revokedDevices: [...member.revokedDevices] })),
      roles: this.roleList.map((role) => ({ name: role.name, may: [...role.may] })),
      rule: this.rule,
      ...(this.lockThrough === '' ? {} : { lockedThrough: this.lockThrough as IsoDate }),
      ...(this.timebankRules === undefined ? {} : { timebank: this.timebankRules }),
    };
  }

  private admit(name: string, devices: readonly DeviceKey[], role: string): void {
    this.members.set(name, { name, role, devices: [], revokedDevices: [], removed: false });
    for (const device of devices) this.addDevice(name, device);
  }

  private revokeDevice(name: string, device: DeviceKey): void {
    const member = this.members.get(name)!;
    member.devices = member.devices.filter((kept) => kept !== device);
    member.revokedDevices.push(device);
    this.revoked.add(device);
  }

  private addDevice(member: string, device: DeviceKey): void {
    this.members.get(member)!.devices.push(device);
    this.owners.set(device, member);
  }

  private activeMemberProblem(name: string): string | undefined {
    const member = this.members.get(name);
    if (!member) return `${name} is not a member`;
    return member.removed ? `${name} was removed` : undefined;
  }

  private roleProblem(role: string): string | undefined {
    return this.roles.has(role) ? undefined : `role ${role} is not defined (roles: ${this.roleList.map((known) => known.name).join(', ')})`;
  }

  private newDeviceProblem(device: DeviceKey): string | undefined {
    if (this.revoked.has(device)) return `device ${device.slice(0, 16)}… was revoked and cannot be added again`;
    const owner = this.owners.get(device);
    return owner === undefined ? undefined : `device ${device.slice(0, 16)}… is already a device of ${owner}`;
  }

  /**
   * The co-op must stay able to decide: after a removal, a role change or a rule change there must be
   * at least one member who may vote, and at least as many as a quorum rule asks for.
   */
  private undecidableProblem(change: { removed?: string; role?: [string, string]; rule?: DecisionRule }): string | undefined {
    const voters = [...this.members.values()].filter((member) => {
      if (member.removed || member.name === change.removed) return false;
      const role = change.role && change.role[0] === member.name ? change.role[1] : member.role;
      return this.roles.get(role)?.has('vote') === true;
    }).length;
    const rule = change.rule ?? this.rule;
    if (voters === 0) return 'no member who may vote would remain';
    if (rule.kind === 'quorum' && voters < rule.yes) return `a quorum of ${rule.yes} would need more than the ${voters} member(s) who may vote`;
    return undefined;
  }
}
