import type { BookApi } from '../../packages/peer/src/service/protocol.js';
import { ChartCanvas } from './chart.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

const MAX_MONTHS = 120;

/** Hours exchanged per month, as `tallystick hours months`: a bar chart, and the same figures as a table for screen readers and copying. */
export function HoursChart({ api, version }: { api: BookApi; version: number }) {
  const [months] = useService(() => api.hoursByMonth(), String(version));
  if (months.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (months.state === 'failed') return <Problem error={months.error} />;
  const rows = months.value.slice(-MAX_MONTHS);
  if (rows.length === 0) return <p>No exchanges counted yet.</p>;
  const busiest = rows.reduce((best, row) => (row.minutes > best.minutes ? row : best));
  return (
    <>
      <ChartCanvas
        kind="bar" labels={rows.map((row) => row.month)} categoryTitle="Month" valueTitle="Hours given"
        description={`Bar chart of hours exchanged in ${rows.length} month${rows.length === 1 ? '' : 's'} from ${rows[0]!.month} to ${rows[rows.length - 1]!.month}; the busiest was ${busiest.month} with ${busiest.hours} hours. The table below has every figure.`}
        // Whole minutes, drawn in hours; the tooltip and the table show them as H:MM.
        series={[{ label: 'Hours exchanged', values: rows.map((row) => row.minutes / 60), shown: rows.map((row) => `${row.hours} in ${row.exchanges} exchange${row.exchanges === 1 ? '' : 's'}`) }]}
        formatTick={hoursAndMinutes}
      />
      <table className="report" aria-label="Hours by month">
        <thead><tr><th scope="col">Month</th><th scope="col" className="amount">Hours</th><th scope="col" className="amount">Exchanges</th></tr></thead>
        <tbody>
          {rows.map((row) => <tr key={row.month}><th scope="row">{row.month}</th><td className="amount">{row.hours}</td><td className="amount">{row.exchanges}</td></tr>)}
        </tbody>
      </table>
      <p className="help">Counted exchanges by the date the hours were given; reversed exchanges and their reversals are left out.</p>
    </>
  );
}

/** A grid line's hours as H:MM, the way the table writes durations. */
function hoursAndMinutes(hours: number): string {
  const minutes = Math.round(Math.abs(hours) * 60);
  return `${hours < 0 ? '-' : ''}${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}
