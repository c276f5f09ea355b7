import type { PeerEvent } from '@tallystick/sync/network';
import { type CommandContext, print } from '../context.js';

/** A peer id short enough to read, long enough to tell apart: 12D3KooW…x7Tq2a. */
export function shortPeer(peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId;
}

/** One readable line per event (undefined: not worth a line). */
export function describePeerEvent(event: PeerEvent): string | undefined {
  switch (event.type) {
    case 'listening': return event.addresses.map((address) => `listening on ${address}`).join('\n');
    case 'connected': return `connected: ${event.member} (${shortPeer(event.peerId)})`;
    case 'disconnected': return `disconnected: ${event.member ?? 'a peer'} (${shortPeer(event.peerId)})`;
    case 'refused': return `refused ${shortPeer(event.peerId)} (${event.direction === 'inbound' ? 'it dialled us' : 'we dialled it'}): ${event.reason}`;
    case 'cut-off': return `cut off ${shortPeer(event.peerId)}: ${event.reason}`;
    case 'roster': return `roster: ${event.members} member${event.members === 1 ? '' : 's'}, ${event.devices} device${event.devices === 1 ? '' : 's'} admitted`;
    case 'saved': return `saved: ${event.documents.join(', ')}`;
    case 'held-back': return `catalog not saved yet: waiting for ${event.missing.join(', ')}`;
    case 'local-changes': return `picked up changes written on this device: ${event.documents.join(', ')}`;
    case 'in-sync': return `in sync with ${event.member ?? 'a peer'} (${shortPeer(event.peerId)}), ${event.documents} document${event.documents === 1 ? '' : 's'}`;
    case 'dial-failed': return `could not connect to ${event.address}: ${event.reason}`;
    case 'recovered': return `recovered from ${event.from}: ${event.documents.join(', ')} (${event.files} damaged file${event.files === 1 ? '' : 's'} kept in quarantine/recovered)`;
    case 'federation': return `replicating federation ${event.name}${event.peers.length === 0 ? '' : ` (its member peer: ${event.peers.map((address) => shortPeer(address.slice(address.lastIndexOf('/') + 1))).filter((peer, index, all) => all.indexOf(peer) === index).join(', ')})`}`;
    case 'problem': return `problem: ${event.reason}`;
  }
}

/** Prints events as they happen, each line stamped with the local time; repeated roster lines are left out. */
export function eventPrinter(context: CommandContext): (event: PeerEvent) => void {
  let lastRoster = '';
  return (event) => {
    const text = describePeerEvent(event);
    if (text === undefined) return;
    if (event.type === 'roster') {
      if (text === lastRoster) return;
      lastRoster = text;
    }
    const now = context.now();
    const stamp = [now.getHours(), now.getMinutes(), now.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
    print(context, text.split('\n').map((line) => `${stamp} ${line}`).join('\n'));
  };
}
