import { useState } from 'react';
import type { BookApi, ListingSide, TimebankOverview } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  version: number;
  timebank: TimebankOverview;
  today: string;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

/**
 * Hours given or received, as `tallystick hours log`: they count once the other member confirms on
 * their device. A logged exchange cannot be taken back (only declined by the other), so it takes two presses.
 */
export function LogHours({ api, version, timebank, today, needsPassphrase, onSaved }: Props) {
  const [direction, setDirection] = useState<'gave' | 'received'>('gave');
  const [member, setMember] = useState(timebank.members[0] ?? '');
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<'hours' | 'minutes'>('hours');
  const [date, setDate] = useState(today);
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState('');
  const [listing, setListing] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [listings] = useService(() => api.listings({}), String(version));
  const open = listings.state === 'ready' ? listings.value : [];
  const chosen = open.find((candidate) => candidate.id === listing);
  const { confirming, saving, problem, submit, cancel } = useConfirmedWrite(() => api.logHours({
    direction, member, [unit]: amount, date, description, ...(category.trim() ? { category } : {}),
    ...(chosen ? { listing: { side: chosen.side as ListingSide, id: chosen.id } } : {}), ...(passphrase ? { passphrase } : {}),
  }), (message) => { setAmount(''); setDescription(''); setCategory(''); setListing(''); onSaved(message); });
  const change = <T,>(set: (value: T) => void) => (value: T) => { set(value); cancel(); };
  if (!timebank.me) return <p>This device acts for no member of the time bank, so it cannot log hours.</p>;
  if (timebank.members.length === 0) return <p>No other member may use the time bank yet: hours are exchanged between two members.</p>;
  const what = `${timebank.me} ${direction === 'gave' ? 'gave' : 'received'} ${amount || '?'} ${unit} ${direction === 'gave' ? 'to' : 'from'} ${member} on ${date || '?'}`;
  return (
    <form className="action-form log-hours" aria-label="Log hours" onSubmit={(event) => void submit(event)}>
      <p id="log-explained" className="help">It counts once {member || 'the other member'} confirms it on their device; until then it waits in their Pending screen.</p>
      <label>Direction
        <select aria-label="Direction" value={direction} autoFocus onChange={(event) => change(setDirection)(event.target.value === 'received' ? 'received' : 'gave')}>
          <option value="gave">I gave hours to</option>
          <option value="received">I received hours from</option>
        </select>
      </label>
      <label>Member
        <select aria-label="Member" value={member} onChange={(event) => change(setMember)(event.target.value)}>
          {timebank.members.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <div className="duration">
        <label>Time <input type="text" inputMode="decimal" value={amount} placeholder={unit === 'hours' ? '2, 1.5 or 1:30' : '90'} onChange={(event) => change(setAmount)(event.target.value)} aria-describedby="time-help" /></label>
        <label>Unit
          <select aria-label="Unit" value={unit} onChange={(event) => change(setUnit)(event.target.value === 'minutes' ? 'minutes' : 'hours')}>
            <option value="hours">hours</option>
            <option value="minutes">minutes</option>
          </select>
        </label>
      </div>
      <span id="time-help" className="help">Whole minutes: hours like 2, 1.5 or 1:30, or minutes like 90.</span>
      <label>Date <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD" value={date} onChange={(event) => change(setDate)(event.target.value)} /></label>
      <label className="wide">Description <input type="text" value={description} onChange={(event) => change(setDescription)(event.target.value)} /></label>
      <label>Category (optional) <input type="text" value={category} placeholder={chosen ? chosen.category : ''} onChange={(event) => change(setCategory)(event.target.value)} /></label>
      <label className="wide">Answers an offer or request (optional)
        <select aria-label="Answers an offer or request (optional)" value={listing} onChange={(event) => change(setListing)(event.target.value)}>
          <option value="">none</option>
          {open.map((candidate) => <option key={candidate.id} value={candidate.id}>{candidate.side === 'offer' ? 'Offer' : 'Request'} by {candidate.member}: {candidate.title}</option>)}
        </select>
      </label>
      {needsPassphrase && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {confirming && <p role="alert" className="confirm">Log that {what}? A logged exchange cannot be taken back; {member} may decline it. Press again to log.</p>}
      {problem && <Problem error={problem} />}
      <div className="buttons">
        <button type="submit" disabled={saving} aria-describedby="log-explained">{saving ? 'Saving…' : confirming ? 'Yes, log it' : 'Log hours…'}</button>
        {confirming && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
    </form>
  );
}
