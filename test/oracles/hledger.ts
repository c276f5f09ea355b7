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

function runHledger(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('hledger', [...args], { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LEDGER_FILE: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`hledger ${args.join(' ')} failed (${error.code ?? error.message}):\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}
