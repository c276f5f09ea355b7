import { useState } from 'react';
import type { BookApi, PendingExchange } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  version: number;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
  onLog: () => void;
}

/** The inbox, as `tallystick hours pending`: what waits for this member's answer (confirm, or decline with a reason), and what waits for others. */
export function TimebankPendingView({ api, version, needsPassphrase, onSaved, onLog }: Props) {
  const [pending] = useService(() => api.timebankPending(), String(version));
  const [passphrase, setPassphrase] = useState('');
  if (pending.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (pending.state === 'failed') return <Problem error={pending.error} />;
  const { me, waitingForMe, waitingForOthers } = pending.value;
  return (
    <>
      <h3 id="for-me-heading">Waiting for {me} ({waitingForMe.length})</h3>
      {needsPassphrase && waitingForMe.length > 0 && (
        <label className="passphrase">Passphrase (to confirm or decline) <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>
      )}
      {waitingForMe.length === 0 ? <p>Nothing waits for your answer.</p> : (
        <ul className="exchanges" aria-labelledby="for-me-heading">
          {waitingForMe.map((exchange) => <WaitingItem key={exchange.id} api={api} exchange={exchange} passphrase={passphrase} onSaved={onSaved} />)}
        </ul>
      )}
      <h3 id="for-others-heading">Logged by {me}, waiting for others ({waitingForOthers.length})</h3>
      {waitingForOthers.length === 0 ? <p>Nothing you logged is waiting. <button type="button" className="link" onClick={onLog}>Log hours</button></p> : (
        <ul className="exchanges" aria-labelledby="for-others-heading">
          {waitingForOthers.map((exchange) => (
            <li key={exchange.id} className="exchange"><ExchangeWords exchange={exchange} /> <span className="help">Waiting for {exchange.awaiting ?? 'the other member'} to confirm.</span></li>
          ))}
        </ul>
      )}
    </>
  );
}

function ExchangeWords({ exchange }: { exchange: PendingExchange }) {
  return (
    <>
      <strong id={`exchange-${exchange.id.slice(0, 12)}`}>{exchange.provider} gave {exchange.receiver} {exchange.duration}</strong> on {exchange.date}: {exchange.description}
      {exchange.category && <span className="tag"> [{exchange.category}]</span>} <code title={exchange.id}>{exchange.id.slice(0, 12)}</code>
      {exchange.refusal && <p className="problem">A confirmation was refused: {exchange.refusal}.</p>}
    </>
  );
}

/** Confirm and decline each take two presses: neither can be undone (a counted exchange is corrected only by a reversal). */
function WaitingItem({ api, exchange, passphrase, onSaved }: { api: BookApi; exchange: PendingExchange; passphrase: string; onSaved: (message: string) => void }) {
  const [reason, setReason] = useState('');
  const secret = passphrase ? { passphrase } : {};
  const confirm = useConfirmedWrite(() => api.confirmHours({ exchangeId: exchange.id, ...secret }), onSaved);
  const decline = useConfirmedWrite(() => api.declineHours({ exchangeId: exchange.id, reason, ...secret }), onSaved);
  const labelId = `exchange-${exchange.id.slice(0, 12)}`;
  const busy = confirm.saving || decline.saving;
  return (
    <li className="exchange" aria-labelledby={labelId}>
      <ExchangeWords exchange={exchange} /> <span className="help">Logged by {exchange.loggedBy}.</span>
      <div className="answers">
        <form aria-label={`Confirm ${exchange.provider} gave ${exchange.receiver} ${exchange.duration}`} onSubmit={(event) => { decline.cancel(); void confirm.submit(event); }}>
          {confirm.confirming && <p role="alert" className="confirm">Confirm that {exchange.provider} gave {exchange.receiver} {exchange.duration} on {exchange.date}? It counts at once and cannot be undone. Press again to confirm.</p>}
          <div className="buttons">
            <button type="submit" disabled={busy} aria-describedby={labelId}>{confirm.saving ? 'Saving…' : confirm.confirming ? 'Yes, confirm' : 'Confirm…'}</button>
            {confirm.confirming && <button type="button" onClick={confirm.cancel}>Cancel</button>}
          </div>
          {confirm.problem && !confirm.confirming && <Problem error={confirm.problem} />}
        </form>
        <form aria-label={`Decline ${exchange.provider} gave ${exchange.receiver} ${exchange.duration}`} onSubmit={(event) => { confirm.cancel(); void decline.submit(event); }}>
          <label>Reason to decline <input type="text" value={reason} onChange={(event) => { setReason(event.target.value); decline.cancel(); }} aria-describedby={labelId} /></label>
          {decline.confirming && <p role="alert" className="confirm">Decline it{reason ? ` (“${reason}”)` : ''}? It will never count; {exchange.loggedBy} sees your reason. Press again to decline.</p>}
          <div className="buttons">
            <button type="submit" className="secondary" disabled={busy}>{decline.saving ? 'Saving…' : decline.confirming ? 'Yes, decline' : 'Decline…'}</button>
            {decline.confirming && <button type="button" onClick={decline.cancel}>Cancel</button>}
          </div>
          {decline.problem && !decline.confirming && <Problem error={decline.problem} />}
        </form>
      </div>
    </li>
  );
}
