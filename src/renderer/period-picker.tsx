import { useId } from 'react';
import type { PeriodRequest } from '../../packages/peer/src/service/protocol.js';

/** Named periods a treasurer reports on, worked out from today's date (both ends inclusive). */
const PRESETS = ['all', 'this-month', 'last-month', 'this-year', 'last-year', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];
const LABELS: Record<Preset, string> = {
  all: 'All dates', 'this-month': 'This month', 'last-month': 'Last month', 'this-year': 'This year', 'last-year': 'Last year', custom: 'Chosen dates',
};
const AS_OF_LABELS: Record<Preset, string> = {
  all: 'Everything so far', 'this-month': 'End of this month', 'last-month': 'End of last month', 'this-year': 'End of this year', 'last-year': 'End of last year', custom: 'A chosen date',
};

export interface PeriodChoice {
  readonly preset: Preset;
  readonly from: string;
  readonly through: string;
}

export function periodOfChoice(choice: PeriodChoice, today: string): PeriodRequest {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
  switch (choice.preset) {
    case 'all': return {};
    case 'this-month': return { from: day(year, month, 1), through: day(year, month + 1, 0) };
    case 'last-month': return { from: day(year, month - 1, 1), through: day(year, month, 0) };
    case 'this-year': return { from: `${year}-01-01`, through: `${year}-12-31` };
    case 'last-year': return { from: `${year - 1}-01-01`, through: `${year - 1}-12-31` };
    case 'custom': return { ...(choice.from ? { from: choice.from } : {}), ...(choice.through ? { through: choice.through } : {}) };
  }
}

/** A period: a named one, or two dates; `asOf` shows only the end (a balance sheet's date). */
export function PeriodPicker({ choice, onChange, asOf = false }: { choice: PeriodChoice; onChange: (choice: PeriodChoice) => void; asOf?: boolean }) {
  const id = useId();
  return (
    <fieldset className="period">
      <legend>{asOf ? 'Balances as of' : 'Period'}</legend>
      <label htmlFor={`${id}-preset`}>{asOf ? 'As of' : 'Period'}</label>
      <select id={`${id}-preset`} value={choice.preset} onChange={(event) => onChange({ ...choice, preset: event.target.value as Preset })}>
        {PRESETS.map((preset) => <option key={preset} value={preset}>{(asOf ? AS_OF_LABELS : LABELS)[preset]}</option>)}
      </select>
      {choice.preset === 'custom' && (
        <>
          {!asOf && <><label htmlFor={`${id}-from`}>From</label><input id={`${id}-from`} type="date" value={choice.from} onChange={(event) => onChange({ ...choice, from: event.target.value })} /></>}
          <label htmlFor={`${id}-through`}>{asOf ? 'Date' : 'Through'}</label>
          <input id={`${id}-through`} type="date" value={choice.through} onChange={(event) => onChange({ ...choice, through: event.target.value })} />
        </>
      )}
    </fieldset>
  );
}

/** Download a report as CSV, and print it (the print stylesheet leaves out the app around it). */
export function ReportActions({ csv, name }: { csv: string; name: string }) {
  const download = () => {
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${name}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <p className="report-actions">
      <button type="button" onClick={download}>Export CSV</button>
      <button type="button" onClick={() => window.print()}>Print</button>
    </p>
  );
}
