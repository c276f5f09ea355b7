import { describe, expect, it } from 'vitest';
import { ParseError, TallystickError, ValidationErrors } from '../../errors.js';
import { parseBeancount } from './parse-beancount.js';

/** Golden texts: what a user sees for each kind of mistake. Every message names file:line:column. */
const OPEN = '2024-01-01 open Assets:Cash\n2024-01-01 open Expenses:Food\n';
const STOCK = '2024-01-01 open Assets:Stock\n2024-01-01 open Assets:Cash\n';
const ACCOUNT_RULE = 'expected an account name: one of the roots Assets, Liabilities, Equity, Income, Expenses, then ":" and segments that each start with a capital letter or a digit (then letters, digits or "-")';

const CASES: readonly [string, string, string, string][] = [
  ['an impossible date', '2024-02-30 open Assets:Cash\n', 'parse_error',
    'x.beancount:1:1: found "2024-02-30", expected a date (YYYY-MM-DD, a real calendar day)'],
  ['a misspelt directive', '2024-01-01 opne Assets:Cash\n', 'parse_error',
    'x.beancount:1:12: found "opne", expected a directive keyword after the date (txn, *, !, open, close, commodity, balance, pad, price, note, event, document, query, custom)'],
  ['a segment starting in lowercase', `${OPEN}2024-01-02 * "x"\n  Assets:cash  1 USD\n  Expenses:Food\n`, 'invalid_account_name',
    `x.beancount:4:3: found "Assets:cash", ${ACCOUNT_RULE}`],
  ['an account outside the five roots', '2024-01-01 open Bank:Cash\n', 'invalid_account_name',
    `x.beancount:1:17: found "Bank:Cash", ${ACCOUNT_RULE}`],
  ['a lowercase commodity', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  1 usd\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:4:18: found "usd", expected a commodity after the number (like USD)'],
  ['a one-letter commodity', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  1 U\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:4:18: found "U", expected a commodity after the number (like USD)'],
  ['a number without commodity', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  1\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:4:17: found end of line, expected a commodity after the number (like USD)'],
  ['a malformed number', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  1,,0 USD\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:4:16: found "1,", expected a number (digits, optional "," between thousands, optional "." and decimals)'],
  ['an unterminated string', `${OPEN}2024-01-02 * "x\n`, 'parse_error',
    'x.beancount:3:14: found end of file, expected a closing double quote for the string started here'],
  ['three strings on a transaction', `${OPEN}2024-01-02 * "a" "b" "c"\n`, 'parse_error',
    'x.beancount:3:22: found "\\"c\\"", expected at most two strings (payee and narration)'],
  ['an indented line outside a directive', '  Assets:Cash 1 USD\n', 'parse_error',
    'x.beancount:1:3: found "Assets:Cash", expected a directive at the start of a line (indented lines belong to the directive above, with no blank line between)'],
  ['text that is no directive', 'hello world\n', 'parse_error',
    'x.beancount:1:1: found "hello", expected a directive (a date, option, plugin, include, pushtag, poptag, pushmeta, popmeta) or a comment'],
  ['an unbalanced transaction', `${OPEN}2024-01-02 * "Lunch"\n  Assets:Cash  -10.00 USD\n  Expenses:Food  9.00 USD\n`, 'unbalanced_transaction',
    'x.beancount:3:1: found a transaction whose postings sum to -1.00 USD, expected each commodity to sum to zero (beancount\'s tolerance here: 0.005 USD)'],
  ['a residual just beyond the tolerance', `${OPEN}2024-01-02 * "Lunch"\n  Assets:Cash  -10.00 USD\n  Expenses:Food  10.006 USD\n`, 'unbalanced_transaction',
    'x.beancount:3:1: found a transaction whose postings sum to 0.006 USD, expected each commodity to sum to zero (beancount\'s tolerance here: 0.005 USD)'],
  ['two elided amounts', `${OPEN}2024-01-02 * "x"\n  Assets:Cash\n  Expenses:Food\n`, 'ambiguous_elided_amounts',
    'x.beancount:5:3: found a second posting without an amount, expected at most one posting per transaction whose amount is left out'],
  ['a single posting', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  0 USD\n`, 'too_few_postings',
    'x.beancount:3:1: found a transaction with 1 posting, expected at least two postings (Tallystick transactions move an amount from one account to another)'],
  ['an account never opened', `${OPEN}2024-01-02 * "x"\n  Assets:Bank  1 USD\n  Expenses:Food\n`, 'invalid_beancount',
    'x.beancount:4:3: found account Assets:Bank, which is never opened, expected an open directive for it on or before 2024-01-02'],
  ['an account used after its close', `${OPEN}2024-01-05 close Assets:Cash\n2024-01-06 * "x"\n  Assets:Cash  1 USD\n  Expenses:Food\n`, 'invalid_beancount',
    'x.beancount:5:3: found account Assets:Cash used on 2024-01-06, expected a date before it is closed on 2024-01-05'],
  ['a commodity the account does not allow', '2024-01-01 open Assets:Cash USD\n2024-01-01 open Expenses:Food\n2024-01-02 * "x"\n  Assets:Cash  1 EUR\n  Expenses:Food\n', 'invalid_beancount',
    'x.beancount:4:3: found EUR in Assets:Cash, expected one of the commodities its open directive allows: USD'],
  ['a failing balance', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  10.00 USD\n  Expenses:Food\n2024-01-03 balance Assets:Cash 9.00 USD\n`, 'balance_assertion_failed',
    'x.beancount:6:1: found a balance of Assets:Cash of 10.00 USD at the start of 2024-01-03 (1.00 too much), expected 9.00 USD as the balance directive says'],
  ['an unused pad', `${OPEN}2024-01-01 pad Assets:Cash Expenses:Food\n2024-01-03 balance Assets:Cash 0 USD\n`, 'unused_pad',
    'x.beancount:3:1: found a pad of Assets:Cash that no later balance directive needs, expected a balance directive of Assets:Cash that differs from its balance after the pad'],
  ['an ambiguous reduction', `${STOCK}2024-01-02 * "b"\n  Assets:Stock 1 HOOL {10 USD}\n  Assets:Cash\n2024-01-03 * "b"\n  Assets:Stock 1 HOOL {11 USD}\n  Assets:Cash\n2024-01-04 * "s"\n  Assets:Stock -1 HOOL {}\n  Assets:Cash\n`, 'lot_booking',
    'x.beancount:10:24: found a reduction -1 HOOL {} in Assets:Stock, expected one matching lot; 1 HOOL {10 USD, 2024-01-02}, 1 HOOL {11 USD, 2024-01-03} all match (give the lot\'s cost, date or label, or open the account with "FIFO")'],
  ['a reduction of a lot not held', `${STOCK}2024-01-02 * "b"\n  Assets:Stock 1 HOOL {10 USD}\n  Assets:Cash\n2024-01-04 * "s"\n  Assets:Stock -1 HOOL {12 USD}\n  Assets:Cash\n`, 'lot_booking',
    'x.beancount:7:24: found a reduction -1 HOOL {12 USD} in Assets:Stock, expected a lot it matches; Assets:Stock holds 1 HOOL {10 USD, 2024-01-02}'],
  ['a reduction larger than the lot', `${STOCK}2024-01-02 * "b"\n  Assets:Stock 1 HOOL {10 USD}\n  Assets:Cash\n2024-01-04 * "s"\n  Assets:Stock -2 HOOL {}\n  Assets:Cash\n`, 'lot_booking',
    'x.beancount:7:24: found a reduction -2 HOOL {} in Assets:Stock, expected lots enough to reduce it; only 1 HOOL {10 USD, 2024-01-02} match'],
  ['a purchase with an empty cost', `${STOCK}2024-01-02 * "b"\n  Assets:Stock 1 HOOL {}\n  Assets:Cash\n`, 'lot_booking',
    'x.beancount:4:23: found 1 HOOL {}, expected the cost of a new lot, like {10.00 USD} ({} and partial costs are only for reducing a lot held)'],
  ['a total cost with no exact unit cost', `${STOCK}2024-01-02 * "b"\n  Assets:Stock 3 HOOL {{10 USD}}\n  Assets:Cash\n`, 'lot_booking',
    'x.beancount:4:23: found 3 HOOL {{10 USD}}, expected a total cost that divides into an exact per-unit cost of at most 18 decimals (write the per-unit cost instead)'],
  ['a merge cost', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  -1 HOOL {*}\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:4:25: found "*" (average-cost merge), expected a cost amount, date or label: beancount 2 does not support merging lots'],
  ['an inexact division', `${OPEN}2024-01-02 * "x"\n  Assets:Cash  10 / 3 USD\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:4:19: found 10 / 3, expected a division with an exact result of at most 18 decimal places'],
  ['an include with no reader', 'include "other.beancount"\n', 'include_not_allowed',
    'x.beancount:1:1: found include "other.beancount", expected no include (this import was given no way to read other files)'],
  ['a poptag of a tag never pushed', 'poptag #x\n', 'parse_error',
    'x.beancount:1:8: found poptag #x, expected a tag pushed earlier in this file with pushtag'],
  ['a pushtag never popped', 'pushtag #x\n', 'parse_error',
    'x.beancount:1:1: found pushtag #x never popped, expected a "poptag #x" before the end of the file'],
  ['an unknown booking method', '2024-01-01 open Assets:Cash "MAGIC"\n', 'parse_error',
    'x.beancount:1:29: found "MAGIC", expected a booking method: "STRICT", "FIFO", "LIFO", "NONE" or "AVERAGE"'],
  ['a bad booking_method option', 'option "booking_method" "MAGIC"\n', 'invalid_option',
    'x.beancount:1:1: found option "booking_method" "MAGIC", expected a booking method: STRICT, FIFO, LIFO, NONE or AVERAGE'],
  ['an account opened twice', `${OPEN}2024-01-02 open Assets:Cash\n`, 'invalid_beancount',
    'x.beancount:3:1: found a second open directive for Assets:Cash, expected one per account (the first is at x.beancount:1)'],
  ['a metadata key given twice', `${OPEN}2024-01-02 * "x"\n  a: 1\n  a: 2\n  Assets:Cash  1 USD\n  Expenses:Food\n`, 'parse_error',
    'x.beancount:5:3: found a second "a:", expected each metadata key once per directive or posting'],
];

describe('parseBeancount error messages', () => {
  for (const [name, text, code, message] of CASES) {
    it(`reports ${name}`, () => {
      let caught: unknown;
      try {
        parseBeancount(text, { file: 'x.beancount' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ParseError);
      expect((caught as TallystickError).code).toBe(code);
      expect((caught as TallystickError).message).toBe(message);
    });
  }

  it('reports every syntax error of the file at once, in file order, and imports nothing', () => {
    const text = '2024-13-01 open Assets:Cash\nfoo\n2024-01-01 open Assets:x\n2024-01-02 * "x"\n  Assets:Cash 1 usd\n  Expenses:Food\n';
    let caught: unknown;
    try {
      parseBeancount(text, { file: 'x.beancount' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationErrors);
    expect((caught as ValidationErrors).message).toBe([
      'x.beancount:1:1: found "2024-13-01", expected a date (YYYY-MM-DD, a real calendar day)',
      'x.beancount:2:1: found "foo", expected a directive (a date, option, plugin, include, pushtag, poptag, pushmeta, popmeta) or a comment',
      `x.beancount:3:17: found "Assets:x", ${ACCOUNT_RULE}`,
      'x.beancount:5:17: found "usd", expected a commodity after the number (like USD)',
    ].join('\n'));
  });

  it('reports every booking and balancing error once the syntax is right, each at its place', () => {
    const text = `${OPEN}2024-01-02 * "a"\n  Assets:Cash  1.00 USD\n  Expenses:Food  -0.90 USD\n2024-01-03 * "b"\n  Assets:Bank  1 USD\n  Expenses:Food\n`;
    expect(() => parseBeancount(text, { file: 'x.beancount' })).toThrow([
      'x.beancount:3:1: found a transaction whose postings sum to 0.10 USD, expected each commodity to sum to zero (beancount\'s tolerance here: 0.005 USD)',
      'x.beancount:7:3: found account Assets:Bank, which is never opened, expected an open directive for it on or before 2024-01-03',
    ].join('\n'));
  });

  it('names the included file and line when the error is there', () => {
    const files: Record<string, string> = { 'more.beancount': '2024-01-01 open Assets:Bad_name\n' };
    expect(() => parseBeancount('include "more.beancount"\n', { file: 'main.beancount', readIncludedFile: (path) => ({ file: path, text: files[path]! }) }))
      .toThrow('more.beancount:1:17: found "Assets:Bad_name", expected an account name (like Assets:Bank:Checking)');
  });

  it('reports an included file that cannot be read at the include', () => {
    const readIncludedFile = (path: string) => {
      throw new TallystickError('file_not_found', `${path} does not exist`);
    };
    expect(() => parseBeancount('include "missing.beancount"\n', { file: 'main.beancount', readIncludedFile }))
      .toThrow('main.beancount:1:1: found include "missing.beancount" that cannot be read (missing.beancount does not exist), expected a file that exists and can be read');
  });
});
