import { type DeviceKey, type Entry, type EntryId, isControlKind, materialize, materializeFederation } from '@tallystick/core';
import { checkPack } from '../coop-store.js';
import type { FederationDoc } from '../federation-store.js';
import { deviceOfPeerId } from './device-identity.js';

/** A device the federation admits, named for the log: `Ben of Mill`. */
export interface FederationDevice {
  readonly device: DeviceKey;
  readonly label: string;
}

/**
 * The devices that may hold a federation's document: every active device (not revoked, member not
 * removed) of every co-op of the federation, member or invited, in that co-op's roster derived from the
 * control history it shared into the document (checked as any entry is: signatures, and governance's
 * rules from the genesis its card names). Any active device, not only those with the `credit` right: the
 * document says what the co-op owes and is owed, which any member may read in its own books; writing
 * still needs the right, which core checks. An invited co-op that has shared nothing yet (it shares when
 * it joins) is represented by the device its card named in the invitation, so that it can fetch the
 * document at all.
 */
export function federationDevices(doc: FederationDoc, genesisId: string): FederationDevice[] {
  const entries: Entry[] = [];
  const shared: Entry[] = [];
  for (const [key, value] of Object.entries(doc.entries ?? {})) for (const checked of checkPack(key, value)) if (checked.ok) entries.push(checked.entry);
  for (const packs of Object.values(doc.shared ?? {})) {
    for (const [key, value] of Object.entries(packs)) for (const checked of checkPack(key, value)) if (checked.ok) shared.push(checked.entry);
  }
  const federation = materializeFederation({ genesisId: genesisId as EntryId, entries, shared, unverified: [] });
  const rejected = new Set<string>(federation.rejected.map((entry) => entry.id));
  const devices: FederationDevice[] = [];
  for (const coop of federation.coops) {
    const control = shared.filter((entry) => entry.body.coop === coop.id && isControlKind(entry.body.kind));
    if (control.some((entry) => entry.id === coop.genesis)) {
      const roster = materialize({ genesisId: coop.genesis, entries: control }).governance.roster;
      for (const member of roster.members) {
        if (member.removed) continue;
        for (const device of member.devices) devices.push({ device, label: `${member.name} of ${coop.name}` });
      }
      continue;
    }
    for (const entry of entries) {
      if (entry.body.kind !== 'federation-invite' || rejected.has(entry.id)) continue;
      const payload = (entry as Entry<'federation-invite'>).body.payload;
      if (payload.coop.id === coop.id && payload.device !== undefined) devices.push({ device: payload.device as DeviceKey, label: `the invited device of ${coop.name}` });
    }
  }
  return devices;
}

/**
 * Who may receive which federation document. Kept apart from the co-op's RosterGate: a device of another
 * co-op admitted here for a federation must never be offered the co-op's own documents.
 */
export class FederationGate {
  private readonly devices = new Map<string, Map<DeviceKey, string>>();
  private readonly names = new Map<string, string>();
  private readonly trusted = new Map<string, Set<string>>();

  /** The devices now admitted for one federation (re-derived whenever its document changes). */
  set(federationId: string, name: string, devices: readonly FederationDevice[]): void {
    this.names.set(federationId, name);
    this.devices.set(federationId, new Map(devices.map((item) => [item.device, item.label])));
  }

  /** A peer admitted for a federation without a roster (the inviter, while fetching the document). */
  trust(federationId: string, peerId: string): void {
    const peers = this.trusted.get(federationId) ?? new Set<string>();
    peers.add(peerId);
    this.trusted.set(federationId, peers);
  }

  allows(federationId: string, peerId: string): boolean {
    if (this.trusted.get(federationId)?.has(peerId) === true) return true;
    const device = deviceOfPeerId(peerId);
    return device !== undefined && this.devices.get(federationId)?.has(device) === true;
  }

  /** The first federation that admits this peer, with its label, for the connection gate and the log. */
  check(peerId: string): { device: DeviceKey; member: string } | undefined {
    const device = deviceOfPeerId(peerId);
    if (device === undefined) return undefined;
    for (const [federationId, devices] of this.devices) {
      const label = devices.get(device) ?? (this.trusted.get(federationId)?.has(peerId) === true ? 'the inviting peer' : undefined);
      if (label !== undefined) return { device, member: `${label} (federation ${this.names.get(federationId) ?? federationId})` };
    }
    for (const [federationId, peers] of this.trusted) {
      if (peers.has(peerId)) return { device, member: `the inviting peer (federation ${this.names.get(federationId) ?? federationId})` };
    }
    return undefined;
  }
}
