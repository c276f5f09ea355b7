import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { createBookService } from './book-service.js';
import type { BookApi, ServiceResult } from './protocol.js';

/* The service's handlers over a real data folder made with the CLI, without HTTP or Electron. */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-service-'));
const dataDir = join(scratch, 'books');
const env = { TALLYSTICK_PASSPHRASE: 'service-test-passphrase' };
const now = () => new Date('2024-02-01T12:00:00Z');
const logged: string[] = [];
let service: BookApi;

async function cli(...args: string[]): Promise<void> {
  const sink = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
  expect(await main(['node', 'tallystick', '--data', dataDir, ...args], { stdout: sink, stderr: sink, env, now })).toBe(0);
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  await cli('init', '--coop', 'Test Co-op', '--member', 'Ana');
  await cli('add', '--date', '2024-01-02', '--description', 'Capital', '--posting', 'Assets:Bank:Checking  100.00 USD', '--posting', 'Equity:Capital');
  service = createBookService({ dataDir, env, now, log: (line) => logged.push(line) });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('book service', () => {
  it('reads the overview and the account tree', async () => {
    const overview = value(await service.overview());
    expect(overview).toMatchObject({ coopName: 'Test Co-op', transactionCount: 1, rejectedCount: 0, needsPassphrase: false, today: '2024-02-01' });
    expect(overview.accounts).toEqual(['Assets:Bank:Checking', 'Equity:Capital']);
    const tree = value(await service.accountTree());
    expect(tree.lines.map((line) => [line.account, line.name, line.depth, line.balance])).toEqual([
      ['Assets', 'Assets', 0, ['100.00 USD']], ['Assets:Bank', 'Bank', 1, ['100.00 USD']], ['Assets:Bank:Checking', 'Checking', 2, ['100.00 USD']],
      ['Equity', 'Equity', 0, ['-100.00 USD']], ['Equity:Capital', 'Capital', 1, ['-100.00 USD']],
    ]);
  });

  it('opens an account as `accounts open` does: it joins the accounts at once; a bad name or type is refused in words and writes nothing', async () => {
    const opened = value(await service.openAccount({ account: 'Expenses:Rent', date: '2024-01-01' }));
    expect(opened.message).toBe('Opened Expenses:Rent on 2024-01-01.');
    expect(value(await service.overview()).accounts).toContain('Expenses:Rent');
    // Shown in the tree at once, at zero, under its parent.
    expect(value(await service.accountTree()).lines.filter((line) => line.account.startsWith('Expenses')).map((line) => [line.account, line.name, line.depth, line.balance]))
      .toEqual([['Expenses', 'Expenses', 0, []], ['Expenses:Rent', 'Rent', 1, []]]);
    expect(value(await service.openAccount({ account: 'Liabilities:Member loans', type: 'liability' })).message).toBe('Opened Liabilities:Member loans on 2024-02-01 as liability.');
    const refusals = await Promise.all([
      service.openAccount({ account: 'Expenses:  Rent' }), service.openAccount({ account: 'Assets:Till', type: 'money' }),
      service.openAccount({ account: '   ' }), service.openAccount({ account: 'Assets:Till', date: '2024-02-30' }),
    ]);
    expect(refusals.map((result) => (result.ok ? 'written' : result.error.message))).toEqual([
      expect.stringMatching(/^"Expenses: {2}Rent" is not a valid account name: it contains a tab, a line break or two spaces in a row/u),
      'The type money is not one of asset, liability, equity, income, expense',
      'Enter the name of the account to open, like Expenses:Rent.',
      expect.stringMatching(/2024-02-30/u),
    ]);
    expect(value(await service.overview()).accounts).not.toContain('Assets:Till');
    expect(value(await service.overview()).transactionCount).toBe(1);
  });

  it('checks a transaction as `add` would, without writing', async () => {
    const postings = [{ account: 'Expenses:Flour', amount: '12.50 USD' }, { account: 'Assets:Bank:Checking', amount: '' }, { account: '', amount: '' }];
    expect(value(await service.checkTransaction({ date: '2024-01-05', description: 'Flour', postings }))).toEqual({
      balanced: true, message: 'Balanced', postings: [{ account: 'Expenses:Flour', amount: '12.50 USD' }, { account: 'Assets:Bank:Checking', amount: '-12.50 USD' }],
    });
    const off = value(await service.checkTransaction({ date: '2024-01-05', description: 'Flour', postings: [{ account: 'Expenses:Flour', amount: '12.50 USD' }, { account: 'Assets:Bank:Checking', amount: '-12 USD' }] }));
    expect(off.balanced).toBe(false);
    expect(off.message).toMatch(/^The postings: .*sum to zero/u);
    expect(value(await service.overview()).transactionCount).toBe(1);
  });

  it('adds, registers, reports and reverses through the CLI code paths', async () => {
    const saved = value(await service.addTransaction({ date: '2024-01-05', description: 'Flour', postings: [{ account: 'Expenses:Flour', amount: '12.50 USD' }, { account: 'Assets:Bank:Checking', amount: '' }] }));
    expect(saved.message).toMatch(/^Saved transaction [0-9a-f]{12} on 2024-01-05: Flour$/u);
    const register = value(await service.register({ account: 'Assets:Bank' }));
    expect(register.lines.map((line) => [line.description, line.amount, line.balance])).toEqual([['Capital', '100.00 USD', ['100.00 USD']], ['Flour', '-12.50 USD', ['87.50 USD']]]);
    expect(value(await service.register({ account: 'Assets:Ban' })).lines).toEqual([]);
    // A window of a register: the running balance is the whole register's, whichever rows are asked for.
    expect(value(await service.register({ account: 'Assets:Bank', offset: 1, limit: 5 }))).toMatchObject({ total: 2, offset: 1, lines: [{ description: 'Flour', balance: ['87.50 USD'] }] });
    expect(value(await service.register({ account: 'Assets:Bank', offset: 2, limit: 5 })).lines).toEqual([]);
    const badWindow = await service.register({ account: 'Assets:Bank', offset: -1 });
    expect(badWindow.ok ? '' : badWindow.error.code).toBe('invalid_request');
    const sheet = value(await service.balanceSheet());
    expect(sheet.sections.map((section) => [section.title, section.total])).toEqual([['Assets', ['87.50 USD']], ['Liabilities', []], ['Equity', ['87.50 USD']]]);
    expect(value(await service.incomeStatement()).net).toEqual({ label: 'Net income', amount: ['-12.50 USD'] });
    const reversed = value(await service.reverseTransaction({ transactionId: register.lines[1]!.transactionId, date: '2024-01-06' }));
    expect(reversed.message).toMatch(/^Saved reversal/u);
    expect(value(await service.incomeStatement()).net.amount).toEqual([]);
    const original = value(await service.transaction({ transactionId: register.lines[1]!.transactionId.slice(0, 8) }));
    const reversal = value(await service.register({ account: 'Expenses:Flour' })).lines[1]!;
    expect(original).toMatchObject({
      id: register.lines[1]!.transactionId, date: '2024-01-05', description: 'Flour', authorMember: 'Ana', status: { kind: 'reversed', by: reversal.transactionId },
      postings: [{ account: 'Expenses:Flour', amount: '12.50 USD' }, { account: 'Assets:Bank:Checking', amount: '-12.50 USD' }],
    });
    expect(original.authorDevice).toMatch(/\S{20,}/u);
    expect(value(await service.transaction({ transactionId: reversal.transactionId }))).toMatchObject({ status: { kind: 'counts' }, reverses: original.id, date: '2024-01-06' });
    expect(await service.transaction({ transactionId: 'abcdef' })).toMatchObject({ ok: false, error: { code: 'unknown_transaction' } });
  });

  it('locks a period through the lock command, then refuses an add dated inside it, and lists nothing rejected', async () => {
    expect(value(await service.lockPeriod({ through: '2024-01-10' })).message).toBe('Locked the books through 2024-01-10: entries dated on or before it are refused from now on.');
    expect(value(await service.overview()).lockedThrough).toBe('2024-01-10');
    const refused = await service.addTransaction({ date: '2024-01-09', description: 'Late', postings: [{ account: 'Expenses:Flour', amount: '1 USD' }, { account: 'Assets:Bank:Checking', amount: '' }] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'period_locked', message: expect.stringMatching(/^The books are locked through 2024-01-10; nothing was written/u) } });
    expect(await service.lockPeriod({ through: '2024-01-05' })).toMatchObject({ ok: false, error: { code: 'lock_not_later' } });
    expect(await service.lockPeriod({ through: '' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(value(await service.rejected())).toEqual([]);
  });

  it('answers problems in words with their code, and a bug without its stack', async () => {
    expect(await service.addTransaction({ date: '2024-13-01', description: 'x', postings: [{ account: 'A:B', amount: '1 USD' }, { account: 'C:D', amount: '' }] })).toMatchObject({ ok: false, error: { code: expect.any(String) } });
    expect(await service.register({ account: '' })).toEqual({ ok: false, error: { code: 'invalid_request', message: 'Choose an account to see its register.' } });
    expect(await service.addTransaction({ postings: 'nope' } as never)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const locked = createBookService({ dataDir, env: {}, now, log: (line) => logged.push(line) });
    const refused = await locked.addTransaction({ date: '2024-02-07', description: 'No key', postings: [{ account: 'Expenses:Flour', amount: '1 USD' }, { account: 'Assets:Bank:Checking', amount: '' }] });
    expect(refused).toEqual({ ok: false, error: { code: 'no_passphrase', message: 'A passphrase is needed to sign entries: enter your passphrase' } });
    const broken = createBookService({ dataDir: join(scratch, 'missing'), env, now, log: (line) => logged.push(line) });
    const failure = await broken.overview();
    expect(failure.ok).toBe(false);
    if (!failure.ok) expect(failure.error.message).not.toMatch(/\n\s+at /u);
  });
});

describe('founding a co-op from the app', () => {
  it('founds through init on an empty folder, refuses mistakes and a second co-op, and never logs the passphrase', async () => {
    const emptyDir = join(scratch, 'empty');
    const lines: string[] = [];
    const fresh = createBookService({ dataDir: emptyDir, env: {}, now, log: (line) => lines.push(line) });
    expect(await fresh.overview()).toMatchObject({ ok: false, error: { code: 'no_data_folder' } });
    const request = { coopName: 'Hillside', memberName: 'Bo', passphrase: 'founding-secret', passphraseAgain: 'founding-secret' };
    expect(await fresh.foundCoop({ ...request, passphraseAgain: 'founding-secreT' })).toMatchObject({ ok: false, error: { code: 'passphrase_mismatch' } });
    expect(await fresh.foundCoop({ ...request, passphrase: 'short', passphraseAgain: 'short' })).toMatchObject({ ok: false, error: { code: 'weak_passphrase' } });
    expect(await fresh.foundCoop({ ...request, memberName: '  ' })).toMatchObject({ ok: false, error: { code: 'invalid_name' } });
    expect(await fresh.foundCoop({ coopName: 'Hillside' } as unknown as typeof request)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(existsSync(join(emptyDir, 'tallystick.json'))).toBe(false);
    expect(existsSync(join(emptyDir, 'device-key.json'))).toBe(false);

    const founded = value(await fresh.foundCoop(request));
    expect(founded.message).toMatch(/^Founded co-op "Hillside" \([^)]+\) with founding member "Bo"\./u);
    expect(founded.dataFolder).toBe(emptyDir);
    expect(value(await fresh.overview())).toMatchObject({ coopName: 'Hillside', transactionCount: 0, needsPassphrase: true });
    expect(value(await fresh.addTransaction({ date: '2024-01-03', description: 'Dues', postings: [{ account: 'Assets:Cash', amount: '5 EUR' }, { account: 'Income:Dues', amount: '' }], passphrase: 'founding-secret' })).message).toMatch(/^Saved transaction/u);
    expect(await fresh.foundCoop({ ...request, coopName: 'Another' })).toMatchObject({ ok: false, error: { code: 'coop_exists', message: expect.stringContaining('"Hillside"') } });
    expect(await service.foundCoop(request)).toMatchObject({ ok: false, error: { code: 'coop_exists' } });
    expect([...lines, ...logged].join('\n')).not.toContain('founding-secret');
  });
});

describe('book service reports', () => {
  it('reports over a period: the balance sheet as of a date, the income statement and trial balance with CSV', async () => {
    const folder = join(scratch, 'periods');
    const periodCli = async (...args: string[]) => {
      const sink = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
      expect(await main(['node', 'tallystick', '--data', folder, ...args], { stdout: sink, stderr: sink, env, now })).toBe(0);
    };
    await periodCli('init', '--coop', 'Periods', '--member', 'Ana');
    await periodCli('add', '--date', '2024-01-02', '--description', 'Capital', '--posting', 'Assets:Bank:Checking  100.00 USD', '--posting', 'Equity:Capital');
    await periodCli('add', '--date', '2024-01-20', '--description', 'Rye', '--posting', 'Expenses:Rye  7.25 USD', '--posting', 'Assets:Bank:Checking');
    const service = createBookService({ dataDir: folder, env, now, log: (line) => logged.push(line) });
    const before = value(await service.balanceSheet({ through: '2024-01-10' }));
    expect(before.period).toBe('as of 2024-01-10');
    expect(before.csv).toContain('Assets,Assets:Bank:Checking,USD,100.00\n');
    const after = value(await service.balanceSheet({ through: '2024-01-31' }));
    expect(after.csv).toContain('Assets,Assets:Bank:Checking,USD,92.75\n');
    expect(after.csv).toContain('Equity,Current earnings,USD,-7.25\n');
    const january = value(await service.incomeStatement({ from: '2024-01-15', through: '2024-01-31' }));
    expect(january.period).toBe('2024-01-15 to 2024-01-31');
    expect(january.net.amount).toEqual(['-7.25 USD']);
    expect(value(await service.incomeStatement({ from: '2024-01-01', through: '2024-01-19' })).net.amount).toEqual([]);
    const trial = value(await service.trialBalance({ through: '2024-01-31' }));
    expect(trial.totals).toEqual({ debit: ['100.00 USD'], credit: ['100.00 USD'] });
    expect(trial.csv.split('\n')).toContain('Expenses:Rye,USD,7.25,');
    for (const bad of [{ from: '2024-02-30' }, { from: '2024-02-01', through: '2024-01-01' }, { through: 7 }]) {
      const refused = await service.incomeStatement(bad as never);
      expect(refused.ok ? '' : refused.error.code).toBe('invalid_request');
    }
  });
});
