import { type Book, isControlKind, materialize } from '@tallystick/core';
import type { StorageProblem } from '@tallystick/sync';
import { type CommandContext, openFolder, print, progress } from '../context.js';
import { describeAction } from './governance-text.js';

/**
 * Checks the books from the documents alone, like bean-check: every signature verified again (the
 * index and its verified entries are not used, nor rewritten), the roster history replayed from the
 * genesis. Prints what it found; exit 1 if any entry is rejected or any stored chunk is damaged.
 */
export async function auditCommand(context: CommandContext, options: { json?: boolean }): Promise<number> {
  const folder = await openFolder(context);
  const { CoopStore } = await loadStore();
  const damaged: StorageProblem[] = [];
  const store = await CoopStore.open(folder, context.coop, (problem) => damaged.push(problem));
  let book: Book;
  let entryCount: number;
  let controlCount: number;
  try {
    const bar = progress(context, 'verifying documents');
    const read = await store.readEntries({ onProgress: bar.update }).catch(async (error: unknown) => {
      // A month none of whose chunks is readable: name the damaged files before the error that stops the audit.
      for (const chunk of await (await loadStore()).listDamage(folder.storageDir)) print(context, `DAMAGED  ${chunk.was}: put aside as ${chunk.quarantinedAs}, not recovered yet`);
      throw error;
    });
    bar.done();
    book = materialize(read);
    entryCount = read.entries.length + read.unverified.length;
    controlCount = read.entries.filter((entry) => isControlKind(entry.body.kind)).length;
  } finally {
    await store.close();
  }
  const governance = book.governance;
  // Chunks put aside by an earlier command and not recovered since: the documents read may be short.
  const { listDamage } = await loadStore();
  const justNow = new Set(damaged.map((problem) => problem.quarantinedAs));
  const earlier = (await listDamage(folder.storageDir)).filter((chunk) => !justNow.has(chunk.quarantinedAs));
  const ok = book.rejected.length === 0 && damaged.length === 0 && earlier.length === 0;
  if (options.json) {
    print(context, JSON.stringify({
      ok, coop: book.coopName, entries: entryCount, controlEntries: controlCount,
      damagedStorage: [
        ...damaged.map((problem) => ({ reason: problem.reason, path: problem.path, quarantinedAs: problem.quarantinedAs })),
        ...earlier.map((chunk) => ({ reason: 'put aside earlier, not recovered yet', path: chunk.was, quarantinedAs: chunk.quarantinedAs })),
      ],
      rejected: book.rejected, proposals: governance.proposals, changes: governance.changes, roster: governance.roster,
    }, null, 2));
    return ok ? 0 : 1;
  }
  print(context, `Audit of co-op "${book.coopName}": ${entryCount} entries read from the documents, every signature verified again; ${controlCount} control entries replayed from the genesis.`);
  for (const problem of damaged) print(context, `DAMAGED  ${problem.path}: ${problem.reason} (put aside as ${problem.quarantinedAs})`);
  for (const chunk of earlier) print(context, `DAMAGED  ${chunk.was}: put aside earlier as ${chunk.quarantinedAs}, not recovered yet (\`tallystick sync\` or \`tallystick restore FILE\`)`);
  print(context, `Proposals: ${governance.proposals.length}`);
  for (const proposal of governance.proposals) {
    print(context, `  ${proposal.id.slice(0, 12)}  ${proposal.status}${proposal.noEffect ? ' (no effect)' : ''}  ${describeAction(proposal.action)}  (yes ${proposal.yes}, no ${proposal.no} of ${proposal.electorate.length})`);
  }
  print(context, `Roster changes, in the order they took effect: ${governance.changes.length}`);
  for (const change of governance.changes) print(context, `  ${change.applied ? 'applied   ' : 'no effect '} ${describeAction(change.action)}${change.reason ? ` (${change.reason})` : ''}`);
  print(context, `Members now: ${governance.roster.members.filter((member) => !member.removed).map((member) => `${member.name} (${member.role})`).join(', ')}`);
  if (book.rejected.length > 0) {
    print(context, `REJECTED: ${book.rejected.length} entr${book.rejected.length === 1 ? 'y does' : 'ies do'} not count:`);
    for (const entry of book.rejected) print(context, `  ${entry.id.slice(0, 12)}  ${entry.kind ?? 'entry'}  ${entry.code}: ${entry.reason}`);
  }
  print(context, ok ? 'OK: nothing rejected, no damaged storage.' : 'FAILED: see above.');
  return ok ? 0 : 1;
}

async function loadStore(): Promise<typeof import('@tallystick/sync')> {
  return import('@tallystick/sync');
}
