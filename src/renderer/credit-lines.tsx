import type { CreditLineView, FederationState } from '../../packages/peer/src/service/protocol.js';
import { CreditLineChart } from './credit-line-chart.js';

/**
 * The credit lines this co-op gives and has, as `tallystick credit lines`: each with its limit, what is
 * used and what is still available, a meter per line (with the same figures in words), and a chart of all.
 */
export function CreditLines({ state }: { state: FederationState }) {
  const here = state.coops.find((coop) => coop.here)?.name ?? '';
  const others = state.coops.filter((coop) => !coop.here);
  return (
    <>
      <p>
        A credit line lets one co-op owe another up to a limit. A payment uses the lines along its way; a clearing sets off debts that go round in a cycle, which frees room on every line in it.
        {' '}Members: {here} (this co-op){others.map((coop) => `, ${coop.name}${coop.status === 'invited' ? ' (invited)' : ''}`).join('')}.
      </p>
      {state.lines.length === 0 ? <p>No credit lines yet: a co-op gives another a line with <code>tallystick credit extend CO-OP AMOUNT</code>.</p> : (
        <>
          <table className="report credit-lines" aria-label="Credit lines">
            <thead>
              <tr>
                <th scope="col">Line</th><th scope="col" className="amount">Limit</th><th scope="col" className="amount">Used</th>
                <th scope="col" className="amount">Available</th><th scope="col">Use</th>
              </tr>
            </thead>
            <tbody>
              {state.lines.map((line) => <LineRow key={`${line.creditor}|${line.debtor}`} line={line} unit={state.unit} />)}
            </tbody>
          </table>
          <h3>Credit-line use</h3>
          <CreditLineChart lines={state.lines} unit={state.unit} />
        </>
      )}
    </>
  );
}

function LineRow({ line, unit }: { line: CreditLineView; unit: string }) {
  const words = `${line.used} of ${line.limit} ${unit} used, ${line.available} available${/[1-9]/u.test(line.held) ? `, ${line.held} held for accepted payments` : ''}`;
  return (
    <tr data-line={`${line.debtor}→${line.creditor}`} className={line.direction}>
      <th scope="row">
        {line.debtor} may owe {line.creditor}
        <span className="help"> {line.direction === 'extended' ? `(a line ${line.creditor} gives)` : `(a line ${line.debtor} has)`}</span>
      </th>
      <td className="amount">{line.limit}</td>
      <td className="amount">{line.used}</td>
      <td className="amount">{line.available}</td>
      <td>
        <div className="use">
          <meter min={0} max={100} low={70} high={90} optimum={0} value={line.usedPercent} aria-label={`${line.debtor} may owe ${line.creditor}: ${words}`}>{line.usedPercent}%</meter>
          <span className="use-words">{line.usedPercent}% used</span>
        </div>
      </td>
    </tr>
  );
}
