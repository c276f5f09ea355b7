// Replication over libp2p (issue 4). A subpath of its own (`@tallystick/sync/network`) so that commands
// which never talk to peers do not load libp2p.
export * from './frames.js';
export * from './libp2p-network-adapter.js';
export * from './sync-node.js';
export * from './device-identity.js';
export * from './roster-gate.js';
export * from './catalog-roster.js';
export * from './known-peers.js';
export * from './invite.js';
export * from './coop-replicator.js';
export * from './coop-peer.js';
export * from './join-coop.js';
export * from './federation-gate.js';
export * from './fetch-federation.js';
export * from './join-progress.js';
export * from './snapshot-protocol.js';
export * from './recover-catalog.js';
export * from './saved-bytes.js';
