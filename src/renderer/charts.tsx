import { useId, useState } from 'react';
import type { BalancesOverTime, BookApi, ChartFigure, IncomeExpenses, PeriodRequest } from '../../packages/peer/src/service/protocol.js';
import { AccountInput } from './account-input.js';
import { ChartCanvas } from './chart.js';
import { type PeriodChoice, PeriodPicker, periodOfChoice } from './period-picker.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

const START: PeriodChoice = { preset: 'all', from: '', through: '' };
const MAX_ACCOUNTS = 8;

/** Balances over time and income against expenses by month, for one period; every chart with its table. */
export function ChartsView({ api, accounts, version, today }: { api: BookApi; accounts: readonly string[]; version: number; today: string }) {
  const [choice, setChoice] = useState<PeriodChoice>(START);
  const period = periodOfChoice(choice, today);
  return (
    <div className="charts">
      <PeriodPicker choice={choice} onChange={setChoice} />
      <BalancesChart api={api} accounts={accounts} version={version} period={period} />
      <IncomeExpensesChart api={api} version={version} period={period} />
    </div>
  );
}

function BalancesChart({ api, accounts, version, period }: { api: BookApi; accounts: readonly string[]; version: number; period: PeriodRequest }) {
  // Undefined until the member changes the list: the service then charts its defaults (assets, liabilities).
  const [chosen, setChosen] = useState<readonly string[] | undefined>();
  const [typed, setTyped] = useState('');
  const [commodity, setCommodity] = useState('');
  const [answer] = useService<BalancesOverTime>(() => api.balancesOverTime({ ...period, ...(chosen ? { accounts: chosen } : {}) }), `balances:${version}:${JSON.stringify(period)}:${JSON.stringify(chosen)}`);
  const shown = chosen ?? (answer.state === 'ready' ? answer.value.accounts : []);
  const known = withAncestors(accounts);
  const add = () => {
    const account = typed.trim();
    if (account === '' || shown.includes(account) || shown.length >= MAX_ACCOUNTS) return;
    setChosen([...shown, account]);
    setTyped('');
  };
  return (
    <section aria-labelledby="balances-heading" className="chart-section">
      <h3 id="balances-heading">Balances over time</h3>
      <form className="chart-accounts" onSubmit={(event) => { event.preventDefault(); add(); }}>
        <ul aria-label="Accounts on the chart">
          {shown.map((account) => (
            <li key={account}>{account} <button type="button" aria-label={`Remove ${account} from the chart`} disabled={shown.length === 1} onClick={() => setChosen(shown.filter((item) => item !== account))}>×</button></li>
          ))}
        </ul>
        <label>Add an account <AccountInput accounts={known} value={typed} onChange={setTyped} label="Account to add to the chart" /></label>
        <button type="submit" disabled={typed.trim() === '' || shown.length >= MAX_ACCOUNTS}>Add to chart</button>
      </form>
      {answer.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {answer.state === 'failed' && <Problem error={answer.error} />}
      {answer.state === 'ready' && <BalancesFigures value={answer.value} commodity={commodity} onCommodity={setCommodity} />}
    </section>
  );
}

function BalancesFigures({ value, commodity, onCommodity }: { value: BalancesOverTime; commodity: string; onCommodity: (commodity: string) => void }) {
  const commodities = [...new Set(value.lines.map((line) => line.commodity))];
  if (value.months.length === 0 || commodities.length === 0) return <p>Nothing to chart: these accounts have no balance in this period.</p>;
  const current = commodities.includes(commodity) ? commodity : commodities[0]!;
  const lines = value.lines.filter((line) => line.commodity === current);
  const names = lines.map((line) => line.account);
  const description = `Line chart of the balance of ${listInWords(names)} in ${current} at the end of each month from ${value.months[0]} to ${value.months.at(-1)}, ${value.period}. The table below has every figure.`;
  return (
    <>
      <CommodityChoice commodities={commodities} value={current} onChange={onCommodity} />
      <ChartCanvas
        kind="line" labels={value.months} description={description} categoryTitle="End of month" valueTitle={`Balance (${current})`}
        series={lines.map((line) => series(line.account, line.figures))}
      />
      <p className="help">Balances as recorded: what the co-op owes (liabilities) reads negative. Each account includes its subaccounts.</p>
      <div className="chart-table">
        <table className="report" aria-label="Balances at the end of each month">
          <thead><tr><th scope="col">Month</th>{lines.map((line) => <th key={line.account} scope="col" className="amount">{line.account}</th>)}</tr></thead>
          <tbody>
            {value.months.map((month, index) => (
              <tr key={month}><th scope="row">{month}</th>{lines.map((line) => <td key={line.account} className="amount">{line.figures[index]!.shown}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function IncomeExpensesChart({ api, version, period }: { api: BookApi; version: number; period: PeriodRequest }) {
  const [commodity, setCommodity] = useState('');
  const [answer] = useService<IncomeExpenses>(() => api.incomeExpenses(period), `income:${version}:${JSON.stringify(period)}`);
  return (
    <section aria-labelledby="income-heading" className="chart-section">
      <h3 id="income-heading">Income and expenses by month</h3>
      {answer.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {answer.state === 'failed' && <Problem error={answer.error} />}
      {answer.state === 'ready' && <IncomeExpensesFigures value={answer.value} commodity={commodity} onCommodity={setCommodity} />}
    </section>
  );
}

function IncomeExpensesFigures({ value, commodity, onCommodity }: { value: IncomeExpenses; commodity: string; onCommodity: (commodity: string) => void }) {
  const commodities = value.commodities.map((entry) => entry.commodity);
  const current = value.commodities.find((entry) => entry.commodity === commodity) ?? value.commodities[0];
  if (!current || current.months.length === 0) return <p>Nothing to chart: no income or expenses in this period.</p>;
  const months = current.months;
  const description = `Bar chart of income and expenses in ${current.commodity} for each month from ${months[0]!.month} to ${months.at(-1)!.month}, with net income as a line, ${value.period}. The table below has every figure.`;
  return (
    <>
      <CommodityChoice commodities={commodities} value={current.commodity} onChange={onCommodity} />
      <ChartCanvas
        kind="bar" labels={months.map((month) => month.month)} description={description} categoryTitle="Month" valueTitle={`Amount (${current.commodity})`}
        series={[
          { ...series('Income', months.map((month) => month.income)), colour: 0 },
          { ...series('Expenses', months.map((month) => month.expenses)), colour: 1 },
          { ...series('Net income', months.map((month) => month.net)), colour: 7, asLine: true },
        ]}
      />
      <div className="chart-table">
        <table className="report" aria-label="Income and expenses by month">
          <thead><tr><th scope="col">Month</th><th scope="col" className="amount">Income</th><th scope="col" className="amount">Expenses</th><th scope="col" className="amount">Net income</th></tr></thead>
          <tbody>
            {months.map((month) => (
              <tr key={month.month}>
                <th scope="row">{month.month}</th><td className="amount">{month.income.shown}</td><td className="amount">{month.expenses.shown}</td>
                <td className={`amount${month.net.quantity.startsWith('-') ? ' negative' : ''}`}>{month.net.shown}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Amounts in different commodities are never drawn on one axis: one at a time. */
function CommodityChoice({ commodities, value, onChange }: { commodities: readonly string[]; value: string; onChange: (commodity: string) => void }) {
  const id = useId();
  if (commodities.length < 2) return null;
  return (
    <p className="commodity-choice">
      <label htmlFor={id}>Commodity</label>{' '}
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {commodities.map((commodity) => <option key={commodity} value={commodity}>{commodity}</option>)}
      </select>
    </p>
  );
}

/** The exact decimal becomes a position on the screen; the figure shown is the formatted one. */
function series(label: string, figures: readonly ChartFigure[]) {
  return { label, values: figures.map((figure) => Number(figure.quantity)), shown: figures.map((figure) => figure.shown) };
}

/** Every account and every parent of one: a parent's balance includes its subaccounts. */
function withAncestors(accounts: readonly string[]): string[] {
  const all = new Set<string>();
  for (const account of accounts) {
    const segments = account.split(':');
    for (let depth = 1; depth <= segments.length; depth += 1) all.add(segments.slice(0, depth).join(':'));
  }
  return [...all].sort();
}

function listInWords(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
