import { type IsoDate, isValidDate, makeDate } from '../../date.js';

/** A compiled `date-format`: reads a date, or returns undefined when the text does not fit. */
export type CsvDateReader = (text: string) => IsoDate | undefined;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const FULL_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

type Part = 'year' | 'shortYear' | 'month' | 'monthName' | 'day' | 'ignored';

/** strftime-like conversions this reader understands, with what they match. */
const CONVERSIONS: Readonly<Record<string, { pattern: string; part: Part }>> = {
  Y: { pattern: '(\\d{4})', part: 'year' },
  y: { pattern: '(\\d{2})', part: 'shortYear' },
  m: { pattern: '(\\d{1,2})', part: 'month' },
  '-m': { pattern: '(\\d{1,2})', part: 'month' },
  d: { pattern: '(\\d{1,2})', part: 'day' },
  '-d': { pattern: '(\\d{1,2})', part: 'day' },
  e: { pattern: ' ?(\\d{1,2})', part: 'day' },
  b: { pattern: '([A-Za-z]{3})', part: 'monthName' },
  h: { pattern: '([A-Za-z]{3})', part: 'monthName' },
  B: { pattern: '([A-Za-z]+)', part: 'monthName' },
  // Times are read and dropped: a transaction has a date only.
  H: { pattern: '(\\d{1,2})', part: 'ignored' },
  '-H': { pattern: '(\\d{1,2})', part: 'ignored' },
  M: { pattern: '(\\d{2})', part: 'ignored' },
  S: { pattern: '(\\d{2})', part: 'ignored' },
  p: { pattern: '([AaPp][Mm])', part: 'ignored' },
  z: { pattern: '([+-]\\d{2}:?\\d{2}|Z)', part: 'ignored' },
  T: { pattern: '(\\d{1,2}:\\d{2}:\\d{2})', part: 'ignored' },
};

export const SUPPORTED_DATE_CONVERSIONS = Object.keys(CONVERSIONS).map((name) => `%${name}`).join(' ');

export type CompiledDateFormat = { readonly ok: true; readonly read: CsvDateReader } | { readonly ok: false; readonly problem: string };

/**
 * Compiles a date format such as `%d/%m/%Y`, `%-m/%-d/%y` or `%d %b %Y`. `%y` is 2000–2068 or 1969–1999,
 * as hledger reads it. An unknown conversion, or no day, month or year, is a problem (for the rules
 * parser to place in the file).
 */
export function compileDateFormat(format: string): CompiledDateFormat {
  const parts: Part[] = [];
  let source = '';
  for (let index = 0; index < format.length; index += 1) {
    const character = format[index]!;
    if (character !== '%') {
      source += /\s/u.test(character) ? '\\s+' : escapeRegex(character);
      continue;
    }
    const next = format[index + 1];
    if (next === '%') { source += '%'; index += 1; continue; }
    const name = next === '-' ? `-${format[index + 2] ?? ''}` : next ?? '';
    const conversion = CONVERSIONS[name];
    if (!conversion) return { ok: false, problem: `%${name}` };
    source += conversion.pattern;
    parts.push(conversion.part);
    index += name.length;
  }
  const regex = new RegExp(`^${source}$`, 'u');
  if (!parts.includes('day') || !(parts.includes('month') || parts.includes('monthName')) || !(parts.includes('year') || parts.includes('shortYear'))) {
    return { ok: false, problem: 'a format without a day, a month and a year' };
  }
  const read: CsvDateReader = (text) => {
    const match = regex.exec(text.trim());
    if (!match) return undefined;
    let year = 0;
    let month = 0;
    let day = 0;
    parts.forEach((part, index) => {
      const value = match[index + 1]!;
      if (part === 'year') year = Number(value);
      else if (part === 'shortYear') year = Number(value) + (Number(value) < 69 ? 2000 : 1900);
      else if (part === 'month') month = Number(value);
      else if (part === 'day') day = Number(value);
      else if (part === 'monthName') month = monthNumber(value);
    });
    return isValidDate(year, month, day) ? makeDate(year, month, day) : undefined;
  };
  return { ok: true, read };
}

function monthNumber(name: string): number {
  const lower = name.toLowerCase();
  const index = lower.length === 3 ? MONTHS.indexOf(lower) : FULL_MONTHS.indexOf(lower);
  return index + 1;
}

/** Without a date-format: `2024-01-31`, `2024/1/31` or `2024.01.31`, as hledger's default. */
export function readDefaultDate(text: string): IsoDate | undefined {
  const match = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/u.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[3]), Number(match[4])];
  return isValidDate(year, month, day) ? makeDate(year, month, day) : undefined;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
}
