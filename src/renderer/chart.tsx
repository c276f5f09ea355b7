import { useEffect, useRef } from 'react';
import {
  BarController, BarElement, CategoryScale, Chart, type ChartConfiguration, type ChartDataset, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';

/*
 * The one place the app meets chart.js (4.6.1: kept up, tree-shakable, draws on a canvas so ten years of
 * months stay quick, and styles only through the DOM, so it runs under the CSP's `style-src 'self'`).
 * Only the pieces the screens use are registered. Every chart has its figures in a table beside it: the
 * canvas is a picture (role="img") described in one sentence, and the table is what screen readers,
 * copying and tests read.
 */
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

/**
 * Colours at least 4.5:1 against the page (#fbfaf7), so lines and bars read without strain; lines also
 * differ in dash and point shape, so no one has to tell colours apart.
 */
export const CHART_COLOURS = ['#24453a', '#b3461e', '#1a5c8a', '#7a3e9d', '#6b5a00', '#8a1c1c', '#00697a', '#4a4a4a'] as const;
const DASHES: readonly (readonly number[])[] = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
const POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star', 'rectRounded', 'cross'] as const;
const TEXT_COLOUR = '#1b1b1b';
const GRID_COLOUR = '#d9d6cf';
/** The zero line stands out: above it the co-op has or earns, below it owes or loses. */
const ZERO_LINE_COLOUR = '#767676';

export interface ChartSeries {
  readonly label: string;
  /** Positions to draw: never added up or shown as figures. */
  readonly values: readonly number[];
  /** The figures as the books write them, for the tooltip ("1,234.50 USD"). */
  readonly shown: readonly string[];
  /** In a bar chart, a series drawn as a line over the bars (net income over income and expenses). */
  readonly asLine?: boolean;
  /** An index into CHART_COLOURS; the series' position when left out. */
  readonly colour?: number;
}

export interface ChartProps {
  readonly kind: 'line' | 'bar';
  /** One per value of each series: the months. */
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
  /** What the picture shows, in a sentence, for screen readers. */
  readonly description: string;
  readonly categoryTitle: string;
  readonly valueTitle: string;
  /** Grid-line labels on the value axis: plain numbers with digit groups unless given. */
  readonly formatTick?: (value: number) => string;
}

const groupedNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A chart.js chart on a canvas, made on mount and when its figures change, and destroyed on unmount. */
export function ChartCanvas(props: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify([props.kind, props.labels, props.series, props.categoryTitle, props.valueTitle]);
  useEffect(() => {
    if (!canvas.current) return undefined;
    const chart = new Chart(canvas.current, chartConfiguration(props));
    return () => chart.destroy();
  }, [key]); // props is a new object each render: redraw when the figures change only
  return (
    <div className="chart-box">
      <canvas ref={canvas} role="img" aria-label={props.description}>{props.description}</canvas>
    </div>
  );
}

function chartConfiguration(props: ChartProps): ChartConfiguration<'line' | 'bar', number[], string> {
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const datasets = props.series.map((series, index) => datasetOf(props.kind, series, index));
  const formatTick = props.formatTick ?? ((value: number) => groupedNumber.format(value));
  const axisTitle = (text: string) => ({ display: true, text, color: TEXT_COLOUR, font: { size: 13, weight: 'bold' as const } });
  return {
    type: props.kind,
    data: { labels: [...props.labels], datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      interaction: { mode: 'index', intersect: false },
      color: TEXT_COLOUR,
      scales: {
        x: { title: axisTitle(props.categoryTitle), ticks: { color: TEXT_COLOUR, autoSkipPadding: 8 }, grid: { display: false } },
        y: { grace: '5%', title: axisTitle(props.valueTitle), ticks: { color: TEXT_COLOUR, callback: (value) => formatTick(Number(value)) }, grid: { color: (context) => (context.tick.value === 0 ? ZERO_LINE_COLOUR : GRID_COLOUR) } },
      },
      plugins: {
        // In the order the series were given (chart.js would put lines drawn over bars first).
        legend: { position: 'top', labels: { color: TEXT_COLOUR, usePointStyle: true, boxWidth: 9, boxHeight: 9, font: { size: 13 }, sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${props.series[item.datasetIndex]?.shown[item.dataIndex] ?? ''}` } },
      },
    },
  };
}

function datasetOf(kind: ChartProps['kind'], series: ChartSeries, index: number): ChartDataset<'line' | 'bar', number[]> {
  const colour = CHART_COLOURS[(series.colour ?? index) % CHART_COLOURS.length]!;
  if (kind === 'bar' && !series.asLine) {
    return { type: 'bar', label: series.label, data: [...series.values], backgroundColor: colour, borderColor: colour, borderWidth: 0, pointStyle: 'rect', maxBarThickness: 56, order: 2 };
  }
  return {
    type: 'line', label: series.label, data: [...series.values], borderColor: colour, backgroundColor: colour, borderWidth: 2.5,
    // A line over bars is the only line: solid. Several lines differ in dash as well as colour.
    borderDash: kind === 'bar' ? [] : [...DASHES[index % DASHES.length]!], pointStyle: POINTS[index % POINTS.length], pointRadius: series.values.length > 48 ? 0 : 3.5,
    pointHoverRadius: 5, tension: 0, order: 1,
  };
}
