import { useState } from 'react';
import type { BookApi, TimebankHistoryLine, TimebankOverview } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

/** A member's hours, as `tallystick hours history`: what counted with the running balance, then what does not count (yet) and why. */
export function TimebankHistoryView({ api, version, timebank }: { api: BookApi; version: number; timebank: TimebankOverview }) {
  const names = [...new Set([...(timebank.me ? [timebank.me] : []), ...timebank.balances.filter((line) => line.party !== '').map((line) => line.party)])];
  const [member, setMember] = useState(names[0] ?? '');
  const [history] = useService(() => api.timebankHistory(member ? { member } : {}), `${version}|${member}`);
  return (
    <>
      <label className="choose">Member
        <select aria-label="Member" value={member} autoFocus onChange={(event) => setMember(event.target.value)}>
          {names.map((name) => <option key={name} value={name}>{name}{name === timebank.me ? ' (you)' : ''}</option>)}
        </select>
      </label>
      {history.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {history.state === 'failed' && <Problem error={history.error} />}
      {history.state === 'ready' && (
        <>
          <p className="net">{history.value.member}&apos;s balance: <strong>{history.value.balance}</strong></p>
          {history.value.counted.length === 0 ? <p>Nothing counted yet.</p> : <HistoryTable label="Counted" lines={history.value.counted} counted />}
          {history.value.unsettled.length > 0 && <HistoryTable label="Not counted" lines={history.value.unsettled} counted={false} />}
        </>
      )}
    </>
  );
}

function HistoryTable({ label, lines, counted }: { label: string; lines: readonly TimebankHistoryLine[]; counted: boolean }) {
  return (
    <table className="report" aria-label={label}>
      <caption>{label}</caption>
      <thead>
        <tr><th scope="col">Date</th><th scope="col">With</th><th scope="col" className="amount">Change</th><th scope="col">{counted ? 'Balance' : 'Status'}</th><th scope="col">Description</th></tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.id}>
            <td>{line.date}</td>
            <td>{line.kind === 'grant' ? 'opening grant' : line.counterparty}</td>
            <td className="amount">{line.change}</td>
            <td className={counted ? 'amount' : undefined}>{counted ? line.balance : line.note ?? line.status}</td>
            <td>
              {line.description}
              {line.slip && <span className="help"> (paper slip {line.slip}, recorded by {line.by})</span>}
              {line.reverses && <span className="help"> (reverses {line.reverses.slice(0, 12)})</span>}
              {line.reversedBy && <span className="help"> (reversed by {line.reversedBy.slice(0, 12)})</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
