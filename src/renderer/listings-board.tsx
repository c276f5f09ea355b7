import { type FormEvent, useState } from 'react';
import type { BookApi, ListingLine, ListingSide, ServiceFailure, TimebankOverview } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  version: number;
  timebank: TimebankOverview;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

/** What members offer and ask for, searched as `offers list --search --category`; add one, close one's own. */
export function ListingsBoard({ api, version, timebank, needsPassphrase, onSaved }: Props) {
  const [text, setText] = useState('');
  const [category, setCategory] = useState('');
  const [side, setSide] = useState<'' | ListingSide>('');
  const [includeClosed, setIncludeClosed] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const query = { ...(text.trim() ? { text } : {}), ...(category ? { category } : {}), ...(side ? { side } : {}), ...(includeClosed ? { includeClosed } : {}) };
  const [listings] = useService(() => api.listings(query), `${version}|${JSON.stringify(query)}`);
  return (
    <>
      <div role="search" className="filters" aria-label="Find offers and requests">
        <label>Search <input type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder="words in the title, description or tags" autoFocus /></label>
        <label>Category
          <select aria-label="Category" value={category} onChange={(event) => setCategory(event.target.value)}>
            <option value="">any</option>
            {timebank.categories.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
        <label>Show
          <select aria-label="Show" value={side} onChange={(event) => setSide(event.target.value === 'offer' || event.target.value === 'request' ? event.target.value : '')}>
            <option value="">offers and requests</option>
            <option value="offer">offers</option>
            <option value="request">requests</option>
          </select>
        </label>
        <label className="check"><input type="checkbox" checked={includeClosed} onChange={(event) => setIncludeClosed(event.target.checked)} /> closed ones too</label>
      </div>
      {needsPassphrase && <label className="passphrase">Passphrase (to add or close) <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {listings.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {listings.state === 'failed' && <Problem error={listings.error} />}
      {listings.state === 'ready' && (listings.value.length === 0 ? <p role="status">No {includeClosed ? '' : 'open '}offers or requests{query.text || query.category ? ' match' : ' yet'}.</p> : (
        <ul className="listings" aria-label="Offers and requests">
          {listings.value.map((listing) => <ListingItem key={listing.id} api={api} listing={listing} passphrase={passphrase} onSaved={onSaved} />)}
        </ul>
      ))}
      {timebank.me && <AddListing api={api} passphrase={passphrase} onSaved={onSaved} />}
    </>
  );
}

function ListingItem({ api, listing, passphrase, onSaved }: { api: BookApi; listing: ListingLine; passphrase: string; onSaved: (message: string) => void }) {
  const close = useConfirmedWrite(() => api.closeListing({ side: listing.side, listingId: listing.id, ...(passphrase ? { passphrase } : {}) }), onSaved);
  const headingId = `listing-${listing.id.slice(0, 12)}`;
  return (
    <li className={`listing ${listing.side}${listing.closed ? ' closed' : ''}`} aria-labelledby={headingId}>
      <h3 id={headingId}><span className="side">{listing.side === 'offer' ? 'Offer' : 'Request'}:</span> {listing.title}</h3>
      <p className="help">{listing.member}{listing.mine ? ' (you)' : ''} · since {listing.date} · {listing.category}{listing.tags.length > 0 ? ` · #${listing.tags.join(' #')}` : ''}</p>
      {listing.description && <p>{listing.description}</p>}
      {listing.closed && <p className="status">Closed {listing.closed.date} by {listing.closed.by}{listing.closed.note ? `: ${listing.closed.note}` : ''}</p>}
      {listing.mine && !listing.closed && (
        <form aria-label={`Close ${listing.title}`} onSubmit={(event) => void close.submit(event)}>
          {close.confirming && <p role="alert" className="confirm">Close “{listing.title}”? A closed {listing.side} cannot be opened again. Press again to close.</p>}
          <div className="buttons">
            <button type="submit" disabled={close.saving} aria-describedby={headingId}>{close.saving ? 'Saving…' : close.confirming ? 'Yes, close it' : 'Close…'}</button>
            {close.confirming && <button type="button" onClick={close.cancel}>Cancel</button>}
          </div>
          {close.problem && <Problem error={close.problem} />}
        </form>
      )}
    </li>
  );
}

/** A new offer or request: it can be closed later, so one press saves it. */
function AddListing({ api, passphrase, onSaved }: { api: BookApi; passphrase: string; onSaved: (message: string) => void }) {
  const [side, setSide] = useState<ListingSide>('offer');
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const [saving, setSaving] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setProblem(undefined);
    const result = await api.addListing({
      side, title, category, ...(description.trim() ? { description } : {}), tags: tags.split(',').map((tag) => tag.trim()).filter((tag) => tag !== ''), ...(passphrase ? { passphrase } : {}),
    });
    setSaving(false);
    if (!result.ok) { setProblem(result.error); return; }
    setTitle(''); setDescription(''); setTags('');
    onSaved(result.value.message);
  };
  return (
    <form className="action-form" aria-label="Add an offer or request" onSubmit={(event) => void submit(event)}>
      <h3>Add an offer or request</h3>
      <label>Kind
        <select aria-label="Kind" value={side} onChange={(event) => setSide(event.target.value === 'request' ? 'request' : 'offer')}>
          <option value="offer">An offer: I can help with</option>
          <option value="request">A request: I need help with</option>
        </select>
      </label>
      <label className="wide">Title <input type="text" value={title} onChange={(event) => setTitle(event.target.value)} /></label>
      <label>Category <input type="text" value={category} onChange={(event) => setCategory(event.target.value)} placeholder="repairs, moving, …" /></label>
      <label className="wide">Description (optional) <input type="text" value={description} onChange={(event) => setDescription(event.target.value)} /></label>
      <label>Tags (optional, separated by commas) <input type="text" value={tags} onChange={(event) => setTags(event.target.value)} /></label>
      {problem && <Problem error={problem} />}
      <div className="buttons"><button type="submit" disabled={saving}>{saving ? 'Saving…' : `Add ${side}`}</button></div>
    </form>
  );
}
