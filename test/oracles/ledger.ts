import { execFile } from 'node:child_process';
import { type ToolBalance, sortBalances } from './hledger.js';

export type { ToolBalance } from './hledger.js';

/** `ledger --version`'s first line. */
export async function ledgerVersion(): Promise<string> {
  return (await runLedger(['--version'])).split('\n')[0]!.trim();
}

/**
 * Each account's own balance (its own postings, subaccounts excluded), per commodity, non-zero only,
 * sorted by account then commodity, from `ledger balance --flat`. In a balance format `amount` is the
 * account's own amount (`total` would include subaccounts); `quantity()` prints it exactly, where the
 * default output would round to the commodity's display precision. One run per commodity, because
 * `quantity()` refuses an amount in several commodities; `scrub()` merges lots ({cost} annotations).
 * `--empty` because ledger hides an account whose total with subaccounts is zero, even when its own
 * balance is not (a parent whose child holds the opposite amount).
 */
export async function ledgerBalances(file: string): Promise<ToolBalance[]> {
  const listed = (await runLedger(['-f', file, 'commodities'])).split('\n');
  listed.pop(); // the text ends with a newline; an empty line stands for the unnamed commodity
  const balances: ToolBalance[] = [];
  for (const written of new Set(listed)) {
    const commodity = written.length > 1 && written.startsWith('"') && written.endsWith('"') ? written.slice(1, -1) : written;
    const output = await runLedger([
      '-f', file, 'balance', '--flat', '--no-total', '--empty',
      '--limit', `commodity == ${JSON.stringify(written)}`,
      '--format', '%(account)\t%(quantity(scrub(amount)))\n',
    ]);
    for (const line of output.split('\n')) {
      if (line === '') continue;
      const [account, quantity] = line.split('\t') as [string, string | undefined];
      if (quantity === undefined || !/^-?\d+(\.\d+)?$/u.test(quantity)) throw new Error(`ledger printed an unexpected balance line for ${file}: ${JSON.stringify(line)}`);
      const amount = normalize(quantity);
      if (amount !== '0') balances.push({ account, commodity, amount });
    }
  }
  return sortBalances(balances);
}

function normalize(quantity: string): string {
  let text = quantity.includes('.') ? quantity.replace(/0+$/u, '').replace(/\.$/u, '') : quantity;
  if (text === '-0') text = '0';
  return text;
}

function runLedger(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, LEDGER_FILE: '', LEDGER_INIT: '/dev/null' };
    execFile('ledger', ['--init-file', '/dev/null', ...args], { maxBuffer: 256 * 1024 * 1024, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ledger ${args.join(' ')} failed (${error.code ?? error.message}):\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}
