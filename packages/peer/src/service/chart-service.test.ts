import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { createBookService } from './book-service.js';
import type { BookApi, ServiceResult } from './protocol.js';

/* The Charts screen's handlers over a real data folder made with the CLI, without HTTP or Electron. */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-chart-service-'));
const dataDir = join(scratch, 'books');
const env = { TALLYSTICK_PASSPHRASE: 'chart-service-passphrase' };
const now = () => new Date('2024-05-01T12:00:00Z');
let service: BookApi;

async function cli(...args: string[]): Promise<void> {
  const sink = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  expect(await main(['node', 'tallystick', '--data', dataDir, ...args], { stdout: sink, stderr: sink, env, now })).toBe(0);
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.message}`);
  return result.value;
}

function failure(result: ServiceResult<unknown>): string {
  if (result.ok) throw new Error('expected a refusal');
  return `${result.error.code}: ${result.error.message}`;
}

beforeAll(async () => {
  await cli('init', '--coop', 'Chart Co-op', '--member', 'Ana');
  const add = (date: string, description: string, ...postings: string[]) => cli('add', '--date', date, '--description', description, ...postings.flatMap((posting) => ['--posting', posting]));
  await add('2024-01-02', 'Capital', 'Assets:Bank:Checking  1000.00 USD', 'Equity:Capital');
  await add('2024-01-20', 'Flour', 'Expenses:Flour  120.00 USD', 'Assets:Bank:Checking');
  await add('2024-02-11', 'Oven on credit', 'Assets:Oven  400 USD', 'Liabilities:Supplier');
  await add('2024-03-05', 'Bread', 'Assets:Bank:Checking  310.50 USD', 'Income:Bread');
  service = createBookService({ dataDir, env, now, log: () => undefined });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('chart service', () => {
  it('charts the top-level asset and liability accounts by default, each figure exact and formatted', async () => {
    const chart = value(await service.balancesOverTime({}));
    expect(chart.accounts).toEqual(['Assets', 'Liabilities']);
    expect(chart.months).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(chart.lines.map((line) => [line.account, line.commodity, line.figures.map((figure) => figure.shown)])).toEqual([
      ['Assets', 'USD', ['880.00 USD', '1280.00 USD', '1590.50 USD']],
      ['Liabilities', 'USD', ['0.00 USD', '-400.00 USD', '-400.00 USD']],
    ]);
    expect(chart.lines[0]!.figures[2]!.quantity).toBe('1590.50');
  });

  it('charts a chosen account over a chosen period, carrying the balance through quiet months', async () => {
    const chart = value(await service.balancesOverTime({ accounts: ['Assets:Bank'], from: '2024-02-01', through: '2024-04-30' }));
    expect(chart.period).toBe('2024-02-01 to 2024-04-30');
    expect(chart.months).toEqual(['2024-02', '2024-03', '2024-04']);
    expect(chart.lines[0]!.figures.map((figure) => figure.shown)).toEqual(['880.00 USD', '1190.50 USD', '1190.50 USD']);
  });

  it('gives income, expenses and net income by month', async () => {
    const chart = value(await service.incomeExpenses({ from: '2024-01-01', through: '2024-03-31' }));
    expect(chart.commodities.map((entry) => entry.commodity)).toEqual(['USD']);
    expect(chart.commodities[0]!.months.map((month) => [month.month, month.income.shown, month.expenses.shown, month.net.shown])).toEqual([
      ['2024-01', '0.00 USD', '120.00 USD', '-120.00 USD'],
      ['2024-02', '0.00 USD', '0.00 USD', '0.00 USD'],
      ['2024-03', '310.50 USD', '0.00 USD', '310.50 USD'],
    ]);
  });

  it('refuses bad requests in words and changes nothing', async () => {
    expect(failure(await service.balancesOverTime({ accounts: ['Assets:Nowhere'] }))).toBe('unknown_account: The books have no account "Assets:Nowhere"; choose one from the list.');
    expect(failure(await service.balancesOverTime({ accounts: Array.from({ length: 9 }, () => 'Assets') }))).toBe('invalid_request: Choose at most 8 accounts to chart.');
    expect(failure(await service.balancesOverTime({ accounts: ['Assets', 'Assets'] }))).toBe('duplicate_chart_account: An account was chosen twice; choose each account once');
    expect(failure(await service.balancesOverTime({ accounts: ['Assets::Bank'] }))).toBe('invalid_request: "Assets::Bank" is not an account name (like Assets:Bank).');
    expect(failure(await service.balancesOverTime({ accounts: 'Assets' } as never))).toBe('invalid_request: Choose at most 8 accounts to chart.');
    expect(failure(await service.incomeExpenses({ from: '2024-03-01', through: '2024-01-01' }))).toBe('invalid_request: The period starts (2024-03-01) after it ends (2024-01-01).');
    expect(failure(await service.incomeExpenses({ from: '1900-01-01', through: '2024-01-01' }))).toMatch(/^chart_period_too_long: The period covers 1489 months; a chart shows at most 600/u);
    expect(value(await service.overview()).transactionCount).toBe(4);
  });

  it('keeps commodities apart: one line per account and commodity, one income chart per commodity', async () => {
    await cli('add', '--date', '2024-03-20', '--description', 'Market in France', '--posting', 'Assets:Cash  80.00 EUR', '--posting', 'Income:Bread');
    const balances = value(await service.balancesOverTime({ accounts: ['Assets'], from: '2024-03-01', through: '2024-03-31' }));
    expect(balances.lines.map((line) => [line.account, line.commodity, line.figures.map((figure) => figure.shown)])).toEqual([
      ['Assets', 'EUR', ['80.00 EUR']], ['Assets', 'USD', ['1590.50 USD']],
    ]);
    const income = value(await service.incomeExpenses({ from: '2024-03-01', through: '2024-03-31' }));
    expect(income.commodities.map((entry) => [entry.commodity, entry.months.map((month) => [month.month, month.income.shown, month.net.shown])])).toEqual([
      ['EUR', [['2024-03', '80.00 EUR', '80.00 EUR']]], ['USD', [['2024-03', '310.50 USD', '310.50 USD']]],
    ]);
  });
});
