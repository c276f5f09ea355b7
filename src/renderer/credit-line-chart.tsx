import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';
import type { CreditLineView } from '../../packages/peer/src/service/protocol.js';

/*
 * Chart.js (pinned 4.6.1): a well-kept canvas chart library that does stacked horizontal bars, legends,
 * tooltips and axis ticks, none of which we then write by hand. Only the parts this chart uses are
 * registered, so the bundle carries no other chart types. It reads numbers: the figures are converted
 * for drawing only; the exact amounts are in the Credit lines table, which the canvas's label points to.
 */
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLORS = { used: '#24453a', held: '#c58b00', available: '#b9d3c6' };

/** How much of each credit line is used, held for accepted payments, and still available: one stacked bar per line. */
export function CreditLineChart({ lines, unit }: { lines: readonly CreditLineView[]; unit: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const figures = lines.map((line) => `${line.debtor}|${line.creditor}|${line.used}|${line.held}|${line.available}`).join(';');
  useEffect(() => {
    if (!canvas.current) return undefined;
    const anyHeld = lines.some((line) => Number(line.held) > 0);
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: lines.map((line) => `${line.debtor} → ${line.creditor}`),
        datasets: [
          { label: `Used (${unit})`, data: lines.map((line) => Number(line.used)), backgroundColor: COLORS.used },
          ...(anyHeld ? [{ label: `Held for payments (${unit})`, data: lines.map((line) => Number(line.held)), backgroundColor: COLORS.held }] : []),
          { label: `Available (${unit})`, data: lines.map((line) => Number(line.available)), backgroundColor: COLORS.available },
        ],
      },
      options: {
        indexAxis: 'y', animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true, beginAtZero: true, title: { display: true, text: unit } }, y: { stacked: true } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.destroy();
  }, [figures, unit]); // lines is a new array on every read: redraw when a figure changes
  const busiest = lines.reduce<CreditLineView | undefined>((best, line) => (!best || line.usedPercent > best.usedPercent ? line : best), undefined);
  const label = lines.length === 0 ? 'No credit lines to chart.'
    : `Bar chart of credit-line use: ${lines.length} line${lines.length === 1 ? '' : 's'}, each bar the limit split into used and available.`
      + ` The most used is ${busiest!.debtor} → ${busiest!.creditor} at ${busiest!.usedPercent}% (${busiest!.used} of ${busiest!.limit} ${unit}). The Credit lines table has every figure.`;
  return (
    // React sets the height through the CSSOM, which the app's Content-Security-Policy allows (no inline style attribute).
    <div className="credit-chart" style={{ height: `${5 + lines.length * 2.8}rem` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
