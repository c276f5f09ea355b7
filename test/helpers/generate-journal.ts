/**
 * Seeded test data: a small PRNG and a generated hledger/ledger journal. Deterministic (same seed, same
 * text), so a failing seed can be replayed. Money is integer cents printed with a decimal point.
 */

export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, count). */
  integer(count: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: tiny, fast, well mixed; good enough to choose test cases. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const integer = (count: number) => Math.floor(next() * count);
  return { next, integer, pick: (items) => items[integer(items.length)]! };
}

const ASSETS = ['Assets:Bank:Checking', 'Assets:Bank:Savings', 'Assets:Cash:Till', 'Assets:Receivable:Members'];
const EXPENSES = ['Expenses:Flour', 'Expenses:Sugar', 'Expenses:Rent', 'Expenses:Wages', 'Expenses:Power', 'Expenses:Repairs', 'Expenses:Fees'];
const INCOME = ['Income:Bread', 'Income:Cakes', 'Income:Catering', 'Income:Interest'];
const OTHER = ['Liabilities:Card', 'Liabilities:Loan', 'Equity:Member-Shares'];
const PAYEES = ['Millstone', 'Dairyland', 'City Power', 'Ada', 'Bea', 'Market stall', 'Harbor Bank'];

function cents(value: number): string {
  const sign = value < 0 ? '-' : '';
  const absolute = Math.abs(value);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

function isoDate(day: number): string {
  return new Date(Date.UTC(2023, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A journal of `transactions` transactions over 2023–2024 (24 months, so 24 period documents), in date
 * order, with account declarations, payees, 2–4 postings, an elided amount in about a third of them and
 * a second commodity now and then.
 */
export function generateJournal(transactions: number, seed: number): string {
  const random = createRandom(seed);
  const lines: string[] = [];
  for (const account of [...ASSETS, ...OTHER]) lines.push(`account ${account}`);
  lines.push('');
  const days = Array.from({ length: transactions }, () => random.integer(731)).sort((a, b) => a - b);
  days.forEach((day, index) => {
    const commodity = random.integer(10) === 0 ? 'EUR' : 'USD';
    const payee = random.integer(3) === 0 ? `${random.pick(PAYEES)} | ` : '';
    lines.push(`${isoDate(day)} ${payee}item ${index} (seed ${seed})`);
    const legs = 2 + random.integer(3);
    const amounts = Array.from({ length: legs - 1 }, () => (1 + random.integer(500_000)) * (random.integer(4) === 0 ? -1 : 1));
    const accounts = Array.from({ length: legs }, (_, leg) => (leg === legs - 1 ? random.pick(ASSETS) : random.pick([...EXPENSES, ...INCOME, ...OTHER])));
    const elide = random.integer(3) === 0;
    amounts.forEach((amount, leg) => lines.push(`    ${accounts[leg]}  ${cents(amount)} ${commodity}`));
    const rest = -amounts.reduce((sum, amount) => sum + amount, 0);
    lines.push(elide ? `    ${accounts[legs - 1]}` : `    ${accounts[legs - 1]}  ${cents(rest)} ${commodity}`);
    lines.push('');
  });
  return lines.join('\n');
}
