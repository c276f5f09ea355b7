import { type FormEvent, useState } from 'react';
import type { BookApi, Founded, ServiceFailure } from '../../packages/peer/src/service/protocol.js';
import { JoinCoop } from './join-coop.js';
import { Problem } from './problem.js';

const MIN_PASSPHRASE = 8;

/** Every problem the member can fix before asking the service (which checks again: this is only for quick words). */
function problemsOf(coopName: string, memberName: string, passphrase: string, again: string): string[] {
  const problems: string[] = [];
  if (coopName.trim() === '') problems.push('Enter the co-op\'s name.');
  if (memberName.trim() === '') problems.push('Enter your member name.');
  if (passphrase.length < MIN_PASSPHRASE) problems.push(`The passphrase must be at least ${MIN_PASSPHRASE} characters.`);
  else if (passphrase !== again) problems.push('The two passphrases differ: type the same one twice.');
  return problems;
}

/**
 * The data folder holds no co-op yet: found one here, as `tallystick init` does, or join one with an
 * invite code, as `tallystick join --wait` does (the service runs either). Both end with the backup reminder.
 */
export function Onboarding({ api, onFounded }: { api: BookApi; onFounded: (founded: Founded) => void }) {
  const [coopName, setCoopName] = useState('');
  const [memberName, setMemberName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    const problems = problemsOf(coopName, memberName, passphrase, again);
    if (problems.length > 0) { setProblem({ code: 'invalid_request', message: `Nothing was created.\n${problems.join('\n')}` }); return; }
    setSaving(true);
    setProblem(undefined);
    const result = await api.foundCoop({ coopName, memberName, passphrase, passphraseAgain: again });
    setSaving(false);
    if (!result.ok) { setProblem(result.error); return; }
    setPassphrase('');
    setAgain('');
    onFounded(result.value);
  };

  return (
    <main className="onboarding">
      <h1>Welcome to Tallystick</h1>
      <p>This data folder holds no co-op yet. Found one here (you become its first member), or join one a member invited you to.</p>
      <form className="action-form" aria-label="Found a co-op" onSubmit={(event) => void submit(event)}>
        <h2>Found a co-op</h2>
        <label>Co-op name <input type="text" value={coopName} onChange={(event) => setCoopName(event.target.value)} autoFocus aria-required="true" /></label>
        <label>Your member name <input type="text" value={memberName} onChange={(event) => setMemberName(event.target.value)} aria-required="true" autoComplete="name" /></label>
        <p id="passphrase-explained">
          Your passphrase protects the key that signs your entries on this device. It is never stored, and it cannot be recovered:
          without it this device cannot write to the books. At least {MIN_PASSPHRASE} characters.
        </p>
        <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="new-password" aria-describedby="passphrase-explained" /></label>
        <label>Passphrase again <input type="password" value={again} onChange={(event) => setAgain(event.target.value)} autoComplete="new-password" /></label>
        {problem && <Problem error={problem} />}
        <div className="buttons">
          <button type="submit" disabled={saving}>{saving ? 'Creating…' : 'Create co-op (Enter)'}</button>
        </div>
      </form>
      <JoinCoop api={api} onJoined={onFounded} />
    </main>
  );
}
