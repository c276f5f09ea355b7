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
 */
export async function hledgerBalances(file: string): Promise<ToolBalance[]> {
  const output = await runHledger(['-f', file, 'balance', '--flat', '--no-total', '--output-format', 'json']);
  // Keep mantissas exact: JSON numbers beyond 2^53 would be rounded by JSON.parse.
  const report = JSON.parse(output.replace(/"decimalMantissa":\s*(-?\d+)/gu, '"decimalMantissa":"$1"')) as HledgerBalanceReport;
  const totals = new Map<string, { account: string; commodity: string; units: bigint; scale: number }>();
  for (const [account, , , amounts] of report[0]) {
    for (const amount of amounts) {
      const units = BigInt(amount.aquantity.decimalMantissa);
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
