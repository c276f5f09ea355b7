import { useState } from 'react';
import type {
  BookApi, ClearingPartyView, ClearingProposalView, FederationRequest, FederationState, SetOffView,
} from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  request: FederationRequest;
  version: string;
  state: FederationState;
  coop: string;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

const STATUS_WORDS: Record<string, string> = {
  pending: 'waiting for consent', applied: 'applied', declined: 'declined', expired: 'expired', failed: 'failed',
};

/**
 * Multilateral clearing, as `tallystick clear plan|propose|consent|decline`: the set-off the federation
 * could make now with what each co-op gains, a button to propose it, and every proposal with Consent and
 * Decline for the co-ops it waits for. Each write takes two presses.
 */
export function FederationClearing({ api, request, version, state, coop, needsPassphrase, onSaved }: Props) {
  const [clearings] = useService(() => api.federationClearings(request), version);
  const [passphrase, setPassphrase] = useState('');
  const secret = passphrase ? { passphrase } : {};
  const propose = useConfirmedWrite(() => api.proposeClearing({ ...request, ...secret }), onSaved);
  if (clearings.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (clearings.state === 'failed') return <Problem error={clearings.error} />;
  const { plan, noPlanWhy, mayNotProposeWhy, proposals } = clearings.value;
  const unit = state.unit;
  // While a proposal waits for consent no other can be made: the plan would only repeat it, so the section says where it is.
  const waiting = proposals.find((proposal) => proposal.status === 'pending');
  return (
    <>
      <p>A clearing sets off debts that go round in a cycle: each co-op in it owes less and is owed less by the same amount, so what it is worth does not change, and the lines it uses get room back. It applies once every co-op in it consents.</p>
      {needsPassphrase && <label className="passphrase">Passphrase (to propose, consent or decline) <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      <section aria-labelledby="plan-heading" className="clearing-plan">
        <h3 id="plan-heading">Clearing now</h3>
        {waiting && mayNotProposeWhy ? <p>{mayNotProposeWhy} It is shown under Proposals below.</p> : !plan ? <p>{noPlanWhy}</p> : (
          <>
            <p><strong>{plan.total} {unit}</strong> of the {plan.owed} {unit} owed in the federation can be set off now ({plan.share}).{plan.excluded.length > 0 ? ` Leaving out ${plan.excluded.join(', ')}, who declined the last clearing.` : ''}</p>
            <Gains parties={plan.parties} unit={unit} label="What each co-op gains from the clearing now" coop={coop} />
            <SetOffs setOffs={plan.setOffs} unit={unit} />
            {mayNotProposeWhy ? <p className="help">{mayNotProposeWhy}</p> : (
              <form aria-label="Propose the clearing" onSubmit={(event) => void propose.submit(event)}>
                {propose.confirming && <p role="alert" className="confirm">Propose setting off {plan.total} {unit} among {plan.parties.map((party) => party.coop).join(', ')}? Proposing is {coop}&apos;s consent; the others have a week to consent or decline. Press again to propose.</p>}
                <div className="buttons">
                  <button type="submit" disabled={propose.saving}>{propose.saving ? 'Proposing…' : propose.confirming ? 'Yes, propose' : 'Propose this clearing…'}</button>
                  {propose.confirming && <button type="button" onClick={propose.cancel}>Cancel</button>}
                </div>
                {propose.problem && !propose.confirming && <Problem error={propose.problem} />}
              </form>
            )}
          </>
        )}
      </section>
      <h3 id="proposals-heading">Proposals ({proposals.length})</h3>
      {proposals.length === 0 ? <p>No clearing has been proposed yet.</p> : (
        <ol className="proposals clearings" aria-labelledby="proposals-heading">
          {proposals.map((proposal) => <ProposalItem key={proposal.id} api={api} request={request} proposal={proposal} unit={unit} coop={coop} secret={secret} onSaved={onSaved} />)}
        </ol>
      )}
    </>
  );
}

/** Each co-op's position before and after, and the debt set off: what it gains. */
function Gains({ parties, unit, label, coop }: { parties: readonly ClearingPartyView[]; unit: string; label: string; coop: string }) {
  const full = parties.every((party) => party.owesBefore !== undefined);
  return (
    <table className="report gains" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Co-op</th>
          {full && <><th scope="col" className="amount">Owes now</th><th scope="col" className="amount">Is owed now</th></>}
          <th scope="col" className="amount">Set off ({unit})</th>
          {full && <><th scope="col" className="amount">Owes after</th><th scope="col" className="amount">Is owed after</th></>}
        </tr>
      </thead>
      <tbody>
        {parties.map((party) => (
          <tr key={party.coop} data-coop={party.coop} className={party.coop === coop ? 'mine' : undefined}>
            <th scope="row">{party.coop}{party.coop === coop && <span className="tag"> (this co-op)</span>}</th>
            {full && <><td className="amount">{party.owesBefore}</td><td className="amount">{party.isOwedBefore}</td></>}
            <td className="amount gain">{party.setOff}</td>
            {full && <><td className="amount">{party.owesAfter}</td><td className="amount">{party.isOwedAfter}</td></>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SetOffs({ setOffs, unit }: { setOffs: readonly SetOffView[]; unit: string }) {
  return (
    <>
      <h4 className="setoffs-heading">Debts set off</h4>
      <ul className="setoffs">
        {setOffs.map((item) => <li key={`${item.debtor}|${item.creditor}`}>{item.debtor} owes {item.creditor} {item.amount} {unit} less</li>)}
      </ul>
    </>
  );
}

interface ProposalProps {
  api: BookApi;
  request: FederationRequest;
  proposal: ClearingProposalView;
  unit: string;
  coop: string;
  secret: { passphrase?: string };
  onSaved: (message: string) => void;
}

function ProposalItem({ api, request, proposal, unit, coop, secret, onSaved }: ProposalProps) {
  const consent = useConfirmedWrite(() => api.answerClearing({ ...request, clearingId: proposal.id, consent: true, ...secret }), onSaved);
  const decline = useConfirmedWrite(() => api.answerClearing({ ...request, clearingId: proposal.id, consent: false, ...secret }), onSaved);
  const headingId = `clearing-${proposal.id.slice(0, 12)}`;
  const busy = consent.saving || decline.saving;
  return (
    <li className={`proposal ${proposal.status}`} aria-labelledby={headingId} data-clearing={proposal.id.slice(0, 12)}>
      <h4 id={headingId}>Clearing {proposal.id.slice(0, 12)}: {proposal.total} {unit} set off</h4>
      <p className="status">{STATUS_WORDS[proposal.status] ?? proposal.status}{proposal.reason ? ` (${proposal.reason})` : ''}</p>
      <p className="help">Proposed by {proposal.proposer} on {proposal.at}{proposal.status === 'pending' ? `; open until ${proposal.deadline}` : ''}.</p>
      <Gains parties={proposal.parties} unit={unit} label={`What each co-op gains from clearing ${proposal.id.slice(0, 12)}`} coop={coop} />
      <SetOffs setOffs={proposal.setOffs} unit={unit} />
      <p>
        {proposal.consented.length > 0 && <>Consented: {proposal.consented.join(', ')}. </>}
        {proposal.declined.length > 0 && <>Declined: {proposal.declined.join(', ')}. </>}
        {proposal.waitingFor.length > 0 && <>Waiting for {proposal.waitingFor.join(', ')}.</>}
      </p>
      {proposal.mayAnswer && (
        <div className="buttons answers">
          <form aria-label={`Consent to clearing ${proposal.id.slice(0, 12)}`} onSubmit={(event) => { decline.cancel(); void consent.submit(event); }}>
            {consent.confirming && <p role="alert" className="confirm">Consent for {coop}? Once every co-op in it consents, the debts above are set off for good. Press again to consent.</p>}
            <div className="buttons">
              <button type="submit" disabled={busy} aria-describedby={headingId}>{consent.saving ? 'Saving…' : consent.confirming ? 'Yes, consent' : 'Consent…'}</button>
              {consent.confirming && <button type="button" onClick={consent.cancel}>Cancel</button>}
            </div>
            {consent.problem && !consent.confirming && <Problem error={consent.problem} />}
          </form>
          <form aria-label={`Decline clearing ${proposal.id.slice(0, 12)}`} onSubmit={(event) => { consent.cancel(); void decline.submit(event); }}>
            {decline.confirming && <p role="alert" className="confirm">Decline for {coop}? The clearing will not apply; the next plan leaves {coop} out. Press again to decline.</p>}
            <div className="buttons">
              <button type="submit" className="secondary" disabled={busy} aria-describedby={headingId}>{decline.saving ? 'Saving…' : decline.confirming ? 'Yes, decline' : 'Decline…'}</button>
              {decline.confirming && <button type="button" onClick={decline.cancel}>Cancel</button>}
            </div>
            {decline.problem && !decline.confirming && <Problem error={decline.problem} />}
          </form>
        </div>
      )}
    </li>
  );
}
