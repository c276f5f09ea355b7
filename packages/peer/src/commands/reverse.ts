import { type Book, type RecordedTransaction, TallystickError, encodeTransaction, parseIsoDate, reverseTransaction } from '@tallystick/core';
import { rebuildIndex } from '@tallystick/sync';
import { type CommandContext, openFolder, openStore, print, today, unlockSigner } from '../context.js';
import { checkNotLocked, writeEntries } from '../write-entries.js';

export interface ReverseOptions {
  date?: string;
  description?: string;
}

/**
 * Corrects a transaction the way accountants do: a new entry that negates every posting, linked to the
 * original. Nothing is edited or deleted; the original stays, and the pair nets to zero.
 */
export async function reverseCommand(context: CommandContext, transactionId: string, options: ReverseOptions): Promise<void> {
  const folder = await openFolder(context);
  const store = await openStore(context, folder);
  try {
    const { book } = await rebuildIndex(store);
    const original = findTransaction(book, transactionId);
    const already = book.reversedBy.get(original.id);
    if (already) throw new TallystickError('already_reversed', `transaction ${original.id.slice(0, 12)} is already reversed by ${already.slice(0, 12)}`);
    if (original.reverses) {
      // Reversing a reversal is allowed (it restores the original) but is rarely meant: say what it is.
      print(context, `Note: ${original.id.slice(0, 12)} is itself the reversal of ${original.reverses.slice(0, 12)}.`);
    }
    const date = parseIsoDate(options.date ?? today(context.now()));
    checkNotLocked(book, [{ date, what: 'the reversal' }]);
    const reversal = reverseTransaction(original.transaction, date, options.description);
    const signer = await unlockSigner(context, folder);
    const { written } = await writeEntries(context, store, signer, [{ kind: 'transaction', payload: encodeTransaction(reversal, { reverses: original.id }) }]);
    print(context, `Saved reversal ${written[0]!.id.slice(0, 12)} on ${date} of ${original.id.slice(0, 12)} (${original.transaction.date} ${original.transaction.description}).`);
  } finally {
    await store.close();
  }
}

/** By full id or a unique prefix of at least 6 characters. */
export function findTransaction(book: Book, idOrPrefix: string): RecordedTransaction {
  const wanted = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f]{6,64}$/u.test(wanted)) {
    throw new TallystickError('invalid_transaction_id', `"${idOrPrefix}" is not a transaction id (expected 6 to 64 hex digits, as \`tallystick register\` shows)`);
  }
  const matches = book.transactions.filter((recorded) => recorded.id.startsWith(wanted));
  if (matches.length === 0) {
    const rejected = book.rejected.find((entry) => entry.id.startsWith(wanted));
    if (rejected) throw new TallystickError('transaction_rejected', `${idOrPrefix} does not count (${rejected.reason}), so there is nothing to reverse`);
    throw new TallystickError('unknown_transaction', `no transaction has an id starting with ${idOrPrefix}`);
  }
  if (matches.length > 1) throw new TallystickError('ambiguous_transaction_id', `${matches.length} transactions have ids starting with ${idOrPrefix}; give more digits`);
  return matches[0]!;
}
