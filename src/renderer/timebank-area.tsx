import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { HoursChart } from './hours-chart.js';
import { ListingsBoard } from './listings-board.js';
import { LogHours } from './log-hours.js';
import { Problem } from './problem.js';
import { TimebankBalances } from './timebank-balances.js';
import { TimebankHistoryView } from './timebank-history.js';
import { TimebankPendingView } from './timebank-pending.js';
import { useService } from './use-service.js';

export type TimebankScreen = 'balances' | 'pending' | 'log' | 'listings' | 'history' | 'months';

/** The Time bank area's screens, switched by Alt+1…6 while the area is shown (Alt+T opens the area). */
export const TIMEBANK_SCREENS: readonly { screen: TimebankScreen; label: string }[] = [
  { screen: 'balances', label: 'Balances' },
  { screen: 'pending', label: 'Pending' },
  { screen: 'log', label: 'Log hours' },
  { screen: 'listings', label: 'Offers & requests' },
  { screen: 'history', label: 'History' },
  { screen: 'months', label: 'Hours by month' },
];

interface Props {
  api: BookApi;
  screen: TimebankScreen;
  version: number;
  today: string;
  needsPassphrase: boolean;
  onSaved: (message: string) => void;
  onScreen: (screen: TimebankScreen) => void;
}

/** One Time bank screen; each reads what it shows from the service (who this device is, balances and rules once for all). */
export function TimebankMain({ api, screen, version, today, needsPassphrase, onSaved, onScreen }: Props) {
  // Read again on every screen change: another device's hours may have arrived meanwhile.
  const [overview] = useService(() => api.timebank(), `${version}|${screen}`);
  if (overview.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (overview.state === 'failed') return <Problem error={overview.error} />;
  const timebank = overview.value;
  const common = { api, version, needsPassphrase, onSaved };
  return (
    <div className="timebank">
      {timebank.mayNotWhy && <p role="note" className="problem">This device may read the time bank but not log or answer hours: {timebank.mayNotWhy}.</p>}
      {screen === 'balances' && <TimebankBalances timebank={timebank} />}
      {screen === 'pending' && <TimebankPendingView {...common} onLog={() => onScreen('log')} />}
      {screen === 'log' && <LogHours {...common} timebank={timebank} today={today} />}
      {screen === 'listings' && <ListingsBoard {...common} timebank={timebank} />}
      {screen === 'history' && <TimebankHistoryView api={api} version={version} timebank={timebank} />}
      {screen === 'months' && <HoursChart api={api} version={version} />}
    </div>
  );
}
