import { type IsoDate, addDays, makeDate } from '../date.js';

export type ReportInterval = 'monthly' | 'quarterly' | 'yearly';

export const REPORT_INTERVALS: readonly ReportInterval[] = ['monthly', 'quarterly', 'yearly'];

/** A report column: postings dated `begin` ≤ date < `end`. Either bound may be open in a single-column report. */
export interface ReportPeriod {
  readonly begin?: IsoDate;
  readonly end?: IsoDate;
  /** "2024-03", "2024Q1", "2024"; for a single column, the range ("2024-01-01..2024-03-31") or "all". */
  readonly label: string;
}

/** The first day of the period containing `date`. */
export function periodStart(date: IsoDate, interval: ReportInterval): IsoDate {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  switch (interval) {
    case 'monthly':
      return makeDate(year, month, 1);
    case 'quarterly':
      return makeDate(year, month - ((month - 1) % 3), 1);
    case 'yearly':
      return makeDate(year, 1, 1);
  }
}

/** The first day of the period after the one starting at `start`. */
export function nextPeriodStart(start: IsoDate, interval: ReportInterval): IsoDate {
  const year = Number(start.slice(0, 4));
  const month = Number(start.slice(5, 7));
  const step = interval === 'monthly' ? 1 : interval === 'quarterly' ? 3 : 12;
  const next = month - 1 + step;
  return makeDate(year + Math.floor(next / 12), (next % 12) + 1, 1);
}

export function periodLabel(start: IsoDate, interval: ReportInterval): string {
  switch (interval) {
    case 'monthly':
      return start.slice(0, 7);
    case 'quarterly':
      return `${start.slice(0, 4)}Q${(Number(start.slice(5, 7)) + 2) / 3}`;
    case 'yearly':
      return start.slice(0, 4);
  }
}

/**
 * Whole periods from the one containing `first` to the one containing `last`, inclusive.
 * (As hledger does, a report interval widens the date range to whole periods.)
 */
export function periodsCovering(first: IsoDate, last: IsoDate, interval: ReportInterval): ReportPeriod[] {
  const periods: ReportPeriod[] = [];
  for (let begin = periodStart(first, interval); begin <= last; begin = nextPeriodStart(begin, interval)) {
    periods.push({ begin, end: nextPeriodStart(begin, interval), label: periodLabel(begin, interval) });
  }
  return periods;
}

/** "2024-01-01..2024-03-31" (the end shown inclusive, as people read it), or "all". */
export function rangeLabel(begin: IsoDate | undefined, end: IsoDate | undefined): string {
  if (begin === undefined && end === undefined) return 'all';
  return `${begin ?? ''}..${end === undefined ? '' : addDays(end, -1)}`;
}

/** The day before `end`: the last day an exclusive end includes. */
export function lastDayBefore(end: IsoDate): IsoDate {
  return addDays(end, -1);
}
