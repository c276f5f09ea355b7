import { type ParsedBook, type ReportPosting, Decimal } from '@tallystick/core';

/**
 * Per-account, per-commodity balances as `account\u0000commodity → normalized decimal`, zeros left out
 * (hledger-style reports hide them), so that balances from different sources compare with toEqual.
 */
export type Balances = Record<string, string>;

function add(totals: Map<string, Decimal>, account: string, commodity: string, quantity: Decimal): void {
  const key = `${account}\u0000${commodity}`;
  totals.set(key, (totals.get(key) ?? Decimal.ZERO).add(quantity));
}

function finish(totals: Map<string, Decimal>): Balances {
  const balances: Balances = {};
  for (const key of [...totals.keys()].sort()) {
    const value = totals.get(key)!;
    if (!value.isZero()) balances[key] = value.normalize().toString();
  }
  return balances;
}

/** What the file says: every posting of every transaction the parser read. */
export function balancesOfParsedBook(book: Pick<ParsedBook, 'transactions'>): Balances {
  const totals = new Map<string, Decimal>();
  for (const { value } of book.transactions) {
    for (const posting of value.postings) add(totals, posting.account, posting.amount.commodity, posting.amount.quantity);
  }
  return finish(totals);
}

export function balancesOfPostings(postings: Iterable<ReportPosting>): Balances {
  const totals = new Map<string, Decimal>();
  for (const posting of postings) add(totals, posting.account, posting.amount.commodity, posting.amount.quantity);
  return finish(totals);
}

/** `tallystick balance --flat --json` rows: `[{account, commodity, amount}]`. */
export function balancesOfJsonRows(rows: readonly { account: string; commodity: string; amount: string }[]): Balances {
  const totals = new Map<string, Decimal>();
  for (const row of rows) add(totals, row.account, row.commodity, Decimal.parse(row.amount));
  return finish(totals);
}

/** a + b, per key (for "the book before plus the file"). */
export function sumBalances(a: Balances, b: Balances): Balances {
  const totals = new Map<string, Decimal>();
  for (const source of [a, b]) {
    for (const [key, value] of Object.entries(source)) totals.set(key, (totals.get(key) ?? Decimal.ZERO).add(Decimal.parse(value)));
  }
  return finish(totals);
}
