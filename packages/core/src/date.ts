import { TallystickError } from './errors.js';

/** A calendar date `YYYY-MM-DD`. Branded; compare as strings. */
export type IsoDate = string & { readonly __brand: 'IsoDate' };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/u;

export function isValidDate(year: number, month: number, day: number): boolean {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function makeDate(year: number, month: number, day: number): IsoDate {
  if (!isValidDate(year, month, day)) {
    throw new TallystickError('invalid_date', `${year}-${month}-${day} is not a calendar date`);
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` as IsoDate;
}

/** Parses `YYYY-MM-DD` and checks it is a real calendar day. */
export function parseIsoDate(text: string): IsoDate {
  const match = ISO_DATE.exec(text);
  if (!match || !isValidDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new TallystickError('invalid_date', `"${text}" is not a date (expected YYYY-MM-DD, like 2024-03-31)`);
  }
  return text as IsoDate;
}

export function isIsoDate(text: string): text is IsoDate {
  const match = ISO_DATE.exec(text);
  return match !== null && isValidDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** `2024-03` */
export function monthOf(date: IsoDate): string {
  return date.slice(0, 7);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const time = Date.UTC(year, month - 1, day) + days * 86_400_000;
  const shifted = new Date(time);
  return makeDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}
