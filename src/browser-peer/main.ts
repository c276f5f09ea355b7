import wasmUrl from '@automerge/automerge/automerge.wasm?url';
import { type PeerId as RepoPeerId, Repo, initializeWasm } from '@automerge/automerge-repo/slim';
import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { type Roster, formatAmount } from '@tallystick/core';
import { Libp2pNetworkAdapter } from '../../packages/sync/src/network/libp2p-network-adapter.js';
import { BrowserBooks, isRosterDevice } from './browser-books.js';
import { BrowserEntrySigner, bytesToHex, hexToBytes, newDeviceSeed } from './browser-crypto.js';
import { createBrowserNode, deviceOfPeerId } from './browser-node.js';
import { type PageInvite, decodeInviteCode, relaysOf } from './invite-code.js';

/*
 * A member's device in a browser tab: it holds the co-op's documents in memory, syncs them with the
 * member peers it may reach (WebSockets, or WebRTC through a member's relay), shows the transactions
 * core accepts, and records new ones signed with its own device key. The device key is made here on
 * first use and kept in this browser's storage; the members vote it in like any device's.
 */

const KEY_STORAGE = 'tallystick-device-seed';
const RETRY_MS = 2_000;
const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface PageState {
  status: string;
  deviceKey: string;
  transactions: string[];
  syncing: string[];
  connections: { peerId: string; address: string; limited: boolean }[];
  refusedBy: string[];
  /** Sync channels ever opened (a peer's hello received): stays 0 for a device no member's peer admits. */
  channelsOpened: number;
}

const state: PageState = { status: 'starting', deviceKey: '', transactions: [], syncing: [], connections: [], refusedBy: [], channelsOpened: 0 };
(globalThis as { tallystickPage?: PageState }).tallystickPage = state;

function deviceSeed(): Uint8Array {
  const kept = localStorage.getItem(KEY_STORAGE);
  if (kept !== null && /^[0-9a-f]{64}$/u.test(kept)) return hexToBytes(kept);
  const seed = newDeviceSeed();
  localStorage.setItem(KEY_STORAGE, bytesToHex(seed));
  return seed;
}

function show(status: string): void {
  state.status = status;
  element('status').textContent = status;
}

class PagePeer {
  private roster: Roster | undefined;
  private books: BrowserBooks | undefined;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  private rendering = false;
  private renderAgain = false;

  private constructor(readonly node: Libp2p, readonly repo: Repo, readonly adapter: Libp2pNetworkAdapter, readonly signer: BrowserEntrySigner, readonly invite: PageInvite, private readonly trusted: Set<string>) {}

  static async start(invite: PageInvite, signer: BrowserEntrySigner): Promise<PagePeer> {
    // Before the roster is here, only the inviting peer and the relays its addresses go through are trusted.
    const trusted = new Set([invite.peer, ...invite.addresses.flatMap(relaysOf)]);
    const late: { peer?: PagePeer } = {};
    const node = await createBrowserNode({
      seed: signer.exportSeed(),
      isAllowedPeer: (peerId) => late.peer?.allows(peerId) ?? trusted.has(peerId),
      onRefused: (peerId) => { show(`refused a connection with ${peerId.slice(-8)}: not a device of this co-op's members`); },
    });
    const adapter = new Libp2pNetworkAdapter(node, {
      isAllowedPeer: (peerId) => late.peer?.allows(peerId) ?? false,
      log: (event) => { console.warn(`sync ${event.event} ${event.peerId}: ${event.reason}`); },
    });
    const repo = new Repo({ network: [], peerId: node.peerId.toString() as RepoPeerId, sharePolicy: async (peerId) => late.peer?.allows(peerId) ?? false });
    const peer = new PagePeer(node, repo, adapter, signer, invite, trusted);
    late.peer = peer;
    repo.networkSubsystem.addNetworkAdapter(adapter);
    adapter.on('peer-candidate', () => { state.channelsOpened += 1; peer.noteConnections(); void peer.openBooks(); });
    adapter.on('peer-disconnected', () => { peer.noteConnections(); });
    node.addEventListener('connection:open', () => { peer.noteConnections(); });
    node.addEventListener('connection:close', () => { peer.noteConnections(); });
    return peer;
  }

  allows(peerId: string): boolean {
    if (this.roster === undefined) return this.trusted.has(peerId);
    const device = deviceOfPeerId(peerId);
    return device !== undefined && isRosterDevice(this.roster, device);
  }

  /** Dials the invite's addresses (WebRTC ones first) until one opens a sync channel; refused: says so and retries. */
  async connect(): Promise<void> {
    const addresses = [...this.invite.addresses].sort((a, b) => Number(b.includes('/webrtc')) - Number(a.includes('/webrtc')));
    for (;;) {
      const reasons: string[] = [];
      for (const address of addresses) {
        try {
          await this.node.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) });
          if (await this.channelOpens(address)) return;
          reasons.push(NOT_ON_ROSTER);
        } catch (error) {
          reasons.push(plainReason(describeError(error)));
        }
      }
      state.refusedBy = reasons;
      show(`Not admitted yet by ${this.invite.name}'s peers: ${reasons[0] ?? 'the invite names no address'}. Ask a member to run: tallystick propose add-member YOUR-NAME --device ${this.signer.publicKey} — trying again in ${RETRY_MS / 1000} s.`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  private channelOpens(address: string): Promise<boolean> {
    const target = /\/p2p\/([^/]+)$/u.exec(address)?.[1];
    if (target !== undefined && this.adapter.connectedPeers().includes(target)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (opened: boolean) => { clearTimeout(timer); this.adapter.off('peer-candidate', onCandidate); resolve(opened); };
      const onCandidate = ({ peerId }: { peerId: string }) => { if (target === undefined || peerId === target) finish(true); };
      const timer = setTimeout(() => { finish(false); }, 3_000);
      this.adapter.on('peer-candidate', onCandidate);
    });
  }

  async openBooks(): Promise<void> {
    if (this.books !== undefined) return;
    show(`Connected; fetching the books of ${this.invite.name}…`);
    try {
      this.books = await BrowserBooks.open(this.repo, this.invite, AbortSignal.timeout(30_000));
    } catch (error) {
      show(`Could not fetch the books: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.books.catalog.on('change', () => { this.scheduleRender(); });
    this.repo.on('document', ({ handle }) => { handle.on('change', () => { this.scheduleRender(); }); });
    for (const handle of Object.values(this.repo.handles)) handle.on('change', () => { this.scheduleRender(); });
    this.scheduleRender();
  }

  async add(input: { date: string; description: string; postings: string[] }): Promise<string> {
    if (this.books === undefined) throw new Error('the books are not here yet: connect to a member\'s peer first');
    const id = await this.books.addTransaction(input, this.signer, new Date());
    this.scheduleRender();
    return id;
  }

  noteConnections(): void {
    state.connections = this.node.getConnections().map((connection) => ({ peerId: connection.remotePeer.toString(), address: connection.remoteAddr.toString(), limited: connection.limits !== undefined }));
    state.syncing = this.adapter.connectedPeers();
    element('connections').textContent = state.connections.map((connection) => `${connection.peerId.slice(-8)} over ${transportOf(connection.address, connection.limited)}${state.syncing.includes(connection.peerId) ? ', syncing' : ''}`).join('\n') || 'none';
  }

  /**
   * Renders are run one at a time, and once more if a change arrived meanwhile: a render reads the
   * documents across awaits, so two at once could finish out of order and show the older state last.
   */
  private scheduleRender(): void {
    clearTimeout(this.renderTimer);
    this.renderTimer = setTimeout(() => {
      this.renderAgain = true;
      if (this.rendering) return;
      this.rendering = true;
      void (async () => {
        while (this.renderAgain) {
          this.renderAgain = false;
          await this.render().catch((error: unknown) => { show(`Could not read the books: ${describeError(error)}`); });
        }
        this.rendering = false;
      })();
    }, 50);
  }

  private async render(): Promise<void> {
    if (this.books === undefined) return;
    this.roster = await this.books.roster();
    this.trusted.clear();
    const book = await this.books.book();
    state.transactions = book.transactions.map((recorded) => `${recorded.transaction.date} ${recorded.transaction.description}: ${recorded.transaction.postings.map((posting) => `${posting.account} ${formatAmount(posting.amount, new Map())}`).join(', ')}`);
    element('transactions').replaceChildren(...state.transactions.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    show(`In sync with ${book.coopName}: ${book.transactions.length} transactions, ${this.roster.members.filter((member) => !member.removed).length} members.`);
  }
}

const NOT_ON_ROSTER = 'their peer hung up right after the handshake, as it does with a device that is not on the co-op\'s roster';

/** A refusal reads as one (the remote closes right after noise); anything else is "could not reach". */
function plainReason(technical: string): string {
  if (/UnexpectedEOF|Unexpected EOF|EncryptionFailed|StreamReset|ConnectionClosed|MuxerClosed|unexpected end/iu.test(technical)) return NOT_ON_ROSTER;
  return `their peer could not be reached (${technical})`;
}

/** A dial fails with an Error, an AggregateError of one per address, or a WebSocket's bare error Event. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  if (error instanceof Event) return `the ${error.target instanceof WebSocket ? 'WebSocket' : 'connection'} failed (${error.type}${error.target instanceof WebSocket ? ` to ${error.target.url}` : ''})`;
  return String(error);
}

function transportOf(address: string, limited: boolean): string {
  if (address.includes('/webrtc')) return 'WebRTC';
  if (limited || address.includes('/p2p-circuit')) return 'a relay (limited)';
  return address.includes('/ws') ? 'WebSockets' : address;
}

async function main(): Promise<void> {
  await initializeWasm(wasmUrl);
  const signer = new BrowserEntrySigner(deviceSeed());
  state.deviceKey = signer.publicKey;
  element('device-key').textContent = signer.publicKey;
  show('Paste the invite code a member printed with `tallystick invite`.');
  let peer: PagePeer | undefined;
  element<HTMLFormElement>('join').addEventListener('submit', (event) => {
    event.preventDefault();
    if (peer !== undefined) return;
    let invite: PageInvite;
    try {
      invite = decodeInviteCode(element<HTMLInputElement>('invite').value);
    } catch (error) {
      show(error instanceof Error ? error.message : String(error));
      return;
    }
    show(`Connecting to ${invite.name}…`);
    void PagePeer.start(invite, signer).then(async (started) => { peer = started; await started.connect(); }, (error: unknown) => { show(`Could not start: ${String(error)}`); });
  });
  element<HTMLFormElement>('add').addEventListener('submit', (event) => {
    event.preventDefault();
    const postings = element<HTMLTextAreaElement>('postings').value.split('\n').filter((line) => line.trim() !== '');
    const input = { date: element<HTMLInputElement>('date').value, description: element<HTMLInputElement>('description').value, postings };
    if (peer === undefined) { show('Join a co-op first.'); return; }
    peer.add(input).then((id) => { element('added').textContent = `Saved transaction ${id.slice(0, 12)}.`; }, (error: unknown) => {
      element('added').textContent = `Not saved: ${error instanceof Error ? error.message : String(error)}`;
    });
  });
}

void main().catch((error: unknown) => { show(`The page could not start: ${String(error)}`); });
