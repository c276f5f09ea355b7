import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { AccountInput } from './account-input.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

const ROW_HEIGHT_PX = 32;

/** An account's postings with the running balance; only the rows on screen are in the page. */
export function RegisterView({ api, accounts, account, version, onChoose, onOpen }: { api: BookApi; accounts: readonly string[]; account: string; version: number; onChoose: (account: string) => void; onOpen: (transactionId: string) => void }) {
  return (
    <section aria-label="Register">
      <form className="register-choose" onSubmit={(event) => event.preventDefault()}>
        <label>Account <AccountInput accounts={accounts} value={account} onChange={onChoose} autoFocus={account === ''} label="Account for the register" /></label>
      </form>
      {account === '' ? <p>Type an account name to see its register.</p> : <RegisterRows api={api} account={account} version={version} onOpen={onOpen} />}
    </section>
  );
}

/** Each row takes focus (Tab, or ↓/↑ from row to row); Enter or a click opens its transaction. */
function RegisterRows({ api, account, version, onOpen }: { api: BookApi; account: string; version: number; onOpen: (transactionId: string) => void }) {
  const [register] = useService(() => api.register({ account }), `${account}:${version}`);
  const scroller = useRef<HTMLDivElement>(null);
  const lines = register.state === 'ready' ? register.value.lines : [];
  const virtualizer = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT_PX, overscan: 20 });
  if (register.state === 'loading') return <p aria-busy="true">Loading the register…</p>;
  if (register.state === 'failed') return <Problem error={register.error} />;
  if (lines.length === 0) return <p>No postings to {account} yet.</p>;
  return (
    <div role="table" aria-label={`Register of ${account}`} aria-rowcount={lines.length + 1} className="register">
      <div role="row" className="register-row register-head" aria-rowindex={1}>
        <span role="columnheader">Date</span><span role="columnheader">Description</span><span role="columnheader">Account</span>
        <span role="columnheader" className="amount">Amount</span><span role="columnheader" className="amount">Balance</span>
      </div>
      <div ref={scroller} className="register-scroll" aria-label="Register rows: Tab to a row, ↓/↑ to move, Enter to open">
        <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const line = lines[item.index]!;
            return (
              <div
                key={item.key} role="row" aria-rowindex={item.index + 2} className="register-row" tabIndex={0} data-transaction={line.transactionId}
                aria-label={`${line.date} ${line.description}, ${line.account} ${line.amount}: Enter opens the transaction`}
                onClick={() => onOpen(line.transactionId)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') { event.preventDefault(); onOpen(line.transactionId); return; }
                  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
                  event.preventDefault();
                  const wanted = item.index + (event.key === 'ArrowDown' ? 1 : -1);
                  if (wanted < 0 || wanted >= lines.length) return;
                  virtualizer.scrollToIndex(wanted);
                  // The row may only now be rendered: focus it after React has painted it.
                  requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[aria-rowindex="${wanted + 2}"]`)?.focus());
                }}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: `${ROW_HEIGHT_PX}px`, transform: `translateY(${item.start}px)` }}>
                <span role="cell">{line.date}</span>
                <span role="cell" title={line.transactionId}>{line.description}</span>
                <span role="cell">{line.account}</span>
                <span role="cell" className="amount">{line.amount}</span>
                <span role="cell" className="amount">{line.balance.join(', ') || '0'}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
