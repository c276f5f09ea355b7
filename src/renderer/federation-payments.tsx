import { useState } from 'react';
import type { BookApi, FederationPaymentLine, FederationRequest, FederationState } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  request: FederationRequest;
  version: string;
  state: FederationState;
  coop: string;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

const STATUS_WORDS: Record<string, string> = { pending: 'waiting', settled: 'settled', failed: 'failed', expired: 'expired' };

/** Payments this co-op is party to, newest first; those it is asked to accept, with Accept and Decline (each two presses). */
export function FederationPayments({ api, request, version, state, coop, needsPassphrase, onSaved }: Props) {
  const [payments] = useService(() => api.federationPayments(request), version);
  const [passphrase, setPassphrase] = useState('');
  if (payments.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (payments.state === 'failed') return <Problem error={payments.error} />;
  const waiting = payments.value.filter((payment) => payment.mayAnswer);
  return (
    <>
      <h3 id="payments-waiting-heading">Waiting for {coop} to accept ({waiting.length})</h3>
      {needsPassphrase && waiting.length > 0 && (
        <label className="passphrase">Passphrase (to accept or decline) <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>
      )}
      {waiting.length === 0 ? <p>No payment waits for {coop}&apos;s acceptance.</p> : (
        <ul className="exchanges" aria-labelledby="payments-waiting-heading">
          {waiting.map((payment) => <WaitingPayment key={payment.id} api={api} request={request} payment={payment} unit={state.unit} passphrase={passphrase} onSaved={onSaved} />)}
        </ul>
      )}
      <h3>All payments</h3>
      {payments.value.length === 0 ? <p>No payments yet.</p> : (
        <table className="report payments" aria-label="Payments">
          <thead>
            <tr><th scope="col">Made</th><th scope="col">From → to</th><th scope="col" className="amount">Amount ({state.unit})</th><th scope="col">Memo</th><th scope="col">Status</th><th scope="col">Id</th></tr>
          </thead>
          <tbody>
            {payments.value.map((payment) => (
              <tr key={payment.id} data-payment={payment.id.slice(0, 12)} className={payment.status}>
                <td>{payment.at}</td>
                <th scope="row">{payment.path.join(' → ')}</th>
                <td className="amount">{payment.direction === 'out' ? '−' : payment.direction === 'in' ? '+' : ''}{payment.amount}</td>
                <td>{payment.memo ?? ''}</td>
                <td className="status"><strong>{STATUS_WORDS[payment.status] ?? payment.status}</strong>{statusNote(payment)}</td>
                <td><code title={payment.id}>{payment.id.slice(0, 12)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="help">+ {coop} is paid, − {coop} pays; a payment without a sign passes through {coop}&apos;s lines on its way.</p>
    </>
  );
}

function statusNote(payment: FederationPaymentLine): string {
  if (payment.status === 'pending') return payment.awaiting.length > 0 ? `: for ${payment.awaiting.join(', ')} to accept, until ${payment.deadline}` : '';
  return payment.reason ? `: ${payment.reason}` : '';
}

interface WaitingProps {
  api: BookApi;
  request: FederationRequest;
  payment: FederationPaymentLine;
  unit: string;
  passphrase: string;
  onSaved: (message: string) => void;
}

function WaitingPayment({ api, request, payment, unit, passphrase, onSaved }: WaitingProps) {
  const [reason, setReason] = useState('');
  const secret = passphrase ? { passphrase } : {};
  const accept = useConfirmedWrite(() => api.answerPayment({ ...request, paymentId: payment.id, accept: true, ...secret }), onSaved);
  const decline = useConfirmedWrite(() => api.answerPayment({ ...request, paymentId: payment.id, accept: false, ...(reason.trim() ? { reason } : {}), ...secret }), onSaved);
  const labelId = `payment-${payment.id.slice(0, 12)}`;
  const what = `${payment.payer} pays ${payment.payee} ${payment.amount} ${unit}`;
  const busy = accept.saving || decline.saving;
  return (
    <li className="exchange" aria-labelledby={labelId}>
      <strong id={labelId}>{what}</strong>{payment.path.length > 2 ? ` via ${payment.path.slice(1, -1).join(', ')}` : ''}{payment.memo ? `: ${payment.memo}` : ''}
      {' '}<span className="help">Made {payment.at}; answer by {payment.deadline}. Accepting lets the payer owe you this much more, within your line&apos;s limit.</span>
      <div className="answers">
        <form aria-label={`Accept: ${what}`} onSubmit={(event) => { decline.cancel(); void accept.submit(event); }}>
          {accept.confirming && <p role="alert" className="confirm">Accept that {what}? It cannot be undone. Press again to accept.</p>}
          <div className="buttons">
            <button type="submit" disabled={busy} aria-describedby={labelId}>{accept.saving ? 'Saving…' : accept.confirming ? 'Yes, accept' : 'Accept…'}</button>
            {accept.confirming && <button type="button" onClick={accept.cancel}>Cancel</button>}
          </div>
          {accept.problem && !accept.confirming && <Problem error={accept.problem} />}
        </form>
        <form aria-label={`Decline: ${what}`} onSubmit={(event) => { accept.cancel(); void decline.submit(event); }}>
          <label>Reason to decline (optional) <input type="text" value={reason} onChange={(event) => { setReason(event.target.value); decline.cancel(); }} aria-describedby={labelId} /></label>
          {decline.confirming && <p role="alert" className="confirm">Decline it{reason.trim() ? ` (“${reason.trim()}”)` : ''}? The payment fails and no balance changes. Press again to decline.</p>}
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
