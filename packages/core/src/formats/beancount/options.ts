import { Decimal } from '../../decimal.js';
import { ParseError, type TallystickError } from '../../errors.js';
import { type ImportWarning } from '../parsed-book.js';
import { BOOKING_METHODS, type BeancountOptions, type BookingMethod, DEFAULT_ROOT_NAMES, type RootNames } from './directives.js';
import { type RawOption } from './parse-file.js';
import { isBeancountCommodity, isBeancountRootName } from './syntax.js';

/** Options beancount 2.3 knows that change nothing Tallystick imports; kept as text in `other`. */
const KNOWN_OTHER_OPTIONS = new Set([
  'account_previous_balances', 'account_previous_earnings', 'account_previous_conversions', 'account_current_earnings',
  'account_current_conversions', 'conversion_currency', 'documents', 'render_commas', 'plugin_processing_mode',
  'long_string_maxlines', 'allow_pipe_separator', 'allow_deprecated_none_for_tags_and_links', 'insert_pythonpath',
]);

const ROOT_OPTIONS: Readonly<Record<string, keyof RootNames>> = {
  name_assets: 'asset', name_liabilities: 'liability', name_equity: 'equity', name_income: 'income', name_expenses: 'expense',
};

/** Reads the top file's options; bad values are errors, unknown options warnings. */
export function readOptions(raw: readonly RawOption[], errors: TallystickError[], warnings: ImportWarning[]): BeancountOptions {
  let title: string | undefined;
  const operatingCurrencies: string[] = [];
  const rootNames: { -readonly [K in keyof RootNames]: string } = { ...DEFAULT_ROOT_NAMES };
  let bookingMethod: BookingMethod = 'STRICT';
  const toleranceDefaults = new Map<string, Decimal>();
  let toleranceMultiplier = Decimal.parse('0.5');
  let inferToleranceFromCost = false;
  let roundingAccount: string | undefined;
  const other: Record<string, string> = {};
  const fail = (option: RawOption, expected: string) => errors.push(new ParseError(option.source, `option "${option.key}" "${option.value}"`, expected, 'invalid_option'));
  for (const option of raw) {
    const { key, value } = option;
    if (key in ROOT_OPTIONS) {
      if (isBeancountRootName(value)) rootNames[ROOT_OPTIONS[key]!] = value;
      else fail(option, 'a root account name: a capital letter, then letters, digits or "-"');
      continue;
    }
    switch (key) {
      case 'title': title = value; break;
      case 'operating_currency':
        if (isBeancountCommodity(value)) operatingCurrencies.push(value);
        else fail(option, 'a commodity (like USD)');
        break;
      case 'booking_method':
        if (BOOKING_METHODS.has(value)) bookingMethod = value as BookingMethod;
        else fail(option, 'a booking method: STRICT, FIFO, LIFO, NONE or AVERAGE');
        break;
      case 'inferred_tolerance_default': {
        const [commodity, number] = value.split(':');
        const tolerance = number === undefined ? undefined : Decimal.tryParse(number);
        if (commodity && (commodity === '*' || isBeancountCommodity(commodity)) && tolerance && !tolerance.isNegative()) toleranceDefaults.set(commodity, tolerance);
        else fail(option, 'COMMODITY:TOLERANCE, like "USD:0.005" or "*:0.001"');
        break;
      }
      case 'inferred_tolerance_multiplier': {
        const multiplier = Decimal.tryParse(value);
        if (multiplier && !multiplier.isNegative()) toleranceMultiplier = multiplier;
        else fail(option, 'a decimal number, like 0.5');
        break;
      }
      case 'infer_tolerance_from_cost': inferToleranceFromCost = /^(true|1|yes)$/iu.test(value); break;
      case 'account_rounding': roundingAccount = value; break;
      default:
        if (KNOWN_OTHER_OPTIONS.has(key)) other[key] = other[key] === undefined ? value : `${other[key]},${value}`;
        else warnings.push({ source: option.source, message: `unknown option "${key}" is ignored` });
    }
  }
  return {
    ...(title !== undefined ? { title } : {}),
    operatingCurrencies,
    rootNames,
    bookingMethod,
    toleranceDefaults,
    toleranceMultiplier,
    inferToleranceFromCost,
    ...(roundingAccount !== undefined ? { roundingAccount } : {}),
    other,
  };
}
