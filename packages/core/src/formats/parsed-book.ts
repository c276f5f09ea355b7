import { type AccountDeclaration, type CommodityDeclaration, type PriceRecord } from '../book.js';
import { type Amount } from '../amount.js';
import { type AccountName } from '../account.js';
import { type IsoDate } from '../date.js';
import { type SourceLocation } from '../errors.js';
import { type Transaction } from '../transaction.js';

/**
 * What an importer (journal, beancount, CSV) produces from a file: plain core values in file order,
 * each with the place it was read from. Transactions are complete (elided amounts inferred) and
 * balanced. An importer that finds a malformed file throws `ParseError` (or `ValidationErrors` with every
 * problem found) and returns nothing, so a bad file imports nothing.
 */
export interface ParsedBook {
  readonly transactions: readonly Sourced<Transaction>[];
  readonly accounts: readonly Sourced<AccountDeclaration>[];
  readonly commodities: readonly Sourced<CommodityDeclaration>[];
  readonly prices: readonly Sourced<PriceRecord>[];
  /** Dated assertions (beancount `balance`): balance of the account and its subaccounts at the start of the date. */
  readonly assertions: readonly Sourced<DatedAssertionDraft>[];
  /** Things read and deliberately not imported (e.g. beancount plugins), for the user to see. */
  readonly warnings: readonly ImportWarning[];
}

export interface Sourced<T> {
  readonly value: T;
  readonly source: SourceLocation;
}

export interface DatedAssertionDraft {
  readonly date: IsoDate;
  readonly account: AccountName;
  readonly amount: Amount;
}

export interface ImportWarning {
  readonly source: SourceLocation;
  readonly message: string;
}

/**
 * How a parser reads an included file: core does no IO, so the caller passes this in.
 * `path` is as written in the `include` directive; `fromFile` the including file's name.
 * Returns the resolved name (used in error locations) and the text. Throws TallystickError if missing.
 */
export type ReadIncludedFile = (path: string, fromFile: string) => { readonly file: string; readonly text: string };
