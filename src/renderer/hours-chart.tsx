import type { BookApi, HoursMonth } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useService } from './use-service.js';

const BAR_WIDTH = 36;
const GAP = 12;
const HEIGHT = 180;
const MAX_MONTHS = 120;

/** Hours exchanged per month, as `tallystick hours months`: a bar chart, and the same figures as a table for screen readers and copying. */
export function HoursChart({ api, version }: { api: BookApi; version: number }) {
  const [months] = useService(() => api.hoursByMonth(), String(version));
  if (months.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (months.state === 'failed') return <Problem error={months.error} />;
  const rows = months.value.slice(-MAX_MONTHS);
  if (rows.length === 0) return <p>No exchanges counted yet.</p>;
  return (
    <>
      <BarChart rows={rows} />
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

/** Plain SVG: no chart library; the table above carries the same figures, so the picture is described in one sentence. */
function BarChart({ rows }: { rows: readonly HoursMonth[] }) {
  const most = Math.max(...rows.map((row) => row.minutes), 1);
  const width = rows.length * (BAR_WIDTH + GAP) + GAP;
  const busiest = rows.reduce((best, row) => (row.minutes > best.minutes ? row : best));
  return (
    <svg className="chart" role="img" width={width} height={HEIGHT + 40} viewBox={`0 0 ${width} ${HEIGHT + 40}`}
      aria-label={`Bar chart of hours exchanged in ${rows.length} month${rows.length === 1 ? '' : 's'} from ${rows[0]!.month} to ${rows[rows.length - 1]!.month}; the busiest was ${busiest.month} with ${busiest.hours} hours. The table below has every figure.`}>
      <line x1={0} x2={width} y1={HEIGHT} y2={HEIGHT} className="axis" />
      {rows.map((row, index) => {
        const height = Math.max(1, Math.round((row.minutes / most) * (HEIGHT - 20)));
        const x = GAP + index * (BAR_WIDTH + GAP);
        return (
          <g key={row.month}>
            <title>{`${row.month}: ${row.hours} hours in ${row.exchanges} exchange${row.exchanges === 1 ? '' : 's'}`}</title>
            <rect x={x} y={HEIGHT - height} width={BAR_WIDTH} height={height} className="bar" />
            <text x={x + BAR_WIDTH / 2} y={HEIGHT - height - 4} textAnchor="middle" className="value">{row.hours}</text>
            <text x={x + BAR_WIDTH / 2} y={HEIGHT + 16} textAnchor="middle" className="label">{row.month.slice(2)}</text>
          </g>
        );
      })}
    </svg>
  );
}
