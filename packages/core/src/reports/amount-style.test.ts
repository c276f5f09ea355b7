import { describe, expect, it } from 'vitest';
import { amount } from '../amount.js';
import { commodityStyles, formatAmount, formatAmountLines, formatAmountsInline, styleFromFormat } from './amount-style.js';

describe('commodity styles', () => {
  it('infers precision from the amounts seen, one-character symbols on the left', () => {
    const styles = commodityStyles({ amounts: [amount('$', '1.5'), amount('$', '2.25'), amount('EUR', '3'), amount('', '0.125'), amount('hours', '7.5')] });
    expect(formatAmount(amount('$', '1000'), styles)).toBe('$1000.00');
    expect(formatAmount(amount('$', '-3.5'), styles)).toBe('$-3.50');
    expect(formatAmount(amount('EUR', '-12'), styles)).toBe('-12 EUR');
    expect(formatAmount(amount('', '2'), styles)).toBe('2.000');
    expect(formatAmount(amount('hours', '8'), styles)).toBe('8.0 hours');
    expect(formatAmount(amount('€', '8'), styles)).toBe('€8');
  });

  it('reads declared formats: symbol side, spacing, decimal mark, digit groups', () => {
    expect(styleFromFormat('$1,000.00', '$')).toEqual({ side: 'left', spaced: false, precision: 2, decimalMark: '.', digitGroupSeparator: ',' });
    expect(styleFromFormat('1.000,00 EUR', 'EUR')).toEqual({ side: 'right', spaced: true, precision: 2, decimalMark: ',', digitGroupSeparator: '.' });
    expect(styleFromFormat('EUR 1000', 'EUR')).toEqual({ side: 'left', spaced: true, precision: 0, decimalMark: '.' });
    expect(styleFromFormat('1 000 000', 'SEK')).toEqual({ side: 'right', spaced: true, precision: 0, decimalMark: '.', digitGroupSeparator: ' ' });
    expect(styleFromFormat('1,000.0000', 'USD')).toEqual({ side: 'right', spaced: true, precision: 4, decimalMark: '.', digitGroupSeparator: ',' });
    expect(styleFromFormat('no number', 'X')).toBeUndefined();
  });

  it('lets a declaration win over what is seen, and precision over format', () => {
    const styles = commodityStyles({
      amounts: [amount('$', '1.123')],
      declarations: [{ symbol: '$', format: '$1,000.00' }, { symbol: 'EUR', format: '1.000,00 EUR', precision: 1 }, { symbol: 'CHF', precision: 2 }],
    });
    expect(formatAmount(amount('$', '1234567.5'), styles)).toBe('$1,234,567.50');
    expect(formatAmount(amount('EUR', '-1234.56'), styles)).toBe('-1.234,6 EUR');
    expect(formatAmount(amount('CHF', '5'), styles)).toBe('5.00 CHF');
  });

  it('rounds half to even when an amount has more decimals than shown, never through a float', () => {
    const styles = commodityStyles({ declarations: [{ symbol: 'USD', precision: 2 }] });
    expect(formatAmount(amount('USD', '1.005'), styles)).toBe('1.00 USD');
    expect(formatAmount(amount('USD', '1.015'), styles)).toBe('1.02 USD');
    expect(formatAmount(amount('USD', '-0.001'), styles)).toBe('0.00 USD');
    expect(formatAmount(amount('USD', '123456789012345678.99'), styles)).toBe('123456789012345678.99 USD');
  });

  it('quotes commodities that need it and lists several commodities', () => {
    const styles = commodityStyles({});
    expect(formatAmount(amount('VANGUARD 500', '3'), styles)).toBe('3 "VANGUARD 500"');
    expect(formatAmountLines([], styles)).toEqual(['0']);
    expect(formatAmountsInline([amount('$', '1'), amount('EUR', '2')], styles)).toBe('$1, 2 EUR');
  });
});
