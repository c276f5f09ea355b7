import { execFile } from 'node:child_process';

/** One account's own balance in one commodity, as a plain decimal string without trailing zeros ("-12.5"). */
export interface ToolBalance {
  readonly account: string;
  readonly commodity: string;
  readonly amount: string;
}

/** `hledger --version`'s first line. */
export async function hledgerVersion(): Promise<string> {
  return (await runHledger(['--version'])).split('\n')[0]!.trim();
}

/** Runs `hledger -f FILE check` (parsing, balancing, balance assertions); throws with hledger's message if it fails. */
export async function hledgerCheck(file: string): Promise<void> {
  await runHledger(['-f', file, 'check']);
}

/**
 * Each account's own balance (its own postings, subaccounts excluded), per commodity, non-zero only,
 * sorted by account then commodity. hledger's flat balance report shows exactly that; its JSON output
 * gives exact decimals (mantissa and places) where the text output would round to the display precision.
 * `--empty` keeps accounts whatever their totals; zero balances are dropped here.
 */
export async function hledgerBalances(file: string): Promise<ToolBalance[]> {
  const output = await runHledger(['-f', file, 'balance', '--flat', '--no-total', '--empty', '--output-format', 'json']);
  // Keep mantissas exact: JSON.parse would round numbers beyond 2^53. hledger writes big ones in
  // exponent form without losing digits ("-5.2035544327429e20" is an integer with trailing zeros).
  const report = JSON.parse(output.replace(/"decimalMantissa":\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/gu, '"decimalMantissa":"$1"')) as HledgerBalanceReport;
  const totals = new Map<string, { account: string; commodity: string; units: bigint; scale: number }>();
  for (const [account, , , amounts] of report[0]) {
    for (const amount of amounts) {
      const units = integerFromJsonNumber(amount.aquantity.decimalMantissa);
      const scale = amount.aquantity.decimalPlaces;
      const key = `${account}\u0000${amount.acommodity}`;
      const current = totals.get(key) ?? { account, commodity: amount.acommodity, units: 0n, scale: 0 };
      const common = Math.max(current.scale, scale);
      totals.set(key, { ...current, units: current.units * 10n ** BigInt(common - current.scale) + units * 10n ** BigInt(common - scale), scale: common });
    }
  }
  return sortBalances([...totals.values()].filter((total) => total.units !== 0n).map((total) => ({
    account: total.account,
    commodity: total.commodity,
    amount: formatUnits(total.units, total.scale),
  })));
}

/** An integer written as a JSON number, possibly in exponent form, exactly. */
export function integerFromJsonNumber(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/u.exec(text);
  if (!match) throw new Error(`not a JSON number: ${text}`);
  const fraction = match[3] ?? '';
  const shift = Number(match[4] ?? '0') - fraction.length;
  const digits = BigInt(`${match[2]}${fraction}`);
  if (shift < 0 && digits % 10n ** BigInt(-shift) !== 0n) throw new Error(`not an integer: ${text}`);
  const magnitude = shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
  return match[1] === '-' ? -magnitude : magnitude;
}

type HledgerBalanceReport = [Array<[string, string, number, Array<{ acommodity: string; aquantity: { decimalMantissa: string; decimalPlaces: number } }>]>, unknown];

export function sortBalances(balances: ToolBalance[]): ToolBalance[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return balances.sort((a, b) => compare(a.account, b.account) || compare(a.commodity, b.commodity));
}

/** `units × 10^-scale` as a plain decimal without trailing zeros. */
export function formatUnits(units: bigint, scale: number): string {
  let value = units;
  let places = scale;
  while (places > 0 && value % 10n === 0n) {
    value /= 10n;
    places -= 1;
  }
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}

/** One report column: "amount commodity" per commodity, exact decimals, sorted by commodity; empty for zero. */
export type ToolColumn = readonly string[];

/** Columns of a monthly hledger report, labelled by month ("2024-03"). */
export interface ToolMonthly {
  readonly months: readonly string[];
  readonly rows: ReadonlyMap<string, readonly ToolColumn[]>;
}

/**
 * `hledger balance -M --historical` of one account with its subaccounts (clipped to the account's depth, so
 * one row): the balance at the end of each month. `range` is hledger's `-b`/`-e` (end excluded).
 */
export async function hledgerHistoricalByMonth(file: string, account: string, range: { begin?: string; end?: string } = {}): Promise<ToolMonthly> {
  const pattern = `^${account.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}(:|$)`;
  const report = parseExactJson(await runHledger(['-f', file, 'balance', '-M', '--historical', '--depth', String(account.split(':').length), ...rangeArgs(range), pattern, '--output-format', 'json'])) as HledgerPeriodicReport;
  return { months: report.prDates.map(([begin]) => begin.slice(0, 7)), rows: new Map(report.prRows.map((row) => [row.prrName, row.prrAmounts.map(columnOf)])) };
}

/**
 * `hledger incomestatement -M`: per month the income total (shown positive, as hledger shows revenues),
 * the expenses total and the net, in rows named "income", "expenses" and "net".
 */
export async function hledgerIncomeStatementByMonth(file: string, range: { begin?: string; end?: string } = {}): Promise<ToolMonthly> {
  const report = parseExactJson(await runHledger(['-f', file, 'incomestatement', '-M', ...rangeArgs(range), '--output-format', 'json'])) as {
    cbrDates: [string, string][];
    cbrSubreports: [string, HledgerPeriodicReport, boolean][];
    cbrTotals: { prrAmounts: HledgerAmount[][] };
  };
  const totals = (index: number) => report.cbrSubreports[index]![1].prTotals.prrAmounts.map(columnOf);
  return {
    months: report.cbrDates.map(([begin]) => begin.slice(0, 7)),
    rows: new Map([['income', totals(0)], ['expenses', totals(1)], ['net', report.cbrTotals.prrAmounts.map(columnOf)]]),
  };
}

interface HledgerAmount { acommodity: string; aquantity: { decimalMantissa: string; decimalPlaces: number } }
interface HledgerPeriodicReport {
  prDates: [string, string][];
  prRows: { prrName: string; prrAmounts: HledgerAmount[][] }[];
  prTotals: { prrAmounts: HledgerAmount[][] };
}

function rangeArgs(range: { begin?: string; end?: string }): string[] {
  return [...(range.begin ? ['-b', range.begin] : []), ...(range.end ? ['-e', range.end] : [])];
}

/** JSON with decimal mantissas kept as strings (JSON.parse would round those beyond 2^53). */
function parseExactJson(output: string): unknown {
  return JSON.parse(output.replace(/"decimalMantissa":\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/gu, '"decimalMantissa":"$1"'));
}

/** One column's amounts summed per commodity (hledger may list a commodity twice), zeros dropped. */
function columnOf(amounts: readonly HledgerAmount[]): ToolColumn {
  const totals = new Map<string, { units: bigint; scale: number }>();
  for (const amount of amounts) {
    const units = integerFromJsonNumber(amount.aquantity.decimalMantissa);
    const scale = amount.aquantity.decimalPlaces;
    const current = totals.get(amount.acommodity) ?? { units: 0n, scale: 0 };
    const common = Math.max(current.scale, scale);
    totals.set(amount.acommodity, { units: current.units * 10n ** BigInt(common - current.scale) + units * 10n ** BigInt(common - scale), scale: common });
  }
  return [...totals].filter(([, total]) => total.units !== 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([commodity, total]) => `${formatUnits(total.units, total.scale)} ${commodity}`);
}

function runHledger(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('hledger', [...args], { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LEDGER_FILE: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`hledger ${args.join(' ')} failed (${error.code ?? error.message}):\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}
