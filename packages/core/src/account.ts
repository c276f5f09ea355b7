import { TallystickError } from './errors.js';

/** A full account name such as `Assets:Bank:Checking`. Branded so it cannot be mixed up with other strings. */
export type AccountName = string & { readonly __brand: 'AccountName' };

export type AccountType = 'asset' | 'liability' | 'equity' | 'income' | 'expense';

export const ACCOUNT_TYPES: readonly AccountType[] = ['asset', 'liability', 'equity', 'income', 'expense'];

export const ACCOUNT_SEPARATOR = ':';

/**
 * Validates an account name: segments separated by ":", none empty, no leading/trailing spaces,
 * no tab and no two consecutive spaces (which end an account name in journal syntax).
 */
export function parseAccountName(text: string): AccountName {
  const problem = accountNameProblem(text);
  if (problem) {
    throw new TallystickError('invalid_account_name', `"${text}" is not a valid account name: ${problem} (expected segments separated by ":", like Assets:Bank:Checking)`);
  }
  return text as AccountName;
}

function accountNameProblem(text: string): string | undefined {
  if (text.length === 0) return 'it is empty';
  if (text.length > 1000) return 'it is longer than 1000 characters';
  if (/\t| {2}|[\r\n]/u.test(text)) return 'it contains a tab, a line break or two spaces in a row';
  for (const segment of text.split(ACCOUNT_SEPARATOR)) {
    if (segment.length === 0) return 'it has an empty segment';
    if (segment !== segment.trim()) return `segment "${segment}" starts or ends with a space`;
  }
  return undefined;
}

export function accountSegments(name: AccountName): string[] {
  return name.split(ACCOUNT_SEPARATOR);
}

/** `Assets:Bank:Checking` → [`Assets`, `Assets:Bank`, `Assets:Bank:Checking`]. */
export function accountAndAncestors(name: AccountName): AccountName[] {
  const segments = accountSegments(name);
  return segments.map((_, index) => segments.slice(0, index + 1).join(ACCOUNT_SEPARATOR) as AccountName);
}

export function accountParent(name: AccountName): AccountName | undefined {
  const index = name.lastIndexOf(ACCOUNT_SEPARATOR);
  return index < 0 ? undefined : (name.slice(0, index) as AccountName);
}

export function accountDepth(name: AccountName): number {
  let depth = 1;
  for (let index = 0; index < name.length; index += 1) if (name.charCodeAt(index) === 58) depth += 1;
  return depth;
}

/** Clips a name to its first `depth` segments. */
export function clipAccount(name: AccountName, depth: number): AccountName {
  if (depth <= 0) return name;
  const segments = accountSegments(name);
  return segments.length <= depth ? name : (segments.slice(0, depth).join(ACCOUNT_SEPARATOR) as AccountName);
}

const ROOT_TYPES: ReadonlyMap<string, AccountType> = new Map([
  ['asset', 'asset'],
  ['assets', 'asset'],
  ['liability', 'liability'],
  ['liabilities', 'liability'],
  ['debts', 'liability'],
  ['equity', 'equity'],
  ['income', 'income'],
  ['incomes', 'income'],
  ['revenue', 'income'],
  ['revenues', 'income'],
  ['expense', 'expense'],
  ['expenses', 'expense'],
]);

/** The type implied by the root segment's usual name (as hledger infers it), if any. */
export function inferAccountType(name: AccountName): AccountType | undefined {
  return ROOT_TYPES.get(accountSegments(name)[0]!.toLowerCase());
}

/**
 * The type of an account: the nearest declared type on the account or an ancestor,
 * else the type inferred from the root name.
 */
export function accountType(name: AccountName, declared: ReadonlyMap<AccountName, AccountType>): AccountType | undefined {
  const chain = accountAndAncestors(name);
  for (let index = chain.length - 1; index >= 0; index -= 1) {
    const type = declared.get(chain[index]!);
    if (type) return type;
  }
  return inferAccountType(name);
}

/** Normal balance sign: debit-normal accounts (asset, expense) are positive in a balanced book. */
export function isDebitNormal(type: AccountType): boolean {
  return type === 'asset' || type === 'expense';
}
