import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { BookApi, Founded, JoinStatus, ServiceFailure } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';

const MIN_PASSPHRASE = 8;
const POLL_MS = 1_000;

/**
 * Join an existing co-op with an invite code: the service makes this device's key, shows it (and the join
 * request, for a named invite) to pass on, keeps trying until the members have voted it in, then fetches
 * the books; this form shows each step and hands over to the app once the co-op is here.
 */
export function JoinCoop({ api, onJoined }: { api: BookApi; onJoined: (joined: Founded) => void }) {
  const [code, setCode] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const [status, setStatus] = useState<JoinStatus | undefined>();
  const running = status?.state === 'waiting' || status?.state === 'fetching';

  useEffect(() => {
    // A join already under way (the page was reloaded) is shown, not started again.
    void api.joinStatus().then((result) => { if (result.ok && result.value.state !== 'idle') setStatus(result.value); });
  }, [api]);
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => {
      void api.joinStatus().then((result) => { if (result.ok) setStatus(result.value); });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [api, running]);
  const handedOver = useRef(false);
  useEffect(() => {
    if (status?.state !== 'joined' || handedOver.current) return;
    handedOver.current = true;
    onJoined({ message: status.message, dataFolder: status.dataFolder ?? '' });
  }, [status, onJoined]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (running) return;
    const problems = [
      ...(code.trim() === '' ? ['Paste the invite code a member gave you.'] : []),
      ...(passphrase.length < MIN_PASSPHRASE ? [`The passphrase must be at least ${MIN_PASSPHRASE} characters.`] : passphrase !== again ? ['The two passphrases differ: type the same one twice.'] : []),
    ];
    if (problems.length > 0) { setProblem({ code: 'invalid_request', message: `Nothing was done.\n${problems.join('\n')}` }); return; }
    setProblem(undefined);
    const result = await api.joinCoop({ code, passphrase, passphraseAgain: again });
    if (!result.ok) { setProblem(result.error); return; }
    setPassphrase('');
    setAgain('');
    setStatus(result.value);
  };

  return (
    <form className="action-form" aria-label="Join with an invite code" onSubmit={(event) => void submit(event)}>
      <h2>Join with an invite code</h2>
      <p>A member of the co-op makes an invite code on their device (Sync, Alt+S) and gives it to you.</p>
      <label className="wide">Invite code <textarea rows={4} value={code} onChange={(event) => setCode(event.target.value)} spellCheck={false} disabled={running} aria-required="true" /></label>
      <p id="join-passphrase-explained">Choose a passphrase for this device&apos;s key, as when founding (at least {MIN_PASSPHRASE} characters; it cannot be recovered).</p>
      <label>Device passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="new-password" aria-describedby="join-passphrase-explained" disabled={running} /></label>
      <label>Device passphrase, repeated <input type="password" value={again} onChange={(event) => setAgain(event.target.value)} autoComplete="new-password" disabled={running} /></label>
      {problem && <Problem error={problem} />}
      <div className="buttons"><button type="submit" disabled={running}>{running ? 'Joining…' : 'Join co-op'}</button></div>
      {status && <JoinProgressView status={status} />}
    </form>
  );
}

function JoinProgressView({ status }: { status: JoinStatus }) {
  return (
    <section aria-label="Joining" className="join-progress">
      <p role="status" aria-live="polite">{status.message}</p>
      {status.state === 'fetching' && status.total !== undefined && <progress max={Math.max(1, status.total)} value={status.done ?? 0} aria-label="Months fetched" />}
      {status.error && <Problem error={status.error} />}
      {status.request && status.state !== 'joined' && (
        <label className="wide">Join request for {status.member} (give it to the member who invited you)
          <textarea readOnly rows={5} value={status.request} onFocus={(event) => event.target.select()} />
        </label>
      )}
      {status.device && !status.request && status.state !== 'joined' && (
        <label className="wide">This device&apos;s key (give it to a member)
          <textarea readOnly rows={2} value={status.device} onFocus={(event) => event.target.select()} />
        </label>
      )}
    </section>
  );
}
