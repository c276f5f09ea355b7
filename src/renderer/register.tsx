import { type FocusEvent, type KeyboardEvent, type MouseEvent, memo, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { BookApi, RegisterLine } from '../../packages/peer/src/service/protocol.js';
import { AccountInput } from './account-input.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

const ROW_HEIGHT_PX = 32;
/**
 * Rows rendered beyond each edge of the view. Every row rendered costs script and layout in the frame that
 * scrolls it in: 6 keeps ↓/↑ and a wheel notch smooth without doubling the work of a fast scroll.
 */
const OVERSCAN_ROWS = 6;

/** An account's postings with the running balance; only the rows on screen are in the page. */
export function RegisterView({ api, accounts, account, version, onChoose, onOpen }: { api: BookApi; accounts: readonly string[]; account: string; version: number; onChoose: (account: string) => void; onOpen: (transactionId: string) => void }) {
  return (
    <section aria-label="Register">
      <form className="register-choose" onSubmit={(event) => event.preventDefault()}>
        <label>Account <AccountInput accounts={accounts} value={account} onChange={onChoose} autoFocus={account === ''} label="Account for the register" /></label>
      </form>
      {account === '' ? <p>Type an account name to see its register.</p>
        : !isAccountOrParent(accounts, account) ? <p>No account is named {account}: keep typing, or choose one from the suggestions.</p>
          : <RegisterRows api={api} account={account} version={version} onOpen={onOpen} />}
    </section>
  );
}

/**
 * Only a known account, or a parent of some (Expenses for Expenses:Rent), is asked for: each ask reads the
 * whole book, so a half-typed name must not cost one per keystroke.
 */
function isAccountOrParent(accounts: readonly string[], typed: string): boolean {
  return accounts.some((account) => account === typed || account.startsWith(`${typed}:`));
}

/** Rows come from the service a window at a time (a register of 100,000 rows would be ~25 MB at once). */
const PAGE_ROWS = 200;
/** Pages kept in memory (10,000 rows); scrolling through a long register drops the ones farthest away. */
const PAGES_KEPT = 50;

/** Drops the pages farthest from `page` beyond PAGES_KEPT, and forgets having asked for them, so they are asked again when needed. */
function keepNear(pages: Map<number, readonly RegisterLine[]>, page: number, asked: Set<number>): Map<number, readonly RegisterLine[]> {
  if (pages.size <= PAGES_KEPT) return pages;
  const farthest = [...pages.keys()].sort((a, b) => Math.abs(b - page) - Math.abs(a - page)).slice(0, pages.size - PAGES_KEPT);
  for (const dropped of farthest) { pages.delete(dropped); asked.delete(dropped); }
  return pages;
}

/** Rows take focus (Tab into the register, then ↓/↑ from row to row); Enter or a click opens its transaction. */
function RegisterRows({ api, account, version, onOpen }: { api: BookApi; account: string; version: number; onOpen: (transactionId: string) => void }) {
  const [register] = useService(() => api.register({ account, offset: 0, limit: PAGE_ROWS }), `${account}:${version}`);
  const scroller = useRef<HTMLDivElement>(null);
  const [pages, setPages] = useState<ReadonlyMap<number, readonly RegisterLine[]>>(new Map());
  const asked = useRef(new Set<number>());
  const [activeRow, setActiveRow] = useState(0);
  useEffect(() => {
    asked.current = new Set([0]);
    setPages(register.state === 'ready' ? new Map([[0, register.value.lines]]) : new Map());
  }, [register]);
  const total = register.state === 'ready' ? register.value.total : 0;
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT_PX, overscan: OVERSCAN_ROWS });
  const items = virtualizer.getVirtualItems();
  const firstPage = Math.floor((items[0]?.index ?? 0) / PAGE_ROWS);
  const lastPage = Math.floor((items.at(-1)?.index ?? 0) / PAGE_ROWS);
  useEffect(() => {
    if (register.state !== 'ready') return;
    for (let page = firstPage; page <= lastPage; page += 1) {
      if (asked.current.has(page)) continue;
      asked.current.add(page);
      void api.register({ account, offset: page * PAGE_ROWS, limit: PAGE_ROWS }).then((result) => {
        if (result.ok) setPages((loaded) => keepNear(new Map(loaded).set(page, result.value.lines), page, asked.current));
        else asked.current.delete(page);
      });
    }
  }, [api, account, register, firstPage, lastPage]);
  const lineAt = (index: number) => pages.get(Math.floor(index / PAGE_ROWS))?.[index % PAGE_ROWS];
  if (register.state === 'loading') return <p aria-busy="true">Loading the register…</p>;
  if (register.state === 'failed') return <Problem error={register.error} />;
  if (total === 0) return <p>No postings to {account} yet.</p>;
  // One handler for all rows (rows are memoized and carry no closures of their own).
  const rowOf = (target: EventTarget) => (target as HTMLElement).closest<HTMLElement>('[data-transaction]');
  const onClick = (event: MouseEvent) => {
    const row = rowOf(event.target);
    if (row?.dataset.transaction) onOpen(row.dataset.transaction);
  };
  // One row is in the Tab order (the last one focused, else the first on screen): Tab enters the register
  // once, ↓/↑ move within it, and the next Tab leaves it.
  const tabbableRow = items.some((item) => item.index === activeRow && lineAt(item.index)) ? activeRow : items.find((item) => lineAt(item.index))?.index;
  const onFocus = (event: FocusEvent) => {
    const row = rowOf(event.target);
    if (row) setActiveRow(Number(row.getAttribute('aria-rowindex')) - 2);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const row = rowOf(event.target);
    if (!row?.dataset.transaction) return;
    if (event.key === 'Enter') { event.preventDefault(); onOpen(row.dataset.transaction); return; }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const wanted = Number(row.getAttribute('aria-rowindex')) - 2 + (event.key === 'ArrowDown' ? 1 : -1);
    if (wanted < 0 || wanted >= total) return;
    virtualizer.scrollToIndex(wanted);
    // The row may only now be rendered: focus it after React has painted it.
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[aria-rowindex="${wanted + 2}"]`)?.focus());
  };
  return (
    <div role="table" aria-label={`Register of ${account}`} aria-rowcount={total + 1} className="register">
      <div role="rowgroup"><div role="row" className="register-row register-head" aria-rowindex={1}>
        <span role="columnheader">Date</span><span role="columnheader">Description</span><span role="columnheader">Account</span>
        <span role="columnheader" className="amount">Amount</span><span role="columnheader" className="amount">Balance</span>
      </div></div>
      <div ref={scroller} role="rowgroup" className="register-scroll" aria-label="Register rows: Tab to a row, ↓/↑ to move, Enter to open" onClick={onClick} onKeyDown={onKeyDown} onFocus={onFocus}>
        <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
          {items.map((item) => <RegisterRow key={item.key} index={item.index} start={item.start} line={lineAt(item.index)} tabbable={item.index === tabbableRow} />)}
        </div>
      </div>
    </div>
  );
}

/**
 * One row, rendered again only when its position or its line changes: a scroll renders just the rows it
 * brings in, not every row on screen.
 */
const RegisterRow = memo(function RegisterRow({ index, start, line, tabbable }: { index: number; start: number; line: RegisterLine | undefined; tabbable: boolean }) {
  const position = { transform: `translateY(${start}px)` };
  if (!line) return <div role="row" aria-rowindex={index + 2} aria-busy="true" className="register-row" style={position}><span role="cell">…</span></div>;
  return (
    <div
      role="row" aria-rowindex={index + 2} className="register-row" tabIndex={tabbable ? 0 : -1} data-transaction={line.transactionId}
      aria-label={`${line.date} ${line.description}, ${line.account} ${line.amount}: Enter opens the transaction`} style={position}>
      <span role="cell">{line.date}</span>
      <span role="cell" title={line.transactionId}>{line.description}</span>
      <span role="cell">{line.account}</span>
      <span role="cell" className="amount">{line.amount}</span>
      <span role="cell" className="amount">{line.balance.join(', ') || '0'}</span>
    </div>
  );
});
