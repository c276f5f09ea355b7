import { type FormEvent, useEffect, useState } from 'react';
import type { BookApi, Invitation, ServiceFailure, SyncPeerLine, SyncStatus } from '../../packages/peer/src/service/protocol.js';
import { NotCounted } from './not-counted.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

/** Connections come and go without the documents changing: the status is read again this often while shown. */
const STATUS_POLL_MS = 1_500;

interface Props {
  api: BookApi;
  version: number;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
  onOpen: (transactionId: string) => void;
}

/** The Sync area (Alt+S): this device's peer, the peers it knows, the documents, connecting, inviting, and what does not count. */
export function SyncArea({ api, version, needsPassphrase, onSaved, onOpen }: Props) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((value) => value + 1), STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const [status] = useService(() => api.syncStatus(), `${version}|${tick}`);
  if (status.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (status.state === 'failed') return <Problem error={status.error} />;
  const sync = status.value;
  return (
    <div className="sync">
      <p role="status" className={sync.state === 'running' || sync.state === 'elsewhere' ? 'notice' : 'problem'}>{sync.summary}</p>
      {sync.state === 'locked' && <StartSync api={api} onSaved={onSaved} />}
      <ThisDevice sync={sync} />
      <Peers peers={sync.peers} inSyncKnown={sync.state === 'running'} />
      <Documents sync={sync} />
      {sync.state === 'running' && <Connect api={api} onSaved={onSaved} />}
      {sync.state === 'running' && <Invite api={api} />}
      <LetIn api={api} needsPassphrase={needsPassphrase} onSaved={onSaved} />
      <section aria-labelledby="not-counted-heading">
        <h3 id="not-counted-heading">Entries that do not count</h3>
        <p className="help">Entries other devices sent that the books leave out, with the reason: signed by a device that is not a member&apos;s, changed on the way, or not allowed by the co-op&apos;s rules. They stay in the documents and are never lost.</p>
        <NotCounted api={api} version={version} onOpen={onOpen} />
      </section>
      {sync.recent.length > 0 && (
        <section aria-labelledby="recent-heading">
          <h3 id="recent-heading">Recent activity</h3>
          <ul className="recent" aria-label="Recent sync activity">{sync.recent.slice(-12).map((line, index) => <li key={`${index}:${line}`}>{line}</li>)}</ul>
        </section>
      )}
    </div>
  );
}

function ThisDevice({ sync }: { sync: SyncStatus }) {
  if (sync.peerId === undefined) return null;
  return (
    <section aria-labelledby="device-heading">
      <h3 id="device-heading">This device</h3>
      <dl className="facts-list">
        <dt>Peer id</dt><dd><code>{sync.peerId}</code></dd>
        <dt>Reachable at</dt>
        <dd>{sync.addresses.length === 0 ? 'nowhere yet (it only dials out)' : <ul className="addresses" aria-label="Addresses of this device">{sync.addresses.map((address) => <li key={address}><code>{address}</code></li>)}</ul>}</dd>
      </dl>
    </section>
  );
}

/** `inSyncKnown`: false when another process runs the peer (its status file says who is connected, not how far). */
function Peers({ peers, inSyncKnown }: { peers: readonly SyncPeerLine[]; inSyncKnown: boolean }) {
  return (
    <section aria-labelledby="peers-heading">
      <h3 id="peers-heading">Peers</h3>
      {peers.length === 0 ? <p>This device knows no other device yet: connect to one by its address, or let one connect here.</p> : (
        <table className="report" aria-label="Peers">
          <thead><tr><th scope="col">Member</th><th scope="col">Device</th><th scope="col">Now</th><th scope="col">Last seen</th><th scope="col">Last in sync</th><th scope="col">Refused</th></tr></thead>
          <tbody>
            {peers.map((peer) => (
              <tr key={peer.peerId} data-peer={peer.peerId}>
                <th scope="row">{peer.member ?? 'unknown'}</th>
                <td><code title={peer.peerId}>{shortPeer(peer.peerId)}</code></td>
                <td>{peer.connected ? (!inSyncKnown ? 'connected' : peer.inSync ? 'connected, in sync' : 'connected, syncing…') : 'not connected'}</td>
                <td>{when(peer.lastSeen)}</td>
                <td>{when(peer.lastSync)}</td>
                <td>{peer.lastRefused ? `${when(peer.lastRefused.at)}: ${peer.lastRefused.reason}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Documents({ sync }: { sync: SyncStatus }) {
  if (sync.documents.length === 0) return null;
  const here = sync.documents.filter((document) => document.present).length;
  const missing = sync.documents.filter((document) => !document.present);
  return (
    <section aria-labelledby="documents-heading">
      <h3 id="documents-heading">Documents</h3>
      <p>
        <label>{here} of {sync.documents.length} document{sync.documents.length === 1 ? '' : 's'} here{' '}
          <progress max={sync.documents.length} value={here} /></label>
      </p>
      {missing.length > 0 && <p>Still arriving: {missing.map((document) => document.label).join(', ')}. The books show what is here; totals may change when they arrive.</p>}
    </section>
  );
}

function StartSync({ api, onSaved }: { api: BookApi; onSaved: (message: string) => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await api.startSync({ passphrase });
    setPassphrase('');
    if (!result.ok) { setProblem(result.error); return; }
    setProblem(undefined);
    onSaved(result.value.message);
  };
  return (
    <form className="action-form" aria-label="Start syncing" onSubmit={(event) => void submit(event)}>
      <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>
      {problem && <Problem error={problem} />}
      <div className="buttons"><button type="submit">Start syncing</button></div>
    </form>
  );
}

function Connect({ api, onSaved }: { api: BookApi; onSaved: (message: string) => void }) {
  const [address, setAddress] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    const result = await api.connect({ address });
    setBusy(false);
    if (!result.ok) { setProblem(result.error); return; }
    setProblem(undefined);
    setAddress('');
    onSaved(result.value.message);
  };
  return (
    <form className="action-form" aria-label="Connect to a device" onSubmit={(event) => void submit(event)}>
      <h4>Connect to a device</h4>
      <label className="wide">Its address <input type="text" value={address} onChange={(event) => setAddress(event.target.value)} placeholder="/ip4/192.168.1.20/tcp/4001/p2p/12D3KooW…" spellCheck={false} /></label>
      {problem && <Problem error={problem} />}
      <div className="buttons"><button type="submit" disabled={busy}>{busy ? 'Connecting…' : 'Connect'}</button></div>
    </form>
  );
}

function Invite({ api }: { api: BookApi }) {
  const [member, setMember] = useState('');
  const [invitation, setInvitation] = useState<Invitation | undefined>();
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await api.invite(member.trim() === '' ? {} : { member });
    if (!result.ok) { setProblem(result.error); setInvitation(undefined); return; }
    setProblem(undefined);
    setInvitation(result.value);
  };
  return (
    <form className="action-form" aria-label="Invite a device" onSubmit={(event) => void submit(event)}>
      <h4>Invite a device</h4>
      <label>New member&apos;s name (optional) <input type="text" value={member} onChange={(event) => setMember(event.target.value)} /></label>
      <div className="buttons"><button type="submit">Make an invite code</button></div>
      {problem && <Problem error={problem} />}
      {invitation && (
        <>
          <label className="wide">Invite code <textarea readOnly rows={3} value={invitation.code} onFocus={(event) => event.target.select()} /></label>
          <p>{invitation.message}</p>
        </>
      )}
    </form>
  );
}

function LetIn({ api, needsPassphrase, onSaved }: { api: BookApi; needsPassphrase: boolean; onSaved: (message: string) => void }) {
  const [request, setRequest] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const write = useConfirmedWrite(() => api.admit({ request, ...(passphrase ? { passphrase } : {}) }), (message) => { setRequest(''); setPassphrase(''); onSaved(message); });
  return (
    <form className="action-form" aria-label="Let a device in" onSubmit={(event) => void write.submit(event)}>
      <h4>Let a device in</h4>
      <label className="wide">Join request the new device shows <textarea rows={2} value={request} onChange={(event) => { setRequest(event.target.value); write.cancel(); }} spellCheck={false} /></label>
      {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {write.confirming && <p className="confirm">Propose this member with that device and vote yes? The other members vote as the co-op&apos;s rule says.</p>}
      {write.problem && <Problem error={write.problem} />}
      <div className="buttons">
        <button type="submit" disabled={write.saving}>{write.confirming ? 'Yes, let it in' : 'Let in…'}</button>
        {write.confirming && <button type="button" onClick={write.cancel}>Cancel</button>}
      </div>
    </form>
  );
}

function shortPeer(peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId;
}

/** An ISO time as the member's local date and time, to the minute. */
function when(iso: string | undefined): string {
  if (iso === undefined) return 'never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
