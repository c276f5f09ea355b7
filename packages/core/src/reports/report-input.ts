import { type AccountName, type AccountType, accountType } from '../account.js';
import { type Amount } from '../amount.js';
import { type AccountDeclaration, type Book } from '../book.js';
import { type IsoDate } from '../date.js';
import { TallystickError } from '../errors.js';

/**
 * One posting as reports see it. Reports need only these fields, so the CLI can feed them from a compact
 * index of postings (date, account, amount) without building whole transactions.
 */
export interface ReportPosting {
  readonly date: IsoDate;
  readonly account: AccountName;
  readonly amount: Amount;
  /** Groups the postings of one transaction (the register shows a description once per transaction). */
  readonly transactionId?: string;
  readonly description?: string;
}

/**
 * What every report reads. `postings` must be in ledger order (date first; within a date, the order that
 * counts for running totals). It is iterated exactly once per report, so a one-shot generator will do.
 */
export interface ReportInput {
  readonly postings: Iterable<ReportPosting>;
  /** Declared account types (AccountDeclaration.type); undeclared accounts are typed by their root name. */
  readonly accountTypes?: ReadonlyMap<AccountName, AccountType>;
}

/** Every posting of the book's transactions, in ledger order. Can be iterated any number of times. */
export function postingsOfBook(book: Pick<Book, 'transactions'>): Iterable<ReportPosting> {
  return {
    *[Symbol.iterator]() {
      for (const recorded of book.transactions) {
        const { date } = recorded.transaction;
        const description = displayDescription(recorded.transaction);
        for (const posting of recorded.transaction.postings) {
          yield { date, account: posting.account, amount: posting.amount, transactionId: recorded.id, description };
        }
      }
    },
  };
}

/** How a transaction is named in reports: "payee | description" when it has a payee, as hledger shows it. */
export function displayDescription(transaction: { readonly payee?: string; readonly description: string }): string {
  return transaction.payee ? `${transaction.payee} | ${transaction.description}` : transaction.description;
}

export function declaredAccountTypes(accounts: Iterable<AccountDeclaration>): Map<AccountName, AccountType> {
  const types = new Map<AccountName, AccountType>();
  for (const declaration of accounts) if (declaration.type) types.set(declaration.account, declaration.type);
  return types;
}

export function reportInputOfBook(book: Pick<Book, 'transactions' | 'accounts'>): ReportInput {
  return { postings: postingsOfBook(book), accountTypes: declaredAccountTypes(book.accounts.values()) };
}

/** Resolves account types once per account name (a report sees the same few names many times). */
export function accountTypeResolver(declared: ReadonlyMap<AccountName, AccountType> | undefined): (account: AccountName) => AccountType | undefined {
  const cache = new Map<AccountName, AccountType | undefined>();
  const types = declared ?? new Map<AccountName, AccountType>();
  return (account) => {
    if (cache.has(account)) return cache.get(account);
    const type = accountType(account, types);
    cache.set(account, type);
    return type;
  };
}

/**
 * An account query as hledger reads one: a case-insensitive regular expression matched anywhere in the
 * full account name. Returns a cached predicate.
 */
export function accountMatcher(pattern: string): (account: AccountName) => boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'i');
  } catch (error) {
    throw new TallystickError('invalid_account_pattern', `"${pattern}" is not a valid account pattern: ${(error as Error).message} (expected a regular expression such as ^assets:bank)`);
  }
  const cache = new Map<AccountName, boolean>();
  return (account) => {
    let matches = cache.get(account);
    if (matches === undefined) {
      matches = regex.test(account);
      cache.set(account, matches);
    }
    return matches;
  };
}
