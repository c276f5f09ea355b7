import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../file-storage-adapter.js';

/** One peer this device has dialled, been dialled by, or been told of by an invite. */
export interface KnownPeer {
  readonly peerId: string;
  member?: string;
  /** Where it listens (from identify, an invite or `--connect`), newest first; each ends in /p2p/PEER-ID. */
  addresses: string[];
  lastSeen?: string;
  lastSync?: string;
  lastRefused?: { at: string; reason: string };
}

interface KnownPeersFile {
  format: 'tallystick-known-peers';
  version: 1;
  peers: KnownPeer[];
}

const MAXIMUM_PEERS = 1_000;
const MAXIMUM_ADDRESSES_PER_PEER = 8;

/**
 * The peers a data folder has seen, in `network/peers.json`, so that a restarted peer reconnects by itself
 * and `tallystick status` can say when each was last seen and last in sync. Written atomically (temp
 * file, fsync, rename); a damaged file is set aside as empty rather than stopping the peer, since every
 * fact in it can be learnt again. Bounded: the least recently seen peers are dropped past 1,000.
 */
export class KnownPeers {
  private readonly peers = new Map<string, KnownPeer>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  static async load(path: string): Promise<KnownPeers> {
    const known = new KnownPeers(path);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) return known;
    try {
      const file = JSON.parse(text) as KnownPeersFile;
      if (file.format === 'tallystick-known-peers' && file.version === 1 && Array.isArray(file.peers)) {
        for (const peer of file.peers.slice(0, MAXIMUM_PEERS)) {
          if (typeof peer?.peerId !== 'string' || !Array.isArray(peer.addresses)) continue;
          // Files written before relayed addresses were completed hold them without the peer's id (see note).
          peer.addresses = [...new Set(peer.addresses.filter((address) => typeof address === 'string').map((address) => addressOf(address, peer.peerId)))];
          known.peers.set(peer.peerId, peer);
        }
      }
    } catch {
      return known; // unreadable: start empty, peers are learnt again (and the file rewritten on the next change)
    }
    return known;
  }

  all(): KnownPeer[] {
    return [...this.peers.values()];
  }

  get(peerId: string): KnownPeer | undefined {
    return this.peers.get(peerId);
  }

  /** Records facts about a peer; addresses given are put first. Saved shortly after (see flush). */
  note(peerId: string, facts: { member?: string; addresses?: readonly string[]; seen?: Date; synced?: Date; refused?: { at: Date; reason: string } }): void {
    const peer = this.peers.get(peerId) ?? { peerId, addresses: [] };
    if (facts.member !== undefined) peer.member = facts.member;
    if (facts.addresses !== undefined) {
      const withId = facts.addresses.map((address) => addressOf(address, peerId));
      peer.addresses = [...new Set([...withId, ...peer.addresses])].slice(0, MAXIMUM_ADDRESSES_PER_PEER);
    }
    if (facts.seen !== undefined) peer.lastSeen = facts.seen.toISOString();
    if (facts.synced !== undefined) peer.lastSync = facts.synced.toISOString();
    if (facts.refused !== undefined) peer.lastRefused = { at: facts.refused.at.toISOString(), reason: facts.refused.reason };
    this.peers.delete(peerId);
    this.peers.set(peerId, peer);
    while (this.peers.size > MAXIMUM_PEERS) this.peers.delete(this.peers.keys().next().value!);
    this.scheduleSave();
  }

  /** Everything noted so far is on disk when this resolves. */
  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.saving = this.saving.then(() => this.write());
    await this.saving;
  }

  private scheduleSave(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.write()).catch(() => undefined); // retried at the next change or flush
    }, 200);
  }

  private async write(): Promise<void> {
    const file: KnownPeersFile = { format: 'tallystick-known-peers', version: 1, peers: this.all() };
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, Buffer.from(`${JSON.stringify(file, null, 2)}\n`));
  }
}

/**
 * An address that names the peer it reaches. Identify reports a peer's listen addresses without its own
 * id, and a relayed one already names the relay (`/ip4/…/p2p/RELAY/p2p-circuit`): taken as it was, that
 * address named the relay, and dialling it put a relay address to the relay itself into libp2p's peer
 * store, after which dials through that relay timed out.
 */
function addressOf(address: string, peerId: string): string {
  return address.endsWith(`/p2p/${peerId}`) ? address : `${address}/p2p/${peerId}`;
}
