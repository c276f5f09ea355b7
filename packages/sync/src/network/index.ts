// Replication over libp2p (issue 4). A subpath of its own (`@tallystick/sync/network`) so that commands
// which never talk to peers do not load libp2p.
export * from './frames.js';
export * from './libp2p-network-adapter.js';
export * from './sync-node.js';
