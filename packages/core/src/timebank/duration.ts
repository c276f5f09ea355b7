import { TallystickError } from '../errors.js';

/*
 * Durations are whole minutes (one hour of anyone's time is one credit). They are typed as hours
 * (`2`, `1.5`, `0.25`, `1:30`) or minutes (`90`) and shown as `H:MM`, which is exact where a decimal
 * fraction of an hour is not (20 minutes is 0.333… hours).
 */

/** Minutes as hours and minutes, `2:00`, `-0:45` (with `sign`, `+2:00` for a positive value). */
export function formatMinutes(value: number, options: { sign?: boolean } = {}): string {
  const magnitude = Math.abs(value);
  const text = `${Math.floor(magnitude / 60)}:${String(magnitude % 60).padStart(2, '0')}`;
  if (value < 0) return `-${text}`;
  return options.sign === true && value > 0 ? `+${text}` : text;
}

const HOURS_AND_MINUTES = /^(-?)(\d{1,6}):([0-5]\d)$/u;
const DECIMAL_HOURS = /^(-?)(\d{1,6})(?:\.(\d{1,4}))?$/u;

/**
 * Hours as typed, `1:30` or `1.5` (a sign allowed), to whole minutes, exactly: the decimal is read as
 * digits, never as a float, and a value that is not a whole number of minutes is refused.
 */
export function parseHours(text: string, what = 'hours'): number {
  const trimmed = text.trim();
  const clock = HOURS_AND_MINUTES.exec(trimmed);
  if (clock) return signed(clock[1]!, Number(clock[2]) * 60 + Number(clock[3]));
  const decimal = DECIMAL_HOURS.exec(trimmed);
  if (!decimal) throw new TallystickError('invalid_duration', `${what} "${text}" is not a number of hours: expected hours like 2, 1.5 or 1:30`);
  const fraction = decimal[3] ?? '';
  // minutes = (whole + digits / 10^k) × 60, in integers: whole × 60 + digits × 60 / 10^k.
  const scale = 10 ** fraction.length;
  const fractionMinutesTimesScale = Number(fraction || '0') * 60;
  if (fractionMinutesTimesScale % scale !== 0) {
    throw new TallystickError('invalid_duration', `${what} "${text}" is not a whole number of minutes (${fraction.length > 0 ? `0.${fraction} h is not` : 'it is not'} a whole number of minutes); write it as H:MM, like 0:20`);
  }
  return signed(decimal[1]!, Number(decimal[2]) * 60 + fractionMinutesTimesScale / scale);
}

/** Minutes as typed: a whole number, at least 1 unless zero is allowed. */
export function parseMinutes(text: string, what = 'minutes'): number {
  if (!/^\d{1,9}$/u.test(text.trim())) throw new TallystickError('invalid_duration', `${what} "${text}" is not a whole number of minutes`);
  return Number(text.trim());
}

function signed(sign: string, minutes: number): number {
  return sign === '-' && minutes !== 0 ? -minutes : minutes;
}
