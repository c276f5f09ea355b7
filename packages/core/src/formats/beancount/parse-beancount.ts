import { type AccountName, type AccountType, parseAccountName } from '../../account.js';
import { type Amount } from '../../amount.js';
import { type AccountDeclaration, type CommodityDeclaration, type PriceRecord } from '../../book.js';
import { ParseError, type SourceLocation, TallystickError, ValidationErrors } from '../../errors.js';
import { type Transaction } from '../../transaction.js';
import { type DatedAssertionDraft, type ImportWarning, type ParsedBook, type ReadIncludedFile, type Sourced } from '../parsed-book.js';
import { type AccountLife, type BookedDirectives, type BookedTransaction, bookDirectives } from './book-directives.js';
import { type BeancountOptions, type RootNames } from './directives.js';
import { decodeExtra } from './extra.js';
import { readOptions } from './options.js';
import { checkBalances, insertPads, materializePads } from './pads.js';
import { type ParseState, parseFile } from './parse-file.js';
import { RESERVED_KEYS, isBeancountRootName, isBeancountSegment } from './syntax.js';

export interface ParseBeancountOptions {
  /** The name errors and sources use for `text`. */
  readonly file: string;
  /** Reads `include`d files; without it an `include` is an error. */
  readonly readIncludedFile?: ReadIncludedFile;
  /** Told every few thousand lines how many characters of the top file were read, of how many (a terminal shows it). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A ParsedBook plus the top file's options (operating currencies, root names, tolerance settings…). */
export interface BeancountParsedBook extends ParsedBook {
  readonly options: BeancountOptions;
}

/**
 * Reads a beancount 2 file (and what it includes) the way `bean-check` does: directives are processed in
 * date order, lots are booked, one elided amount is inferred, pads become transactions, and balances are
 * checked. Every syntax error in every file is reported (ParseError, or ValidationErrors for several);
 * if there are none, every booking, balancing and balance-assertion error is reported the same way.
 *
 * Where beancount tolerates a residual (below half the last decimal place written), Tallystick, which
 * keeps every transaction exactly balanced, adds an explicit posting of the residual to the rounding
 * account (`option "account_rounding"`, else Equity:Rounding), marked `tallystick-rounding`.
 */
export function parseBeancount(text: string, options: ParseBeancountOptions): BeancountParsedBook {
  const state: ParseState = { directives: [], errors: [], warnings: [], accountNames: new Map(), options: [], order: 0 };
  const files = readFiles(text, options, state);
  const beancountOptions = readOptions(state.options, state.errors, state.warnings);
  checkAccountNames(state.accountNames, beancountOptions.rootNames, state.errors);
  const roundingAccount = resolveRoundingAccount(beancountOptions, state);
  throwIfAny(state.errors, files);
  const booked = bookDirectives(state.directives, beancountOptions, roundingAccount);
  const multiplier = beancountOptions.toleranceMultiplier;
  const pads = materializePads(booked.timeline, multiplier);
  const errors = [...booked.errors, ...pads.errors];
  if (errors.length === 0) errors.push(...checkBalances(insertPads(booked.timeline, pads.padTransactions), multiplier));
  throwIfAny(errors, files);
  const names = readNameMaps(booked, errors);
  throwIfAny(errors, files);
  const transactions: BookedTransaction[] = [];
  for (const event of booked.timeline) if (event.kind === 'booked') transactions.push(event);
  for (const made of pads.padTransactions.values()) transactions.push(...made);
  transactions.sort((a, b) => a.order - b.order);
  const warnings: ImportWarning[] = [...state.warnings, ...booked.warnings];
  if (booked.roundingUse) {
    warnings.push({ source: booked.roundingUse.first, message: `${booked.roundingUse.count} transaction(s) balance only within beancount's tolerance; each residual is posted to ${roundingAccount}` });
  }
  sortByLocation(warnings, (warning) => warning.source, files);
  return {
    transactions: transactions.map((entry) => ({ value: names.transaction(entry.transaction), source: entry.source })),
    accounts: accountDeclarations(booked, names, beancountOptions.rootNames, roundingAccount, errors),
    commodities: booked.commodities.map((directive) => ({ value: commodityDeclaration(directive.currency, directive.metadata, names), source: directive.source })),
    prices: booked.prices.map((directive): Sourced<PriceRecord> => ({
      value: { date: directive.date, commodity: names.commodity(directive.currency), price: names.amount({ commodity: directive.amount.currency, quantity: directive.amount.number }) },
      source: directive.source,
    })),
    assertions: assertionsOf(booked, names),
    warnings,
    options: { ...beancountOptions, operatingCurrencies: beancountOptions.operatingCurrencies.map(names.commodity) },
  };
}

function assertionsOf(booked: BookedDirectives, names: NameMaps): Sourced<DatedAssertionDraft>[] {
  const assertions: Sourced<DatedAssertionDraft>[] = [];
  for (const event of booked.timeline) {
    if (event.kind !== 'balance') continue;
    const amount = names.amount({ commodity: event.amount.currency, quantity: event.amount.number });
    assertions.push({ value: { date: event.date, account: names.account(event.account), amount }, source: event.source });
  }
  return assertions;
}

/** Reads the top file, then included files breadth first (as beancount's loader does), each once. */
function readFiles(text: string, options: ParseBeancountOptions, state: ParseState): string[] {
  const files = [options.file];
  const queue = [{ text, file: options.file }];
  let isTop = true;
  for (let item = queue.shift(); item; item = queue.shift()) {
    const { includes } = parseFile(item.text, item.file, state, isTop, isTop ? options.onProgress : undefined);
    isTop = false;
    for (const include of includes) {
      if (!options.readIncludedFile) {
        state.errors.push(new ParseError(include.source, `include "${include.path}"`, 'no include (this import was given no way to read other files)', 'include_not_allowed'));
        continue;
      }
      try {
        const read = options.readIncludedFile(include.path, item.file);
        if (files.includes(read.file)) {
          state.warnings.push({ source: include.source, message: `${read.file} is already included; this include is skipped` });
          continue;
        }
        files.push(read.file);
        queue.push(read);
      } catch (error) {
        if (!(error instanceof TallystickError)) throw error;
        state.errors.push(new ParseError(include.source, `include "${include.path}" that cannot be read (${error.message})`, 'a file that exists and can be read', 'include_failed'));
      }
    }
  }
  return files;
}

function checkAccountNames(names: ReadonlyMap<string, SourceLocation>, roots: RootNames, errors: TallystickError[]): void {
  const rootSet = new Set(Object.values(roots));
  const expected = `an account name: one of the roots ${[...rootSet].join(', ')}, then ":" and segments that each start with a capital letter or a digit (then letters, digits or "-")`;
  for (const [name, location] of names) {
    const segments = name.split(':');
    if (segments.length < 2 || !rootSet.has(segments[0]!) || !segments.slice(1).every(isBeancountSegment)) {
      errors.push(new ParseError(location, JSON.stringify(name), expected, 'invalid_account_name'));
    }
  }
}

function resolveRoundingAccount(options: BeancountOptions, state: ParseState): string {
  const equity = options.rootNames.equity;
  const written = options.roundingAccount;
  if (written === undefined) return `${equity}:Rounding`;
  const roots = new Set(Object.values(options.rootNames));
  const name = roots.has(written.split(':')[0]!) ? written : `${equity}:${written}`;
  const segments = name.split(':');
  if (!isBeancountRootName(segments[0]!) || segments.length < 2 || !segments.slice(1).every(isBeancountSegment)) {
    const option = state.options.find((candidate) => candidate.key === 'account_rounding')!;
    state.errors.push(new ParseError(option.source, `option "account_rounding" "${written}"`, 'an account name, or a name under Equity (like "Rounding")', 'invalid_option'));
  }
  return name;
}

function throwIfAny(errors: TallystickError[], files: readonly string[]): void {
  if (errors.length === 0) return;
  const sorted = [...errors];
  sortByLocation(sorted, (error) => (error instanceof ParseError ? error.location : undefined), files);
  throw sorted.length === 1 ? sorted[0]! : new ValidationErrors(sorted);
}

/** In place, stably: by file (in the order files were read), then line and column; items without a place first. */
function sortByLocation<T>(items: T[], locate: (item: T) => SourceLocation | undefined, files: readonly string[]): void {
  items.sort((a, b) => {
    const first = locate(a);
    const second = locate(b);
    if (!first || !second) return (first ? 1 : 0) - (second ? 1 : 0);
    return files.indexOf(first.file) - files.indexOf(second.file) || first.line - second.line || first.column - second.column;
  });
}

/** How beancount names written by writeBeancount map back to the Tallystick names they stand for. */
interface NameMaps {
  account(name: string): AccountName;
  commodity(symbol: string): string;
  amount(value: Amount): Amount;
  transaction(value: Transaction): Transaction;
}

function readNameMaps(booked: BookedDirectives, errors: TallystickError[]): NameMaps {
  const accounts = new Map<string, AccountName>();
  const seenAccounts = new Map<string, string>();
  for (const [name, life] of booked.accounts) {
    const original = life.open.metadata[RESERVED_KEYS.account];
    if (original === undefined) continue;
    try {
      const parsed = parseAccountName(original);
      const other = seenAccounts.get(parsed);
      if (other !== undefined) throw new TallystickError('invalid_account_name', `${other} already stands for it`);
      seenAccounts.set(parsed, name);
      accounts.set(name, parsed);
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      errors.push(new ParseError(life.open.source, `${RESERVED_KEYS.account} "${original}" (${error.message})`, 'the Tallystick account name this account stands for, used once', 'invalid_account_name'));
    }
  }
  const commodities = new Map<string, string>();
  const seenCommodities = new Map<string, string>();
  for (const directive of booked.commodities) {
    const original = directive.metadata[RESERVED_KEYS.symbol];
    if (original === undefined) continue;
    const other = seenCommodities.get(original);
    if (other !== undefined) {
      errors.push(new ParseError(directive.source, `${RESERVED_KEYS.symbol} "${original}", which ${other} already stands for`, 'a commodity symbol used once', 'invalid_commodity'));
      continue;
    }
    seenCommodities.set(original, directive.currency);
    commodities.set(directive.currency, original);
  }
  return nameMaps(accounts, commodities);
}

function nameMaps(accounts: ReadonlyMap<string, AccountName>, commodities: ReadonlyMap<string, string>): NameMaps {
  const account = (name: string) => accounts.get(name) ?? (name as AccountName);
  const commodity = (symbol: string) => commodities.get(symbol) ?? symbol;
  const amount = (value: Amount): Amount => (commodities.has(value.commodity) ? { commodity: commodity(value.commodity), quantity: value.quantity } : value);
  const transaction = (value: Transaction): Transaction => {
    if (accounts.size === 0 && commodities.size === 0) return value;
    return {
      ...value,
      postings: value.postings.map((posting) => ({
        ...posting,
        account: account(posting.account),
        amount: amount(posting.amount),
        ...(posting.price ? { price: { kind: posting.price.kind, amount: amount(posting.price.amount) } } : {}),
        ...(posting.cost ? { cost: { ...posting.cost, perUnit: amount(posting.cost.perUnit) } } : {}),
      })),
    };
  };
  return { account, commodity, amount, transaction };
}

function accountDeclarations(booked: BookedDirectives, names: NameMaps, roots: RootNames, roundingAccount: string, errors: TallystickError[]): Sourced<AccountDeclaration>[] {
  const declarations: Sourced<AccountDeclaration>[] = [];
  const lives = [...booked.accounts.values()].sort((a, b) => a.open.order - b.open.order);
  for (const life of lives) {
    try {
      declarations.push({ value: accountDeclaration(life, names, roots), source: life.open.source });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      errors.push(error);
    }
  }
  if (booked.roundingUse && !booked.accounts.has(roundingAccount)) {
    declarations.push({ value: { account: roundingAccount as AccountName, type: 'equity' }, source: booked.roundingUse.first });
  }
  throwIfAny(errors, []);
  return declarations;
}

function accountDeclaration(life: AccountLife, names: NameMaps, roots: RootNames): AccountDeclaration {
  const { open, close } = life;
  const metadata: Record<string, string> = { ...open.metadata };
  delete metadata[RESERVED_KEYS.account];
  let note: string | undefined;
  const extraText = metadata[RESERVED_KEYS.extra];
  if (extraText !== undefined) {
    delete metadata[RESERVED_KEYS.extra];
    const extra = decodeExtra(extraText);
    if (typeof extra === 'string') throw new ParseError(open.source, extra, `${RESERVED_KEYS.extra} as Tallystick writes it`, 'invalid_extra');
    Object.assign(metadata, extra.metadata ?? {});
    note = extra.note;
  }
  if (open.booking) metadata[RESERVED_KEYS.booking] = open.booking;
  const type = rootType(open.account, roots);
  return {
    account: names.account(open.account),
    open: open.date,
    ...(close ? { close: close.date } : {}),
    ...(type ? { type } : {}),
    ...(open.currencies.length > 0 ? { commodities: open.currencies.map(names.commodity) } : {}),
    ...(note !== undefined ? { note } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

function rootType(account: string, roots: RootNames): AccountType | undefined {
  const root = account.slice(0, account.indexOf(':'));
  for (const [type, name] of Object.entries(roots) as [AccountType, string][]) if (name === root) return type;
  return undefined;
}

function commodityDeclaration(currency: string, written: Readonly<Record<string, string>>, names: NameMaps): CommodityDeclaration {
  const metadata: Record<string, string> = { ...written };
  delete metadata[RESERVED_KEYS.symbol];
  const extraText = metadata[RESERVED_KEYS.extra];
  if (extraText !== undefined) {
    delete metadata[RESERVED_KEYS.extra];
    const extra = decodeExtra(extraText);
    if (typeof extra !== 'string') Object.assign(metadata, extra.metadata ?? {});
  }
  return { symbol: names.commodity(currency), ...(Object.keys(metadata).length > 0 ? { metadata } : {}) };
}
