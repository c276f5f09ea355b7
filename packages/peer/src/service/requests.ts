import { type IsoDate, TallystickError, addDays, isIsoDate } from '@tallystick/core';
import type { ImportInput, PeriodRequest, FoundCoopInput, LockInput, OpenAccountInput, ProposeInput, VoteInput, RegisterRequest, ReverseInput, ServiceFailure, TransactionInput, TransactionRequest } from './protocol.js';

/*
 * Requests come from a renderer, through IPC or loopback HTTP: shapes are checked here before any
 * command sees them, and collections are bounded, as everything read from outside is.
 */

const MAX_TEXT = 1_000;
const MAX_POSTINGS = 100;

/** Text of at most MAX_TEXT characters ('' for an optional field left out). */
export function text(value: unknown, field: string, required = true): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw new TallystickError('invalid_request', `${field} must be text of at most ${MAX_TEXT} characters`);
  return value;
}

export function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TallystickError('invalid_request', 'the request must be an object');
  return value as Record<string, unknown>;
}

/** A period as core's reports take it: `begin` included, `end` excluded (the day after `through`). */
export interface ReportPeriod {
  readonly begin?: IsoDate;
  readonly end?: IsoDate;
  readonly words: string;
}

export function readPeriodRequest(value: unknown): ReportPeriod {
  const request: PeriodRequest = value === undefined || value === null ? {} : record(value);
  const date = (field: 'from' | 'through'): IsoDate | undefined => {
    const given = request[field];
    if (given === undefined || given === '') return undefined;
    if (typeof given !== 'string' || !isIsoDate(given)) throw new TallystickError('invalid_request', `The ${field === 'from' ? 'first' : 'last'} day of the period must be a date like 2024-03-31.`);
    return given;
  };
  const from = date('from');
  const through = date('through');
  if (from && through && from > through) throw new TallystickError('invalid_request', `The period starts (${from}) after it ends (${through}).`);
  const words = from && through ? `${from} to ${through}` : from ? `from ${from}` : through ? `through ${through}` : 'all dates';
  return { ...(from ? { begin: from } : {}), ...(through ? { end: addDays(through, 1) } : {}), words };
}

/** A file's text may be large (a ten-year journal is ~14 MB); names and rules are small. */
const MAX_FILE_TEXT = 60 * 1024 * 1024;
const MAX_RULES_TEXT = 100_000;

export function readImportInput(value: unknown): ImportInput {
  const request = record(value);
  const fileName = text(request.fileName, 'The file name').trim();
  if (fileName === '' || /[\\/]/u.test(fileName)) throw new TallystickError('invalid_request', 'Choose a file to import.');
  if (typeof request.text !== 'string' || request.text.length > MAX_FILE_TEXT) throw new TallystickError('invalid_request', `The file must be text of at most ${MAX_FILE_TEXT / 1024 / 1024} MiB.`);
  const format = request.format;
  if (format !== undefined && format !== 'ledger' && format !== 'beancount' && format !== 'csv') throw new TallystickError('invalid_request', 'The format is ledger, beancount or csv.');
  if (request.rules !== undefined && (typeof request.rules !== 'string' || request.rules.length > MAX_RULES_TEXT)) throw new TallystickError('invalid_request', 'The CSV rules must be text.');
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return {
    fileName, text: request.text, ...(format ? { format } : {}), ...(typeof request.rules === 'string' ? { rules: request.rules } : {}), ...(passphrase ? { passphrase } : {}),
  };
}

export function readRegisterRequest(value: unknown): RegisterRequest {
  const request = record(value);
  const account = text(request.account, 'The account').trim();
  if (account === '') throw new TallystickError('invalid_request', 'Choose an account to see its register.');
  const count = (field: 'offset' | 'limit') => {
    const given = request[field];
    if (given === undefined) return undefined;
    if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0) throw new TallystickError('invalid_request', `${field} must be a whole number of rows`);
    return given;
  };
  const offset = count('offset');
  const limit = count('limit');
  return { account, ...(offset !== undefined ? { offset } : {}), ...(limit !== undefined ? { limit } : {}) };
}

export function readTransactionInput(value: unknown): TransactionInput {
  const request = record(value);
  const postings = request.postings;
  if (!Array.isArray(postings) || postings.length > MAX_POSTINGS) throw new TallystickError('invalid_request', `postings must be a list of at most ${MAX_POSTINGS}`);
  const payee = text(request.payee, 'The payee', false);
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return {
    date: text(request.date, 'The date'),
    description: text(request.description, 'The description'),
    ...(payee ? { payee } : {}),
    ...(passphrase ? { passphrase } : {}),
    postings: postings.map((posting) => {
      const fields = record(posting);
      return { account: text(fields.account, 'A posting\'s account'), amount: text(fields.amount, 'A posting\'s amount', false) };
    }),
  };
}

export function readReverseInput(value: unknown): ReverseInput {
  const request = record(value);
  const date = text(request.date, 'The date', false);
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return { transactionId: text(request.transactionId, 'The transaction id'), ...(date ? { date } : {}), ...(passphrase ? { passphrase } : {}) };
}

export function readOpenAccountInput(value: unknown): OpenAccountInput {
  const request = record(value);
  const account = text(request.account, 'The account name').trim();
  if (account === '') throw new TallystickError('invalid_request', 'Enter the name of the account to open, like Expenses:Rent.');
  const date = text(request.date, 'The date', false).trim();
  const type = text(request.type, 'The account type', false).trim();
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return { account, ...(date ? { date } : {}), ...(type ? { type } : {}), ...(passphrase ? { passphrase } : {}) };
}

export function readTransactionRequest(value: unknown): TransactionRequest {
  return { transactionId: text(record(value).transactionId, 'The transaction id') };
}

export function readLockInput(value: unknown): LockInput {
  const request = record(value);
  const through = text(request.through, 'The lock date').trim();
  if (through === '') throw new TallystickError('invalid_request', 'Enter the date to lock the books through (YYYY-MM-DD).');
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return { through, ...(passphrase ? { passphrase } : {}) };
}

export function readFoundCoopInput(value: unknown): FoundCoopInput {
  const request = record(value);
  return {
    coopName: text(request.coopName, 'The co-op name'), memberName: text(request.memberName, 'Your member name'),
    passphrase: text(request.passphrase, 'The passphrase'), passphraseAgain: text(request.passphraseAgain, 'The repeated passphrase'),
  };
}

export function readProposeInput(value: unknown): ProposeInput {
  const request = record(value);
  const passphrase = text(request.passphrase, 'The passphrase', false);
  const secret = passphrase ? { passphrase } : {};
  if (request.action === 'lock') {
    const through = text(request.through, 'The lock date').trim();
    if (through === '') throw new TallystickError('invalid_request', 'Enter the date to lock the books through (YYYY-MM-DD).');
    return { action: 'lock', through, ...secret };
  }
  if (request.action === 'set-rule') {
    const rule = text(request.rule, 'The decision rule').trim();
    if (rule === '') throw new TallystickError('invalid_request', 'Choose the decision rule to propose.');
    return { action: 'set-rule', rule, ...secret };
  }
  throw new TallystickError('invalid_request', 'The app proposes a lock or a new decision rule; other proposals are made with `tallystick propose`.');
}

export function readVoteInput(value: unknown): VoteInput {
  const request = record(value);
  const choice = request.choice;
  if (choice !== 'yes' && choice !== 'no') throw new TallystickError('invalid_request', 'A vote is yes or no.');
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return { proposalId: text(request.proposalId, 'The proposal id'), choice, ...(passphrase ? { passphrase } : {}) };
}

/** The add command's `--posting "ACCOUNT  AMOUNT"` form of each posting row. */
export function postingFlags(input: Pick<TransactionInput, 'postings'>): string[] {
  return input.postings.map((posting) => (posting.amount.trim() === '' ? posting.account.trim() : `${posting.account.trim()}  ${posting.amount.trim()}`));
}

/**
 * The CLI's messages name its flags; a member using the app typed into fields. Same facts, the
 * app's words.
 */
export function describeFailure(error: TallystickError): ServiceFailure {
  const message = error.message
    .replace(/--posting "([^"]*)"/gu, 'the posting "$1"')
    .replace(/--posting\b/gu, 'the postings')
    .replace(/--date\/--description/gu, 'the date or description')
    .replace(/ \(--description TEXT\)/gu, '')
    .replace(/ \(--posting "ACCOUNT {2}AMOUNT"\)/gu, '')
    .replace(/set TALLYSTICK_PASSPHRASE, or run on a terminal to be asked/gu, 'enter your passphrase')
    .replace(/--(hours|minutes) "/gu, 'the $1 "')
    .replace(/--type (\S+) is not one of/gu, 'the type $1 is not one of')
    .replace(/ \(--(?:reason|title|category|note|tag) TEXT\)/gu, '')
    .replace(/(?:[;:,] ?|,? as | )?\(?`tallystick [^`]*`(?: shows| lists them)?\)?/gu, '');
  return { code: error.code, message: sentenceCase(message) };
}

/** A sentence starts with a capital, unless it starts with a name that must stay as written (a file, an account). */
function sentenceCase(message: string): string {
  return /^[a-z]+[ ,]/u.test(message) ? message.charAt(0).toUpperCase() + message.slice(1) : message;
}
