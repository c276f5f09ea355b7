import { type AccountName, type AccountType, inferAccountType } from '../../account.js';
import { DEFAULT_ROOT_NAMES } from './directives.js';
import { isBeancountCommodity, isBeancountSegment } from './syntax.js';

/**
 * Deterministic, collision-free maps from Tallystick names to names beancount accepts. Names that are
 * already valid keep themselves; the others get a sanitized name, and the writer records the original in
 * metadata (`tallystick-account` on `open`, `tallystick-symbol` on `commodity`) so the parser restores it.
 */
export interface BeancountNames {
  readonly accounts: ReadonlyMap<AccountName, string>;
  readonly commodities: ReadonlyMap<string, string>;
}

export function planBeancountNames(accounts: Iterable<{ account: AccountName; type?: AccountType | undefined }>, commodities: Iterable<string>): BeancountNames {
  const accountTypes = new Map<AccountName, AccountType | undefined>();
  for (const { account, type } of accounts) if (!accountTypes.has(account) || type) accountTypes.set(account, type);
  return {
    accounts: assignNames([...accountTypes.keys()], (name) => isKeptAccount(name, accountTypes.get(name)), (name) => sanitizeAccount(name, accountTypes.get(name)), withAccountSuffix),
    commodities: assignNames([...new Set(commodities)], isBeancountCommodity, sanitizeCommodity, withCommoditySuffix),
  };
}

function assignNames<T extends string>(originals: T[], isKept: (name: T) => boolean, sanitize: (name: T) => string, withSuffix: (candidate: string, number: number) => string): Map<T, string> {
  const sorted = [...originals].sort(compareText);
  const result = new Map<T, string>();
  const taken = new Set<string>();
  for (const name of sorted) {
    if (!isKept(name)) continue;
    result.set(name, name);
    taken.add(name);
  }
  for (const name of sorted) {
    if (result.has(name)) continue;
    const candidate = sanitize(name);
    let chosen = candidate;
    for (let number = 2; taken.has(chosen); number += 1) chosen = withSuffix(candidate, number);
    result.set(name, chosen);
    taken.add(chosen);
  }
  return result;
}

const ROOT_BY_TYPE: Readonly<Record<AccountType, string>> = {
  asset: DEFAULT_ROOT_NAMES.asset,
  liability: DEFAULT_ROOT_NAMES.liability,
  equity: DEFAULT_ROOT_NAMES.equity,
  income: DEFAULT_ROOT_NAMES.income,
  expense: DEFAULT_ROOT_NAMES.expense,
};

const TYPE_BY_ROOT = new Map(Object.entries(ROOT_BY_TYPE).map(([type, root]) => [root, type as AccountType]));

/** A name beancount accepts as is, under the root its type calls for. */
function isKeptAccount(name: AccountName, declared: AccountType | undefined): boolean {
  const segments = name.split(':');
  const rootType = TYPE_BY_ROOT.get(segments[0]!);
  if (!rootType || segments.length < 2 || (declared && declared !== rootType)) return false;
  return segments.slice(1).every(isBeancountSegment);
}

/**
 * `assets:bank account` → `Assets:Bank-account`; a first segment that names a type (assets, revenue…)
 * gives way to the beancount root of the account's type (declared, else that one); accounts of unknown
 * type go under Assets.
 */
function sanitizeAccount(name: AccountName, declared: AccountType | undefined): string {
  const segments = name.split(':');
  const inferred = inferAccountType(name);
  const type = declared ?? inferred ?? 'asset';
  const rest = inferred !== undefined && segments.length > 1 ? segments.slice(1) : segments;
  return [ROOT_BY_TYPE[type], ...rest.map(sanitizeSegment)].join(':');
}

function sanitizeSegment(segment: string): string {
  let body = '';
  for (const character of segment) body += /^[\p{L}\p{Nd}-]$/u.test(character) && (character.charCodeAt(0) >= 128 || /^[A-Za-z0-9-]$/u.test(character)) ? character : '-';
  if (body === '') return 'X';
  const first = [...body][0]!;
  const upper = first.toUpperCase();
  const capitalized = [...upper].length === 1 ? `${upper}${body.slice(first.length)}` : body;
  return isBeancountSegment(capitalized) ? capitalized : `X${capitalized}`;
}

function withAccountSuffix(candidate: string, number: number): string {
  return `${candidate}-${number}`;
}

const KNOWN_SYMBOLS: Readonly<Record<string, string>> = {
  '$': 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', '₽': 'RUB', '₩': 'KRW', '₿': 'BTC', '': 'XXX',
};

/** `hours` → `HOURS`, `VANGUARD 500` → `VANGUARD-500`, `$` → `USD`, `€` → `EUR`. */
function sanitizeCommodity(symbol: string): string {
  const known = KNOWN_SYMBOLS[symbol];
  if (known !== undefined) return known;
  let ticker = symbol.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().replace(/[^A-Z0-9'._-]+/gu, '-');
  ticker = ticker.replace(/^[^A-Z0-9]+/u, '').replace(/[^A-Z0-9]+$/u, '');
  if (/^[0-9]/u.test(ticker)) ticker = `C${ticker}`;
  ticker = ticker.slice(0, 24).replace(/[^A-Z0-9]+$/u, '');
  if (ticker.length === 0) return 'COMMODITY';
  return ticker.length === 1 ? `${ticker}X` : ticker;
}

function withCommoditySuffix(candidate: string, number: number): string {
  const suffix = `-${number}`;
  return `${candidate.slice(0, 24 - suffix.length).replace(/[^A-Z0-9]+$/u, '')}${suffix}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
