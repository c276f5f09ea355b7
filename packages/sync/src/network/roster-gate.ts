import type { DeviceKey, Roster } from '@tallystick/core';
import { deviceOfPeerId } from './device-identity.js';
import type { FederationGate } from './federation-gate.js';

/** Why a peer may not connect: a stable code and a sentence naming the device and the rule. */
export type GateRefusal = {
  readonly allowed: false;
  readonly code: 'not_a_device_identity' | 'not_a_member_device' | 'device_revoked' | 'member_removed';
  readonly device?: DeviceKey;
  readonly reason: string;
};

export type GateDecision = { readonly allowed: true; readonly device: DeviceKey; readonly member: string } | GateRefusal;

/**
 * Who may connect to this peer: exactly the active devices of the co-op's members (not removed, device
 * not revoked) in the roster derived from the documents, whatever their role (reading the books is
 * membership). The peer id is the device key (device-identity.ts), so the decision needs nothing but the
 * noise-authenticated peer id. Before a joining device holds the co-op's documents it has no roster: it
 * then trusts only the peer its invite names, for as long as it takes to fetch the catalog.
 */
export class RosterGate {
  private roster: Roster | undefined;
  private coopName: string;
  private readonly trusted = new Map<string, string>();
  private federations: FederationGate | undefined;

  constructor(coopName: string) {
    this.coopName = coopName;
  }

  /** Takes the roster now in force; returns nothing, callers re-check connected peers with `check`. */
  setRoster(roster: Roster, coopName = this.coopName): void {
    this.roster = roster;
    this.coopName = coopName;
  }

  get hasRoster(): boolean {
    return this.roster !== undefined;
  }

  /** A peer accepted without a roster (the inviter, while joining), named for the log. */
  trust(peerId: string, member: string): void {
    this.trusted.set(peerId, member);
  }

  untrustAll(): void {
    this.trusted.clear();
  }

  /**
   * Whether a peer may connect at all: a device of this co-op's roster, else one a federation of this
   * folder admits (which is then offered that federation's document only: see `checkMember`).
   */
  check(peerId: string): GateDecision {
    const own = this.checkMember(peerId);
    if (own.allowed || this.federations === undefined) return own;
    const federation = this.federations.check(peerId);
    return federation === undefined ? own : { allowed: true, device: federation.device, member: federation.member };
  }

  /** Also admit, at the connection, the devices these federations admit. */
  useFederations(federations: FederationGate): void {
    this.federations = federations;
  }

  /** Whether a peer is an active device of this co-op's roster: what the co-op's own documents are shared with. */
  checkMember(peerId: string): GateDecision {
    const device = deviceOfPeerId(peerId);
    if (device === undefined) {
      return { allowed: false, code: 'not_a_device_identity', reason: `peer ${peerId} is not an Ed25519 device identity, so it is no member's device` };
    }
    const trustedAs = this.trusted.get(peerId);
    if (trustedAs !== undefined) return { allowed: true, device, member: trustedAs };
    const short = `${device.slice(0, 16)}…`;
    const member = this.roster?.members.find((candidate) => candidate.devices.includes(device) || candidate.revokedDevices.includes(device));
    if (member === undefined) {
      return { allowed: false, code: 'not_a_member_device', device, reason: `device ${short} is not a device of any member of ${this.coopName}` };
    }
    if (member.removed) {
      return { allowed: false, code: 'member_removed', device, reason: `device ${short} belongs to ${member.name}, who was removed from ${this.coopName}` };
    }
    if (member.revokedDevices.includes(device)) {
      return { allowed: false, code: 'device_revoked', device, reason: `device ${short} of ${member.name} was revoked` };
    }
    return { allowed: true, device, member: member.name };
  }

  allows(peerId: string): boolean {
    return this.check(peerId).allowed;
  }

  allowsMember(peerId: string): boolean {
    return this.checkMember(peerId).allowed;
  }

  /** The active member devices, to dial or to list. */
  activeDevices(): { device: DeviceKey; member: string }[] {
    return (this.roster?.members ?? []).filter((member) => !member.removed)
      .flatMap((member) => member.devices.map((device) => ({ device, member: member.name })));
  }
}
