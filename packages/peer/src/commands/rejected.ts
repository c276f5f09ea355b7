import { type CommandContext, loadBookView, print } from '../context.js';

/** Entries present in the documents that do not count, each with the reason. Exit 1 if there are any. */
export async function rejectedCommand(context: CommandContext, options: { json?: boolean }): Promise<number> {
  const view = await loadBookView(context);
  if (options.json) {
    print(context, JSON.stringify(view.rejected, null, 2));
  } else if (view.rejected.length === 0) {
    print(context, 'No rejected entries: every entry in the documents is signed by a member device, intact, and counts.');
  } else {
    print(context, `${view.rejected.length} entr${view.rejected.length === 1 ? 'y does' : 'ies do'} not count:`);
    for (const entry of view.rejected) print(context, `  ${entry.id.slice(0, 12)}  ${entry.kind ?? 'entry'}  ${entry.code}: ${entry.reason}`);
  }
  return view.rejected.length === 0 ? 0 : 1;
}
