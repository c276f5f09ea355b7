import { useEffect, useState } from 'react';
import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { AccountTree } from './account-tree.js';
import { AddTransaction } from './add-transaction.js';
import { Problem } from './problem.js';
import { RegisterView } from './register.js';
import { StatementView } from './statement.js';
import { useService } from './use-service.js';

type Screen = 'accounts' | 'register' | 'add' | 'balanceSheet' | 'incomeStatement';

const SCREENS: readonly { screen: Screen; label: string }[] = [
  { screen: 'accounts', label: 'Accounts' },
  { screen: 'register', label: 'Register' },
  { screen: 'add', label: 'Add transaction' },
  { screen: 'balanceSheet', label: 'Balance sheet' },
  { screen: 'incomeStatement', label: 'Income statement' },
];

/** The Books area: Alt+1…5 switch screens from anywhere; every control is reachable with Tab. */
export function App({ api }: { api: BookApi }) {
  const [screen, setScreen] = useState<Screen>('accounts');
  const [account, setAccount] = useState('');
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const [overview] = useService(() => api.overview(), String(version));

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const index = Number(event.key) - 1;
      if (event.altKey && !event.ctrlKey && !event.metaKey && SCREENS[index]) {
        event.preventDefault();
        setScreen(SCREENS[index].screen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    const label = SCREENS.find((item) => item.screen === screen)?.label ?? '';
    document.title = overview.state === 'ready' ? `${label} · ${overview.value.coopName} · Tallystick` : 'Tallystick';
  }, [screen, overview]);

  if (overview.state === 'loading') return <p aria-busy="true" className="loading">Opening the books…</p>;
  if (overview.state === 'failed') return <main><h1>Tallystick</h1><Problem error={overview.error} /></main>;
  const books = overview.value;
  return (
    <>
      <header>
        <h1>{books.coopName}</h1>
        <p className="facts">{books.transactionCount} transaction{books.transactionCount === 1 ? '' : 's'}{books.lockedThrough ? ` · locked through ${books.lockedThrough}` : ''}</p>
        {books.rejectedCount > 0 && <p role="note" className="problem">{books.rejectedCount} entries in the documents do not count (unsigned, tampered or not allowed); they are left out of every total.</p>}
        <nav aria-label="Books">
          {SCREENS.map((item, index) => (
            <button key={item.screen} type="button" aria-current={screen === item.screen ? 'page' : undefined} aria-keyshortcuts={`Alt+${index + 1}`} onClick={() => setScreen(item.screen)}>
              {item.label} <kbd>Alt+{index + 1}</kbd>
            </button>
          ))}
        </nav>
      </header>
      <main>
        <h2>{SCREENS.find((item) => item.screen === screen)?.label}</h2>
        {notice && <p role="status" className="notice">{notice}</p>}
        {screen === 'accounts' && <AccountTree api={api} version={version} onOpen={(chosen) => { setAccount(chosen); setScreen('register'); }} />}
        {screen === 'register' && <RegisterView api={api} accounts={books.accounts} account={account} version={version} onChoose={setAccount} />}
        {screen === 'add' && <AddTransaction api={api} accounts={books.accounts} today={books.today} needsPassphrase={books.needsPassphrase} onSaved={(message) => { setNotice(message); setVersion((value) => value + 1); }} />}
        {(screen === 'balanceSheet' || screen === 'incomeStatement') && <StatementView api={api} kind={screen} version={version} />}
      </main>
    </>
  );
}
