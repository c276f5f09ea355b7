#!/usr/bin/env node
// Writes one generated book in two forms (book.journal for ledger/hledger, book.beancount for beancount)
// plus book.totals.json (each account's own total, as the generator computed it). Deterministic: the
// same --seed and --transactions give byte-identical files. Plain Node ESM, no dependencies, so the
// bench can run before anything is built.
//
//   node bench/generate-book.mjs [--transactions N] [--seed S] [--out DIR] [--verify]
//
// --out defaults to bench/.data/book-nN-sS, the folder `npm run bench` reuses. --verify then runs
// ledger, hledger, bean-check (and beancount's loader) on the result and checks that all three agree with
// the generator's own totals to the cent.
//
// Money is integer cents (Number stays exact far beyond any total here: 100k × $10,000 = 1e11 cents
// < 2^53) and is printed with a decimal point; no float ever reaches the output.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DEFAULT_TRANSACTIONS = 100_000;
export const DEFAULT_SEED = 1;
const FIRST_DAY = Date.UTC(2015, 0, 1);
const LAST_DAY = Date.UTC(2024, 11, 31);
const DAY_MS = 86_400_000;
const COMMODITY = 'USD';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; every draw is an exact integer or k/2^32. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const integer = (count) => Math.floor(next() * count);
  const pick = (items) => items[integer(items.length)];
  return { next, integer, pick };
}

const MEMBERS = ['Ada', 'Bea', 'Cyd', 'Dov', 'Eli', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jo'];
const SUPPLIERS = ['Millstone', 'Dairyland', 'Bean-Co', 'Greengrocer', 'Papermill', 'Timberyard'];

/** The chart: ~150 leaf accounts, 2–4 levels deep. Only leaves are posted to. */
export function buildAccounts() {
  const expand = (prefix, children) => children.map((child) => `${prefix}:${child}`);
  const cross = (prefix, groups, leaves) => groups.flatMap((group) => expand(`${prefix}:${group}`, leaves));
  const assets = [
    ...expand('Assets:Cash', ['Till', 'Petty']),
    ...cross('Assets:Bank', ['Northbank', 'Riverside', 'Credit-Union', 'Harbor'], ['Checking', 'Savings', 'Reserve']),
    ...expand('Assets:Receivable', MEMBERS),
    ...expand('Assets:Inventory', ['Goods', 'Supplies', 'Seeds']),
    ...expand('Assets:Equipment', ['Tools', 'Vehicles', 'Computers']),
    'Assets:Deposits',
  ];
  const liabilities = [
    ...expand('Liabilities:Card', ['Visa', 'Mastercard']),
    ...expand('Liabilities:Loans', ['Equipment', 'Building', 'Members']),
    ...expand('Liabilities:Payable', SUPPLIERS),
    ...expand('Liabilities:Tax', ['Sales', 'Payroll']),
    'Liabilities:Wages-Payable',
  ];
  const equity = ['Equity:Opening-Balances', 'Equity:Retained-Earnings', ...expand('Equity:Member-Shares', MEMBERS)];
  const income = [
    ...cross('Income:Sales', ['Bread', 'Vegetables', 'Cheese', 'Coffee', 'Crafts', 'Books', 'Honey'], ['Market', 'Shop']),
    ...expand('Income:Services', ['Delivery', 'Catering', 'Workshops', 'Repairs']),
    ...expand('Income:Grants', ['City', 'Region', 'Foundation']),
    'Income:Interest', 'Income:Membership-Fees', 'Income:Donations', 'Income:Rent',
  ];
  const expenses = [
    ...expand('Expenses:Food', ['Groceries', 'Restaurant', 'Coffee']),
    ...expand('Expenses:Rent', ['Shop', 'Storage']),
    ...expand('Expenses:Utilities', ['Electricity', 'Water', 'Gas', 'Internet', 'Phone']),
    ...expand('Expenses:Wages', MEMBERS),
    ...expand('Expenses:Supplies', ['Packaging', 'Cleaning', 'Office', 'Kitchen']),
    ...cross('Expenses:Purchases', ['Flour', 'Milk', 'Beans', 'Vegetables', 'Paper', 'Yarn', 'Wood', 'Honey', 'Cheese'], ['Local', 'Wholesale']),
    ...expand('Expenses:Transport', ['Fuel', 'Maintenance', 'Insurance', 'Parking', 'Tolls']),
    ...expand('Expenses:Insurance', ['Liability', 'Property']),
    ...expand('Expenses:Fees', ['Bank', 'Card', 'Legal', 'Accounting']),
    ...expand('Expenses:Taxes', ['Sales', 'Payroll', 'Property']),
    ...expand('Expenses:Marketing', ['Print', 'Online', 'Events']),
    ...expand('Expenses:Repairs', ['Building', 'Equipment']),
    ...expand('Expenses:Travel', ['Train', 'Hotel', 'Meals']),
    ...expand('Expenses:Subscriptions', ['Software', 'Journals']),
    'Expenses:Training', 'Expenses:Miscellaneous',
  ];
  const byRoot = { assets, liabilities, equity, income, expenses };
  const all = [...assets, ...liabilities, ...equity, ...income, ...expenses];
  const funding = [...assets.filter((name) => /:(Checking|Till|Petty)$/u.test(name)), ...expand('Liabilities:Card', ['Visa', 'Mastercard'])];
  const deposit = assets.filter((name) => /^Assets:(Bank|Cash):/u.test(name));
  return { all, byRoot, funding, deposit };
}

/** Integer cents in one of four magnitudes ($0.01–$20 … $0.01–$10,000), so totals vary in width. */
function drawCents(random) {
  const ceilings = [2_000, 20_000, 200_000, 1_000_000];
  return 1 + random.integer(ceilings[random.integer(ceilings.length)]);
}

export function formatCents(cents) {
  const sign = cents < 0 ? '-' : '';
  const magnitude = Math.abs(cents);
  return `${sign}${Math.floor(magnitude / 100)}.${String(magnitude % 100).padStart(2, '0')}`;
}

function formatDay(epochMs) {
  return new Date(epochMs).toISOString().slice(0, 10);
}

const DESCRIPTIONS = {
  expense: ['Market stall costs', 'Supplier invoice', 'Monthly bills', 'Shop supplies', 'Wages run', 'Repairs', 'Team lunch'],
  income: ['Market day takings', 'Shop takings', 'Catering order', 'Grant payment', 'Workshop fees', 'Membership fees'],
  transfer: ['Move to savings', 'Card payment', 'Loan repayment', 'Member share', 'Cash deposit', 'Supplier payment'],
};

/** Picks `count` distinct accounts from `pool` (pools are far larger than any count asked for). */
function pickDistinct(random, pool, count, taken) {
  const chosen = [];
  while (chosen.length < count) {
    const account = random.pick(pool);
    if (!taken.has(account)) {
      taken.add(account);
      chosen.push(account);
    }
  }
  return chosen;
}

/** One transaction's postings [account, cents][], summing to zero; 2–4 of them; the last one balances. */
function drawPostings(random, accounts, kind) {
  const taken = new Set();
  const postings = [];
  if (kind === 'expense') {
    for (const account of pickDistinct(random, accounts.byRoot.expenses, 1 + random.integer(3), taken)) postings.push([account, drawCents(random)]);
    postings.push([pickDistinct(random, accounts.funding, 1, taken)[0], 0]);
  } else if (kind === 'income') {
    for (const account of pickDistinct(random, accounts.byRoot.income, 1 + random.integer(2), taken)) postings.push([account, -drawCents(random)]);
    if (postings.length === 2 && random.integer(2) === 0) postings.push([pickDistinct(random, accounts.byRoot.expenses, 1, taken)[0], drawCents(random) % 5_000 + 1]);
    postings.push([pickDistinct(random, accounts.deposit, 1, taken)[0], 0]);
  } else {
    const pool = [...accounts.byRoot.assets, ...accounts.byRoot.liabilities, ...accounts.byRoot.equity];
    const [to, from] = pickDistinct(random, pool, 2, taken);
    postings.push([to, drawCents(random)]);
    if (random.integer(4) === 0) postings.push(['Expenses:Fees:Bank', 1 + random.integer(500)]);
    postings.push([from, 0]);
  }
  const last = postings[postings.length - 1];
  last[1] = -postings.slice(0, -1).reduce((sum, [, cents]) => sum + cents, 0);
  return postings;
}

function openingPostings(random, accounts) {
  const postings = [];
  for (const account of accounts.byRoot.assets) postings.push([account, 100_000 + random.integer(5_000_000)]);
  for (const account of accounts.byRoot.liabilities) postings.push([account, -(10_000 + random.integer(2_000_000))]);
  postings.push(['Equity:Opening-Balances', -postings.reduce((sum, [, cents]) => sum + cents, 0)]);
  return postings;
}

/** Sorted day offsets in 0..span: dates in order, several transactions on most days. */
function drawDays(random, count) {
  const span = (LAST_DAY - FIRST_DAY) / DAY_MS + 1;
  const days = new Uint32Array(count);
  for (let index = 0; index < count; index += 1) days[index] = random.integer(span);
  return days.sort();
}

/** Where `npm run bench` keeps the book for this size and seed (bench/.data/book-nN-sS), so both share one cache. */
export function defaultFolder({ transactions, seed }) {
  return join(dirname(fileURLToPath(import.meta.url)), '.data', `book-n${transactions}-s${seed}`);
}

/** Generates the book in memory: { journal, beancount, totals, accounts }. */
export function generateBook({ transactions = DEFAULT_TRANSACTIONS, seed = DEFAULT_SEED } = {}) {
  const random = createRandom(seed);
  const accounts = buildAccounts();
  const totals = new Map(accounts.all.map((account) => [account, 0]));
  const journal = [`; Generated by bench/generate-book.mjs --transactions ${transactions} --seed ${seed}\n`];
  const beancount = [`; Generated by bench/generate-book.mjs --transactions ${transactions} --seed ${seed}\noption "operating_currency" "${COMMODITY}"\n`];
  for (const account of accounts.all) {
    journal.push(`account ${account}\n`);
    beancount.push(`2015-01-01 open ${account} ${COMMODITY}\n`);
  }
  const write = (date, description, postings, elideLast) => {
    journal.push(`\n${date} * ${description}\n`);
    beancount.push(`\n${date} * "${description}"\n`);
    postings.forEach(([account, cents], index) => {
      totals.set(account, totals.get(account) + cents);
      const amount = `${formatCents(cents)} ${COMMODITY}`;
      const elided = elideLast && index === postings.length - 1;
      journal.push(elided ? `    ${account}\n` : `    ${account}  ${amount}\n`);
      beancount.push(`  ${account}  ${amount}\n`);
    });
  };
  write(formatDay(FIRST_DAY), 'Opening balances', openingPostings(random, accounts), true);
  const days = drawDays(random, transactions);
  const kinds = ['expense', 'expense', 'expense', 'expense', 'expense', 'income', 'income', 'transfer', 'transfer', 'transfer'];
  for (const day of days) {
    const kind = random.pick(kinds);
    const postings = drawPostings(random, accounts, kind);
    write(formatDay(FIRST_DAY + day * DAY_MS), random.pick(DESCRIPTIONS[kind]), postings, random.integer(2) === 0);
  }
  return { journal: journal.join(''), beancount: beancount.join(''), totals, accounts };
}

/** Writes book.journal, book.beancount and book.totals.json into `out`, atomically (a half-written folder is never left under that name). */
export function writeBook({ transactions = DEFAULT_TRANSACTIONS, seed = DEFAULT_SEED, out }) {
  const book = generateBook({ transactions, seed });
  const target = resolve(out);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'book.journal'), book.journal);
  writeFileSync(join(staging, 'book.beancount'), book.beancount);
  const totals = [...book.totals].filter(([, cents]) => cents !== 0).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([account, cents]) => ({ account, commodity: COMMODITY, amount: formatCents(cents) }));
  writeFileSync(join(staging, 'book.totals.json'), `${JSON.stringify({ seed, transactions, accounts: book.accounts.all.length, totals }, null, 1)}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return { out: target, accounts: book.accounts.all.length, totals };
}

/** Turns a decimal text ("-12.5", "1,234.50") into integer cents, exactly; throws on anything else. */
export function parseCents(text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,2})0*)?$/u.exec(text.replaceAll(',', '').trim());
  if (!match) throw new Error(`not an amount with at most 2 decimals: ${JSON.stringify(text)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

const BEANCOUNT_TOTALS = String.raw`
import json, sys
from beancount import loader
from beancount.core import data
entries, errors, options = loader.load_file(sys.argv[1])
if errors:
    from beancount.parser import printer
    sys.stderr.write(''.join(printer.format_error(error) for error in errors))
    sys.exit(3)
totals = {}
for entry in entries:
    if isinstance(entry, data.Transaction):
        for posting in entry.postings:
            totals[posting.account] = totals.get(posting.account, 0) + posting.units.number
print(json.dumps({account: format(number, 'f') for account, number in totals.items()}))
`;

function runTool(command, args) {
  const env = { ...process.env, LEDGER_FILE: '', BEANCOUNT_DISABLE_LOAD_CACHE: '1' };
  return execFileSync(command, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Each tool's per-account own totals in cents: ledger, hledger and beancount (bean-check must also print nothing). */
export function toolTotals(out) {
  const journal = join(out, 'book.journal');
  const beancountFile = join(out, 'book.beancount');
  const ledger = new Map();
  const ledgerText = runTool('ledger', ['--init-file', '/dev/null', '-f', journal, 'balance', '--flat', '--no-total', '--format', '%(account)\t%(quantity(scrub(amount)))\n']);
  for (const line of ledgerText.split('\n').filter(Boolean)) {
    const [account, quantity] = line.split('\t');
    ledger.set(account, parseCents(quantity));
  }
  const hledger = new Map();
  const hledgerText = runTool('hledger', ['-f', journal, 'balance', '--flat', '--no-total', '-O', 'csv']);
  for (const [account, balance] of parseCsv(hledgerText).slice(1)) hledger.set(account, parseCents(balance.replace(` ${COMMODITY}`, '')));
  const checkOutput = runTool('bean-check', [beancountFile]);
  if (checkOutput.trim() !== '') throw new Error(`bean-check printed:\n${checkOutput}`);
  const beancount = new Map(Object.entries(JSON.parse(runTool('/usr/bin/python3', ['-c', BEANCOUNT_TOTALS, beancountFile]))).map(([account, amount]) => [account, parseCents(amount)]));
  return { ledger, hledger, beancount };
}

/** A minimal RFC 4180 reader (hledger quotes every field). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') { field += '"'; index += 1; } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') { row.push(field); field = ''; } else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += character;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/** Compares the generator's totals with each tool's; returns a list of differences (empty: all agree to the cent). */
export function verifyBook(out, expected) {
  const tools = toolTotals(out);
  const wanted = new Map(expected.map(({ account, amount }) => [account, parseCents(amount)]));
  const problems = [];
  for (const [tool, totals] of Object.entries(tools)) {
    const nonZero = new Map([...totals].filter(([, cents]) => cents !== 0));
    for (const [account, cents] of wanted) {
      if (nonZero.get(account) !== cents) problems.push(`${tool}: ${account} is ${nonZero.has(account) ? formatCents(nonZero.get(account)) : 'missing'}, generator says ${formatCents(cents)}`);
    }
    for (const account of nonZero.keys()) if (!wanted.has(account)) problems.push(`${tool}: unexpected account ${account}`);
  }
  return problems;
}

function parseArguments(argv) {
  const options = { transactions: DEFAULT_TRANSACTIONS, seed: DEFAULT_SEED, out: undefined, verify: false };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = () => {
      const text = argv[++index];
      if (text === undefined) throw new Error(`${flag} needs a value`);
      return text;
    };
    const count = (text) => {
      if (!/^\d+$/u.test(text)) throw new Error(`${flag} needs a whole number, got ${JSON.stringify(text)}`);
      return Number(text);
    };
    if (flag === '--transactions') options.transactions = count(value());
    else if (flag === '--seed') options.seed = count(value());
    else if (flag === '--out') options.out = value();
    else if (flag === '--verify') options.verify = true;
    else if (flag === '--help') {
      process.stdout.write('usage: node bench/generate-book.mjs [--transactions N] [--seed S] [--out DIR] [--verify]\n');
      process.exit(0);
    } else throw new Error(`unknown flag ${flag}`);
  }
  options.out ??= defaultFolder(options);
  return options;
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  const started = performance.now();
  const written = writeBook(options);
  process.stdout.write(`wrote ${options.transactions} transactions (+ opening balances), ${written.accounts} accounts, seed ${options.seed} to ${written.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (!options.verify) return;
  const problems = verifyBook(written.out, written.totals);
  if (problems.length > 0) {
    process.stderr.write(`verify: the tools disagree with the generator:\n${problems.slice(0, 20).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`verify: ledger, hledger and bean-check accept the book; all three agree with the generator on ${written.totals.length} account totals to the cent\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`generate-book: ${error instanceof Error ? error.message : String(error)}${error?.stderr ? `\n${error.stderr}` : ''}\n`);
    process.exit(1);
  }
}
