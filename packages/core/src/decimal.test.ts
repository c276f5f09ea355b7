import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal, normalDecimalText } from './decimal.js';

describe('Decimal', () => {
  it('parses and prints exactly, keeping the written scale', () => {
    expect(Decimal.parse('-1234.50').toString()).toBe('-1234.50');
    expect(Decimal.parse('0.1').add(Decimal.parse('0.2')).toString()).toBe('0.3');
    expect(Decimal.parse('.5').toString()).toBe('0.5');
    expect(Decimal.parse('+7').toString()).toBe('7');
  });

  it('rejects text that is not a plain decimal, naming it', () => {
    for (const bad of ['', '.', '-', '1e5', '1,000', 'abc', '1.2.3']) {
      expect(() => Decimal.parse(bad)).toThrow(`"${bad}" is not a decimal number`);
    }
  });

  it('multiplies and divides with a named rounding mode', () => {
    expect(Decimal.parse('1.25').multiply(Decimal.parse('3')).toString()).toBe('3.75');
    expect(Decimal.parse('10').divide(Decimal.parse('3'), 2, 'half-even').toString()).toBe('3.33');
    expect(Decimal.parse('2.5').round(0, 'half-even').toString()).toBe('2');
    expect(Decimal.parse('3.5').round(0, 'half-even').toString()).toBe('4');
    expect(Decimal.parse('-2.5').round(0, 'half-up').toString()).toBe('-3');
    expect(Decimal.parse('-2.1').round(0, 'floor').toString()).toBe('-3');
  });

  it('survives a format–parse round trip and adds like integers (property)', () => {
    const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }))
      .map(([units, scale]) => Decimal.of(units, scale));
    fc.assert(fc.property(decimal, decimal, (a, b) => {
      expect(Decimal.parse(a.toString()).equals(a)).toBe(true);
      expect(a.add(b).subtract(b).equals(a)).toBe(true);
      expect(a.add(b).equals(b.add(a))).toBe(true);
    }), { seed: 42, numRuns: 500 });
  });

  it('normalDecimalText is Decimal.parse(text).toString(), and refuses what parse refuses (property)', () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom('0', '0', '1', '9'), maxLength: max });
    const text = fc.oneof(
      fc.tuple(fc.constantFrom('', '-', '+'), digits(6), fc.option(digits(20))).map(([sign, whole, fraction]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}`),
      fc.constantFrom('-0', '-0.00', '0', '00', '-00.10', '+0', '.', '', '-', '1.', '.5', '1e5', ' 1', '1.0000000000000000000', '1.000000000000000000'),
    );
    fc.assert(fc.property(text, (written) => {
      let expected: string | undefined;
      try { expected = Decimal.parse(written).toString(); } catch { expected = undefined; }
      if (expected === undefined) expect(() => normalDecimalText(written)).toThrow();
      else expect(normalDecimalText(written)).toBe(expected);
    }), { seed: 7, numRuns: 3000 });
  });
});
