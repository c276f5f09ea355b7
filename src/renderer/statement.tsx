import type { BookApi, Statement } from '../../packages/peer/src/service/protocol.js';
import { Amounts, Problem } from './problem.js';
import { useService } from './use-service.js';

/** The balance sheet or the income statement, as of today, sections as trees. */
export function StatementView({ api, kind, version }: { api: BookApi; kind: 'balanceSheet' | 'incomeStatement'; version: number }) {
  const [statement] = useService<Statement>(() => api[kind](), `${kind}:${version}`);
  if (statement.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (statement.state === 'failed') return <Problem error={statement.error} />;
  const { value } = statement;
  return (
    <section aria-label={value.title}>
      {value.sections.map((section) => (
        <table key={section.title} className="report" aria-label={section.title}>
          <caption>{section.title}</caption>
          <tbody>
            {section.lines.map((line) => (
              <tr key={line.account}>
                <th scope="row" style={{ paddingLeft: `${0.5 + line.depth * 1.25}rem` }}>{line.name}</th>
                <td className="amount"><Amounts amounts={line.balance} /></td>
              </tr>
            ))}
          </tbody>
          <tfoot><tr><th scope="row">Total {section.title.toLowerCase()}</th><td className="amount"><Amounts amounts={section.total} /></td></tr></tfoot>
        </table>
      ))}
      <p className="net"><strong>{value.net.label}:</strong> <Amounts amounts={value.net.amount} /></p>
    </section>
  );
}
