import { useState } from 'react';
import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';

/** Closes a period, as `tallystick lock DATE` does; asks once more before writing, since a lock only moves forward. */
export function LockPeriod({ api, lockedThrough, needsPassphrase, onSaved }: { api: BookApi; lockedThrough?: string; needsPassphrase: boolean; onSaved: (message: string) => void }) {
  const [through, setThrough] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const { confirming, saving, problem, submit, cancel } = useConfirmedWrite(
    () => api.lockPeriod({ through, ...(passphrase ? { passphrase } : {}) }),
    (message) => { setThrough(''); onSaved(message); },
  );
  return (
    <form className="action-form" aria-label="Lock a period" onSubmit={(event) => void submit(event)}>
      <p id="lock-explained">
        Locking the books through a date closes that period: from now on, entries dated on or before it are refused, on this device
        and on every device that has seen the lock. A correction is then a reversing entry dated after it. A lock cannot be moved back.
        {lockedThrough ? ` The books are locked through ${lockedThrough} now.` : ' The books are not locked yet.'}
      </p>
      <label>Lock through <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD" value={through} autoFocus aria-describedby="lock-explained" onChange={(event) => { setThrough(event.target.value); cancel(); }} /></label>
      {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {confirming && <p role="alert" className="confirm">Lock the books through {through || '(no date)'}? Entries dated on or before it will be refused. Press the button again to confirm.</p>}
      {problem && <Problem error={problem} />}
      <div className="buttons">
        <button type="submit" disabled={saving}>{saving ? 'Saving…' : confirming ? 'Confirm lock' : 'Lock…'}</button>
        {confirming && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
    </form>
  );
}
