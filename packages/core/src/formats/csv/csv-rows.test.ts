import { describe, expect, it } from 'vitest';
import { ParseError } from '../../errors.js';
import { readCsvRows } from './csv-rows.js';
import { quoteCsvField, writeCsv } from './csv-write.js';
import { type Transaction } from '../../transaction.js';
import { type AccountName } from '../../account.js';
import { type IsoDate } from '../../date.js';
import { parseAmountPlain } from '../../amount.js';

describe('readCsvRows', () => {
  it('keeps the line and column where each record and field starts, across quoted line breaks and blank lines', () => {
    const text = '\uFEFFDate,Text,Amount\r\n\r\n2024-01-02,"two\r\nlines",5\r\n"a ""quoted"" word",x,"1,000.00"\n   \nlast,;,9';
    const rows = readCsvRows(text, { file: 'bank.csv' });
    expect(rows.map((row) => [row.line, row.fields])).toEqual([
      [1, ['Date', 'Text', 'Amount']],
      [3, ['2024-01-02', 'two\nlines', '5']],
      [5, ['a "quoted" word', 'x', '1,000.00']],
      [7, ['last', ';', '9']],
    ]);
    expect(rows[1]!.positions).toEqual([{ line: 3, column: 1 }, { line: 3, column: 12 }, { line: 4, column: 8 }]);
    expect(rows[2]!.positions).toEqual([{ line: 5, column: 1 }, { line: 5, column: 21 }, { line: 5, column: 23 }]);
  });

  it('uses another separator', () => {
    expect(readCsvRows('a;b,c;"d;e"\n', { file: 'f.csv', separator: ';' }).map((row) => [row.fields, row.positions.map((position) => position.column)])).toEqual([[['a', 'b,c', 'd;e'], [1, 3, 7]]]);
    expect(readCsvRows('a\tb\n', { file: 'f.tsv', separator: '\t' })[0]!.fields).toEqual(['a', 'b']);
  });

  it('reports malformed CSV as a ParseError with the line', () => {
    expect(() => readCsvRows('a,b\n"open,\nnever closed\n', { file: 'bad.csv' })).toThrow(new ParseError({ file: 'bad.csv', line: 3, column: 1 }, 'a quoted field that is never closed', 'a closing " before the end of the file'));
    expect(() => readCsvRows('a,b\n"x"y,1\n', { file: 'bad.csv' })).toThrow('bad.csv:2:1: found text right after a closing quote, expected the separator or the end of the line after a closing " (write "" for a quote inside a quoted field)');
  });
});

describe('writeCsv', () => {
  const transaction: Transaction = {
    date: '2024-03-01' as IsoDate, status: '*', code: '17', payee: 'Café "Le Coin"', description: 'Lunch, with team', tags: [], links: [], metadata: {},
    postings: [
      { account: 'Expenses:Food' as AccountName, amount: parseAmountPlain('12.50 EUR'), comment: 'line one\nline two' },
      { account: 'Assets:Cash' as AccountName, amount: parseAmountPlain('-12.50 EUR'), status: '!' },
    ],
  };

  it('writes one row per posting with RFC 4180 quoting', () => {
    expect(writeCsv([transaction])).toBe([
      'date,id,code,status,payee,description,account,commodity,amount,comment',
      '2024-03-01,,17,*,"Café ""Le Coin""","Lunch, with team",Expenses:Food,EUR,12.50,"line one',
      'line two"',
      '2024-03-01,,17,!,"Café ""Le Coin""","Lunch, with team",Assets:Cash,EUR,-12.50,',
      '',
    ].join('\n'));
    expect(quoteCsvField(' padded', ',')).toBe('" padded"');
    expect(quoteCsvField('a;b', ';')).toBe('"a;b"');
  });

  it('reads back to the same fields, and names recorded transactions by id', () => {
    const text = writeCsv([{ id: 'abc123' as never, author: 'k' as never, at: '2024-03-01T00:00:00Z', n: 0, transaction }]);
    const rows = readCsvRows(text, { file: 'export.csv' });
    expect(rows.map((row) => row.fields)).toEqual([
      ['date', 'id', 'code', 'status', 'payee', 'description', 'account', 'commodity', 'amount', 'comment'],
      ['2024-03-01', 'abc123', '17', '*', 'Café "Le Coin"', 'Lunch, with team', 'Expenses:Food', 'EUR', '12.50', 'line one\nline two'],
      ['2024-03-01', 'abc123', '17', '!', 'Café "Le Coin"', 'Lunch, with team', 'Assets:Cash', 'EUR', '-12.50', ''],
    ]);
    expect(rows[2]!.line).toBe(4);
  });
});
