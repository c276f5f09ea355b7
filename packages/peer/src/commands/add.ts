import { createInterface } from 'node:readline/promises';
import {
  type Transaction, ParseError, TallystickError, ValidationErrors, encodeTransaction, parseIsoDate, parseJournal,
} from '@tallystick/core';
import { type CommandContext, loadBookView, openFolder, openStore, print, today, unlockSigner } from '../context.js';
import { checkAccountsOpen, checkNotLocked, writeEntries } from '../write-entries.js';

export interface AddOptions {
  date?: string;
  description?: string;
  payee?: string;
  posting?: string[];
}

/**
 * Records one transaction. On a terminal without --posting it asks for each field; in scripts the
 * flags say everything. Postings are `ACCOUNT  AMOUNT` (two spaces or a tab between), as in a journal;
 * one posting may leave its amount out.
 */
export async function addCommand(context: CommandContext, options: AddOptions): Promise<void> {
  const answers = options.posting && options.posting.length > 0 ? options : await askForTransaction(context, options);
  const transaction = transactionFromFlags(answers, today(context.now()));
  const view = await loadBookView(context);
  checkNotLocked(view, [{ date: transaction.date, what: `"${transaction.description}"` }]);
  checkAccountsOpen(view, [transaction]);
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const store = await openStore(context, folder);
  try {
    const { written } = await writeEntries(context, store, signer, [{ kind: 'transaction', payload: encodeTransaction(transaction) }]);
    print(context, `Saved transaction ${written[0]!.id.slice(0, 12)} on ${transaction.date}: ${transaction.description}`);
  } finally {
    await store.close();
  }
}

/** Builds the transaction by reading the flags as a one-transaction journal (one syntax, one parser). */
export function transactionFromFlags(options: AddOptions, defaultDate: string): Transaction {
  const date = parseIsoDate(options.date ?? defaultDate);
  const description = (options.description ?? '').trim();
  if (description === '') throw new TallystickError('missing_description', 'a transaction needs a description (--description TEXT)');
  if (/[\r\n]/u.test(description)) throw new TallystickError('invalid_description', 'the description must be one line');
  const postings = options.posting ?? [];
  if (postings.length < 2) throw new TallystickError('too_few_postings', `a transaction needs at least two postings (--posting "ACCOUNT  AMOUNT"), got ${postings.length}`);
  for (const posting of postings) {
    if (/[\r\n]/u.test(posting)) throw new TallystickError('invalid_posting', `--posting "${posting}" must be one line`);
  }
  const header = options.payee ? `${date} ${options.payee} | ${description}` : `${date} ${description}`;
  const text = [header, ...postings.map((posting) => `    ${posting.trim()}`)].join('\n');
  try {
    const parsed = parseJournal(`${text}\n`, { file: 'command line' });
    if (parsed.transactions.length !== 1) throw new TallystickError('invalid_transaction', 'the flags did not describe exactly one transaction');
    return parsed.transactions[0]!.value;
  } catch (error) {
    throw describeFlagError(error, postings);
  }
}

/** Turns `command line:3:12: …` into words about the flag the user typed. */
function describeFlagError(error: unknown, postings: readonly string[]): unknown {
  const first = error instanceof ValidationErrors ? error.errors[0] : error;
  if (!(first instanceof ParseError)) return error;
  const line = first.location.line;
  // A transaction that does not balance is reported at its first line, but the fix is in the postings.
  const header = first.code === 'unbalanced_transaction' ? '--posting' : '--date/--description';
  const where = line === 1 ? header : `--posting "${postings[line - 2] ?? ''}"`;
  return new TallystickError(first.code, `${where}: found ${first.found}, expected ${first.expected}`);
}

async function askForTransaction(context: CommandContext, options: AddOptions): Promise<AddOptions> {
  if (!context.stdin.isTTY) {
    throw new TallystickError('missing_postings', 'give the transaction with --date, --description and --posting "ACCOUNT  AMOUNT" (at least two), or run on a terminal to be asked');
  }
  const prompt = createInterface({ input: context.stdin, output: context.stderr });
  try {
    const date = (await prompt.question(`Date [${options.date ?? today(context.now())}]: `)).trim() || options.date || today(context.now());
    const description = (await prompt.question(`Description${options.description ? ` [${options.description}]` : ''}: `)).trim() || options.description;
    context.stderr.write('Postings as ACCOUNT  AMOUNT (two spaces between); one may leave the amount out; an empty line ends.\n');
    const postings: string[] = [];
    for (let index = 1; index <= 100; index += 1) {
      const line = (await prompt.question(`  posting ${index}: `)).trim();
      if (line === '') break;
      postings.push(line);
    }
    return { ...options, date, ...(description ? { description } : {}), posting: postings };
  } finally {
    prompt.close();
  }
}
