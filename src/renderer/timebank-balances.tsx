import type { TimebankOverview } from '../../packages/peer/src/service/protocol.js';

/** Everyone's balance, as `tallystick hours balances`: this device's member's row marked; the limits the members voted. */
export function TimebankBalances({ timebank }: { timebank: TimebankOverview }) {
  const { balances, total, rules, me } = timebank;
  return (
    <>
      <p>One hour of anyone&apos;s time is one credit. A balance is the hours given less the hours received, plus what the community gave. {me ? `This device acts for ${me}.` : ''}</p>
      <table className="report" aria-label="Time-bank balances">
        <thead>
          <tr><th scope="col">Member</th><th scope="col" className="amount">Balance</th><th scope="col" className="amount">Given</th><th scope="col" className="amount">Received</th><th scope="col" className="amount">From the community</th></tr>
        </thead>
        <tbody>
          {balances.map((line) => (
            <tr key={line.party} data-party={line.name} className={line.party === me ? 'mine' : line.party === '' ? 'community' : undefined} aria-current={line.party === me ? 'true' : undefined}>
              <th scope="row">{line.name}{line.party === me && <span className="tag"> (you)</span>}</th>
              <td className={`amount ${line.balanceMinutes < 0 ? 'negative' : ''}`}>{line.balance}</td>
              <td className="amount">{line.given}</td>
              <td className="amount">{line.received}</td>
              <td className="amount">{line.community}</td>
            </tr>
          ))}
        </tbody>
        <tfoot><tr><th scope="row">Total (always zero)</th><td className="amount">{total}</td><td colSpan={3} /></tr></tfoot>
      </table>
      <h3 id="limits-heading">Limits</h3>
      <dl className="facts-list" aria-labelledby="limits-heading">
        <dt>Lowest balance</dt><dd>{rules.lowestBalance ?? 'none'}</dd>
        <dt>Highest balance</dt><dd>{rules.highestBalance ?? 'none'}</dd>
        <dt>Opening grant</dt><dd>{rules.openingGrant === '0:00' ? 'none' : rules.openingGrant}</dd>
        <dt>The community may give down to</dt><dd>{rules.communityLowestBalance}</dd>
      </dl>
      <p className="help">The members change these by vote. A confirmation that would cross a limit is refused with the reason, and the exchange stays pending.</p>
    </>
  );
}
