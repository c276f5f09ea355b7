import { type FormEvent, useState } from 'react';
import type { BookApi, GovernanceMember, GovernanceProposal, ServiceFailure } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  version: number;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

/** The roster, the decision rule and every proposal with its tally; votes and two kinds of proposal, as `tallystick vote`/`propose`. */
export function MembersVotes({ api, version, needsPassphrase, onSaved }: Props) {
  const [governance, reload] = useService(() => api.governance(), String(version));
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const [busy, setBusy] = useState(false);
  // The propose form empties after this screen's own write, not when another device's entries arrive (live refresh).
  const [written, setWritten] = useState(0);
  if (governance.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (governance.state === 'failed') return <Problem error={governance.error} />;
  const { rule, members, proposals, thisMember, mayPropose } = governance.value;
  const secret = passphrase ? { passphrase } : {};
  const write = async (work: () => ReturnType<BookApi['vote']>) => {
    if (busy) return;
    setBusy(true);
    setProblem(undefined);
    const result = await work();
    setBusy(false);
    // Refused: what changed meanwhile (another window's vote, a peer's) is shown with the reason.
    if (!result.ok) { setProblem(result.error); reload(); return; }
    setWritten((count) => count + 1);
    onSaved(result.value.message);
  };
  return (
    <div className="governance">
      <p>Decisions are made by <strong>{rule}</strong>. {thisMember ? `This device acts for ${thisMember}.` : 'This device is no member\'s.'}</p>
      <Roster members={members} />
      {needsPassphrase && <label className="passphrase">Passphrase (to propose or vote) <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {problem && <Problem error={problem} />}
      <h3 id="proposals-heading">Proposals</h3>
      {proposals.length === 0 ? <p>No proposals yet.</p> : (
        <ol className="proposals" aria-labelledby="proposals-heading">
          {[...proposals].reverse().map((proposal) => (
            <ProposalItem key={proposal.id} proposal={proposal} busy={busy} onVote={(choice) => void write(() => api.vote({ proposalId: proposal.id, choice, ...secret }))} />
          ))}
        </ol>
      )}
      {mayPropose && <ProposeForm key={written} busy={busy} onPropose={(request) => void write(() => api.propose({ ...request, ...secret }))} />}
    </div>
  );
}

function Roster({ members }: { members: readonly GovernanceMember[] }) {
  return (
    <table className="report" aria-label="Members">
      <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Devices</th></tr></thead>
      <tbody>
        {members.map((member) => (
          <tr key={member.name} className={member.removed ? 'removed' : undefined}>
            <th scope="row">{member.name}{member.removed && <span className="tag"> removed</span>}</th>
            <td>{member.role} <span className="help">(may {member.may.join(', ') || 'nothing'})</span></td>
            <td>
              <ul className="devices">
                {member.devices.map((device) => (
                  <li key={device.key} className={device.revoked ? 'revoked' : undefined}>
                    <code title={device.key}>{device.key.slice(0, 16)}…</code>
                    {device.thisDevice && ' (this device)'}{device.revoked && <span className="tag"> revoked</span>}
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const STATUS_WORDS: Record<GovernanceProposal['status'], string> = { pending: 'Pending', adopted: 'Adopted', rejected: 'Rejected', expired: 'Expired' };

function ProposalItem({ proposal, busy, onVote }: { proposal: GovernanceProposal; busy: boolean; onVote: (choice: 'yes' | 'no') => void }) {
  const headingId = `proposal-${proposal.id.slice(0, 12)}`;
  const tally = `${proposal.yes} of ${proposal.needed} yes vote${proposal.needed === 1 ? '' : 's'} needed (${proposal.no} no; ${proposal.electorate.length} may vote)`;
  return (
    <li className={`proposal ${proposal.status}`} aria-labelledby={headingId}>
      <h4 id={headingId}>{proposal.action}</h4>
      <p className="status">{STATUS_WORDS[proposal.status]}{proposal.noEffect ? ` with no effect: ${proposal.noEffect}` : ''}</p>
      <p className="help">Proposed by {proposal.proposer} at {proposal.at}; votes until {proposal.deadline}; needs {proposal.rule} of {proposal.electorate.join(', ')}. <code>{proposal.id.slice(0, 12)}</code></p>
      {proposal.note && <p>Note: {proposal.note}</p>}
      <div className="tally">
        <progress max={proposal.needed} value={Math.min(proposal.yes, proposal.needed)} aria-label={`Tally: ${tally}`} />
        <span>{tally}</span>
      </div>
      {proposal.votes.length > 0 && (
        <ul className="votes" aria-label="Votes">
          {proposal.votes.map((vote) => (
            <li key={`${vote.member}-${vote.at}`}>{vote.member} voted {vote.choice} at {vote.at}{vote.status === 'counted' ? '' : ` (${vote.status.replace('_', ' ')})`}</li>
          ))}
        </ul>
      )}
      {proposal.mayVote && (
        <div className="buttons">
          <button type="button" disabled={busy} aria-describedby={headingId} onClick={() => onVote('yes')}>Vote yes</button>
          <button type="button" disabled={busy} aria-describedby={headingId} onClick={() => onVote('no')}>Vote no</button>
        </div>
      )}
    </li>
  );
}

function ProposeForm({ busy, onPropose }: { busy: boolean; onPropose: (request: { action: 'lock'; through: string } | { action: 'set-rule'; rule: string }) => void }) {
  const [action, setAction] = useState<'lock' | 'set-rule'>('lock');
  const [through, setThrough] = useState('');
  const [rule, setRule] = useState('majority');
  const [quorum, setQuorum] = useState('2');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onPropose(action === 'lock' ? { action, through } : { action, rule: rule === 'quorum' ? `quorum:${quorum.trim()}` : rule });
  };
  return (
    <form className="action-form" aria-label="Propose" onSubmit={submit}>
      <h3>Propose</h3>
      <p id="propose-explained" className="help">A proposal is decided by the members&apos; votes under the rule in force now; members have a week to vote.</p>
      <label>Proposal
        <select aria-label="Proposal" value={action} aria-describedby="propose-explained" onChange={(event) => setAction(event.target.value === 'set-rule' ? 'set-rule' : 'lock')}>
          <option value="lock">Lock the books through a date</option>
          <option value="set-rule">Change the decision rule</option>
        </select>
      </label>
      {action === 'lock'
        ? <label>Lock the books through <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD" value={through} onChange={(event) => setThrough(event.target.value)} /></label>
        : (
          <>
            <label>New rule
              <select aria-label="New rule" value={rule} onChange={(event) => setRule(event.target.value)}>
                <option value="majority">A majority of the members who may vote</option>
                <option value="unanimity">Every member who may vote</option>
                <option value="quorum">A number of yes votes</option>
              </select>
            </label>
            {rule === 'quorum' && <label>Yes votes needed <input type="number" min={1} value={quorum} onChange={(event) => setQuorum(event.target.value)} /></label>}
          </>
        )}
      <div className="buttons"><button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Propose'}</button></div>
    </form>
  );
}
