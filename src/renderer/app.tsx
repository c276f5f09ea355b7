import { useEffect, useRef, useState } from 'react';
import type { BookApi, Founded } from '../../packages/peer/src/service/protocol.js';
import { AccountTree } from './account-tree.js';
import { AddTransaction } from './add-transaction.js';
import { ChartsView } from './charts.js';
import { FEDERATION_SCREENS, FederationMain, type FederationScreen } from './federation-area.js';
import { ImportWizard } from './import-wizard.js';
import { LockPeriod } from './lock-period.js';
import { MembersVotes } from './members-votes.js';
import { NotCounted } from './not-counted.js';
import { Onboarding } from './onboarding.js';
import { OpenAccount } from './open-account.js';
import { Problem } from './problem.js';
import { RegisterView } from './register.js';
import { StatementView, TrialBalanceView } from './statement.js';
import { SyncArea } from './sync-area.js';
import { TIMEBANK_SCREENS, TimebankMain, type TimebankScreen } from './timebank-area.js';
import { TransactionView } from './transaction-detail.js';
import { useLiveChanges } from './use-live-changes.js';
import { useService } from './use-service.js';

/** The overview's failures that mean "nothing founded here yet": the app offers to found a co-op. */
const UNFOUNDED = new Set(['no_data_folder', 'no_coop']);

type Screen = 'accounts' | 'register' | 'add' | 'balanceSheet' | 'incomeStatement' | 'trialBalance' | 'import' | 'lock' | 'notCounted' | 'members' | 'transaction' | 'charts';

const SCREENS: readonly { screen: Screen; label: string }[] = [
  { screen: 'accounts', label: 'Accounts' },
  { screen: 'register', label: 'Register' },
  { screen: 'add', label: 'Add transaction' },
  { screen: 'balanceSheet', label: 'Balance sheet' },
  { screen: 'incomeStatement', label: 'Income statement' },
  { screen: 'trialBalance', label: 'Trial balance' },
  { screen: 'lock', label: 'Lock period' },
  { screen: 'notCounted', label: 'Not counted' },
  { screen: 'members', label: 'Members and votes' },
  { screen: 'import', label: 'Import' },
  { screen: 'charts', label: 'Charts' },
];

/** Alt+1…9, then Alt+0 for the tenth screen; screens after the tenth are reached with Tab. */
const shortcutOf = (index: number) => (index < 10 ? String((index + 1) % 10) : '');

type Area = 'books' | 'timebank' | 'federation' | 'sync';

/** The areas, switched by Alt+B, Alt+T and Alt+F (by key position, so any keyboard layout works). */
const AREAS: readonly { area: Area; label: string; key: string; code: string }[] = [
  { area: 'books', label: 'Books', key: 'B', code: 'KeyB' },
  { area: 'timebank', label: 'Time bank', key: 'T', code: 'KeyT' },
  { area: 'federation', label: 'Federation', key: 'F', code: 'KeyF' },
  { area: 'sync', label: 'Sync', key: 'S', code: 'KeyS' },
];

/** The app: the Books and Time bank areas; within an area, Alt+1…9 and Alt+0 switch screens from anywhere; every control is reachable with Tab. */
export function App({ api }: { api: BookApi }) {
  const [area, setArea] = useState<Area>('books');
  const [timebankScreen, setTimebankScreen] = useState<TimebankScreen>('balances');
  const [federationScreen, setFederationScreen] = useState<FederationScreen>('lines');
  const [screen, setScreen] = useState<Screen>('accounts');
  const [account, setAccount] = useState('');
  const [transactionId, setTransactionId] = useState('');
  const [returnTo, setReturnTo] = useState<Screen>('register');
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const [founded, setFounded] = useState<Founded | undefined>();
  // Counts every screen shortcut or button pressed, so choosing the screen already shown still moves the focus to it.
  const [arrivals, setArrivals] = useState(0);
  const [overview] = useService(() => api.overview(), String(version));
  // Another device's entries, or a command's write, arrive underneath: open screens read again.
  useLiveChanges(api, overview.state === 'ready', () => setVersion((value) => value + 1));

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const chosenArea = AREAS.find((item) => item.code === event.code);
      if (chosenArea) { event.preventDefault(); setArea(chosenArea.area); setNotice(''); setArrivals((count) => count + 1); return; }
      const index = event.key === '0' ? 9 : Number(event.key) - 1;
      if (area === 'books' && SCREENS[index]) {
        event.preventDefault();
        setArrivals((count) => count + 1);
        setScreen(SCREENS[index].screen);
      } else if (area === 'timebank' && TIMEBANK_SCREENS[index]) {
        event.preventDefault();
        setNotice('');
        setArrivals((count) => count + 1);
        setTimebankScreen(TIMEBANK_SCREENS[index].screen);
      } else if (area === 'federation' && FEDERATION_SCREENS[index]) {
        event.preventDefault();
        setNotice('');
        setArrivals((count) => count + 1);
        setFederationScreen(FEDERATION_SCREENS[index].screen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [area]);

  const screenLabel = area === 'sync' ? 'Sync' : area === 'timebank' ? TIMEBANK_SCREENS.find((item) => item.screen === timebankScreen)?.label ?? ''
    : area === 'federation' ? FEDERATION_SCREENS.find((item) => item.screen === federationScreen)?.label ?? ''
    : screen === 'transaction' ? 'Transaction' : SCREENS.find((item) => item.screen === screen)?.label ?? '';
  // A new screen takes the focus to its heading (announced by screen readers; Tab goes on into the screen),
  // unless the screen put it in one of its fields already.
  const mainElement = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!mainElement.current?.contains(document.activeElement)) heading.current?.focus();
  }, [area, screen, timebankScreen, federationScreen, transactionId, arrivals, overview.state]);

  useEffect(() => {
    document.title = overview.state === 'ready' ? `${screenLabel} · ${overview.value.coopName} · Tallystick` : 'Tallystick';
  }, [screenLabel, overview]);

  if (overview.state === 'loading') return <p aria-busy="true" className="loading">Opening the books…</p>;
  if (overview.state === 'failed' && UNFOUNDED.has(overview.error.code)) {
    return <Onboarding api={api} onFounded={(result) => { setFounded(result); setNotice(''); setScreen('accounts'); setVersion((value) => value + 1); }} />;
  }
  if (overview.state === 'failed') return <main><h1>Tallystick</h1><Problem error={overview.error} /></main>;
  const books = overview.value;
  const saved = (message: string) => { setNotice(message); setVersion((value) => value + 1); };
  const open = (id: string) => { if (screen !== 'transaction') setReturnTo(screen); setTransactionId(id); setNotice(''); setScreen('transaction'); };
  return (
    <>
      <header>
        <h1>{books.coopName}</h1>
        <nav aria-label="Areas" className="areas">
          {AREAS.map((item) => (
            <button key={item.area} type="button" aria-current={area === item.area ? 'page' : undefined} aria-keyshortcuts={`Alt+${item.key}`} onClick={() => { setArea(item.area); setNotice(''); }}>
              {item.label} <kbd>Alt+{item.key}</kbd>
            </button>
          ))}
        </nav>
        {area === 'books' && <p className="facts">{books.transactionCount} transaction{books.transactionCount === 1 ? '' : 's'}{books.lockedThrough ? ` · locked through ${books.lockedThrough}` : ''}</p>}
        {books.rejectedCount > 0 && <p role="note" className="problem">{books.rejectedCount} entr{books.rejectedCount === 1 ? 'y' : 'ies'} in the documents do not count (unsigned, tampered or not allowed); they are left out of every total. See Not counted (Alt+8).</p>}
        {area === 'timebank' && (
          <nav aria-label="Time bank">
            {TIMEBANK_SCREENS.map((item, index) => (
              <button key={item.screen} type="button" aria-current={timebankScreen === item.screen ? 'page' : undefined} aria-keyshortcuts={`Alt+${shortcutOf(index)}`} onClick={() => { setTimebankScreen(item.screen); setNotice(''); }}>
                {item.label} <kbd>Alt+{shortcutOf(index)}</kbd>
              </button>
            ))}
          </nav>
        )}
        {area === 'federation' && (
          <nav aria-label="Federation">
            {FEDERATION_SCREENS.map((item, index) => (
              <button key={item.screen} type="button" aria-current={federationScreen === item.screen ? 'page' : undefined} aria-keyshortcuts={`Alt+${shortcutOf(index)}`} onClick={() => { setFederationScreen(item.screen); setNotice(''); }}>
                {item.label} <kbd>Alt+{shortcutOf(index)}</kbd>
              </button>
            ))}
          </nav>
        )}
        {area === 'books' && <nav aria-label="Books">
          {SCREENS.map((item, index) => (
            <button key={item.screen} type="button" aria-current={screen === item.screen ? 'page' : undefined} aria-keyshortcuts={shortcutOf(index) ? `Alt+${shortcutOf(index)}` : undefined} onClick={() => setScreen(item.screen)}>
              {item.label}{item.screen === 'notCounted' && books.rejectedCount > 0 && <span className="badge" aria-label={`: ${books.rejectedCount} not counted`}>{books.rejectedCount}</span>}{shortcutOf(index) && <> <kbd>Alt+{shortcutOf(index)}</kbd></>}
            </button>
          ))}
        </nav>}
      </header>
      <main ref={mainElement}>
        <h2 ref={heading} tabIndex={-1}>{screenLabel}</h2>
        {notice && <p role="status" className="notice">{notice}</p>}
        {founded && (
          <div role="note" className="notice backup" aria-labelledby="backup-heading">
            <h3 id="backup-heading">Back up your data folder</h3>
            <p>{founded.message.split('\n')[0]} Your books and this device&apos;s key live in <code>{founded.dataFolder}</code>. Copy that folder somewhere safe, and again from time to time: the key in it is encrypted under your passphrase, and neither the key nor the passphrase can be recovered.</p>
            <button type="button" onClick={() => { setFounded(undefined); heading.current?.focus(); }}>I have noted this</button>
          </div>
        )}
        {area === 'timebank' && (
          <TimebankMain
            api={api} screen={timebankScreen} version={version} today={books.today} needsPassphrase={books.needsPassphrase}
            onSaved={saved} onScreen={(next) => { setNotice(''); setTimebankScreen(next); }}
          />
        )}
        {area === 'federation' && (
          <FederationMain
            api={api} screen={federationScreen} version={version} needsPassphrase={books.needsPassphrase}
            onSaved={saved} onScreen={(next) => { setNotice(''); setFederationScreen(next); }}
          />
        )}
        {area === 'sync' && <SyncArea api={api} version={version} needsPassphrase={books.needsPassphrase} onSaved={saved} onOpen={(id) => { setArea('books'); open(id); }} />}
        {area === 'books' && (
          <>
          {screen === 'accounts' && (
            <>
              <OpenAccount api={api} today={books.today} needsPassphrase={books.needsPassphrase} onSaved={saved} />
              <AccountTree api={api} version={version} onOpen={(chosen) => { setAccount(chosen); setScreen('register'); }} />
            </>
          )}
          {screen === 'register' && <RegisterView api={api} accounts={books.accounts} account={account} version={version} onChoose={setAccount} onOpen={open} />}
          {screen === 'add' && <AddTransaction api={api} accounts={books.accounts} today={books.today} needsPassphrase={books.needsPassphrase} onSaved={saved} />}
          {screen === 'transaction' && (
            <TransactionView
              api={api} transactionId={transactionId} version={version} today={books.today} needsPassphrase={books.needsPassphrase}
              onBack={() => { setNotice(''); setScreen(returnTo); }} onOpen={open} onSaved={saved}
            />
          )}
          {screen === 'lock' && <LockPeriod api={api} {...(books.lockedThrough ? { lockedThrough: books.lockedThrough } : {})} needsPassphrase={books.needsPassphrase} onSaved={saved} />}
          {screen === 'members' && <MembersVotes api={api} version={version} needsPassphrase={books.needsPassphrase} onSaved={saved} />}
          {screen === 'notCounted' && <NotCounted api={api} version={version} onOpen={open} />}
          {(screen === 'balanceSheet' || screen === 'incomeStatement') && <StatementView key={screen} api={api} kind={screen} version={version} today={books.today} />}
          {screen === 'import' && <ImportWizard api={api} needsPassphrase={books.needsPassphrase} onSaved={saved} />}
          {screen === 'trialBalance' && <TrialBalanceView api={api} version={version} today={books.today} />}
          {screen === 'charts' && <ChartsView api={api} accounts={books.accounts} version={version} today={books.today} />}
          </>
        )}
      </main>
    </>
  );
}
