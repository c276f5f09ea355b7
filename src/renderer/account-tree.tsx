import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { Amounts, Problem } from './problem.js';
import { useService } from './use-service.js';

/** Every account as a tree, balances including subaccounts; choosing one opens its register. */
export function AccountTree({ api, version, onOpen }: { api: BookApi; version: number; onOpen: (account: string) => void }) {
  const [tree] = useService(() => api.accountTree(), String(version));
  if (tree.state === 'loading') return <p aria-busy="true">Loading accounts…</p>;
  if (tree.state === 'failed') return <Problem error={tree.error} />;
  return (
    <table className="report" aria-label="Accounts and balances">
      <thead><tr><th scope="col">Account</th><th scope="col" className="amount">Balance</th></tr></thead>
      <tbody>
        {tree.value.lines.map((line) => (
          <tr key={line.account} data-account={line.account}>
            <th scope="row" style={{ paddingLeft: `${0.5 + line.depth * 1.25}rem` }}>
              <button type="button" className="link" onClick={() => onOpen(line.account)} aria-label={`${line.account}: open register`}>{line.name}</button>
            </th>
            <td className="amount"><Amounts amounts={line.balance} /></td>
          </tr>
        ))}
      </tbody>
      <tfoot><tr><th scope="row">Total</th><td className="amount"><Amounts amounts={tree.value.total} /></td></tr></tfoot>
    </table>
  );
}
