import {
  ACCOUNT_TYPES, type AccountName, type AccountType, type PayloadOf, TallystickError, accountType, declaredAccountTypes, parseAccountName,
  parseIsoDate,
} from '@tallystick/core';
import { type CommandContext, loadBookView, openFolder, openStore, print, today, unlockSigner } from '../context.js';
import { writeEntries } from '../write-entries.js';

export async function accountsCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  const view = await loadBookView(context);
  const declared = new Map(view.accounts.map((declaration) => [declaration.account, declaration]));
  const types = declaredAccountTypes(view.accounts);
  const rows = view.accountNames().map((account: AccountName) => {
    const declaration = declared.get(account);
    return {
      account,
      type: accountType(account, types) ?? null,
      declared: declaration !== undefined,
      ...(declaration?.open ? { open: declaration.open } : {}),
      ...(declaration?.close ? { close: declaration.close } : {}),
    };
  });
  if (options.json) {
    print(context, JSON.stringify(rows, null, 2));
    return;
  }
  for (const row of rows) {
    const notes = [row.type ?? 'untyped', row.open ? `opened ${row.open}` : '', row.close ? `closed ${row.close}` : ''].filter(Boolean).join(', ');
    print(context, `${row.account}  (${notes})`);
  }
}

export interface AccountOpenOptions {
  date?: string;
  type?: string;
  commodity?: string[];
  note?: string;
}

/**
 * Declares an account (chart of accounts): open date, a type that overrides the one implied by the root
 * name, allowed commodities. `close` records the date after which no posting to it counts.
 */
export async function accountOpenCommand(context: CommandContext, account: string, options: AccountOpenOptions): Promise<void> {
  const name = parseAccountName(account);
  const type = options.type === undefined ? undefined : parseAccountType(options.type);
  const open = parseIsoDate(options.date ?? today(context.now()));
  const payload = {
    account: name, open,
    ...(type ? { type } : {}),
    ...(options.commodity && options.commodity.length > 0 ? { commodities: options.commodity } : {}),
    ...(options.note ? { note: options.note } : {}),
  };
  await writeDeclaration(context, payload);
  print(context, `Opened ${name} on ${open}${type ? ` as ${type}` : ''}.`);
}

export async function accountCloseCommand(context: CommandContext, account: string, options: { date?: string }): Promise<void> {
  const name = parseAccountName(account);
  const close = parseIsoDate(options.date ?? today(context.now()));
  const view = await loadBookView(context);
  if (!view.accountNames().includes(name)) throw new TallystickError('unknown_account', `no account ${name} is used or declared; nothing to close`);
  await writeDeclaration(context, { account: name, close });
  print(context, `Closed ${name} as of ${close}: postings dated after it will not count.`);
}

async function writeDeclaration(context: CommandContext, payload: PayloadOf<'account'>): Promise<void> {
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const store = await openStore(context, folder);
  try {
    await writeEntries(context, store, signer, [{ kind: 'account', payload }]);
  } finally {
    await store.close();
  }
}

function parseAccountType(text: string): AccountType {
  const type = text.toLowerCase() as AccountType;
  if (!ACCOUNT_TYPES.includes(type)) throw new TallystickError('invalid_account_type', `--type ${text} is not one of ${ACCOUNT_TYPES.join(', ')}`);
  return type;
}
