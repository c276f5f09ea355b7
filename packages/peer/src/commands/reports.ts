import {
  type BalanceReport, type CommodityStyles, type IsoDate, type ReportInterval, TallystickError, balanceReport, balanceSheetReport,
  commodityStyles, incomeStatementReport, parseIsoDate, registerReport, renderBalanceReport, renderBalanceSheet, renderIncomeStatement,
  renderRegister, renderTrialBalance, trialBalanceReport,
} from '@tallystick/core';
import type { BookView } from '@tallystick/sync';
import { type CommandContext, loadBookView, print, warn } from '../context.js';

export interface PeriodFlags {
  begin?: string;
  end?: string;
  monthly?: boolean;
  quarterly?: boolean;
  yearly?: boolean;
  json?: boolean;
}

export interface BalanceFlags extends PeriodFlags {
  flat?: boolean;
  depth?: string;
}

export async function balanceCommand(context: CommandContext, flags: BalanceFlags): Promise<void> {
  const view = await loadView(context);
  const depth = flags.depth === undefined ? undefined : parseDepth(flags.depth);
  const report = balanceReport(view.reportInput(), {
    mode: flags.flat ? 'flat' : 'tree',
    ...(depth !== undefined ? { depth } : {}),
    ...dateRange(flags),
    ...interval(flags),
  });
  if (flags.json) {
    print(context, JSON.stringify(balanceRowsJson(report)));
    return;
  }
  context.stdout.write(renderBalanceReport(report, styles(view, report)));
}

/**
 * `balance --json`: one object per account and commodity, amount a decimal string. Flat rows are each
 * account's own postings; tree rows include subaccounts. With period columns, one object per column.
 */
function balanceRowsJson(report: BalanceReport): object[] {
  const row = (account: string, amount: { commodity: string; quantity: { toString(): string } }, period?: string) => ({
    account, commodity: amount.commodity, amount: amount.quantity.toString(), ...(period ? { period } : {}),
  });
  if (!report.interval) return report.rows.flatMap((line) => line.total.map((amount) => row(line.account, amount)));
  return report.rows.flatMap((line) => line.amounts.flatMap((column, index) => column.map((amount) => row(line.account, amount, report.periods[index]?.label))));
}

export async function registerCommand(context: CommandContext, pattern: string | undefined, flags: PeriodFlags): Promise<void> {
  const view = await loadView(context);
  const report = registerReport(view.reportInput(), { ...(pattern ? { accountPattern: pattern } : {}), ...dateRange(flags) });
  if (flags.json) {
    print(context, JSON.stringify(report.rows.map((row) => ({
      date: row.date,
      transaction: row.transactionId ?? null,
      description: row.description ?? '',
      account: row.account,
      commodity: row.amount.commodity,
      amount: row.amount.quantity.toString(),
      balance: row.runningTotal.map((amount) => ({ commodity: amount.commodity, amount: amount.quantity.toString() })),
    }))));
    return;
  }
  context.stdout.write(renderRegister(report, commodityStyles({ declarations: view.commodities, precisions: report.precisions })));
}

export async function trialBalanceCommand(context: CommandContext, flags: PeriodFlags): Promise<void> {
  const view = await loadView(context);
  show(context, view, flags, trialBalanceReport(view.reportInput(), dateRange(flags)), renderTrialBalance);
}

export async function balanceSheetCommand(context: CommandContext, flags: PeriodFlags): Promise<void> {
  const view = await loadView(context);
  show(context, view, flags, balanceSheetReport(view.reportInput(), { ...dateRange(flags), ...interval(flags) }), renderBalanceSheet);
}

export async function incomeStatementCommand(context: CommandContext, flags: PeriodFlags): Promise<void> {
  const view = await loadView(context);
  show(context, view, flags, incomeStatementReport(view.reportInput(), { ...dateRange(flags), ...interval(flags) }), renderIncomeStatement);
}

/** A statement as JSON (decimal strings) or as text in the book's commodity styles. */
function show<R extends { readonly precisions: ReadonlyMap<string, number> }>(context: CommandContext, view: BookView, flags: PeriodFlags, report: R, render: (report: R, styles: CommodityStyles) => string): void {
  if (flags.json) print(context, JSON.stringify(report, jsonAmounts));
  else context.stdout.write(render(report, commodityStyles({ declarations: view.commodities, precisions: report.precisions })));
}

/** Reports say on stderr when some entries do not count, so nobody trusts a total that leaves them out. */
async function loadView(context: CommandContext): Promise<BookView> {
  const view = await loadBookView(context);
  if (view.rejected.length > 0) {
    warn(context, `tallystick: ${view.rejected.length} entr${view.rejected.length === 1 ? 'y' : 'ies'} in the documents do${view.rejected.length === 1 ? 'es' : ''} not count (unsigned, tampered or not allowed); see \`tallystick rejected\``);
  }
  return view;
}

function styles(view: BookView, report: BalanceReport): CommodityStyles {
  return commodityStyles({ declarations: view.commodities, precisions: report.precisions });
}

function dateRange(flags: PeriodFlags): { begin?: IsoDate; end?: IsoDate } {
  return {
    ...(flags.begin ? { begin: parseIsoDate(flags.begin) } : {}),
    ...(flags.end ? { end: parseIsoDate(flags.end) } : {}),
  };
}

function interval(flags: PeriodFlags): { interval?: ReportInterval } {
  const chosen = [flags.monthly && 'monthly', flags.quarterly && 'quarterly', flags.yearly && 'yearly'].filter(Boolean) as ReportInterval[];
  if (chosen.length > 1) throw new TallystickError('conflicting_flags', 'choose one of --monthly, --quarterly, --yearly');
  return chosen[0] ? { interval: chosen[0] } : {};
}

function parseDepth(text: string): number {
  if (!/^\d+$/u.test(text) || Number(text) < 1) throw new TallystickError('invalid_depth', `--depth ${text} is not a whole number of at least 1`);
  return Number(text);
}

/** JSON for reports: Decimals as decimal strings, Maps as objects. */
function jsonAmounts(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
