import { type Book, TallystickError, writeBeancount, writeCsv, writeJournal } from '@tallystick/core';
import { rebuildIndex, writeFileAtomic } from '@tallystick/sync';
import { type CommandContext, openFolder, openStore, print } from '../context.js';

export type ExportFormat = 'ledger' | 'beancount' | 'csv';

/** Writes the transactions that count, in ledger order, for hledger/ledger, beancount or a spreadsheet. */
export async function exportCommand(context: CommandContext, options: { format?: string; out?: string }): Promise<void> {
  const format = options.format ?? 'ledger';
  if (!['ledger', 'beancount', 'csv'].includes(format)) {
    throw new TallystickError('unknown_format', `--format ${format} is not one of ledger, beancount, csv`);
  }
  const folder = await openFolder(context);
  const store = await openStore(context, folder);
  let book: Book;
  try {
    book = (await rebuildIndex(store)).book;
  } finally {
    await store.close();
  }
  const text = renderBook(book, format as ExportFormat);
  if (options.out) {
    await writeFileAtomic(options.out, Buffer.from(text));
    print(context, `Wrote ${book.transactions.length} transactions to ${options.out} (${format}).`);
  } else {
    context.stdout.write(text);
  }
}

export function renderBook(book: Book, format: ExportFormat): string {
  const transactions = book.transactions.map((recorded) => recorded.transaction);
  const declarations = {
    accounts: [...book.accounts.values()],
    commodities: [...book.commodities.values()],
    prices: book.prices,
  };
  switch (format) {
    case 'ledger': return writeJournal({ transactions, ...declarations });
    case 'beancount': return writeBeancount({ transactions, ...declarations, assertions: book.assertions });
    case 'csv': return writeCsv(book.transactions);
  }
}
