import { useEffect, useState } from 'react';
import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { CreditLines } from './credit-lines.js';
import { FederationClearing } from './federation-clearing.js';
import { FederationPay } from './federation-pay.js';
import { FederationPayments } from './federation-payments.js';
import { FederationSetup } from './federation-setup.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';
import './federation.css';

export type FederationScreen = 'lines' | 'pay' | 'payments' | 'clearing' | 'setup';

/** The Federation area's screens, switched by Alt+1…5 while the area is shown (Alt+F opens the area). */
export const FEDERATION_SCREENS: readonly { screen: FederationScreen; label: string }[] = [
  { screen: 'lines', label: 'Credit lines' },
  { screen: 'pay', label: 'Pay' },
  { screen: 'payments', label: 'Payments' },
  { screen: 'clearing', label: 'Clearing' },
  { screen: 'setup', label: 'Set up' },
];

interface Props {
  api: BookApi;
  screen: FederationScreen;
  version: number;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
  onScreen: (screen: FederationScreen) => void;
}

/**
 * One Federation screen. The federation's document changes when another co-op's entries arrive, so
 * every screen change reads it again, and "Read again" does on the screen shown.
 */
export function FederationMain({ api, screen, version, needsPassphrase, onSaved, onScreen }: Props) {
  const [chosen, setChosen] = useState<string | undefined>();
  const [readings, setReadings] = useState(0);
  const request = chosen !== undefined ? { federation: chosen } : {};
  const key = `${version}|${screen}|${chosen ?? ''}|${readings}`;
  const [overview] = useService(() => api.federationOverview(request), key);
  const none = overview.state === 'ready' && overview.value.current === undefined;
  // A co-op in no federation has only the Set up screen: found one, or join one with a code.
  useEffect(() => { if (none && screen !== 'setup') onScreen('setup'); }, [none, screen]);
  if (overview.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (overview.state === 'failed') return <Problem error={overview.error} />;
  const { coop, federations, current } = overview.value;
  const common = { api, request, version: key, needsPassphrase, onSaved };
  if (!current) {
    return (
      <div className="federation">
        <p>{coop} belongs to no federation yet. Found one here, or join one: give this co-op&apos;s card to a member of the federation, who invites {coop} with it and gives you a code to join with.</p>
        <FederationSetup {...common} coop={coop} />
      </div>
    );
  }
  return (
    <div className="federation">
      <div className="federation-bar">
        {federations.length > 1 && (
          <label>Federation
            <select value={current.name} onChange={(event) => setChosen(event.target.value)}>
              {federations.map((name) => <option key={name} value={name}>{name}</option>)}
            </select>
          </label>
        )}
        <p>{coop} in federation <strong>{current.name}</strong>, in {current.unit}{current.joined ? '' : ' (invited, not joined yet: it may read, not pay)'}.</p>
        <button type="button" onClick={() => setReadings((value) => value + 1)}>Read again</button>
      </div>
      {current.rejectedCount > 0 && <p role="note" className="problem">{current.rejectedCount} federation entr{current.rejectedCount === 1 ? 'y does' : 'ies do'} not count (unsigned, tampered or not allowed); they are left out of every figure.</p>}
      {(current.paymentsWaiting > 0 || current.clearingsWaiting > 0) && (
        <ul className="waiting" aria-label="Waiting for your answer">
          {current.paymentsWaiting > 0 && <li><button type="button" className="link" onClick={() => onScreen('payments')}>{current.paymentsWaiting} payment{current.paymentsWaiting === 1 ? '' : 's'} wait{current.paymentsWaiting === 1 ? 's' : ''} for {coop} to accept</button> (Alt+3)</li>}
          {current.clearingsWaiting > 0 && <li><button type="button" className="link" onClick={() => onScreen('clearing')}>{current.clearingsWaiting} clearing{current.clearingsWaiting === 1 ? '' : 's'} wait{current.clearingsWaiting === 1 ? 's' : ''} for {coop} to consent</button> (Alt+4)</li>}
        </ul>
      )}
      {screen === 'lines' && <CreditLines state={current} />}
      {screen === 'pay' && <FederationPay {...common} state={current} coop={coop} />}
      {screen === 'payments' && <FederationPayments {...common} state={current} coop={coop} />}
      {screen === 'clearing' && <FederationClearing {...common} state={current} coop={coop} />}
      {screen === 'setup' && <FederationSetup {...common} state={current} coop={coop} />}
    </div>
  );
}
