import { type FormEvent, useRef, useState } from 'react';
import type { BookApi, ServiceFailure } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';

const TYPES = ['asset', 'liability', 'equity', 'income', 'expense'] as const;

/**
 * Opens (declares) an account, as `tallystick accounts open` does; the service applies the same rules.
 * Enter opens it and leaves the cursor in the name, ready for the next one.
 */
export function OpenAccount({ api, today, needsPassphrase, onSaved }: { api: BookApi; today: string; needsPassphrase: boolean; onSaved: (message: string) => void }) {
  const [account, setAccount] = useState('');
  const [date, setDate] = useState(today);
  const [type, setType] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const [saving, setSaving] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setProblem(undefined);
    const result = await api.openAccount({ account, date, ...(type ? { type } : {}), ...(passphrase ? { passphrase } : {}) });
    setSaving(false);
    if (!result.ok) { setProblem(result.error); return; }
    setAccount('');
    setType('');
    onSaved(result.value.message);
    nameInput.current?.focus();
  };

  return (
    <form className="action-form open-account" aria-labelledby="open-account-heading" onSubmit={(event) => void submit(event)}>
      <h3 id="open-account-heading">Open an account</h3>
      <p id="open-account-explained" className="help">
        Its first part says what it is: Assets, Liabilities, Equity, Income or Expenses (Expenses:Rent).
      </p>
      <div className="fields">
        <label className="grow">Account name <input ref={nameInput} type="text" value={account} onChange={(event) => setAccount(event.target.value)} aria-describedby="open-account-explained" autoComplete="off" spellCheck={false} /></label>
        <label>Opens on <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD" value={date} onChange={(event) => setDate(event.target.value)} /></label>
        <label>Type <select value={type} onChange={(event) => setType(event.target.value)}>
          <option value="">From the name</option>
          {TYPES.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
        </select></label>
        {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
        <button type="submit" disabled={saving}>{saving ? 'Opening…' : 'Open account (Enter)'}</button>
      </div>
      {problem && <Problem error={problem} />}
    </form>
  );
}
