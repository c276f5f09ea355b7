import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

/** Entries in the documents that the book leaves out, each with its reason, as `tallystick rejected` lists them. */
export function NotCounted({ api, version, onOpen }: { api: BookApi; version: number; onOpen: (transactionId: string) => void }) {
  const [rejected] = useService(() => api.rejected(), String(version));
  if (rejected.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (rejected.state === 'failed') return <Problem error={rejected.error} />;
  if (rejected.value.length === 0) return <p>Every entry in the documents is signed by a member device, intact, and counts.</p>;
  return (
    <table className="report" aria-label="Entries that do not count">
      <caption>{rejected.value.length} entr{rejected.value.length === 1 ? 'y does' : 'ies do'} not count; they are left out of every total.</caption>
      <thead><tr><th scope="col">Entry</th><th scope="col">Kind</th><th scope="col">Reason</th></tr></thead>
      <tbody>
        {rejected.value.map((entry) => (
          <tr key={entry.id}>
            <th scope="row">{entry.kind === 'transaction'
              ? <button type="button" className="link" onClick={() => onOpen(entry.id)} aria-label={`Entry ${entry.id.slice(0, 12)}: open`}><code>{entry.id.slice(0, 12)}</code></button>
              : <code>{entry.id.slice(0, 12)}</code>}</th>
            <td>{entry.kind}</td>
            <td>{entry.reason} <span className="help">({entry.code})</span></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
