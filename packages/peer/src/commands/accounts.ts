import { type AccountName, accountType, declaredAccountTypes } from '@tallystick/core';
import { type CommandContext, loadBookView, print } from '../context.js';

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
