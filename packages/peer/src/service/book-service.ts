import { resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import {
  type AccountName, type Amount, type BalanceRow, accountAndAncestors, compareAccounts, type CommodityStyles, type StatementSection as CoreSection, CONVERSIONS_LABEL, CURRENT_EARNINGS_LABEL,
  type Book, TallystickError, balanceReport, balanceSheetReport, commodityStyles, formatAmount, incomeStatementReport, quoteCsvField, registerReport,
  readCsvRows, trialBalanceReport,
} from '@tallystick/core';
import { readDevicePublicKey, rebuildIndex } from '@tallystick/sync';
import type { BookView } from '@tallystick/sync/book-index';
import { accountOpenCommand } from '../commands/accounts.js';
import { addCommand, transactionFromFlags } from '../commands/add.js';
import { type ImportSource, detectFormat, importSource, planImport } from '../commands/import.js';
import { proposeCommand, voteCommand } from '../commands/governance-write.js';
import { checkNewPassphrase, initCommand } from '../commands/init.js';
import { lockCommand } from '../commands/lock.js';
import { reverseCommand } from '../commands/reverse.js';
import { type CommandContext, cachedBookViews, openFolder, openStore, today } from '../context.js';
import {
  type ReportPeriod, describeFailure, readFoundCoopInput, readImportInput, readPeriodRequest, readLockInput, readOpenAccountInput, readProposeInput, readVoteInput, readRegisterRequest, readReverseInput, readTransactionInput, readTransactionRequest, postingFlags,
} from './requests.js';
import { governanceOf } from './governance-service.js';
import { createFederationService } from './federation-service.js';
import { createNetworkService } from './network-service.js';
import type { SyncHostOptions } from './sync-service.js';
import { createTimebankService } from './timebank-service.js';
import { createChartService } from './chart-service.js';
import type {
  AccountTree, BalanceLine, BookApi, Founded, Governance, Overview, Register, RejectedLine, Saved, ServiceResult, Statement, StatementSection, TransactionCheck,
  TransactionDetail, TransactionInput, TrialBalance, ImportInput, ImportPreview,
} from './protocol.js';

export interface BookServiceOptions {
  readonly dataDir: string;
  /** Which co-op of the data folder (name or id); the first founded when absent. */
  readonly coop?: string;
  /** TALLYSTICK_PASSPHRASE and the rest of the environment the CLI would see. */
  readonly env: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  /** Where warnings (damaged chunks) and internal errors are logged. */
  readonly log?: (line: string) => void;
  /** Host this device's peer (sync-service.ts): `tallystick ui` and Electron main do; absent, the service does not sync. */
  readonly sync?: SyncHostOptions;
}

/** The service with what its host process needs besides the API: starting and stopping the peer. */
export interface BookService extends BookApi {
  /** Starts syncing if the folder holds a co-op and the environment has the passphrase; answers in words either way. */
  startSyncing(): Promise<string>;
  /** Stops the peer (everything received saved); the service answers nothing after. */
  close(): Promise<void>;
}

/**
 * The app's local service: each method does what the matching `tallystick` command does, through the
 * same functions (`loadBookView` and core's reports to read; `addCommand`/`reverseCommand` and so
 * `writeEntries` to write), and answers plain data. Writes run one at a time.
 */
export function createBookService(options: BookServiceOptions): BookService {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let writing: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = writing.then(work, work);
    writing = next.catch(() => undefined);
    return next;
  };
  const context = (passphrase?: string): { context: CommandContext; output: () => string } => commandContext(options, log, passphrase);
  const loadView = cachedBookViews();
  const read = async (): Promise<BookView> => loadView(context().context);
  const network = createNetworkService({
    answer: (work) => answer(log, work), serially, context, dataDir: options.dataDir, log, sync: options.sync,
    refuseIfFounded: () => refuseIfFounded(context().context),
  });
  let registers: { view: BookView; account: string; report: ReturnType<typeof registerReport>; styles: CommodityStyles } | undefined;

  const api: BookApi = {
    ...createTimebankService({ answer: (work) => answer(log, work), serially, context }),
    ...createChartService({ answer: (work) => answer(log, work), read }),
    ...createFederationService({ answer: (work) => answer(log, work), serially, context, peer: network.host }),
    ...network.methods,
    overview: () => answer(log, async (): Promise<Overview> => {
      const view = await read();
      const passphrase = options.env.TALLYSTICK_PASSPHRASE;
      return {
        coopName: view.coopName,
        ...(view.lockedThrough ? { lockedThrough: view.lockedThrough } : {}),
        transactionCount: view.transactionCount,
        rejectedCount: view.rejected.length,
        accounts: view.accountNames(),
        needsPassphrase: passphrase === undefined || passphrase === '',
        today: today((options.now ?? (() => new Date()))()),
      };
    }),
    accountTree: () => answer(log, async (): Promise<AccountTree> => {
      const view = await read();
      const report = balanceReport(view.reportInput(), { mode: 'tree' });
      const styles = stylesOf(view, report.precisions);
      return { lines: withDeclaredAccounts(report.rows.map((row) => balanceLine(row, styles, 1)), view.accountNames()), total: formatList(report.totals.total, styles) };
    }),
    register: (request) => answer(log, async (): Promise<Register> => {
      const { account, offset = 0, limit } = readRegisterRequest(request);
      const view = await read();
      // A long register is read a window at a time: the report is computed once per view and account.
      if (registers?.view !== view || registers.account !== account) {
        const report = registerReport(view.reportInput(), { accountPattern: `^${escapeRegExp(account)}(:|$)` });
        registers = { view, account, report, styles: stylesOf(view, report.precisions) };
      }
      const { report, styles } = registers;
      return {
        account, total: report.rows.length, offset,
        lines: report.rows.slice(offset, limit === undefined ? undefined : offset + limit).map((row) => ({
          date: row.date, description: row.description ?? '', transactionId: row.transactionId ?? '', account: row.account,
          amount: formatAmount(row.amount, styles), balance: formatList(row.runningTotal, styles),
        })),
      };
    }),
    balanceSheet: (request) => answer(log, async (): Promise<Statement> => {
      const period = readPeriodRequest(request);
      const view = await read();
      // A balance sheet is a position at one date: only the end of the period matters.
      const report = balanceSheetReport(view.reportInput(), { mode: 'tree', ...(period.end ? { end: period.end } : {}) });
      const styles = stylesOf(view, report.precisions);
      const [assets, liabilities, equity] = report.sections.map((section) => statementSection(section, styles));
      const extraRows: CsvRow[] = [[CURRENT_EARNINGS_LABEL, negated(report.currentEarnings.total)]];
      if (report.conversions) extraRows.push([CONVERSIONS_LABEL, negated(report.conversions.total)]);
      const extra: BalanceLine[] = extraRows.map(([label, amounts]) => ({ account: label, name: label, depth: 0, balance: formatList(amounts, styles) }));
      return {
        title: 'Balance sheet',
        period: period.end ? `as of ${period.words.replace(/^.*(?:to|through) /u, '')}` : 'as of today',
        sections: [assets!, liabilities!, { ...equity!, lines: [...equity!.lines, ...extra] }],
        net: { label: 'Assets − liabilities − equity', amount: formatList(report.net.total, styles) },
        csv: statementCsv(report.sections, { Equity: extraRows }),
      };
    }),
    incomeStatement: (request) => answer(log, async (): Promise<Statement> => {
      const period = readPeriodRequest(request);
      const view = await read();
      const report = incomeStatementReport(view.reportInput(), { mode: 'tree', ...dateRange(period) });
      const styles = stylesOf(view, report.precisions);
      return {
        title: 'Income statement',
        period: period.words,
        sections: report.sections.map((section) => statementSection(section, styles)),
        net: { label: 'Net income', amount: formatList(negated(report.net.total), styles) },
        csv: statementCsv(report.sections, {}),
      };
    }),
    previewImport: (request) => answer(log, async (): Promise<ImportPreview> => {
      const input = readImportInput(request);
      const format = input.format ?? detectFormat(input.fileName);
      const csv = format === 'csv' ? firstCsvRecords(input) : {};
      if (format === 'csv' && input.rules === undefined) {
        return { format, ...csv, ready: false, transactions: 0, declarations: 0, alreadyPresent: 0, sample: [], warnings: [] };
      }
      const plan = await planImport(context().context, sourceOf(input, format));
      return {
        format, ...csv, ready: true,
        transactions: plan.transactionCount, declarations: plan.entries.length - plan.transactionCount, alreadyPresent: plan.skipped,
        sample: plan.parsed.transactions.slice(0, 20).map(({ value }) => ({
          date: value.date,
          description: [value.payee, value.description].filter(Boolean).join(' | '),
          postings: value.postings.map((posting) => ({ account: posting.account, amount: posting.amount ? `${posting.amount.quantity.toString()} ${posting.amount.commodity}` : '' })),
        })),
        warnings: plan.parsed.warnings.map((warning) => `${warning.source.file}:${warning.source.line}: ${warning.message}`),
      };
    }),
    importFile: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readImportInput(request);
      const { context: command, output } = context(input.passphrase);
      await importSource(command, sourceOf(input, input.format ?? detectFormat(input.fileName)));
      return { message: output().trim() };
    })),
    trialBalance: (request) => answer(log, async (): Promise<TrialBalance> => {
      const period = readPeriodRequest(request);
      const view = await read();
      const report = trialBalanceReport(view.reportInput(), dateRange(period));
      const styles = stylesOf(view, report.precisions);
      const rows = [...report.rows, ...(report.conversions ? [report.conversions] : [])];
      const csvLines = [['account', 'commodity', 'debit', 'credit']];
      for (const row of rows) {
        const commodities = [...new Set([...row.debit, ...row.credit].map((amount) => amount.commodity))].sort();
        for (const commodity of commodities) {
          const side = (list: readonly Amount[]) => list.find((amount) => amount.commodity === commodity)?.quantity.toString() ?? '';
          csvLines.push([row.account, commodity, side(row.debit), side(row.credit)]);
        }
      }
      return {
        period: period.end ? `balances through ${period.words.replace(/^.*(?:to|through) /u, '')}${period.begin ? `, movements from ${period.begin}` : ''}` : 'balances as of today',
        lines: rows.map((row) => ({ account: row.account, debit: formatList(row.debit, styles), credit: formatList(row.credit, styles) })),
        totals: { debit: formatList(report.totals.debit, styles), credit: formatList(report.totals.credit, styles) },
        csv: csvText(csvLines),
      };
    }),
    checkTransaction: (request) => answer(log, async (): Promise<TransactionCheck> => checkTransaction(readTransactionInput(request), options)),
    addTransaction: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readTransactionInput(request);
      const { context: command, output } = context(input.passphrase);
      await addCommand(command, { date: input.date, description: input.description, ...(input.payee ? { payee: input.payee } : {}), posting: postingFlags(input) });
      return { message: output().trim() };
    })),
    reverseTransaction: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readReverseInput(request);
      const { context: command, output } = context(input.passphrase);
      await reverseCommand(command, input.transactionId, input.date ? { date: input.date } : {});
      return { message: output().trim() };
    })),
    openAccount: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readOpenAccountInput(request);
      const { context: command, output } = context(input.passphrase);
      await accountOpenCommand(command, input.account, { ...(input.date ? { date: input.date } : {}), ...(input.type ? { type: input.type } : {}) });
      return { message: output().trim() };
    })),
    transaction: (request) => answer(log, async (): Promise<TransactionDetail> => {
      const { transactionId } = readTransactionRequest(request);
      // The full book, read as `reverse` reads it: the index has no authors or payees.
      const { context: command } = context();
      const store = await openStore(command, await openFolder(command));
      try {
        const { book } = await rebuildIndex(store);
        return transactionDetail(book, transactionId);
      } finally {
        await store.close();
      }
    }),
    lockPeriod: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readLockInput(request);
      const { context: command, output } = context(input.passphrase);
      await lockCommand(command, input.through);
      return { message: output().trim() };
    })),
    rejected: () => answer(log, async (): Promise<readonly RejectedLine[]> => {
      const view = await read();
      return view.rejected.map((entry) => ({ id: entry.id, kind: entry.kind ?? 'entry', code: entry.code, reason: entry.reason }));
    }),
    foundCoop: (request) => answer(log, () => serially(async (): Promise<Founded> => {
      const input = readFoundCoopInput(request);
      if (network.joining()) throw new TallystickError('join_running', 'This device is joining a co-op with an invite code; nothing was created. Wait for the join to finish, or restart Tallystick to stop it, before founding one.');
      await refuseIfFounded(context().context);
      checkNewPassphrase(input.passphrase, input.passphraseAgain);
      // The passphrase goes to `init` as the CLI's environment would give it: never into a message or the log.
      const { context: command, output } = commandContext({ ...options, env: { ...options.env, TALLYSTICK_PASSPHRASE: input.passphrase } }, log);
      await initCommand(command, { coop: input.coopName, member: input.memberName });
      // The founder's device syncs from now on (the key was just unlocked with this passphrase).
      void network.host.start(input.passphrase).catch((error: unknown) => { log(`tallystick service: sync did not start: ${String(error)}`); });
      return { message: output().trim(), dataFolder: resolve(options.dataDir) };
    })),
    governance: () => answer(log, async (): Promise<Governance> => {
      const view = await read();
      return governanceOf(view, await thisDevice(context().context), (options.now ?? (() => new Date()))());
    }),
    propose: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readProposeInput(request);
      const { context: command, output } = context(input.passphrase);
      await proposeCommand(command, input.action, [input.action === 'lock' ? input.through ?? '' : input.rule ?? ''], {});
      return { message: appWords(output()) };
    })),
    vote: (request) => answer(log, () => serially(async (): Promise<Saved> => {
      const input = readVoteInput(request);
      const { context: command, output } = context(input.passphrase);
      await voteCommand(command, input.proposalId, input.choice);
      return { message: appWords(output()) };
    })),
  };
  // Not enumerable: the host process calls these; what IPC and HTTP serve (the API's keys) stays BOOK_METHODS.
  return Object.defineProperties(api, {
    startSyncing: { value: () => network.host.start().catch((error: unknown) => (error instanceof TallystickError ? describeFailure(error).message : String(error))) },
    close: { value: () => network.host.stop() },
  }) as BookService;
}

/** This device's public key (reading it needs no passphrase), or undefined when the folder has none yet. */
async function thisDevice(command: CommandContext): Promise<string | undefined> {
  try {
    return await readDevicePublicKey((await openFolder(command)).keyPath);
  } catch (error) {
    if (error instanceof TallystickError || (error instanceof Error && 'code' in error && error.code === 'ENOENT')) return undefined;
    throw error;
  }
}

/** `propose` and `vote` end with a hint at the next command to type; the app has buttons for that. */
function appWords(printed: string): string {
  return printed.split('\n').filter((line) => line.trim() !== '' && !line.includes('`tallystick')).join(' ');
}

/** Onboarding founds the first co-op only: a second one in the same folder is the command line's business. */
async function refuseIfFounded(command: CommandContext): Promise<void> {
  let names: string[];
  try {
    names = Object.values((await openFolder(command)).config.coops).map((coop) => coop.name);
  } catch (error) {
    if (error instanceof TallystickError && error.code === 'no_data_folder') return;
    throw error;
  }
  if (names.length > 0) {
    throw new TallystickError('coop_exists', `this data folder already holds the co-op ${names.map((name) => `"${name}"`).join(', ')}; nothing was created`);
  }
}

/** One transaction by id or unique prefix, with who wrote it and whether it counts; an entry that does not count by its reason. */
function transactionDetail(book: Book, idOrPrefix: string): TransactionDetail {
  const wanted = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f]{6,64}$/u.test(wanted)) {
    throw new TallystickError('invalid_transaction_id', `"${idOrPrefix}" is not a transaction id (expected 6 to 64 hex digits)`);
  }
  const matches = book.transactions.filter((recorded) => recorded.id.startsWith(wanted));
  if (matches.length > 1) throw new TallystickError('ambiguous_transaction_id', `${matches.length} transactions have ids starting with ${idOrPrefix}; give more digits`);
  const recorded = matches[0];
  if (!recorded) {
    const rejected = book.rejected.find((entry) => entry.id.startsWith(wanted));
    if (!rejected) throw new TallystickError('unknown_transaction', `no transaction has an id starting with ${idOrPrefix}`);
    return { id: rejected.id, status: { kind: 'rejected', code: rejected.code, reason: rejected.reason }, postings: [] };
  }
  const { transaction } = recorded;
  const styles = commodityStyles({ declarations: [...book.commodities.values()], precisions: new Map() });
  const member = book.members.find((candidate) => candidate.devices.includes(recorded.author));
  const reversedBy = book.reversedBy.get(recorded.id);
  return {
    id: recorded.id,
    status: reversedBy ? { kind: 'reversed', by: reversedBy } : { kind: 'counts' },
    date: transaction.date,
    ...(transaction.payee ? { payee: transaction.payee } : {}),
    description: transaction.description,
    postings: transaction.postings.map((posting) => ({ account: posting.account, amount: formatAmount(posting.amount, styles) })),
    authorDevice: recorded.author,
    ...(member ? { authorMember: member.name } : {}),
    writtenAt: recorded.at,
    ...(recorded.reverses ? { reverses: recorded.reverses } : {}),
  };
}

/** The live balance check: the same parse the add command does, without writing. */
function checkTransaction(input: TransactionInput, options: BookServiceOptions): TransactionCheck {
  const filled = input.postings.filter((posting) => posting.account.trim() !== '' || posting.amount.trim() !== '');
  try {
    const transaction = transactionFromFlags({ date: input.date, description: input.description || '-', posting: postingFlags({ ...input, postings: filled }) }, today((options.now ?? (() => new Date()))()));
    const styles = commodityStyles({ declarations: [], precisions: new Map() });
    return { balanced: true, message: 'Balanced', postings: transaction.postings.map((posting) => ({ account: posting.account, amount: formatAmount(posting.amount, styles) })) };
  } catch (error) {
    if (!(error instanceof TallystickError)) throw error;
    return { balanced: false, message: describeFailure(error).message, postings: [] };
  }
}

async function answer<T>(log: (line: string) => void, work: () => Promise<T>): Promise<ServiceResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof TallystickError) return { ok: false, error: describeFailure(error) };
    log(`tallystick service: internal error: ${error instanceof Error ? error.stack : String(error)}`);
    return { ok: false, error: { code: 'internal', message: 'Something went wrong inside Tallystick; nothing was changed by this request. The details are in the log.' } };
  }
}

function commandContext(options: BookServiceOptions, log: (line: string) => void, passphrase?: string): { context: CommandContext; output: () => string } {
  const chunks: string[] = [];
  const stdout = new Writable({ write(chunk: Buffer | string, _encoding, callback) { chunks.push(chunk.toString()); callback(); } });
  const stderr = new Writable({ write(chunk: Buffer | string, _encoding, callback) { log(chunk.toString().trimEnd()); callback(); } });
  const env = passphrase ? { ...options.env, TALLYSTICK_PASSPHRASE: passphrase } : options.env;
  return {
    context: {
      dataDir: options.dataDir, ...(options.coop ? { coop: options.coop } : {}),
      stdout, stderr, stdin: Readable.from([]), env, now: options.now ?? (() => new Date()),
    },
    output: () => chunks.join(''),
  };
}

function stylesOf(view: BookView, precisions: ReadonlyMap<string, number>): CommodityStyles {
  return commodityStyles({ declarations: view.commodities, precisions });
}

function balanceLine(row: BalanceRow, styles: CommodityStyles, sign: 1 | -1): BalanceLine {
  const segments = row.account.split(':');
  return { account: row.account, name: segments[segments.length - 1] ?? row.account, depth: row.indent, balance: formatList(sign === 1 ? row.total : negated(row.total), styles) };
}

/**
 * The tree with every declared account too: one just opened (no posting yet) shows at zero, in its place,
 * so the member sees it was opened.
 */
function withDeclaredAccounts(lines: readonly BalanceLine[], accounts: readonly AccountName[]): BalanceLine[] {
  const byAccount = new Map(lines.map((line) => [line.account as AccountName, line]));
  for (const account of accounts) {
    for (const name of accountAndAncestors(account)) {
      if (byAccount.has(name)) continue;
      const segments = name.split(':');
      byAccount.set(name, { account: name, name: segments[segments.length - 1] ?? name, depth: segments.length - 1, balance: [] });
    }
  }
  return [...byAccount.keys()].sort(compareAccounts).map((account) => byAccount.get(account)!);
}

function statementSection(section: CoreSection, styles: CommodityStyles): StatementSection {
  return { title: section.title, lines: section.rows.map((row) => balanceLine(row, styles, section.displaySign)), total: formatList(section.displaySign === 1 ? section.totals.total : negated(section.totals.total), styles) };
}

/** The app's file as the import command's source; the CSV rules are named after the file, as `import` looks for them. */
function sourceOf(input: ImportInput, format: ImportSource['format']): ImportSource {
  return { name: input.fileName, text: input.text, format, ...(input.rules !== undefined ? { rules: { name: `${input.fileName}.rules`, text: input.rules } } : {}) };
}

/** The first records of a CSV file, split by the separator its first line suggests, for the column mapping. */
function firstCsvRecords(input: ImportInput): { csvRecords: string[][]; csvSeparator: string } {
  const lines = input.text.replace(/^\uFEFF/u, '').split(/\r?\n/u).slice(0, 12);
  const count = (separator: string) => lines[0]!.split(separator).length;
  const csvSeparator = [',', ';', '\t'].reduce((best, separator) => (count(separator) > count(best) ? separator : best), ',');
  try {
    return { csvRecords: readCsvRows(lines.join('\n'), { file: input.fileName, separator: csvSeparator }).slice(0, 10).map((row) => [...row.fields]), csvSeparator };
  } catch {
    return { csvRecords: lines.filter((line) => line !== '').slice(0, 10).map((line) => line.split(csvSeparator)), csvSeparator };
  }
}

type CsvRow = [string, readonly Amount[]];

/** A statement's rows as CSV, one line per account and commodity, signed as the statement shows them. */
function statementCsv(sections: readonly CoreSection[], extra: Record<string, readonly CsvRow[]>): string {
  const lines = [['section', 'account', 'commodity', 'amount']];
  for (const section of sections) {
    const rows: CsvRow[] = section.rows.map((row) => [row.account, section.displaySign === 1 ? row.total : negated(row.total)]);
    for (const [account, amounts] of [...rows, ...(extra[section.title] ?? [])]) {
      for (const amount of amounts) lines.push([section.title, account, amount.commodity, amount.quantity.toString()]);
    }
  }
  return csvText(lines);
}

function csvText(lines: readonly (readonly string[])[]): string {
  return `${lines.map((line) => line.map((field) => quoteCsvField(field, ',')).join(',')).join('\n')}\n`;
}

function dateRange(period: ReportPeriod): { begin?: ReportPeriod['begin'] & {}; end?: ReportPeriod['end'] & {} } {
  return { ...(period.begin ? { begin: period.begin } : {}), ...(period.end ? { end: period.end } : {}) };
}

function formatList(amounts: readonly Amount[], styles: CommodityStyles): string[] {
  return amounts.map((amount) => formatAmount(amount, styles));
}

function negated(amounts: readonly Amount[]): Amount[] {
  return amounts.map((amount) => ({ commodity: amount.commodity, quantity: amount.quantity.negate() }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}
