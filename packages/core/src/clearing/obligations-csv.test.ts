import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationErrors } from '../errors.js';
import { readCsvRows } from '../formats/csv/csv-rows.js';
import { readObligationsCsv, splitUnquotedRows } from './obligations-csv.js';
import { planClearing } from './plan-clearing.js';

describe('readObligationsCsv', () => {
  it('reads debtor,creditor,amount rows, with or without a header, quoted or not', () => {
    const withHeader = readObligationsCsv('debtor,creditor,amount\r\nMill, Bakery ,12.50\n\n"Hive, the",Mill,$3\n', { file: 'a.csv' });
    expect(withHeader.map((obligation) => [obligation.debtor, obligation.creditor, obligation.amount.quantity.toString(), obligation.amount.commodity])).toEqual([
      ['Mill', 'Bakery', '12.50', ''],
      ['Hive, the', 'Mill', '3', '$'],
    ]);
    expect(withHeader[1]!.source).toEqual({ file: 'a.csv', line: 4, debtorColumn: 1, creditorColumn: 13, amountColumn: 18 });
    const without = readObligationsCsv('A,B,1.5 EUR\n', { file: 'b.csv' });
    expect(without).toHaveLength(1);
    expect(without[0]!.amount.commodity).toBe('EUR');
    expect(readObligationsCsv('', { file: 'empty.csv' })).toEqual([]);
  });

  it('reports every malformed row as file:line:column: found …, expected …', () => {
    const text = 'Debtor,Creditor,Amount\nA,B,10\nA,B\n,B,5\nA,B,ten\nA,B,\nA,B,1,extra\n';
    let thrown: unknown;
    try {
      readObligationsCsv(text, { file: 'debts.csv' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationErrors);
    expect((thrown as Error).message).toBe([
      'debts.csv:3:1: found 2 fields, expected 3 fields: debtor,creditor,amount',
      'debts.csv:4:1: found an empty debtor, expected the name or id of the co-op that owes',
      'debts.csv:5:5: found "ten", expected an amount like 1234.50, $1234.50 or 1234.50 EUR',
      'debts.csv:6:5: found an empty amount, expected an amount like 1234.50, $1234.50 or 1234.50 EUR',
      'debts.csv:7:7: found 4 fields, expected 3 fields: debtor,creditor,amount',
    ].join('\n'));
  });

  it('gives planClearing the locations for what clearing refuses', () => {
    const obligations = readObligationsCsv('A,B,10 EUR\nC,C,5 EUR\nB,A,-1 EUR\nB,C,3 USD\n', { file: 'debts.csv' });
    expect(() => planClearing(obligations)).toThrow([
      'debts.csv:2:3: found "C" owing itself, expected a creditor other than the debtor',
      'debts.csv:3:5: found -1, expected an amount greater than zero',
      'debts.csv:4:5: found an amount in "USD", expected "EUR", the commodity of the first obligation (clearing sets off debts in one commodity at a time)',
    ].join('\n'));
  });

  it('reports a broken quote with its line', () => {
    expect(() => readObligationsCsv('A,B,1\n"C,D,2\n', { file: 'q.csv' })).toThrow(/^q\.csv:\d+:1: found a quoted field that is never closed/u);
  });
});

describe('splitUnquotedRows', () => {
  it('gives exactly the rows csv-parse gives for any text without a quote (or a byte-order mark but at the start)', () => {
    const characters = fc.constantFrom('a', 'B', '1', '.', ' ', ',', ',', '\n', '\n', '\r', '\r\n', '\t', 'é', '東');
    fc.assert(fc.property(fc.array(characters, { maxLength: 60 }).map((parts) => parts.join('')), fc.boolean(), (body, bom) => {
      const text = bom ? `\uFEFF${body}` : body;
      expect(splitUnquotedRows(text)).toEqual(readCsvRows(text, { file: 'f.csv' }));
    }), { seed: 20_250_616, numRuns: 1000 });
  });
});
