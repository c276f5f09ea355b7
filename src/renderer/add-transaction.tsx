import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { BookApi, PostingInput, ServiceFailure, TransactionCheck } from '../../packages/peer/src/service/protocol.js';
import { AccountInput } from './account-input.js';
import { Problem } from './problem.js';

const EMPTY: PostingInput = { account: '', amount: '' };

/**
 * Keyboard-first entry: Tab through date, description and the postings; the balance is checked by
 * the service as you type (the same parser as `tallystick add`); Enter posts.
 */
export function AddTransaction({ api, accounts, today, needsPassphrase, onSaved }: { api: BookApi; accounts: readonly string[]; today: string; needsPassphrase: boolean; onSaved: (message: string) => void }) {
  const [date, setDate] = useState(today);
  const [description, setDescription] = useState('');
  const [postings, setPostings] = useState<PostingInput[]>([EMPTY, EMPTY]);
  const [passphrase, setPassphrase] = useState('');
  const [check, setCheck] = useState<TransactionCheck | undefined>();
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const [saving, setSaving] = useState(false);
  const dateInput = useRef<HTMLInputElement>(null);
  const request = { date, description, postings, ...(passphrase ? { passphrase } : {}) };

  useEffect(() => {
    if (postings.every((posting) => posting.account.trim() === '')) { setCheck(undefined); return; }
    let current = true;
    const timer = setTimeout(() => {
      void api.checkTransaction({ date, description, postings }).then((result) => {
        if (current) setCheck(result.ok ? result.value : { balanced: false, message: result.error.message, postings: [] });
      });
    }, 150);
    return () => { current = false; clearTimeout(timer); };
  }, [api, date, description, postings]);

  const setPosting = (index: number, change: Partial<PostingInput>) => {
    setPostings((rows) => {
      const next = rows.map((row, at) => (at === index ? { ...row, ...change } : row));
      // A new empty row appears once the last one is used, so Tab keeps going.
      return next[next.length - 1]!.account.trim() !== '' ? [...next, EMPTY] : next;
    });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setProblem(undefined);
    const used = postings.filter((posting) => posting.account.trim() !== '' || posting.amount.trim() !== '');
    const result = await api.addTransaction({ ...request, postings: used });
    setSaving(false);
    if (!result.ok) { setProblem(result.error); return; }
    setDescription('');
    setPostings([EMPTY, EMPTY]);
    onSaved(result.value.message);
    // Ready for the next one: the date is kept (entries often share it), the cursor goes back to it.
    dateInput.current?.focus();
    dateInput.current?.select();
  };

  return (
    <form className="add-transaction" aria-label="Add a transaction" onSubmit={(event) => void submit(event)}>
      <div className="fields">
        <label>Date <input ref={dateInput} type="text" inputMode="numeric" pattern="\d{4}-\d{2}-\d{2}" placeholder="YYYY-MM-DD" value={date} onChange={(event) => setDate(event.target.value)} autoFocus aria-describedby="date-help" /><span id="date-help" className="help">YYYY-MM-DD</span></label>
        <label className="grow">Description <input type="text" value={description} onChange={(event) => setDescription(event.target.value)} /></label>
      </div>
      <fieldset>
        <legend>Postings (one may leave its amount empty)</legend>
        {postings.map((posting, index) => (
          <div className="posting" key={index}>
            <AccountInput accounts={accounts} value={posting.account} onChange={(account) => setPosting(index, { account })} label={`Posting ${index + 1} account`} />
            <input type="text" aria-label={`Posting ${index + 1} amount`} placeholder={index === 0 ? "12.50 USD" : "empty to balance"} value={posting.amount} onChange={(event) => setPosting(index, { amount: event.target.value })} />
          </div>
        ))}
      </fieldset>
      {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      <p role="status" className={check?.balanced ? 'balanced' : 'unbalanced'} aria-live="polite">
        {check === undefined ? 'Enter at least two postings.' : check.balanced ? `Balanced: ${check.postings.map((posting) => `${posting.account} ${posting.amount}`).join('; ')}` : check.message}
      </p>
      {problem && <Problem error={problem} />}
      <button type="submit" disabled={saving}>{saving ? 'Saving…' : 'Post (Enter)'}</button>
    </form>
  );
}
