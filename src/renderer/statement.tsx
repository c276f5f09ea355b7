import { useState } from 'react';
import type { BookApi, Statement, TrialBalance } from '../../packages/peer/src/service/protocol.js';
import { type PeriodChoice, PeriodPicker, ReportActions, periodOfChoice } from './period-picker.js';
import { Amounts, Problem } from './problem.js';
import { useService } from './use-service.js';

const START: PeriodChoice = { preset: 'all', from: '', through: '' };

/** The balance sheet (as of a date) or the income statement (over a period), sections as trees. */
export function StatementView({ api, kind, version, today }: { api: BookApi; kind: 'balanceSheet' | 'incomeStatement'; version: number; today: string }) {
  const [choice, setChoice] = useState<PeriodChoice>(START);
  const period = periodOfChoice(choice, today);
  const [statement] = useService<Statement>(() => api[kind](period), `${kind}:${version}:${JSON.stringify(period)}`);
  return (
    <>
      <PeriodPicker choice={choice} onChange={setChoice} asOf={kind === 'balanceSheet'} />
      {statement.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {statement.state === 'failed' && <Problem error={statement.error} />}
      {statement.state === 'ready' && <StatementTables value={statement.value} name={`${kind === 'balanceSheet' ? 'balance-sheet' : 'income-statement'}${fileSuffix(period)}`} />}
    </>
  );
}

function StatementTables({ value, name }: { value: Statement; name: string }) {
  return (
    <section aria-label={value.title} className="printable">
      <p className="period-words">{value.title}, {value.period}</p>
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
      <ReportActions csv={value.csv} name={name} />
    </section>
  );
}

/** Debits and credits of every account at the end of a period; the two totals agree. */
export function TrialBalanceView({ api, version, today }: { api: BookApi; version: number; today: string }) {
  const [choice, setChoice] = useState<PeriodChoice>(START);
  const period = periodOfChoice(choice, today);
  const [report] = useService<TrialBalance>(() => api.trialBalance(period), `trial:${version}:${JSON.stringify(period)}`);
  return (
    <>
      <PeriodPicker choice={choice} onChange={setChoice} asOf />
      {report.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {report.state === 'failed' && <Problem error={report.error} />}
      {report.state === 'ready' && (
        <section aria-label="Trial balance" className="printable">
          <p className="period-words">Trial balance, {report.value.period}</p>
          <table className="report" aria-label="Trial balance">
            <thead><tr><th scope="col">Account</th><th scope="col" className="amount">Debit</th><th scope="col" className="amount">Credit</th></tr></thead>
            <tbody>
              {report.value.lines.map((line) => (
                <tr key={line.account}>
                  <th scope="row">{line.account}</th>
                  <td className="amount">{line.debit.map((amount) => <div key={amount}>{amount}</div>)}</td>
                  <td className="amount">{line.credit.map((amount) => <div key={amount}>{amount}</div>)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot><tr><th scope="row">Total</th><td className="amount"><Amounts amounts={report.value.totals.debit} /></td><td className="amount"><Amounts amounts={report.value.totals.credit} /></td></tr></tfoot>
          </table>
          <ReportActions csv={report.value.csv} name={`trial-balance${fileSuffix({ through: period.through })}`} />
        </section>
      )}
    </>
  );
}

function fileSuffix(period: { from?: string; through?: string }): string {
  return `${period.from ? `-from-${period.from}` : ''}${period.through ? `-through-${period.through}` : ''}`;
}
