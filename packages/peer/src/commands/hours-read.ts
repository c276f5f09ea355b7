import {
  type ExchangeRecord, type HistoryRow, COMMUNITY, TallystickError, busiestCategories, describeTimebankRules, formatMinutes, hoursByMonth, memberHistory,
  pendingFor, timebankBalances, writeTimebankCsv,
} from '@tallystick/core';
import { type CommandContext, loadBookView, openFolder, print } from '../context.js';
import { actingMember, displayParty, loadTimebank, timebankMember } from '../timebank-context.js';

/*
 * The time-bank reports. `balances` reads one small file of the derived index when it is current (the
 * cold fast path); history and the monthly, category and CSV reports read its movements too. Only
 * `pending` and a history without a member ask who this device is (the books' index holds the roster).
 */

export async function hoursBalancesCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const rows = timebankBalances(await loadTimebank(context, { movements: false }));
  if (options.json) {
    print(context, JSON.stringify(rows.map((row) => ({
      member: row.party === COMMUNITY ? null : row.party, community: row.party === COMMUNITY,
      givenMinutes: row.given, receivedMinutes: row.received, communityMinutes: row.community, balanceMinutes: row.balance, balance: formatMinutes(row.balance, { sign: true }),
    })), null, 2));
    return;
  }
  const width = Math.max(13, ...rows.map((row) => displayParty(row.party).length));
  print(context, `${'member'.padEnd(width)}  ${'balance'.padStart(9)}  ${'given'.padStart(9)}  ${'received'.padStart(9)}  ${'community'.padStart(9)}`);
  for (const row of rows) {
    print(context, `${displayParty(row.party).padEnd(width)}  ${formatMinutes(row.balance, { sign: true }).padStart(9)}  ${formatMinutes(row.given).padStart(9)}  ${formatMinutes(row.received).padStart(9)}  ${formatMinutes(row.community, { sign: true }).padStart(9)}`);
  }
  print(context, `${'total'.padEnd(width)}  ${formatMinutes(rows.reduce((total, row) => total + row.balance, 0), { sign: true }).padStart(9)}`);
}

export async function hoursHistoryCommand(context: CommandContext, member: string | undefined, options: { json?: boolean }): Promise<void> {
  const view = await loadBookView(context);
  const name = member === undefined ? await thisMember(context, view) : timebankMemberOrFormer(view.governance.roster, member);
  const timebank = await loadTimebank(context, { movements: true, party: name });
  const history = memberHistory(timebank, name);
  if (options.json) {
    print(context, JSON.stringify({ member: name, balanceMinutes: history.balance, counted: history.counted.map(rowJson), unsettled: history.unsettled.map(rowJson) }, null, 2));
    return;
  }
  print(context, `${name}: balance ${formatMinutes(history.balance, { sign: true })}`);
  if (history.counted.length === 0) print(context, '  nothing counted yet');
  for (const row of history.counted) print(context, `  ${row.date}  ${formatMinutes(row.minutes, { sign: true }).padStart(8)}  ${formatMinutes(row.balance ?? 0, { sign: true }).padStart(8)}  ${describeRow(row)}`);
  if (history.unsettled.length > 0) print(context, 'Not counted:');
  for (const row of history.unsettled) print(context, `  ${row.date}  ${formatMinutes(row.minutes, { sign: true }).padStart(8)}  ${row.status.toUpperCase().padEnd(8)}  ${describeRow(row)} — ${row.note ?? ''}`);
}

function rowJson(row: HistoryRow): object {
  return { ...row, counterparty: row.counterparty === COMMUNITY ? null : row.counterparty, hours: formatMinutes(row.minutes, { sign: true }) };
}

function describeRow(row: HistoryRow): string {
  const who = row.kind === 'grant' ? 'opening grant from the community'
    : row.kind === 'exchange' ? `${row.minutes > 0 ? 'to' : 'from'} ${row.counterparty}` : `${row.minutes > 0 ? 'from' : 'to'} the community`;
  const extras = [row.slip !== undefined ? `paper slip ${row.slip}, recorded by ${row.by}` : undefined, row.reverses ? `reverses ${row.reverses.slice(0, 12)}` : undefined, row.reversedBy ? `reversed by ${row.reversedBy.slice(0, 12)}` : undefined]
    .filter((extra) => extra !== undefined);
  return `${row.id.slice(0, 12)}  ${who}: ${row.description}${extras.length > 0 ? ` [${extras.join('; ')}]` : ''}`;
}

export async function hoursPendingCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const view = await loadBookView(context);
  const me = await thisMember(context, view);
  const pending = pendingFor(await loadTimebank(context, { movements: false }), me);
  if (options.json) {
    print(context, JSON.stringify({ member: me, waitingForMe: pending.forMe, waitingForOthers: pending.forOthers }, null, 2));
    return;
  }
  if (pending.forMe.length === 0 && pending.forOthers.length === 0) {
    print(context, `Nothing is waiting: ${me} has no pending exchanges.`);
    return;
  }
  if (pending.forMe.length > 0) print(context, `Waiting for ${me} to confirm or decline:`);
  for (const exchange of pending.forMe) print(context, `  ${describePending(exchange)}`);
  if (pending.forMe.length > 0) print(context, '  (`tallystick hours confirm ID` or `tallystick hours decline ID --reason TEXT`)');
  if (pending.forOthers.length > 0) print(context, `Logged by ${me}, waiting for the other party:`);
  for (const exchange of pending.forOthers) print(context, `  ${describePending(exchange)}`);
}

function describePending(exchange: ExchangeRecord): string {
  const refusal = exchange.limitRefusals[exchange.limitRefusals.length - 1];
  return `${exchange.id.slice(0, 12)}  ${exchange.date}  ${exchange.provider} gave ${exchange.receiver} ${formatMinutes(exchange.minutes)}: ${exchange.description}`
    + `${exchange.reverses ? ` (reverses ${exchange.reverses.slice(0, 12)})` : ''}; logged by ${exchange.loggedBy}, waiting for ${exchange.awaiting ?? '?'}`
    + `${refusal ? `; a confirmation was refused: ${refusal.reason}` : ''}`;
}

export async function hoursMonthsCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const rows = hoursByMonth(await loadTimebank(context, { movements: true }));
  if (options.json) {
    print(context, JSON.stringify(rows.map((row) => ({ ...row, hours: formatMinutes(row.minutes) })), null, 2));
    return;
  }
  if (rows.length === 0) print(context, 'No exchanges counted yet.');
  for (const row of rows) print(context, `${row.month}  ${formatMinutes(row.minutes).padStart(9)}  in ${row.exchanges} exchange${row.exchanges === 1 ? '' : 's'}`);
}

export async function hoursCategoriesCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const rows = busiestCategories(await loadTimebank(context, { movements: true }));
  if (options.json) {
    print(context, JSON.stringify(rows.map((row) => ({ ...row, hours: formatMinutes(row.minutes) })), null, 2));
    return;
  }
  if (rows.length === 0) print(context, 'No exchanges counted yet.');
  const width = Math.max(8, ...rows.map((row) => row.category.length));
  for (const row of rows) print(context, `${row.category.padEnd(width)}  ${formatMinutes(row.minutes).padStart(9)}  in ${row.exchanges} exchange${row.exchanges === 1 ? '' : 's'}`);
}

export async function hoursRulesCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const timebank = await loadTimebank(context, { movements: false });
  if (options.json) {
    print(context, JSON.stringify(timebank.rules, null, 2));
    return;
  }
  print(context, `The time bank's rules: ${describeTimebankRules(timebank.rules)}.`);
  print(context, 'Members change them by vote: `tallystick propose timebank-rules lowest=-10 highest=40 grant=2 community-lowest=-50` (hours).');
}

export async function hoursExportCommand(context: CommandContext, options: { format?: string; out?: string }): Promise<void> {
  if ((options.format ?? 'csv') !== 'csv') throw new TallystickError('unknown_format', `--format ${options.format ?? ''} is not supported (the time bank exports csv)`);
  const timebank = await loadTimebank(context, { movements: true });
  const text = writeTimebankCsv(timebank);
  if (options.out) {
    const { writeFileAtomic } = await import('@tallystick/sync');
    await writeFileAtomic(options.out, Buffer.from(text));
    print(context, `Wrote ${timebank.movements.length + timebank.unsettled.length} rows to ${options.out} (csv).`);
  } else {
    context.stdout.write(text);
  }
}

export async function thisMember(context: CommandContext, view: Awaited<ReturnType<typeof loadBookView>>): Promise<string> {
  const { readDevicePublicKey } = await import('@tallystick/sync');
  return actingMember(view.governance.roster, await readDevicePublicKey((await openFolder(context)).keyPath), ['timebank', 'coordinate'], 'take part in the time bank');
}

/** A member's name for a report: a current member who may use the time bank, or one who had hours once. */
export function timebankMemberOrFormer(roster: Parameters<typeof timebankMember>[0], name: string): string {
  const known = roster.members.find((member) => member.name === name);
  return known ? known.name : timebankMember(roster, name);
}
