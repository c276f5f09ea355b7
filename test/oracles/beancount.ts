import { execFile } from 'node:child_process';
import { MixedAmount } from '../../packages/core/src/amount.js';
import { Decimal } from '../../packages/core/src/decimal.js';
import { type Transaction } from '../../packages/core/src/transaction.js';

/**
 * The real beancount 2 tools as test oracles. The Python that has the `beancount` module is Debian's
 * (/usr/bin/python3; the python3 first on PATH may be another one): override with BEANCOUNT_PYTHON.
 * The load cache is disabled so that every run reads the file as it is now.
 */
const PYTHON = process.env.BEANCOUNT_PYTHON ?? '/usr/bin/python3';
const ENVIRONMENT = { ...process.env, BEANCOUNT_DISABLE_LOAD_CACHE: '1' };

export interface BeancountBalance {
  readonly account: string;
  readonly commodity: string;
  /** Plain decimal text, as beancount computed it. */
  readonly amount: string;
}

interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env: ENVIRONMENT, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${command} could not be run: ${error.message}`));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs bean-check; rejects with its output unless the file loads with no error at all. */
export async function beanCheck(file: string): Promise<void> {
  const result = await run('bean-check', [file]);
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.code !== 0 || output !== '') {
    throw new Error(`bean-check ${file} failed (exit ${result.code}):\n${output}`);
  }
}

const BALANCES_SCRIPT = String.raw`
import json, sys
from beancount import loader
from beancount.core import data, interpolate
file, rounding = sys.argv[1], sys.argv[2]
entries, errors, options = loader.load_file(file)
if errors:
    from beancount.parser import printer
    sys.stderr.write(''.join(printer.format_error(error) for error in errors))
    sys.exit(3)
totals = {}
for entry in entries:
    if not isinstance(entry, data.Transaction):
        continue
    if rounding:
        entry = interpolate.fill_residual_posting(entry, rounding)
    for posting in entry.postings:
        key = (posting.account, posting.units.currency)
        totals[key] = totals.get(key, 0) + posting.units.number
print(json.dumps([{'account': account, 'commodity': currency, 'amount': format(number, 'f')}
                  for (account, currency), number in sorted(totals.items())]))
`;

/**
 * Each account's own balance (its postings only, not its subaccounts) per commodity, in units: lots at
 * cost count by their units, as beancount's `units()` does. With `roundingAccount`, every transaction's
 * residual (what beancount tolerates) is first posted there with beancount's own fill_residual_posting,
 * which is what Tallystick's importer does explicitly. Rejects, with beancount's messages, if the file
 * has any error.
 */
export async function beancountBalances(file: string, options: { roundingAccount?: string } = {}): Promise<BeancountBalance[]> {
  const result = await run(PYTHON, ['-c', BALANCES_SCRIPT, file, options.roundingAccount ?? '']);
  if (result.code !== 0) {
    throw new Error(`beancount could not load ${file} (exit ${result.code}):\n${result.stderr.trim()}`);
  }
  return JSON.parse(result.stdout) as BeancountBalance[];
}

/** Runs `bean-example` with a fixed seed and dates, so its output is the same on every run. */
export async function beanExample(options: { seed: number; begin: string; end: string; birth: string }): Promise<string> {
  const result = await run('bean-example', ['--seed', String(options.seed), '--date-begin', options.begin, '--date-end', options.end, '--date-birth', options.birth]);
  if (result.code !== 0) throw new Error(`bean-example failed (exit ${result.code}):\n${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Tallystick's side of the comparison: each account's own balance per commodity from transactions,
 * with names optionally mapped (to the beancount names a written file uses), zeros left out, sorted.
 */
export function transactionBalances(
  transactions: readonly Transaction[],
  renameAccount: (account: string) => string = (account) => account,
  renameCommodity: (commodity: string) => string = (commodity) => commodity,
): BeancountBalance[] {
  const totals = new Map<string, MixedAmount>();
  for (const transaction of transactions) {
    for (const posting of transaction.postings) {
      const account = renameAccount(posting.account);
      const total = totals.get(account) ?? new MixedAmount();
      total.add({ commodity: renameCommodity(posting.amount.commodity), quantity: posting.amount.quantity });
      totals.set(account, total);
    }
  }
  const rows: BeancountBalance[] = [];
  for (const [account, total] of totals) {
    for (const amount of total.amounts()) rows.push({ account, commodity: amount.commodity, amount: amount.quantity.normalize().toString() });
  }
  return rows.sort(compareBalances);
}

/** beancount's rows made comparable: trailing zeros dropped (its 28-digit arithmetic leaves some beyond 18 places), zeros left out, sorted. */
export function normalizeBalances(rows: readonly BeancountBalance[]): BeancountBalance[] {
  return rows
    .map((row) => ({ ...row, amount: Decimal.parse(row.amount.includes('.') ? row.amount.replace(/\.?0+$/u, '') : row.amount).normalize().toString() }))
    .filter((row) => row.amount !== '0')
    .sort(compareBalances);
}

function compareBalances(a: BeancountBalance, b: BeancountBalance): number {
  if (a.account !== b.account) return a.account < b.account ? -1 : 1;
  return a.commodity < b.commodity ? -1 : a.commodity > b.commodity ? 1 : 0;
}
