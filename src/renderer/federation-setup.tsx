import { type ReactNode, useId, useState } from 'react';
import type { BookApi, FederationRequest, FederationState, ServiceResult } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

interface Props {
  api: BookApi;
  request: FederationRequest;
  /** Absent while the co-op belongs to no federation. */
  state?: FederationState;
  coop: string;
  version: string;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
}

/**
 * Setting a federation up, as `tallystick federation create|card|invite|fetch|join` and `credit extend|policy`
 * do: this co-op's card (what a federation needs to invite it), founding a federation, joining one with a
 * code, inviting a co-op, extending credit lines and what the co-op's peer accepts by itself. Every write
 * takes two presses; the service runs the commands themselves, so every refusal is theirs, in words.
 */
export function FederationSetup({ api, request, state, coop, version, needsPassphrase, onSaved }: Props) {
  const [passphrase, setPassphrase] = useState('');
  const secret = passphrase ? { passphrase } : {};
  const joined = state?.joined === true;
  return (
    <div className="federation-setup">
      {needsPassphrase && <label className="passphrase">Passphrase (to found, join, invite or extend) <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {!state && <FoundFederation api={api} coop={coop} secret={secret} onSaved={onSaved} />}
      {state && <Members state={state} />}
      {state && joined && <InviteCoop api={api} request={request} secret={secret} />}
      {state && joined && <ExtendCredit api={api} request={request} state={state} coop={coop} secret={secret} onSaved={onSaved} />}
      {state && joined && <CreditPolicy api={api} request={request} state={state} coop={coop} secret={secret} onSaved={onSaved} />}
      <CoopCard api={api} version={version} />
      <JoinFederation api={api} coop={coop} secret={secret} onSaved={onSaved} another={state !== undefined} />
    </div>
  );
}

function Members({ state }: { state: FederationState }) {
  return (
    <section aria-labelledby="members-heading">
      <h3 id="members-heading">Co-ops of {state.name}</h3>
      <ul className="federation-members">
        {state.coops.map((item) => <li key={item.name}>{item.name}{item.here ? ' (this co-op)' : ''}: {item.status === 'member' ? 'member' : 'invited, not joined yet'}</li>)}
      </ul>
    </section>
  );
}

/** The card is read once per screen: it changes only if the device key does. */
function CoopCard({ api, version }: { api: BookApi; version: string }) {
  const [card] = useService(() => api.federationCard(), version);
  return (
    <section className="action-form" aria-labelledby="card-heading">
      <h4 id="card-heading">This co-op&apos;s card</h4>
      {card.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {card.state === 'failed' && <Problem error={card.error} />}
      {card.state === 'ready' && (
        <>
          <p id="card-help" className="help">To be invited into a federation, give this card to a member of one of its co-ops. It names {card.value.coop} and this device; it grants nothing by itself.</p>
          <label className="wide">Card of {card.value.coop} <textarea readOnly rows={3} value={card.value.card} aria-describedby="card-help" onFocus={(event) => event.target.select()} /></label>
        </>
      )}
    </section>
  );
}

interface WriteProps {
  api: BookApi;
  secret: { passphrase?: string };
  onSaved: (message: string) => void;
}

/** A form that writes on its second press, with the confirmation in words. */
function TwoPressForm({ label, write, onWritten, confirmText, button, busy, children }: {
  label: string; write: () => Promise<ServiceResult<{ readonly message: string }>>; onWritten: (message: string) => void;
  confirmText: string; button: string; busy: string; children: ReactNode;
}) {
  const { confirming, saving, problem, submit, cancel } = useConfirmedWrite(write, onWritten);
  return (
    <form className="action-form" aria-label={label} onSubmit={(event) => void submit(event)} onChange={cancel}>
      <h4>{label}</h4>
      {children}
      {confirming && <p role="alert" className="confirm">{confirmText} Press again to go ahead.</p>}
      {problem && !confirming && <Problem error={problem} />}
      <div className="buttons">
        <button type="submit" disabled={saving}>{saving ? busy : confirming ? `Yes, ${button.toLowerCase()}` : `${button}…`}</button>
        {confirming && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
    </form>
  );
}

function FoundFederation({ api, coop, secret, onSaved }: WriteProps & { coop: string }) {
  const [name, setName] = useState('');
  const [unit, setUnit] = useState('USD:2');
  const [account, setAccount] = useState('Equity:Mutual credit');
  return (
    <TwoPressForm
      label="Found a federation" button="Found" busy="Founding…" onWritten={onSaved}
      write={() => api.createFederation({ name, unit, account, ...secret })}
      confirmText={`Found federation “${name.trim() || '?'}” in ${unit.trim() || '?'} with ${coop} as its first member? Its unit cannot be changed later.`}
    >
      <p className="help">{coop} founds the federation; other co-ops join once a member of it invites them with their card.</p>
      <label>Federation name <input type="text" value={name} onChange={(event) => setName(event.target.value)} /></label>
      <label>Unit of account <input type="text" value={unit} onChange={(event) => setUnit(event.target.value)} aria-describedby="unit-help" /></label>
      <span id="unit-help" className="help">A symbol and its decimal places, like USD:2 (0 to 6 places).</span>
      <AccountField account={account} setAccount={setAccount} coop={coop} />
    </TwoPressForm>
  );
}

/** Two forms on one screen ask for it: each has its own help id. */
function AccountField({ account, setAccount, coop }: { account: string; setAccount: (value: string) => void; coop: string }) {
  const help = useId();
  return (
    <>
      <label className="wide">Account in {coop}&apos;s books <input type="text" value={account} onChange={(event) => setAccount(event.target.value)} aria-describedby={help} /></label>
      <span id={help} className="help">Payments in and out of the federation are posted against this account, beside the mutual credit accounts.</span>
    </>
  );
}

function JoinFederation({ api, coop, secret, onSaved, another }: WriteProps & { coop: string; another: boolean }) {
  const [code, setCode] = useState('');
  const [account, setAccount] = useState('Equity:Mutual credit');
  return (
    <TwoPressForm
      label={another ? 'Join another federation' : 'Join a federation'} button="Join" busy="Fetching the federation and joining…" onWritten={(message) => { setCode(''); onSaved(message); }}
      write={() => api.joinFederation({ code, account, ...secret })}
      confirmText={`Join the federation this code names? This device fetches its document from the inviting co-op's device, then ${coop} joins it (it then shares its members and votes with the federation, never its books).`}
    >
      <label className="wide">Invite code <textarea rows={3} value={code} onChange={(event) => setCode(event.target.value)} aria-describedby="code-help" /></label>
      <span id="code-help" className="help">The code a member of the federation made when they invited your co-op with its card; it starts with tallystick-invite:. Tallystick must be running on their device.</span>
      <AccountField account={account} setAccount={setAccount} coop={coop} />
    </TwoPressForm>
  );
}

function InviteCoop({ api, request, secret }: { api: BookApi; request: FederationRequest; secret: { passphrase?: string } }) {
  const [card, setCard] = useState('');
  const [invitation, setInvitation] = useState<{ code?: string; message: string } | undefined>();
  return (
    <>
      <TwoPressForm
        label="Invite a co-op" button="Invite" busy="Inviting…" onWritten={() => setCard('')}
        write={async () => {
          setInvitation(undefined);
          const result = await api.inviteCoop({ ...request, card, ...secret });
          if (result.ok) setInvitation(result.value);
          return result;
        }}
        confirmText="Invite the co-op this card names? It becomes a member once it joins with the code made next."
      >
        <label className="wide">Card of the co-op to invite <textarea rows={3} value={card} onChange={(event) => setCard(event.target.value)} aria-describedby="invite-help" /></label>
        <span id="invite-help" className="help">The card its Federation screen shows under “This co-op&apos;s card”; it starts with tallystick-coop:.</span>
      </TwoPressForm>
      {invitation && (
        <div role="status" className="notice invitation">
          <p>{invitation.message}</p>
          {invitation.code !== undefined && <label className="wide">Invite code for the co-op <textarea readOnly rows={4} value={invitation.code} onFocus={(event) => event.target.select()} /></label>}
        </div>
      )}
    </>
  );
}

function ExtendCredit({ api, request, state, coop, secret, onSaved }: WriteProps & { request: FederationRequest; state: FederationState; coop: string }) {
  const others = state.coops.filter((item) => !item.here && item.status === 'member').map((item) => item.name);
  const [debtor, setDebtor] = useState(others[0] ?? '');
  const [limit, setLimit] = useState('');
  if (others.length === 0) return <p className="action-form">No other co-op has joined {state.name} yet: there is no one to extend credit to.</p>;
  const chosen = others.includes(debtor) ? debtor : others[0]!;
  const current = state.lines.find((line) => line.direction === 'extended' && line.debtor === chosen);
  return (
    <TwoPressForm
      label="Extend a credit line" button="Extend" busy="Extending…" onWritten={(message) => { setLimit(''); onSaved(message); }}
      write={() => api.extendCredit({ ...request, coop: chosen, limit, ...secret })}
      confirmText={`Let ${chosen} owe ${coop} up to ${limit.trim() || '?'} ${state.unit}? ${chosen} can then pay with it without asking again, up to that limit.`}
    >
      <label>Let this co-op owe {coop}
        <select value={chosen} onChange={(event) => setDebtor(event.target.value)}>
          {others.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <p className="room" aria-live="polite">{current ? `${coop} lets ${chosen} owe it up to ${current.limit} ${state.unit} now; ${current.used} is owed.` : `${coop} gives ${chosen} no credit line yet.`}</p>
      <label>Limit ({state.unit}) <input type="text" inputMode="decimal" value={limit} placeholder="500.00" onChange={(event) => setLimit(event.target.value)} aria-describedby="limit-help" /></label>
      <span id="limit-help" className="help">The most {chosen} may owe {coop}; 0 closes the line to new debt (what is owed stays owed).</span>
    </TwoPressForm>
  );
}

function CreditPolicy({ api, request, state, coop, secret, onSaved }: WriteProps & { request: FederationRequest; state: FederationState; coop: string }) {
  const others = state.coops.filter((item) => !item.here).map((item) => item.name);
  const [debtor, setDebtor] = useState('*');
  const [upTo, setUpTo] = useState('');
  const whom = debtor === '*' ? 'any co-op' : debtor;
  return (
    <TwoPressForm
      label="Accept payments by themselves" button="Set" busy="Setting…" onWritten={(message) => { setUpTo(''); onSaved(message); }}
      write={() => api.setCreditPolicy({ ...request, coop: debtor, upTo, ...secret })}
      confirmText={`Let ${coop}'s device accept by itself each payment from ${whom} of up to ${upTo.trim() || '?'} ${state.unit}, within the line's room?`}
    >
      <p className="help">
        {state.policies.length === 0 ? `Now every payment that raises what a co-op owes ${coop} waits for a member to accept it (Alt+3).`
          : `Now accepted by themselves: ${state.policies.map((policy) => `from ${policy.debtor}, up to ${policy.upTo} ${state.unit} each`).join('; ')}.`}
        {' '}A device of {coop} running Tallystick accepts them as they arrive.
      </p>
      <label>Payments from
        <select value={debtor} onChange={(event) => setDebtor(event.target.value)}>
          <option value="*">every co-op</option>
          {others.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <label>Up to ({state.unit}) each <input type="text" inputMode="decimal" value={upTo} placeholder="50.00" onChange={(event) => setUpTo(event.target.value)} /></label>
    </TwoPressForm>
  );
}
