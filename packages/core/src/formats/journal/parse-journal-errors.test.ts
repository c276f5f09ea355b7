import { describe, expect, it } from 'vitest';
import { ParseError, TallystickError, ValidationErrors } from '../../errors.js';
import { parseJournal } from './parse-journal.js';

const FILES: Record<string, string> = {
  'loop.journal': 'include j.journal\n',
};

function errorOf(text: string): TallystickError {
  try {
    parseJournal(text, {
      file: 'j.journal',
      readIncludedFile: (path) => {
        if (path === 'j.journal') return { file: 'j.journal', text };
        const found = FILES[path];
        if (found === undefined) throw new TallystickError('file_not_found', `${path} does not exist`);
        return { file: path, text: found };
      },
    });
  } catch (error) {
    if (error instanceof TallystickError) return error;
    throw error;
  }
  throw new Error('expected the journal to be refused');
}

/** Golden messages: what a user sees for each kind of mistake, exactly. */
const GOLDEN: readonly (readonly [string, string, string])[] = [
  ['2024-13-01 x\n  a  1\n  b\n', 'invalid_date',
    'j.journal:1:1: found "2024-13-01", expected a date like 2024-03-31 (YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD)'],
  ['2024-02-30 x\n  a  1\n  b\n', 'invalid_date',
    'j.journal:1:1: found "2024-02-30", expected a date like 2024-03-31 (YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD)'],
  ['01/05 x\n  a  1\n  b\n', 'invalid_date',
    'j.journal:1:1: found "01/05", expected a date with a year (or a "Y 2024" directive before dates without one)'],
  ['2024-01-01 (12 x\n  a  1\n  b\n', 'parse_error',
    'j.journal:1:12: found "(12 x", expected a transaction code in parentheses, like (1042), with its closing ")"'],
  ['2024-01-01 x\n  a  $5\n  b  $-4\n', 'unbalanced_transaction',
    'j.journal:1:1: found a transaction whose postings sum to 1 $, expected postings that sum to zero in each commodity (fix an amount, add a posting, or leave one amount out to have it inferred)'],
  ['2024-01-01 x\n  a  $5\n  b  3 EUR\n  c  1 GBP\n', 'unbalanced_transaction',
    'j.journal:1:1: found a transaction whose postings sum to 5 $, 3 EUR, 1 GBP, expected postings that sum to zero in each commodity (fix an amount, add a posting, or leave one amount out to have it inferred)'],
  ['2024-01-01 x\n  a  $5\n  b\n  [c]  $1\n  [d]  $2\n', 'unbalanced_transaction',
    'j.journal:1:1: found a transaction whose balanced virtual postings [..] sum to 3 $, expected balanced virtual postings [..] that sum to zero in each commodity (fix an amount, add a posting, or leave one amount out to have it inferred)'],
  ['2024-01-01 x\n  a\n  b\n', 'ambiguous_elided_amounts',
    'j.journal:3:3: found a second posting without an amount, expected at most one posting without an amount among the postings of the transaction at line 1'],
  ['2024-01-01 x\n  a  $5\n', 'too_few_postings',
    'j.journal:1:1: found a transaction with 1 posting, expected at least two postings (a Tallystick transaction moves an amount from one account to another)'],
  ['2024-01-01 x\n  a  abc\n  b\n', 'parse_error',
    'j.journal:2:6: found "abc", expected an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"'],
  ['2024-01-01 x\n  a  $\n  b\n', 'parse_error',
    'j.journal:2:6: found "$", expected an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"'],
  ['2024-01-01 x\n  a  $1,000\n  b\n', 'invalid_number',
    'j.journal:2:7: found "1,000", expected a number whose decimal mark is clear: hledger reads 1,000 as 1.000 and ledger as 1000; declare the mark first (a "decimal-mark ." directive or a commodity directive like "commodity $1,000.00")'],
  ['2024-01-01 x\n  a  1.2.3,4,5 EUR\n  b\n', 'invalid_number',
    'j.journal:2:6: found "1.2.3,4,5", expected a number with one kind of digit group mark'],
  ['2024-01-01 x\n  a  5 EUR garbage\n  b\n', 'parse_error',
    'j.journal:2:12: found "garbage", expected a price "@", a balance assertion "=", a comment ";" or the end of the line'],
  ['2024-01-01 x\n  a  5 EUR @\n  b\n', 'parse_error',
    'j.journal:2:13: found the end of the line, expected an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"'],
  ['2024-01-01 x\n  (a)  5 EUR\n  b\n', 'unsupported_syntax',
    'j.journal:2:3: found the unbalanced virtual posting (a), expected a real posting, or a balanced virtual posting [Account] (every Tallystick transaction balances, so (Account) postings are not imported)'],
  ['2024-01-01 x\n  a::b  5 EUR\n  b\n', 'invalid_account_name',
    'j.journal:2:3: found the account name "a::b" (it has an empty segment), expected an account name of segments separated by ":", like Assets:Bank:Checking'],
  ['2024-01-01 x\n  a  5 AAPL {$1\n  b\n', 'parse_error',
    'j.journal:2:16: found the end of the line, expected "}" closing the lot cost'],
  ['2024-01-01 x\n  a  3 AAPL {{$1}}\n  b\n', 'parse_error',
    'j.journal:2:13: found a total lot cost of "{{$1}}" for 3 units, expected a total that divides exactly into a per-unit cost of at most 18 decimal places (or a per-unit cost "{…}")'],
  ['2024-01-01 x\n  a  5 EUR = 6 EUR\n  b\n', 'balance_assertion_failed',
    'j.journal:2:12: found a balance of 5 EUR in a (own postings) on 2024-01-01, expected 6 EUR as asserted'],
  ['2024-01-01 x\n  a  1 USD\n  a  5 EUR == 5 EUR\n  b\n', 'balance_assertion_failed',
    'j.journal:3:12: found also 1 USD in a (own postings), which "==" requires to be zero, on 2024-01-01, expected 5 EUR as asserted'],
  ['2024-01-01 x\n  a:b  5 EUR\n  a  1 EUR =* 5 EUR\n  b\n', 'balance_assertion_failed',
    'j.journal:3:12: found a balance of 6 EUR in a (subaccounts included) on 2024-01-01, expected 5 EUR as asserted'],
  ['~ monthly\n  a  1\n  b\n', 'unsupported_syntax',
    'j.journal:1:1: found "~ monthly", expected a transaction or a supported directive (periodic transaction rules ("~") are budgets, not transactions; remove it or turn it into plain transactions)'],
  ['= expr\n  a  1\n', 'unsupported_syntax',
    'j.journal:1:1: found "= expr", expected a transaction or a supported directive (automated transactions ("=") would add postings Tallystick cannot see; remove it or turn it into plain transactions)'],
  ['define x=1\n', 'unsupported_syntax',
    'j.journal:1:1: found the unknown or unsupported directive "define", expected a transaction (a line starting with a date), a comment, or one of the directives account, commodity, P, D, Y, decimal-mark, include, alias, apply account, payee, tag'],
  ['apply tag foo\n', 'unsupported_syntax',
    'j.journal:1:1: found "apply tag foo", expected "apply account" or "apply year" (apply tag is not supported)'],
  ['end\n', 'invalid_directive',
    'j.journal:1:1: found "end", expected an "apply account" before this "end"'],
  ['include *.journal\n', 'unsupported_syntax',
    'j.journal:1:9: found include "*.journal", expected one file name (glob patterns are not supported: include each file)'],
  ['include loop.journal\n', 'include_cycle',
    'loop.journal:1:9: found include "j.journal", which includes itself (j.journal → loop.journal → j.journal), expected includes without a cycle'],
  ['include missing.journal\n', 'include_failed',
    'j.journal:1:9: found include "missing.journal", expected a file that can be read (missing.journal does not exist)'],
  ['include data.csv\n', 'unsupported_syntax',
    'j.journal:1:9: found include "data.csv", expected a journal file (CSV, timeclock and timedot files are not journals: import them separately)'],
  ['account Foo  ; type: Q\n', 'invalid_account_type',
    'j.journal:1:9: found the account type "Q", expected an account type A, L, E, R or X (or Asset, Liability, Equity, Revenue, Expense, Cash)'],
  ['account Foo\n  check x\n', 'parse_error',
    'j.journal:2:3: found "check x", expected an account subdirective "note" or "alias", or a comment (check, assert, payee, default and eval are not supported)'],
  ['commodity $1,000.00 extra\n', 'parse_error',
    'j.journal:1:21: found "extra", expected the end of the sample amount'],
  ['commodity EUR\n  format 1,00 USD\n', 'parse_error',
    'j.journal:2:10: found "1,00 USD", expected a format for the commodity "EUR"'],
  ['P 2024-01-01 EUR\n', 'parse_error',
    'j.journal:1:17: found the end of the line, expected an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"'],
  ['Y 24\n', 'parse_error',
    'j.journal:1:3: found "24", expected a four-digit year, like "Y 2024"'],
  ['  a  1\n', 'parse_error',
    'j.journal:1:3: found "a  1", expected a transaction or a directive starting in column 1 (an indented line belongs to the transaction or directive just above it, with no blank line between)'],
];

describe('parseJournal: error messages (golden)', () => {
  it.each(GOLDEN)('%j', (text, code, message) => {
    const error = errorOf(text);
    expect(error).toBeInstanceOf(ParseError);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it('reports every problem in the file, each with its place, and imports nothing', () => {
    const error = errorOf('2024-01-01 x\n  a  1\n  b\n\n2024-02-30 y\n  a  1\n  b\n\n2024-01-03 z\n  a  1\n  b  2\n\n2024-01-04 w\n  a  1 EUR @\n  b  x y\n  c\n');
    expect(error).toBeInstanceOf(ValidationErrors);
    expect((error as ValidationErrors).errors.map((each) => (each as ParseError).location.line)).toEqual([5, 9, 14, 15]);
    expect(error.message.split('\n')).toEqual([
      'j.journal:5:1: found "2024-02-30", expected a date like 2024-03-31 (YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD)',
      'j.journal:9:1: found a transaction whose postings sum to 3, expected postings that sum to zero in each commodity (fix an amount, add a posting, or leave one amount out to have it inferred)',
      'j.journal:14:13: found the end of the line, expected an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"',
      'j.journal:15:6: found "x y", expected an amount like 12.50 USD, $12.50 or -3 "VANGUARD 500"',
    ]);
  });

  it('stops after 100 problems and says so', () => {
    const error = errorOf('2024-02-30 x\n'.repeat(150)) as ValidationErrors;
    expect(error.errors).toHaveLength(101);
    expect(error.errors.at(-1)!.message).toBe('stopped after 100 problems; fix these and parse again');
  });
});
