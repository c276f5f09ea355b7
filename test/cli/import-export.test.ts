import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beanCheck, beanExample, beancountBalances, normalizeBalances } from '../oracles/beancount.js';
import { type ToolBalance, hledgerBalances, hledgerCheck, sortBalances } from '../oracles/hledger.js';
import { ledgerBalances } from '../oracles/ledger.js';
import { Decimal } from '../../packages/core/src/decimal.js';
import {
  STACK_TRACE, assertCliBuilt, flatBalances, makeTemporaryFolder, runTallystick, snapshotBooks, tallystickJson, tallystickOk,
} from './run-tallystick.js';

/*
 * Books moved in and out of Tallystick with the real command, and the real hledger, ledger and beancount
 * as judges: after an import every account's own balance in every commodity is what the tools compute
 * from the same file, and what Tallystick exports the tools accept with the same balances, to the cent.
 */

let work: string;
beforeAll(() => {
  assertCliBuilt();
  work = makeTemporaryFolder('import-export');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

/** A fresh data folder with a founded co-op. */
async function newBooks(name: string): Promise<string> {
  const data = join(work, name);
  mkdirSync(data);
  await tallystickOk(data, ['init', '--coop', `${name} co-op`, '--member', 'Ana']);
  return data;
}

function runTool(command: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LEDGER_FILE: '' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/**
 * beancount's balances under Tallystick's names: an exported file keeps each original account name and
 * commodity symbol that beancount cannot spell in `tallystick-account` / `tallystick-symbol` metadata.
 */
function originalNames(beancountText: string): { accounts: Map<string, string>; commodities: Map<string, string> } {
  const accounts = new Map<string, string>();
  const commodities = new Map<string, string>();
  let current: { map: Map<string, string>; name: string; key: string } | undefined;
  for (const line of beancountText.split('\n')) {
    const directive = /^\d{4}-\d{2}-\d{2} (open|commodity) (\S+)/u.exec(line);
    if (directive) {
      current = directive[1] === 'open'
        ? { map: accounts, name: directive[2]!, key: 'tallystick-account' }
        : { map: commodities, name: directive[2]!, key: 'tallystick-symbol' };
      continue;
    }
    const metadata = /^ {2}([a-z-]+): (".*")$/u.exec(line);
    if (current && metadata && metadata[1] === current.key) current.map.set(current.name, JSON.parse(metadata[2]!) as string);
    else if (!line.startsWith('  ')) current = undefined;
  }
  return { accounts, commodities };
}

async function beancountBalancesAsTallystick(file: string): Promise<ToolBalance[]> {
  const names = originalNames(readFileSync(file, 'utf8'));
  return sortBalances(normalizeBalances(await beancountBalances(file)).map((row) => ({
    account: names.accounts.get(row.account) ?? row.account,
    commodity: names.commodities.get(row.commodity) ?? row.commodity,
    amount: row.amount,
  })));
}

const JOURNAL = `; Riverside Bakery Co-op: books for 2024, kept with hledger (ledger reads them too)

account assets:bank:checking      ; type: A
account assets:bank:savings       ; type: A
account assets:cash
account assets:paypal             ; type: A
account assets:investments:fund   ; type: A
account liabilities:loans:member  ; type: L
account equity:opening            ; type: E
account income:sales              ; type: R
account income:dues               ; type: R
account expenses:flour            ; type: X
account expenses:rent             ; type: X
account expenses:travel

commodity EUR
    format 1,000.00 EUR
commodity $1,000.00
commodity JPY  ; Japanese yen, no minor unit
commodity VFUND
    format 1,000.000 VFUND

P 2024-01-01 VFUND 102.35 EUR
P 2024-03-01 JPY 0.0062 EUR

2024-01-01 * Opening balances  ; from the paper ledger
    assets:bank:checking        12,500.00 EUR
    assets:bank:savings          3,000.00 EUR
    assets:cash                    150.00 EUR
    liabilities:loans:member    -2,000.00 EUR  ; Ana's loan
    equity:opening

2024-01-05 * (101) Millers Ltd | flour, 40 sacks  ; supplier:millers
    expenses:flour                 860.40 EUR
    assets:bank:checking          -860.40 EUR = 11,639.60 EUR

2024-01-06 Market stall | Saturday sales  ; market:, weather: rain
    assets:cash                    412.35 EUR
    income:sales

2024-01-31 ! Landlord | January rent
    expenses:rent                1,200.00 EUR
    assets:bank:checking

2024-01-20 * Etsy | bread baking kits, paid out to PayPal
    assets:paypal                 $1,250.40
    assets:paypal                   $-37.51  ; fees
    income:sales

2024-02-01 * Member dues
    ; dues for February, 7 members
    assets:bank:checking           175.00 EUR
    income:dues                   -175.00 EUR

2024-02-10 * Buy fund units
    assets:investments:fund        12.345 VFUND @ 102.35 EUR
    assets:bank:savings

2024-02-20 * Buy more fund units
    assets:investments:fund         4.500 VFUND @@ 465.75 EUR
    assets:bank:savings          -465.75 EUR

include coop-travel.journal

2024-03-15 * Repay part of the member loan
    liabilities:loans:member       500.00 EUR
    assets:bank:checking          -500.00 EUR
`;

const TRAVEL_JOURNAL = `; the baking fair in Osaka, paid in yen
2024-03-02 * Exchange for the trip
    assets:cash                     50000 JPY @ 0.0062 EUR
    assets:bank:checking          -310.00 EUR

2024-03-04 * Osaka fair | train and stall fee  ; trip:osaka
    expenses:travel                 18500 JPY
    expenses:travel                 12000 JPY  ; stall
    assets:cash                    -30500 JPY
`;

/** A bank's export: newest first, semicolons, decimal comma, digit groups, a running balance. */
const BANK_CSV = `Buchungstag;Valuta;Verwendungszweck;Auftraggeber;Betrag;Waehrung;Saldo
28.03.2024;28.03.2024;Mitgliedsbeitrag Maerz;Ana Silva;25,00;EUR;11.249,10
15.03.2024;15.03.2024;Rechnung 2024-031 Mehl;Muehle Koenig GmbH;-1.234,56;EUR;11.224,10
01.03.2024;01.03.2024;Miete Maerz;Hausverwaltung Ost;-1.200,00;EUR;12.458,66
29.02.2024;29.02.2024;Kartenzahlung Marktstand;Bakery POS;2.412,35;EUR;13.658,66
28.02.2024;28.02.2024;Mitgliedsbeitrag Februar;Ana Silva;25,00;EUR;11.246,31
14.02.2024;14.02.2024;Kontofuehrung;Bank;-4,90;EUR;11.221,31
01.02.2024;01.02.2024;Miete Februar;Hausverwaltung Ost;-1.200,00;EUR;11.226,21
31.01.2024;31.01.2024;Anfangssaldo;Bank;12.426,21;EUR;12.426,21
`;

const BANK_RULES = `# rules for the bank's CSV export (hledger CSV rules)
skip 1
separator ;
fields date, _, memo, name, amount, currency, balance
date-format %d.%m.%Y
decimal-mark ,
newest-first
account1 assets:bank:checking
account2 expenses:unsorted
description %name | %memo

if Miete
  account2 expenses:rent

if %name Muehle
  account2 expenses:flour
  comment invoice: %memo

if %memo ^Mitgliedsbeitrag
& %name Ana
  account2 income:dues

if Kartenzahlung
  account2 assets:clearing:pos
  status *

if Kontofuehrung
  account2 expenses:bank-fees

if Anfangssaldo
  account2 equity:opening
`;

/** A card statement with its rules beside it (FILE.csv.rules), as hledger finds them by default. */
const CARD_CSV = `date,description,amount
2024-03-03,FLOUR MILL ONLINE,-86.20
2024-03-09,TRAIN TICKET,-42.00
2024-03-12,REFUND FLOUR MILL,10.05
`;

const CARD_RULES = `skip 1
fields date, description, amount
currency EUR
account1 liabilities:card
account2 expenses:unsorted
if FLOUR
  account2 expenses:flour
if TRAIN
  account2 expenses:travel
`;

let journalBooks: string;
let journalFile: string;

describe('(a) an hledger/ledger journal: import agrees with hledger and ledger', () => {
  beforeAll(async () => {
    journalFile = writeFile('coop.journal', JOURNAL);
    writeFile('coop-travel.journal', TRAVEL_JOURNAL);
    journalBooks = await newBooks('journal');
  });

  it('the tools read the file and agree with each other', async () => {
    await hledgerCheck(journalFile);
    expect(await ledgerBalances(journalFile)).toEqual(await hledgerBalances(journalFile));
  });

  it('imports every transaction (the included file too) and every declaration', async () => {
    const output = await tallystickOk(journalBooks, ['import', journalFile]);
    expect(output).toBe(`Imported 11 transactions and 18 declarations from ${journalFile}.\n`);
  });

  it('every account\'s balance equals hledger\'s and ledger\'s, account by account, commodity by commodity', async () => {
    const ours = await flatBalances(journalBooks);
    expect(ours).toEqual(await hledgerBalances(journalFile));
    expect(ours).toEqual(await ledgerBalances(journalFile));
    // The cases that need care: yen without decimals, a fund with three, an exact product of a unit price.
    expect(ours).toContainEqual({ account: 'assets:cash', commodity: 'JPY', amount: '19500' });
    expect(ours).toContainEqual({ account: 'assets:investments:fund', commodity: 'VFUND', amount: '16.845' });
    expect(ours).toContainEqual({ account: 'assets:bank:savings', commodity: 'EUR', amount: '1270.73925' });
    expect(ours).toContainEqual({ account: 'income:sales', commodity: '$', amount: '-1212.89' });
  });

  it('keeps the declared account types', async () => {
    const accounts = await tallystickJson<{ account: string; type: string | null; declared: boolean }[]>(journalBooks, ['accounts']);
    expect(accounts.find((row) => row.account === 'liabilities:loans:member')).toMatchObject({ type: 'liability', declared: true });
    expect(accounts.find((row) => row.account === 'expenses:travel')).toMatchObject({ type: 'expense', declared: true });
    expect(accounts).toHaveLength(12);
  });

  it('importing the same file again adds nothing', async () => {
    const before = await flatBalances(journalBooks);
    const books = snapshotBooks(journalBooks);
    const output = await tallystickOk(journalBooks, ['import', journalFile]);
    expect(output).toBe(`Nothing new in ${journalFile}: all 29 entries were imported before.\n`);
    expect(await flatBalances(journalBooks)).toEqual(before);
    expect(snapshotBooks(journalBooks)).toEqual(books);
  });
});

let beancountBooks: string;
let beancountFile: string;

describe('(b) a beancount file (bean-example, seeded): import agrees with beancount', () => {
  beforeAll(async () => {
    beancountFile = writeFile('example.beancount', await beanExample({ seed: 7, begin: '2023-01-01', end: '2024-01-01', birth: '1985-05-05' }));
    beancountBooks = await newBooks('beancount');
  });

  it('bean-check accepts the example, which has lots at cost, balance directives and prices', async () => {
    await beanCheck(beancountFile);
    const text = readFileSync(beancountFile, 'utf8');
    expect(text).toMatch(/ \{\d+(\.\d+)? USD, \d{4}-\d{2}-\d{2}\}/u);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2} balance /mu);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2} price /mu);
  });

  it('every account\'s balance equals beancount\'s (residuals beancount tolerates in Equity:Rounding)', async () => {
    const result = await runTallystick(beancountBooks, ['import', beancountFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Imported \d{3} transactions and \d+ declarations from /u);
    expect(result.stderr).toContain('each residual is posted to Equity:Rounding');
    const ours = await flatBalances(beancountBooks);
    expect(ours).toEqual(normalizeBalances(await beancountBalances(beancountFile, { roundingAccount: 'Equity:Rounding' })));
    expect(ours.length).toBeGreaterThan(30);
  });

  it('importing the same file again adds nothing', async () => {
    const before = await flatBalances(beancountBooks);
    const output = await tallystickOk(beancountBooks, ['import', beancountFile]);
    expect(output).toMatch(/^Nothing new in .*example\.beancount: all \d+ entries were imported before\.\n$/u);
    expect(await flatBalances(beancountBooks)).toEqual(before);
  });
});

let csvBooks: string;

describe('(c) bank CSV statements with hledger rules: import agrees with hledger', () => {
  let bankFile: string;
  let cardFile: string;
  beforeAll(async () => {
    bankFile = writeFile('bank-2024q1.csv', BANK_CSV);
    mkdirSync(join(work, 'rules'));
    writeFile('rules/bank.rules', BANK_RULES);
    cardFile = writeFile('card.csv', CARD_CSV);
    writeFile('card.csv.rules', CARD_RULES);
    csvBooks = await newBooks('csv');
  });

  /** hledger reads each statement with its rules; its `print` is one journal, whose balance assertions it then checks. */
  async function hledgerCsvBalances(): Promise<ToolBalance[]> {
    const bank = await runTool('hledger', ['-f', bankFile, '--rules-file', join(work, 'rules/bank.rules'), 'print']);
    const card = await runTool('hledger', ['-f', cardFile, 'print']);
    expect(bank.code, bank.stderr).toBe(0);
    expect(card.code, card.stderr).toBe(0);
    writeFile('bank-by-hledger.journal', bank.stdout);
    writeFile('card-by-hledger.journal', card.stdout);
    const both = writeFile('statements-by-hledger.journal', 'include bank-by-hledger.journal\ninclude card-by-hledger.journal\n');
    await hledgerCheck(both);
    return hledgerBalances(both);
  }

  it('imports the bank statement with --rules FILE and the card statement with FILE.csv.rules', async () => {
    expect(await tallystickOk(csvBooks, ['import', bankFile, '--rules', join(work, 'rules/bank.rules')]))
      .toBe(`Imported 8 transactions and 0 declarations from ${bankFile}.\n`);
    expect(await tallystickOk(csvBooks, ['import', cardFile])).toBe(`Imported 3 transactions and 0 declarations from ${cardFile}.\n`);
  });

  it('every account\'s balance equals hledger\'s', async () => {
    const ours = await flatBalances(csvBooks);
    expect(ours).toEqual(await hledgerCsvBalances());
    expect(ours).toContainEqual({ account: 'assets:bank:checking', commodity: 'EUR', amount: '11249.1' });
    expect(ours).toContainEqual({ account: 'expenses:flour', commodity: 'EUR', amount: '1310.71' });
  });

  it('the statement is read oldest first, with the bank\'s running balance', async () => {
    const rows = await tallystickJson<{ date: string; balance: { amount: string }[] }[]>(csvBooks, ['register', 'checking']);
    expect(rows.map((row) => row.date)).toEqual([...rows.map((row) => row.date)].sort());
    expect(rows.map((row) => row.balance[0]?.amount)).toEqual(['12426.21', '11226.21', '11221.31', '11246.31', '13658.66', '12458.66', '11224.10', '11249.10']);
  });

  it('importing the same statement again adds nothing', async () => {
    const before = await flatBalances(csvBooks);
    expect(await tallystickOk(csvBooks, ['import', bankFile, '--rules', join(work, 'rules/bank.rules')]))
      .toBe(`Nothing new in ${bankFile}: all 8 entries were imported before.\n`);
    expect(await flatBalances(csvBooks)).toEqual(before);
  });
});

describe('(d) export: hledger, ledger and beancount accept the files with Tallystick\'s balances', () => {
  async function exportTo(data: string, format: 'ledger' | 'beancount', name: string): Promise<string> {
    const file = join(work, name);
    const output = await tallystickOk(data, ['export', '--format', format, '--out', file]);
    expect(output).toMatch(new RegExp(`^Wrote \\d+ transactions to .*${name} \\(${format}\\)\\.\\n$`, 'u'));
    return file;
  }

  /** The exported file imported into new books gives the same balances again. */
  async function expectRoundTrip(file: string, books: string, name: string): Promise<void> {
    const again = await newBooks(name);
    await tallystickOk(again, ['import', file]);
    expect(await flatBalances(again)).toEqual(await flatBalances(books));
  }

  it('the journal books as a journal: hledger and ledger agree with Tallystick', async () => {
    const file = await exportTo(journalBooks, 'ledger', 'journal-export.journal');
    await hledgerCheck(file);
    const ours = await flatBalances(journalBooks);
    expect(await hledgerBalances(file)).toEqual(ours);
    expect(await ledgerBalances(file)).toEqual(ours);
    await expectRoundTrip(file, journalBooks, 'journal-again');
  });

  it('the journal books as beancount: bean-check accepts it, beancount agrees with Tallystick', async () => {
    const file = await exportTo(journalBooks, 'beancount', 'journal-export.beancount');
    await beanCheck(file);
    expect(await beancountBalancesAsTallystick(file)).toEqual(await flatBalances(journalBooks));
    expect(readFileSync(file, 'utf8')).toContain('tallystick-account: "assets:bank:checking"');
    expect(readFileSync(file, 'utf8')).toContain('tallystick-symbol: "$"');
    await expectRoundTrip(file, journalBooks, 'journal-again-beancount');
  });

  it('the CSV books as a journal and as beancount', async () => {
    const ours = await flatBalances(csvBooks);
    const journal = await exportTo(csvBooks, 'ledger', 'csv-export.journal');
    await hledgerCheck(journal);
    expect(await hledgerBalances(journal)).toEqual(ours);
    expect(await ledgerBalances(journal)).toEqual(ours);
    const beancount = await exportTo(csvBooks, 'beancount', 'csv-export.beancount');
    await beanCheck(beancount);
    expect(await beancountBalancesAsTallystick(beancount)).toEqual(ours);
  });

  it('the beancount books back to beancount: bean-check accepts them, balances unchanged, lots and all', async () => {
    const file = await exportTo(beancountBooks, 'beancount', 'beancount-export.beancount');
    await beanCheck(file);
    expect(await beancountBalancesAsTallystick(file)).toEqual(await flatBalances(beancountBooks));
    await expectRoundTrip(file, beancountBooks, 'beancount-again');
  });

  it('books a journal cannot hold are refused with every reason, and no file is written', async () => {
    // bean-example's institutions carry addresses with commas, which a journal tag cannot hold.
    const file = join(work, 'beancount-export.journal');
    const result = await runTallystick(beancountBooks, ['export', '--format', 'ledger', '--out', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tallystick: cannot write account Assets:US:\S+ as a journal: its metadata address: /u);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(file)).toBe(false);
  });
});

describe('(e) export csv: one row per posting, readable by a CSV reader', () => {
  it('python\'s csv module reads one row per posting, with amounts that sum to each balance', async () => {
    const file = join(work, 'journal-export.csv');
    await tallystickOk(journalBooks, ['export', '--format', 'csv', '--out', file]);
    const parsed = await runTool('/usr/bin/python3', ['-c', 'import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))))', file]);
    expect(parsed.code, parsed.stderr).toBe(0);
    const [header, ...rows] = JSON.parse(parsed.stdout) as string[][];
    expect(header).toEqual(['date', 'id', 'code', 'status', 'payee', 'description', 'account', 'commodity', 'amount', 'comment']);
    const postings = await tallystickJson<{ transaction: string; account: string; amount: string }[]>(journalBooks, ['register']);
    expect(rows).toHaveLength(postings.length);
    expect(rows.map((row) => [row[1], row[6], row[8]])).toEqual(postings.map((posting) => [posting.transaction, posting.account, posting.amount]));
    for (const row of rows) expect(row).toHaveLength(header!.length);
    expect(rows).toContainEqual(expect.arrayContaining(['101', 'Millers Ltd', 'flour, 40 sacks', 'expenses:flour', 'EUR', '860.40']));

    const totals = new Map<string, Decimal>();
    for (const row of rows) {
      const key = `${row[6]}\u0000${row[7]}`;
      totals.set(key, (totals.get(key) ?? Decimal.ZERO).add(Decimal.parse(row[8]!)));
    }
    const fromCsv = sortBalances([...totals].filter(([, total]) => !total.isZero()).map(([key, total]) => {
      const [account, commodity] = key.split('\u0000') as [string, string];
      return { account, commodity, amount: total.normalize().toString() };
    }));
    expect(fromCsv).toEqual(await flatBalances(journalBooks));
  });
});

describe('(f) malformed input: an error with its place and nothing imported', () => {
  const BAD_JOURNAL = `; two mistakes: a typo in an amount (line 7) and a transaction that does not balance (lines 10-12)
2024-04-01 * Sales that are fine on their own
    assets:bank:checking     100.00 EUR
    income:sales

2024-04-02 * Typo in an amount
    expenses:flour           12..50 EUR
    assets:bank:checking

2024-04-03 * Does not balance
    expenses:rent            500.00 EUR
    assets:bank:checking    -499.00 EUR
`;

  const FAILING_ASSERTION = `2024-04-01 * Sales
    assets:bank:checking     100.00 EUR
    income:sales

2024-04-05 * Bank fee
    expenses:fees              2.50 EUR
    assets:bank:checking      -2.50 EUR = 98.00 EUR
`;

  const FAILING_BALANCE = `option "operating_currency" "EUR"

2024-01-01 open Assets:Bank EUR
2024-01-01 open Income:Sales EUR

2024-01-10 * "Market" "sales"
  Assets:Bank     120.00 EUR
  Income:Sales

2024-02-01 balance Assets:Bank  125.00 EUR
`;

  /** Runs an import that must fail and checks that the books did not change at all. */
  async function importRefused(file: string): Promise<string> {
    const balances = await flatBalances(journalBooks);
    const books = snapshotBooks(journalBooks);
    const result = await runTallystick(journalBooks, ['import', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tallystick: /u);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(snapshotBooks(journalBooks)).toEqual(books);
    expect(await flatBalances(journalBooks)).toEqual(balances);
    return result.stderr;
  }

  it('a bad amount and an unbalanced transaction: both reported as file:line:column, found, expected', async () => {
    const file = writeFile('mistakes.journal', BAD_JOURNAL);
    await expect(hledgerCheck(file)).rejects.toThrow(/invalid number/u);
    const stderr = await importRefused(file);
    expect(stderr).toContain(`${file}:7:30: found "12..50", expected a number without two separators in a row`);
    expect(stderr).toContain(`${file}:10:1: found a transaction whose postings sum to 1.00 EUR, expected postings that sum to zero in each commodity`);
  });

  it('a description longer than any entry may hold is refused at its line, before anything is signed', async () => {
    const file = writeFile('long-description.journal', `2024-04-01 * Fine\n    assets:bank:checking  1.00 EUR\n    income:sales\n\n2024-04-02 * ${'x'.repeat(5000)}\n    assets:bank:checking  1.00 EUR\n    income:sales\n`);
    await hledgerCheck(file); // hledger takes it: the limit is Tallystick's, and it says so
    const stderr = await importRefused(file);
    expect(stderr).toBe(`tallystick: ${file}:5:1: found a transaction with a description of 5000 characters (at most 4096), expected a transaction within the limits every entry is held to; nothing was imported\n`);
  });

  it('a failing balance assertion names the file, line, expected and actual balance', async () => {
    const file = writeFile('assertion.journal', FAILING_ASSERTION);
    await expect(hledgerCheck(file)).rejects.toThrow(/balance assertion/u);
    const stderr = await importRefused(file);
    expect(stderr).toContain(`${file}:7:41: found a balance of 97.50 EUR in assets:bank:checking (own postings) on 2024-04-05, expected 98.00 EUR as asserted`);
  });

  it('a failing beancount balance directive names the file, line, expected and actual balance', async () => {
    const file = writeFile('failing.beancount', FAILING_BALANCE);
    await expect(beanCheck(file)).rejects.toThrow(/Balance failed for 'Assets:Bank'/u);
    const stderr = await importRefused(file);
    expect(stderr).toContain(`${file}:10:1: found a balance of Assets:Bank of 120.00 EUR at the start of 2024-02-01 (5.00 too little), expected 125.00 EUR`);
  });

  it('a file with entries on or before the lock date: every such entry listed, nothing imported', async () => {
    await tallystickOk(journalBooks, ['lock', '2024-03-31']);
    const file = writeFile('late.journal', `2024-03-30 * Late invoice
    expenses:flour     40.00 EUR
    assets:bank:checking

2024-04-02 * After the lock
    expenses:flour     10.00 EUR
    assets:bank:checking
`);
    const stderr = await importRefused(file);
    expect(stderr).toMatch(/^tallystick: the books are locked through 2024-03-31; nothing was written\. 1 entry is dated on or before it:\n {2}"Late invoice" dated 2024-03-30\n/u);
  });

  it('a CSV record with a bad amount: the record\'s place and nothing imported', async () => {
    const file = writeFile('broken.csv', CARD_CSV.replace('-42.00', '-4z.00'));
    writeFile('broken.csv.rules', CARD_RULES);
    expect((await runTool('hledger', ['-f', file, 'print'])).stderr).toContain('could not parse "-4z.00" as an amount');
    const stderr = await importRefused(file);
    expect(stderr).toContain(`${file}:3:25: found amount "-4z.00", expected an amount like -1,234.56`);
  });
});
