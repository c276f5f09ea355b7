import { type AccountName, type AccountType } from '../../account.js';
import { type Amount } from '../../amount.js';
import { type AccountDeclaration, type CommodityDeclaration, type PriceRecord } from '../../book.js';
import { type IsoDate } from '../../date.js';
import { type Posting, type Transaction } from '../../transaction.js';
import { type DatedAssertionDraft } from '../parsed-book.js';
import { type BookedLot, LotInventory, exactQuotient } from './booking.js';
import { BOOKING_METHODS, type BookingMethod } from './directives.js';
import { type Extra, encodeExtra } from './extra.js';
import { type BeancountNames, planBeancountNames } from './names.js';
import { OTHER_FLAGS, RESERVED_KEYS, isBeancountMetadataKey, isBeancountTag, quoteString } from './syntax.js';

export interface WriteBeancountInput {
  readonly transactions: readonly Transaction[];
  readonly accounts?: readonly AccountDeclaration[];
  readonly commodities?: readonly CommodityDeclaration[];
  readonly prices?: readonly PriceRecord[];
  readonly assertions?: readonly DatedAssertionDraft[];
  readonly operatingCurrencies?: readonly string[];
}

/**
 * Writes a beancount 2 file that bean-check accepts and that parseBeancount reads back to the same
 * transactions: every account is opened on or before its first use, every amount is explicit and
 * exact, names beancount would reject are mapped to valid ones (the original kept in metadata), and
 * what beancount cannot spell goes into `tallystick-*` metadata.
 *
 * An account keeps its booking method (`tallystick-booking`, else beancount's STRICT) only if beancount
 * would book every lot posting exactly as written; otherwise it is opened with "NONE", so beancount
 * takes the lots as written too (and balances, in units, are the same either way).
 */
export function writeBeancount(input: WriteBeancountInput): string {
  const names = beancountNamesFor(input);
  const writer = new Writer(names);
  const usage = accountUsage(input);
  const earliest = earliestDate(input, usage);
  const lines: string[] = [];
  for (const currency of input.operatingCurrencies ?? []) lines.push(`option "operating_currency" ${quoteString(names.commodities.get(currency)!)}`);
  if (needsDivisionTolerance(input.transactions)) {
    // beancount turns `@@ total` into a 28-digit unit price; this absorbs that division's last-digit error.
    lines.push('option "inferred_tolerance_default" "*:0.000000001"');
  }
  if (lines.length > 0) lines.push('');
  lines.push(...writer.commodities(input, earliest));
  const bookings = bookingMethods(input, names);
  for (const account of [...names.accounts.keys()].sort((a, b) => compareText(names.accounts.get(a)!, names.accounts.get(b)!))) {
    lines.push(...writer.open(account, input.accounts?.find((declaration) => declaration.account === account), usage.get(account), earliest, bookings.get(account)));
  }
  lines.push('');
  for (const transaction of input.transactions) lines.push(...writer.transaction(transaction), '');
  for (const price of input.prices ?? []) lines.push(`${price.date} price ${names.commodities.get(price.commodity)!} ${writer.amount(price.price)}`);
  for (const assertion of input.assertions ?? []) lines.push(`${assertion.date} balance ${names.accounts.get(assertion.account)!} ${writer.amount(assertion.amount)}`);
  for (const declaration of input.accounts ?? []) {
    if (declaration.close === undefined) continue;
    const last = usage.get(declaration.account)?.lastPosting;
    const date = last !== undefined && last > declaration.close ? last : declaration.close;
    lines.push(`${date} close ${names.accounts.get(declaration.account)!}`);
  }
  return `${lines.join('\n').replace(/\n+$/u, '')}\n`;
}

/** The beancount names writeBeancount uses for the input's accounts and commodities. */
export function beancountNamesFor(input: WriteBeancountInput): BeancountNames {
  const accounts: { account: AccountName; type?: AccountType | undefined }[] = [];
  const commodities: string[] = [...(input.operatingCurrencies ?? [])];
  for (const declaration of input.accounts ?? []) {
    accounts.push({ account: declaration.account, type: declaration.type });
    commodities.push(...(declaration.commodities ?? []));
  }
  for (const transaction of input.transactions) {
    for (const posting of transaction.postings) {
      accounts.push({ account: posting.account });
      commodities.push(posting.amount.commodity);
      if (posting.price) commodities.push(posting.price.amount.commodity);
      if (posting.cost) commodities.push(posting.cost.perUnit.commodity);
    }
  }
  for (const declaration of input.commodities ?? []) commodities.push(declaration.symbol);
  for (const price of input.prices ?? []) commodities.push(price.commodity, price.price.commodity);
  for (const assertion of input.assertions ?? []) {
    accounts.push({ account: assertion.account });
    commodities.push(assertion.amount.commodity);
  }
  return planBeancountNames(accounts, commodities);
}

interface Usage {
  first: IsoDate;
  lastPosting?: IsoDate;
  readonly commodities: Set<string>;
}

function accountUsage(input: WriteBeancountInput): Map<AccountName, Usage> {
  const usage = new Map<AccountName, Usage>();
  const use = (account: AccountName, date: IsoDate, commodity?: string) => {
    const entry = usage.get(account) ?? { first: date, commodities: new Set<string>() };
    if (date < entry.first) entry.first = date;
    if (commodity !== undefined) {
      entry.commodities.add(commodity);
      if (entry.lastPosting === undefined || date > entry.lastPosting) entry.lastPosting = date;
    }
    usage.set(account, entry);
  };
  for (const transaction of input.transactions) for (const posting of transaction.postings) use(posting.account, transaction.date, posting.amount.commodity);
  for (const assertion of input.assertions ?? []) use(assertion.account, assertion.date);
  return usage;
}

function earliestDate(input: WriteBeancountInput, usage: ReadonlyMap<AccountName, Usage>): IsoDate {
  let earliest: IsoDate | undefined;
  const consider = (date: IsoDate | undefined) => {
    if (date !== undefined && (earliest === undefined || date < earliest)) earliest = date;
  };
  for (const entry of usage.values()) consider(entry.first);
  for (const declaration of input.accounts ?? []) consider(declaration.open);
  for (const price of input.prices ?? []) consider(price.date);
  return earliest ?? ('1970-01-01' as IsoDate);
}

function needsDivisionTolerance(transactions: readonly Transaction[]): boolean {
  return transactions.some((transaction) => transaction.postings.some((posting) =>
    posting.price?.kind === 'total' && !posting.cost && exactQuotient(posting.price.amount.quantity, posting.amount.quantity.abs()) === undefined));
}

/**
 * Simulates beancount's booking over the transactions in date order. An account whose lot postings
 * would not each book to exactly the lot written (an ambiguous `{}`, a reduction of a lot not held, a
 * cost without its lot's date) is opened with "NONE" instead; the simulation reruns until stable.
 */
function bookingMethods(input: WriteBeancountInput, names: BeancountNames): Map<AccountName, BookingMethod> {
  const declared = new Map<AccountName, BookingMethod>();
  for (const declaration of input.accounts ?? []) {
    const method = declaration.metadata?.[RESERVED_KEYS.booking];
    if (method !== undefined && BOOKING_METHODS.has(method)) declared.set(declaration.account, method as BookingMethod);
  }
  const sorted = input.transactions.map((transaction, index) => ({ transaction, index })).sort((a, b) => compareText(a.transaction.date, b.transaction.date) || a.index - b.index);
  const methods = new Map<AccountName, BookingMethod>();
  for (const account of names.accounts.keys()) methods.set(account, declared.get(account) ?? 'STRICT');
  for (;;) {
    const unfaithful = simulateBooking(sorted.map((entry) => entry.transaction), methods);
    if (unfaithful.size === 0) return methods;
    for (const account of unfaithful) methods.set(account, 'NONE');
  }
}

function simulateBooking(transactions: readonly Transaction[], methods: ReadonlyMap<AccountName, BookingMethod>): Set<AccountName> {
  const inventory = new LotInventory();
  const unfaithful = new Set<AccountName>();
  for (const transaction of transactions) {
    const deferred: Posting[] = [];
    for (const posting of transaction.postings) {
      if (!posting.cost) {
        deferred.push(posting);
        continue;
      }
      const method = methods.get(posting.account) ?? 'STRICT';
      const { perUnit, date, label } = posting.cost;
      const outcome = inventory.book(posting.account, method, posting.amount, { perUnit: perUnit.quantity, currency: perUnit.commodity, ...(date !== undefined ? { date } : {}), ...(label !== undefined ? { label } : {}) });
      if (outcome.kind === 'augmentation') deferred.push(posting);
      else if (outcome.kind === 'error' || !isExactly(outcome.lots, posting)) unfaithful.add(posting.account);
    }
    for (const posting of deferred) inventory.add(posting.account, posting.amount, posting.cost, transaction.date);
  }
  return new Set([...unfaithful].filter((account) => methods.get(account) !== 'NONE'));
}

/** Whether beancount books the posting to exactly the lot written, so that reading it back gives it unchanged. */
function isExactly(lots: readonly BookedLot[], posting: Posting): boolean {
  if (lots.length !== 1) return false;
  const lot = lots[0]!;
  const cost = posting.cost!;
  return posting.amount.quantity.equals(lot.quantity) && lot.cost.date === cost.date && lot.cost.label === cost.label
    && lot.cost.perUnit.commodity === cost.perUnit.commodity && lot.cost.perUnit.quantity.equals(cost.perUnit.quantity);
}

class Writer {
  private readonly names: BeancountNames;

  constructor(names: BeancountNames) {
    this.names = names;
  }

  amount(value: Amount): string {
    return `${value.quantity.toString()} ${this.names.commodities.get(value.commodity)!}`;
  }

  commodities(input: WriteBeancountInput, date: IsoDate): string[] {
    const lines: string[] = [];
    const declared = new Map((input.commodities ?? []).map((declaration) => [declaration.symbol, declaration]));
    const symbols = [...this.names.commodities.keys()].filter((symbol) => declared.has(symbol) || this.names.commodities.get(symbol) !== symbol);
    for (const symbol of symbols.sort((a, b) => compareText(this.names.commodities.get(a)!, this.names.commodities.get(b)!))) {
      const ticker = this.names.commodities.get(symbol)!;
      lines.push(`${date} commodity ${ticker}`);
      const metadata = { ...(declared.get(symbol)?.metadata ?? {}) };
      if (ticker !== symbol) metadata[RESERVED_KEYS.symbol] = symbol;
      lines.push(...metadataLines(metadata, new Set([RESERVED_KEYS.extra]), {}, '  '));
    }
    if (lines.length > 0) lines.push('');
    return lines;
  }

  open(account: AccountName, declaration: AccountDeclaration | undefined, usage: Usage | undefined, earliest: IsoDate, booking: BookingMethod | undefined): string[] {
    const name = this.names.accounts.get(account)!;
    const firstUse = usage?.first;
    const declaredOpen = declaration?.open;
    const date = declaredOpen !== undefined && (firstUse === undefined || declaredOpen <= firstUse) ? declaredOpen : (firstUse ?? earliest);
    let line = `${date} open ${name}`;
    const allowed = declaration?.commodities;
    // A commodity list that the postings break would make bean-check fail: it is left out then.
    if (allowed && allowed.length > 0 && [...(usage?.commodities ?? [])].every((commodity) => allowed.includes(commodity))) {
      line += ` ${allowed.map((commodity) => this.names.commodities.get(commodity)!).join(',')}`;
    }
    if (booking && booking !== 'STRICT') line += ` ${quoteString(booking)}`;
    else if (booking === 'STRICT' && declaration?.metadata?.[RESERVED_KEYS.booking] === 'STRICT') line += ' "STRICT"';
    const metadata: Record<string, string> = { ...(declaration?.metadata ?? {}) };
    delete metadata[RESERVED_KEYS.booking];
    if (name !== account) metadata[RESERVED_KEYS.account] = account;
    return [line, ...metadataLines(metadata, new Set([RESERVED_KEYS.extra]), declaration?.note !== undefined ? { note: declaration.note } : {}, '  ')];
  }

  transaction(transaction: Transaction): string[] {
    const metadata: Record<string, string> = { ...transaction.metadata };
    let flag = transaction.status === '' ? 'txn' : transaction.status;
    const written = metadata[RESERVED_KEYS.flag];
    if (transaction.status === '' && written !== undefined && OTHER_FLAGS.has(written)) {
      flag = written;
      delete metadata[RESERVED_KEYS.flag];
    }
    const extra: { -readonly [K in keyof Extra]: Extra[K] } = {};
    let header = `${transaction.date} ${flag}`;
    if (transaction.payee !== undefined) header += ` ${quoteString(transaction.payee)}`;
    header += ` ${quoteString(transaction.description)}`;
    const tags = listPart(transaction.tags, '#');
    const links = listPart(transaction.links, '^');
    header += tags.text + links.text;
    if (tags.extra) extra.tags = transaction.tags;
    if (links.extra) extra.links = transaction.links;
    const [firstComment, ...moreComments] = transaction.comment === undefined ? [] : transaction.comment.split('\n');
    const lines = [firstComment === undefined ? header : `${header} ; ${firstComment}`];
    for (const comment of moreComments) lines.push(`  ; ${comment}`);
    const consumed = new Set<string>([RESERVED_KEYS.code, RESERVED_KEYS.extra]);
    if (transaction.code !== undefined) lines.push(`  ${RESERVED_KEYS.code}: ${quoteString(transaction.code)}`);
    lines.push(...metadataLines(metadata, consumed, extra, '  '));
    for (const posting of transaction.postings) lines.push(...this.posting(posting));
    return lines;
  }

  private posting(posting: Posting): string[] {
    const metadata: Record<string, string> = { ...(posting.metadata ?? {}) };
    let flag: string | undefined = posting.status === '*' || posting.status === '!' ? posting.status : undefined;
    const written = metadata[RESERVED_KEYS.flag];
    if (posting.status === undefined && written !== undefined && OTHER_FLAGS.has(written)) {
      flag = written;
      delete metadata[RESERVED_KEYS.flag];
    }
    let line = `  ${flag !== undefined ? `${flag} ` : ''}${this.names.accounts.get(posting.account)!}  ${this.amount(posting.amount)}`;
    if (posting.cost) {
      const { perUnit, date, label } = posting.cost;
      line += ` {${this.amount(perUnit)}${date !== undefined ? `, ${date}` : ''}${label !== undefined ? `, ${quoteString(label)}` : ''}}`;
    }
    if (posting.price) line += ` ${posting.price.kind === 'unit' ? '@' : '@@'} ${this.amount(posting.price.amount)}`;
    const [firstComment, ...moreComments] = posting.comment === undefined ? [] : posting.comment.split('\n');
    const lines = [firstComment === undefined ? line : `${line} ; ${firstComment}`];
    for (const comment of moreComments) lines.push(`    ; ${comment}`);
    const extra: { -readonly [K in keyof Extra]: Extra[K] } = {};
    if (posting.tags) extra.tags = posting.tags;
    if (posting.balanceAssertion) extra.balanceAssertion = posting.balanceAssertion;
    if (posting.status === '') extra.status = '';
    lines.push(...metadataLines(metadata, new Set([RESERVED_KEYS.code, RESERVED_KEYS.extra]), extra, '    '));
    return lines;
  }
}

/** Native `#tag`s for those beancount can spell; the full list goes to extra if some cannot, or repeat. */
function listPart(items: readonly string[], marker: '#' | '^'): { text: string; extra: boolean } {
  const unique = new Set(items);
  const valid = [...unique].filter(isBeancountTag);
  return { text: valid.map((item) => ` ${marker}${item}`).join(''), extra: valid.length !== items.length };
}

/**
 * `key: "value"` lines. Keys beancount cannot spell, and keys the parser would consume, go into the
 * `tallystick-extra` JSON with whatever else `extra` holds.
 */
function metadataLines(metadata: Readonly<Record<string, string>>, consumed: ReadonlySet<string>, extra: Extra, indent: string): string[] {
  const lines: string[] = [];
  const leftovers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (isBeancountMetadataKey(key) && !consumed.has(key)) lines.push(`${indent}${key}: ${quoteString(value)}`);
    else leftovers[key] = value;
  }
  const encoded = encodeExtra({ ...extra, metadata: leftovers });
  if (encoded !== undefined) lines.push(`${indent}${RESERVED_KEYS.extra}: ${quoteString(encoded)}`);
  return lines;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
