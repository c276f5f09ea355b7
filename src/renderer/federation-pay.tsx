import { useState } from 'react';
import type { BookApi, FederationRequest, FederationState } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';

interface Props {
  api: BookApi;
  request: FederationRequest;
  state: FederationState;
  coop: string;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

/**
 * Pays another co-op of the federation, as `tallystick credit pay`: along a path of credit lines with
 * room. A payment that only lowers what the payee owes settles at once; one that raises a debt waits for
 * the creditor to accept it. It cannot be taken back, so it takes two presses.
 */
export function FederationPay({ api, request, state, coop, needsPassphrase, onSaved }: Props) {
  const [payee, setPayee] = useState(state.payees[0] ?? '');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const { confirming, saving, problem, submit, cancel } = useConfirmedWrite(() => api.payCoop({
    ...request, coop: payee, amount, ...(memo.trim() ? { memo } : {}), ...(passphrase ? { passphrase } : {}),
  }), (message) => { setAmount(''); setMemo(''); onSaved(message); });
  const change = (set: (value: string) => void) => (value: string) => { set(value); cancel(); };
  if (!state.joined) return <p>{coop} is invited to {state.name} but has not joined yet, so it cannot pay.</p>;
  if (state.payees.length === 0) return <p>No other co-op has joined {state.name} yet: there is no one to pay.</p>;
  const direct = state.lines.find((line) => line.debtor === coop && line.creditor === payee);
  const owedToUs = state.debts.find((debt) => debt.debtor === payee && debt.creditor === coop);
  return (
    <form className="action-form federation-pay" aria-label="Pay a co-op" onSubmit={(event) => void submit(event)}>
      <p id="pay-explained" className="help">
        The payment goes along credit lines with room for it. Where it only lowers what the other co-op owes, it settles at once; where it raises what a co-op owes,
        {' '}it waits until that line&apos;s creditor accepts it.
      </p>
      <label>Pay
        <select aria-label="Co-op to pay" value={payee} autoFocus onChange={(event) => change(setPayee)(event.target.value)}>
          {state.payees.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <p className="room" aria-live="polite">
        {owedToUs ? `${payee} owes ${coop} ${owedToUs.amount} ${state.unit}: a payment lowers that first. ` : ''}
        {direct ? `${payee} lets ${coop} owe it up to ${direct.limit} ${state.unit}; ${direct.available} is available.` : `${payee} gives ${coop} no credit line: the payment must pass through other co-ops' lines.`}
      </p>
      <label>Amount ({state.unit}) <input type="text" inputMode="decimal" value={amount} placeholder="120.00" onChange={(event) => change(setAmount)(event.target.value)} aria-describedby="amount-help" /></label>
      <span id="amount-help" className="help">A decimal with at most {state.scale} places, like 120.00.</span>
      <label className="wide">Memo (optional) <input type="text" value={memo} onChange={(event) => change(setMemo)(event.target.value)} /></label>
      {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {confirming && <p role="alert" className="confirm">Pay {payee} {amount || '?'} {state.unit}{memo.trim() ? ` (“${memo.trim()}”)` : ''}? A payment cannot be taken back; a creditor may decline it. Press again to pay.</p>}
      {problem && !confirming && <Problem error={problem} />}
      <div className="buttons">
        <button type="submit" disabled={saving} aria-describedby="pay-explained">{saving ? 'Paying…' : confirming ? 'Yes, pay' : 'Pay…'}</button>
        {confirming && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
    </form>
  );
}
