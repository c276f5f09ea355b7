import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../packages/core/src/decimal.js';
import {
  type BalanceRowJson, STACK_TRACE, assertCliBuilt, flatBalances, makeTemporaryFolder, runTallystick, snapshotBooks,
  tallystickJson, tallystickOk,
} from './run-tallystick.js';

/*
 * A bookkeeper's first quarter with the real `tallystick` command: found the co-op, record transactions,
 * read every report, correct a mistake with a reversal, close a period. Each step runs a real process on
 * a real data folder; the steps run in order and build on each other.
 */

let data: string;
beforeAll(() => {
  assertCliBuilt();
  data = makeTemporaryFolder('walkthrough');
});
afterAll(() => rmSync(data, { recursive: true, force: true }));

const run = (...args: string[]) => runTallystick(data, args);
const ok = (...args: string[]) => tallystickOk(data, args);
const json = <T>(...args: string[]) => tallystickJson<T>(data, args);

interface RegisterRowJson {
  readonly date: string;
  readonly transaction: string | null;
  readonly description: string;
  readonly account: string;
  readonly commodity: string;
  readonly amount: string;
  readonly balance: { commodity: string; amount: string }[];
}

interface AmountJson {
  readonly commodity: string;
  readonly quantity: string;
}

/** Sums decimal strings exactly, for checks that a pair of transactions nets to zero. */
function sumDecimals(amounts: readonly string[]): string {
  return amounts.reduce((total, amount) => total.add(Decimal.parse(amount)), Decimal.ZERO).normalize().toString();
}

const EXPECTED_FLAT = [
  { account: 'assets:bank', commodity: 'EUR', amount: '5049.25' },
  { account: 'assets:cash', commodity: 'EUR', amount: '405.50' },
  { account: 'equity:opening', commodity: 'EUR', amount: '-5000.00' },
  { account: 'expenses:food', commodity: 'EUR', amount: '120.50' },
  { account: 'expenses:food:drinks', commodity: 'EUR', amount: '30.25' },
  { account: 'expenses:rent', commodity: 'EUR', amount: '800.00' },
  { account: 'income:sales', commodity: 'EUR', amount: '-405.50' },
  { account: 'liabilities:loans:ana', commodity: 'EUR', amount: '-1000.00' },
];

describe('tallystick walkthrough: a co-op\'s first quarter', () => {
  it('init founds the co-op and says where the data is', async () => {
    const output = await ok('init', '--coop', 'Riverside Bakery', '--member', 'Ana');
    expect(output).toMatch(/^Founded co-op "Riverside Bakery" \([0-9a-f]{32}\) with founding member "Ana"\./u);
    expect(output).toContain(`Data folder: ${data}`);
    expect(await json('balance', '--flat')).toEqual([]);
  });

  it('add records transactions from flags, inferring the one amount left out', async () => {
    expect(await ok('add', '-d', '2024-01-02', '--description', 'Opening balance', '-p', 'assets:bank  5000.00 EUR', '-p', 'equity:opening'))
      .toMatch(/^Saved transaction [0-9a-f]{12} on 2024-01-02: Opening balance\n$/u);
    await ok('add', '--date', '2024-01-10', '--payee', 'Millers Ltd', '--description', 'Flour and coffee',
      '--posting', 'expenses:food  120.50 EUR', '--posting', 'expenses:food:drinks  30.25 EUR', '--posting', 'assets:bank  -150.75 EUR');
    await ok('add', '-d', '2024-01-20', '--description', 'Market sales', '-p', 'assets:cash  310.00 EUR', '-p', 'income:sales  -310.00 EUR');
    await ok('add', '-d', '2024-02-03', '--description', 'Rent February', '-p', 'expenses:rent  800.00 EUR', '-p', 'assets:bank');
    await ok('add', '-d', '2024-02-14', '--description', 'Market sales', '-p', 'assets:cash  95.50 EUR', '-p', 'income:sales  -95.50 EUR');
    await ok('add', '-d', '2024-03-01', '--description', 'Loan from Ana', '-p', 'assets:bank\t1000.00 EUR', '-p', 'liabilities:loans:ana  -1000.00 EUR');

    const register = await json<RegisterRowJson[]>('register', 'equity|rent');
    expect(register.map((row) => [row.date, row.account, row.amount])).toEqual([
      ['2024-01-02', 'equity:opening', '-5000.00'],
      ['2024-02-03', 'expenses:rent', '800.00'],
    ]);
    const rentBank = (await json<RegisterRowJson[]>('register', '^assets:bank$')).find((row) => row.description === 'Rent February');
    expect(rentBank?.amount).toBe('-800.00');
  });

  it('accounts lists every account used, typed by its root name', async () => {
    const text = await ok('accounts');
    expect(text.trim().split('\n')).toEqual([
      'assets:bank  (asset)', 'assets:cash  (asset)', 'equity:opening  (equity)', 'expenses:food  (expense)',
      'expenses:food:drinks  (expense)', 'expenses:rent  (expense)', 'income:sales  (income)', 'liabilities:loans:ana  (liability)',
    ]);
    const rows = await json<{ account: string; type: string; declared: boolean }[]>('accounts');
    expect(rows.map((row) => [row.account, row.type, row.declared])).toContainEqual(['liabilities:loans:ana', 'liability', false]);
    expect(rows).toHaveLength(8);
  });

  it('balance --flat --json gives each account\'s own postings, amounts as exact decimal strings', async () => {
    const rows = await json<BalanceRowJson[]>('balance', '--flat');
    expect(rows).toEqual(EXPECTED_FLAT);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['account', 'amount', 'commodity']);
      expect(row.amount).toMatch(/^-?\d+(\.\d+)?$/u);
    }
    // expenses:food holds its own 120.50 only; its subaccount's 30.25 is a row of its own.
    expect(rows.find((row) => row.account === 'expenses:food')?.amount).toBe('120.50');
    expect(sumDecimals(rows.map((row) => row.amount))).toBe('0');
  });

  it('balance shows a tree with subaccounts included, and a total of zero', async () => {
    const text = await ok('balance');
    const lines = text.trimEnd().split('\n');
    expect(lines).toContain('          950.75 EUR  expenses');
    expect(lines).toContain('          150.75 EUR    food');
    expect(lines).toContain('           30.25 EUR      drinks');
    expect(lines).toContain('         5049.25 EUR    bank');
    expect(lines.at(-1)?.trim()).toBe('0');
    const tree = await json<BalanceRowJson[]>('balance');
    expect(Object.fromEntries(tree.map((row) => [row.account, row.amount]))).toEqual({
      assets: '5454.75', 'assets:bank': '5049.25', 'assets:cash': '405.50',
      equity: '-5000.00', 'equity:opening': '-5000.00',
      expenses: '950.75', 'expenses:food': '150.75', 'expenses:food:drinks': '30.25', 'expenses:rent': '800.00',
      income: '-405.50', 'income:sales': '-405.50',
      liabilities: '-1000.00', 'liabilities:loans': '-1000.00', 'liabilities:loans:ana': '-1000.00',
    });
  });

  it('balance --depth 1 folds every account into its top-level ancestor', async () => {
    const expected = [
      { account: 'assets', commodity: 'EUR', amount: '5454.75' },
      { account: 'equity', commodity: 'EUR', amount: '-5000.00' },
      { account: 'expenses', commodity: 'EUR', amount: '950.75' },
      { account: 'income', commodity: 'EUR', amount: '-405.50' },
      { account: 'liabilities', commodity: 'EUR', amount: '-1000.00' },
    ];
    expect(await json('balance', '--depth', '1')).toEqual(expected);
    expect(await json('balance', '--flat', '--depth', '1')).toEqual(expected);
    const text = await ok('balance', '--depth', '1');
    expect(text).toContain('5454.75 EUR  assets\n');
    expect(text).not.toMatch(/bank|food|drinks|opening/u);
  });

  it('balance --begin/--end counts only postings in the range (end exclusive)', async () => {
    expect(await json('balance', '--flat', '--begin', '2024-02-01', '--end', '2024-03-01')).toEqual([
      { account: 'assets:bank', commodity: 'EUR', amount: '-800.00' },
      { account: 'assets:cash', commodity: 'EUR', amount: '95.50' },
      { account: 'expenses:rent', commodity: 'EUR', amount: '800.00' },
      { account: 'income:sales', commodity: 'EUR', amount: '-95.50' },
    ]);
    expect(await json('balance', '--flat', '-b', '2024-03-01')).toEqual([
      { account: 'assets:bank', commodity: 'EUR', amount: '1000.00' },
      { account: 'liabilities:loans:ana', commodity: 'EUR', amount: '-1000.00' },
    ]);
    expect(await json('balance', '--flat', '-e', '2024-01-02')).toEqual([]);
  });

  it('balance --monthly gives one column per month', async () => {
    const rows = await json<BalanceRowJson[]>('balance', '--flat', '--monthly');
    const bank = rows.filter((row) => row.account === 'assets:bank').map((row) => [row.period, row.amount]);
    expect(bank).toEqual([['2024-01', '4849.25'], ['2024-02', '-800.00'], ['2024-03', '1000.00']]);
    expect(rows.filter((row) => row.account === 'income:sales').map((row) => [row.period, row.amount])).toEqual([['2024-01', '-310.00'], ['2024-02', '-95.50']]);
    const text = await ok('balance', '--flat', '--monthly');
    expect(text).toMatch(/2024-01\s+2024-02\s+2024-03\s+Total/u);
    expect(text).toMatch(/assets:bank\s+\|\|\s+4849\.25 EUR\s+-800\.00 EUR\s+1000\.00 EUR\s+5049\.25 EUR/u);
  });

  it('register PATTERN lists matching postings with a running total', async () => {
    const text = await ok('register', 'bank');
    expect(text.trimEnd().split('\n')).toEqual([
      '2024-01-02 Opening balance                 assets:bank  5000.00 EUR  5000.00 EUR',
      '2024-01-10 Millers Ltd | Flour and coffee  assets:bank  -150.75 EUR  4849.25 EUR',
      '2024-02-03 Rent February                   assets:bank  -800.00 EUR  4049.25 EUR',
      '2024-03-01 Loan from Ana                   assets:bank  1000.00 EUR  5049.25 EUR',
    ]);
    const rows = await json<RegisterRowJson[]>('register', 'BANK');
    expect(rows.map((row) => [row.date, row.amount, row.balance])).toEqual([
      ['2024-01-02', '5000.00', [{ commodity: 'EUR', amount: '5000.00' }]],
      ['2024-01-10', '-150.75', [{ commodity: 'EUR', amount: '4849.25' }]],
      ['2024-02-03', '-800.00', [{ commodity: 'EUR', amount: '4049.25' }]],
      ['2024-03-01', '1000.00', [{ commodity: 'EUR', amount: '5049.25' }]],
    ]);
    for (const row of rows) expect(row.transaction).toMatch(/^[0-9a-f]{64}$/u);
  });

  it('trialbalance: debits equal credits', async () => {
    const text = await ok('trialbalance');
    expect(text).toMatch(/Total\s+\|\|\s+6405\.50 EUR\s+6405\.50 EUR/u);
    const report = await json<{ rows: { account: string; debit: AmountJson[]; credit: AmountJson[] }[]; totals: { debit: AmountJson[]; credit: AmountJson[] } }>('trialbalance');
    expect(report.totals).toEqual({ debit: [{ commodity: 'EUR', quantity: '6405.50' }], credit: [{ commodity: 'EUR', quantity: '6405.50' }] });
    expect(report.rows.find((row) => row.account === 'equity:opening')).toEqual({ account: 'equity:opening', debit: [], credit: [{ commodity: 'EUR', quantity: '5000.00' }] });
    expect(report.rows).toHaveLength(8);
  });

  it('balancesheet: assets = liabilities + equity + current earnings', async () => {
    const text = await ok('balancesheet');
    expect(text).toMatch(/Current earnings\s+\|\|\s+-545\.25 EUR/u);
    expect(text).toMatch(/Net:\s+\|\|\s+0\n/u);
    const report = await json<{ sections: { type: string; totals: { total: AmountJson[] } }[]; currentEarnings: { total: AmountJson[] }; net: { total: AmountJson[] } }>('balancesheet');
    expect(Object.fromEntries(report.sections.map((section) => [section.type, section.totals.total]))).toEqual({
      asset: [{ commodity: 'EUR', quantity: '5454.75' }],
      liability: [{ commodity: 'EUR', quantity: '-1000.00' }],
      equity: [{ commodity: 'EUR', quantity: '-4454.75' }],
    });
    expect(report.currentEarnings.total).toEqual([{ commodity: 'EUR', quantity: '545.25' }]);
    expect(report.net.total).toEqual([]);
  });

  it('incomestatement: income, expenses and the net result', async () => {
    const text = await ok('incomestatement');
    expect(text).toMatch(/income:sales\s+\|\|\s+405\.50 EUR/u);
    expect(text).toMatch(/Net:\s+\|\|\s+-545\.25 EUR/u);
    const report = await json<{ sections: { type: string; totals: { total: AmountJson[] } }[]; net: { total: AmountJson[] } }>('incomestatement');
    expect(Object.fromEntries(report.sections.map((section) => [section.type, section.totals.total]))).toEqual({
      income: [{ commodity: 'EUR', quantity: '-405.50' }],
      expense: [{ commodity: 'EUR', quantity: '950.75' }],
    });
    // Net is expenses + income as posted (a loss is positive); the text shows it with income's sign.
    expect(report.net.total).toEqual([{ commodity: 'EUR', quantity: '545.25' }]);
    const february = await json<{ net: { total: AmountJson[] } }>('incomestatement', '--begin', '2024-02-01', '--end', '2024-03-01');
    expect(february.net.total).toEqual([{ commodity: 'EUR', quantity: '704.50' }]);
  });

  let rentId = '';
  it('reverse TXID corrects a transaction: the pair nets to zero, the original stays', async () => {
    const rent = (await json<RegisterRowJson[]>('register', 'rent')).find((row) => row.description === 'Rent February');
    rentId = rent!.transaction!;
    const output = await ok('reverse', rentId.slice(0, 8), '-d', '2024-02-28', '--description', 'Rent booked twice');
    expect(output).toMatch(new RegExp(`^Saved reversal [0-9a-f]{12} on 2024-02-28 of ${rentId.slice(0, 12)} \\(2024-02-03 Rent February\\)\\.\\n$`, 'u'));

    const rows = await json<RegisterRowJson[]>('register', 'rent|bank', '--begin', '2024-02-01', '--end', '2024-03-01');
    const pair = rows.filter((row) => row.transaction === rentId || row.description === 'Rent booked twice');
    expect(pair.map((row) => [row.date, row.account, row.amount])).toEqual([
      ['2024-02-03', 'expenses:rent', '800.00'],
      ['2024-02-03', 'assets:bank', '-800.00'],
      ['2024-02-28', 'expenses:rent', '-800.00'],
      ['2024-02-28', 'assets:bank', '800.00'],
    ]);
    for (const account of ['expenses:rent', 'assets:bank']) {
      expect(sumDecimals(pair.filter((row) => row.account === account).map((row) => row.amount))).toBe('0');
    }
    const balances = await flatBalances(data);
    expect(balances.find((row) => row.account === 'expenses:rent')).toBeUndefined();
    expect(balances.find((row) => row.account === 'assets:bank')?.amount).toBe('5849.25');
  });

  it('a second reverse of the same transaction fails with a clear message, exit 1, and writes nothing', async () => {
    const before = snapshotBooks(data);
    const result = await run('reverse', rentId.slice(0, 12), '-d', '2024-03-02');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^tallystick: transaction ${rentId.slice(0, 12)} is already reversed by [0-9a-f]{12}\\n$`, 'u'));
    expect(result.stdout).toBe('');
    expect(snapshotBooks(data)).toEqual(before);
  });

  it('lock DATE closes the period: an entry dated on or before it is refused with the lock date named, nothing written', async () => {
    expect(await ok('lock', '2024-02-29')).toMatch(/^Locked the books through 2024-02-29/u);
    const balancesBefore = await flatBalances(data);
    const before = snapshotBooks(data);
    expect(Object.keys(before).filter((name) => name.startsWith('storage/')).length).toBeGreaterThan(0);
    for (const date of ['2024-02-15', '2024-02-29']) {
      const result = await run('add', '-d', date, '--description', 'Forgotten receipt', '-p', 'expenses:food  12.00 EUR', '-p', 'assets:cash');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^tallystick: the books are locked through 2024-02-29; nothing was written\./u);
      expect(result.stderr).toContain(`"Forgotten receipt" dated ${date}`);
      expect(result.stderr).not.toMatch(STACK_TRACE);
      expect(result.stdout).toBe('');
    }
    const reversal = await run('reverse', (await json<RegisterRowJson[]>('register', 'loans'))[0]!.transaction!.slice(0, 10), '-d', '2024-02-20');
    expect(reversal.code).toBe(1);
    expect(reversal.stderr).toContain('locked through 2024-02-29');
    expect(snapshotBooks(data)).toEqual(before);
    expect(await flatBalances(data)).toEqual(balancesBefore);
    const earlier = await run('lock', '2024-01-31');
    expect(earlier.code).toBe(1);
    expect(earlier.stderr).toContain('already locked through 2024-02-29');
  });

  it('after the lock, entries dated after it are recorded, and a closed period is corrected by a reversal dated after it', async () => {
    await ok('add', '-d', '2024-03-01', '--description', 'Forgotten receipt', '-p', 'expenses:food  12.00 EUR', '-p', 'assets:cash');
    const sales = (await json<RegisterRowJson[]>('register', 'income:sales')).find((row) => row.date === '2024-02-14');
    await ok('reverse', sales!.transaction!.slice(0, 16), '-d', '2024-03-02');
    const balances = await flatBalances(data);
    expect(balances.find((row) => row.account === 'expenses:food')?.amount).toBe('132.5');
    expect(balances.find((row) => row.account === 'assets:cash')?.amount).toBe('298');
    expect(balances.find((row) => row.account === 'income:sales')?.amount).toBe('-310');
    // The closed period itself still shows what was recorded in it.
    expect(await json('balance', '--flat', '--begin', '2024-02-01', '--end', '2024-03-01')).toContainEqual({ account: 'income:sales', commodity: 'EUR', amount: '-95.50' });
    const rejected = await run('rejected');
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(/^No rejected entries/u);
  });

  it('--help works on every command (exit 0, usage on stdout)', async () => {
    const commands = ['init', 'add', 'reverse', 'lock', 'accounts', 'import', 'export', 'balance', 'register', 'trialbalance', 'balancesheet', 'incomestatement', 'rejected'];
    const top = await run('--help');
    expect(top.code).toBe(0);
    for (const command of commands) expect(top.stdout).toContain(`  ${command}`);
    for (const command of [...commands, 'bal', 'reg', 'tb', 'bs', 'is']) {
      const result = await run(command, '--help');
      expect(result.code, `${command} --help`).toBe(0);
      expect(result.stdout).toMatch(/^Usage: tallystick (\S+) /u);
      expect(result.stdout).toContain('-h, --help');
      expect(result.stderr).toBe('');
    }
  });

  it('errors a user can cause say what is wrong in one message, without a stack trace, exit 1', async () => {
    const cases: { args: string[]; message: RegExp }[] = [
      { args: ['add', '-d', '2024-03-05', '--description', 'x', '-p', 'expenses:food  1.00 EUR', '-p', 'assets:cash  2.00 EUR'], message: /^tallystick: --posting: found a transaction whose postings sum to 3\.00 EUR, expected postings that sum to zero/u },
      { args: ['add', '-d', '2024-03-05', '--description', 'x', '-p', 'expenses:food  12..5 EUR', '-p', 'assets:cash'], message: /--posting "expenses:food {2}12\.\.5 EUR": found "12\.\.5"/u },
      { args: ['add', '-d', '2024-03-05', '--description', 'x', '-p', 'expenses:food  1 EUR'], message: /at least two postings/u },
      { args: ['add', '-d', '2024-03-05', '-p', 'expenses:food  1 EUR', '-p', 'assets:cash'], message: /needs a description/u },
      { args: ['add', '-d', '2024-02-30', '--description', 'x', '-p', 'expenses:food  1 EUR', '-p', 'assets:cash'], message: /"2024-02-30" is not a date/u },
      { args: ['reverse', 'abcdef0123'], message: /no transaction has an id starting with abcdef0123/u },
      { args: ['reverse', 'not-an-id'], message: /"not-an-id" is not a transaction id/u },
      { args: ['balance', '--depth', '0'], message: /--depth 0 is not a whole number of at least 1/u },
      { args: ['balance', '--begin', '2024-13-01'], message: /"2024-13-01" is not a date/u },
      { args: ['balance', '--monthly', '--yearly'], message: /choose one of --monthly, --quarterly, --yearly/u },
      { args: ['register', '('], message: /"\(" is not a valid account pattern/u },
      { args: ['import', `${data}/missing.journal`], message: /missing\.journal: no such file/u },
      { args: ['import', `${data}/statement.pdf`], message: /cannot tell the format/u },
      { args: ['init', '--coop', 'Riverside Bakery', '--member', 'Bob'], message: /already holds a co-op named "Riverside Bakery"/u },
      { args: ['--use', 'Nowhere Co-op', 'balance'], message: /holds no co-op "Nowhere Co-op"/u },
    ];
    const before = snapshotBooks(data);
    for (const { args, message } of cases) {
      const result = await run(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/^tallystick: /u);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr, args.join(' ')).not.toMatch(STACK_TRACE);
      expect(result.stderr).not.toContain('internal error');
    }
    expect(snapshotBooks(data)).toEqual(before);
    const elsewhere = await runTallystick(`${data}/no-such-folder`, ['balance']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/^tallystick: no Tallystick data in .*no-such-folder: run `tallystick init/u);
  });

  it('bad usage (unknown command or option, invalid choice) exits 2 with a pointer to --help', async () => {
    for (const args of [['frobnicate'], ['balance', '--bogus'], ['export', '--format', 'xml'], ['reverse'], ['init', '--coop', 'X']]) {
      const result = await run(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^error: /u);
      expect(result.stderr).toContain('--help');
      expect(result.stderr).not.toMatch(STACK_TRACE);
    }
  });
});
