import { useEffect, useRef, useState } from 'react';
import type { BookApi, EntryStatus, TransactionDetail } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

/** One transaction as the book holds it: postings, who signed it, whether it counts; Escape goes back. */
export function TransactionView({ api, transactionId, version, today, needsPassphrase, onBack, onOpen, onSaved }: {
  api: BookApi; transactionId: string; version: number; today: string; needsPassphrase: boolean;
  onBack: () => void; onOpen: (transactionId: string) => void; onSaved: (message: string) => void;
}) {
  const [detail] = useService(() => api.transaction({ transactionId }), `${transactionId}:${version}`);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => { if (detail.state === 'ready') heading.current?.focus(); }, [detail.state]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape' && !event.defaultPrevented) onBack(); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onBack]);
  if (detail.state === 'loading') return <p aria-busy="true">Loading the transaction…</p>;
  if (detail.state === 'failed') return <><Problem error={detail.error} /><BackButton onBack={onBack} /></>;
  const value = detail.value;
  return (
    <section aria-labelledby="transaction-heading" className="transaction-detail">
      <h3 id="transaction-heading" ref={heading} tabIndex={-1}>{value.date ?? 'Entry'} {value.payee ? `${value.payee} | ` : ''}{value.description ?? ''}</h3>
      <dl className="facts-list">
        <dt>Status</dt><dd><StatusText status={value.status} onOpen={onOpen} /></dd>
        <dt>Entry id</dt><dd><code>{value.id}</code></dd>
        {value.reverses && <><dt>Reverses</dt><dd><button type="button" className="link" onClick={() => onOpen(value.reverses!)}>{value.reverses.slice(0, 12)}</button></dd></>}
        {value.authorMember !== undefined || value.authorDevice !== undefined ? <><dt>Written by</dt><dd>{value.authorMember ?? 'a device no longer on the roster'}{value.writtenAt ? `, ${value.writtenAt}` : ''}</dd></> : null}
        {value.authorDevice && <><dt>Device</dt><dd><code>{value.authorDevice}</code></dd></>}
      </dl>
      {value.postings.length > 0 && (
        <table className="report" aria-label="Postings">
          <thead><tr><th scope="col">Account</th><th scope="col" className="amount">Amount</th></tr></thead>
          <tbody>{value.postings.map((posting, index) => <tr key={index}><th scope="row">{posting.account}</th><td className="amount">{posting.amount}</td></tr>)}</tbody>
        </table>
      )}
      {value.status.kind === 'counts' && <ReverseForm api={api} detail={value} today={today} needsPassphrase={needsPassphrase} onSaved={onSaved} />}
      <BackButton onBack={onBack} />
    </section>
  );
}

function BackButton({ onBack }: { onBack: () => void }) {
  return <p><button type="button" onClick={onBack} aria-keyshortcuts="Escape">Back to the register <kbd>Esc</kbd></button></p>;
}

function StatusText({ status, onOpen }: { status: EntryStatus; onOpen: (transactionId: string) => void }) {
  if (status.kind === 'counts') return <>Counts in every total</>;
  if (status.kind === 'reversed') return <>Reversed by <button type="button" className="link" onClick={() => onOpen(status.by)}>{status.by.slice(0, 12)}</button>: the pair nets to zero</>;
  return <span className="unbalanced">Does not count: {status.reason} ({status.code})</span>;
}

/** Two steps, so a stray Enter never writes: choose the date, then confirm what will be written. */
function ReverseForm({ api, detail, today, needsPassphrase, onSaved }: { api: BookApi; detail: TransactionDetail; today: string; needsPassphrase: boolean; onSaved: (message: string) => void }) {
  const [date, setDate] = useState(today);
  const [passphrase, setPassphrase] = useState('');
  const { confirming, saving, problem, submit, cancel } = useConfirmedWrite(
    () => api.reverseTransaction({ transactionId: detail.id, date, ...(passphrase ? { passphrase } : {}) }),
    onSaved,
  );
  return (
    <form className="action-form" aria-label="Reverse this transaction" onSubmit={(event) => void submit(event)}>
      <h4>Reverse</h4>
      <p className="help">Adds a new entry that negates every posting. Nothing is edited or deleted: the original stays, and the pair nets to zero.</p>
      <label>Date of the reversal <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD" value={date} onChange={(event) => { setDate(event.target.value); cancel(); }} /></label>
      {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {confirming && <p role="alert" className="confirm">Reverse {detail.id.slice(0, 12)} ({detail.date} {detail.description}) with an entry dated {date}? Press the button again to confirm, or Escape to go back.</p>}
      {problem && <Problem error={problem} />}
      <div className="buttons">
        <button type="submit" disabled={saving}>{saving ? 'Saving…' : confirming ? 'Confirm reversal' : 'Reverse…'}</button>
        {confirming && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
    </form>
  );
}
