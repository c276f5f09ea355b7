import { canonicalJson, encodeTransaction, parseBeancount, parseJournal } from '@tallystick/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateJournal } from '../../../../test/helpers/generate-journal.js';
import { withImportKey, withImportKeyText } from './import.js';

/* An imported transaction's payload text is made from the payload's own text (import.ts): it must be the encoder's. */

describe('withImportKeyText', () => {
  it('is canonicalJson of the payload with its import key, for generated journals and odd payloads alike', () => {
    const key = 'ab'.repeat(32);
    const payloads = parseJournal(generateJournal(300, 7), { file: 'generated.journal' }).transactions.map(({ value }) => encodeTransaction(value));
    payloads.push(...parseBeancount([
      '2024-01-01 open Assets:Cash', '2024-01-01 open Income:Sales',
      '2024-01-02 * "Shop" "sale" #tag ^link', '  code: "7"', '  Assets:Cash  5.00 USD', '  Income:Sales',
    ].join('\n'), { file: 'odd.beancount' }).transactions.map(({ value }) => encodeTransaction(value)));
    for (const payload of payloads) {
      expect(withImportKeyText(payload, canonicalJson(payload), key)).toBe(canonicalJson(withImportKey(payload, key)));
    }
  });

  it('puts the key where it sorts whatever fields come before and after it', () => {
    const field = fc.constantFrom('a', 'date', 'description', 'i', 'importKex', 'importKez', 'j', 'links', 'postings', 'z', '', 'Z', 'é');
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
    fc.assert(fc.property(fc.dictionary(field, value, { maxKeys: 6 }), fc.stringMatching(/^[0-9a-f]{64}$/u), (record, key) => {
      const payload = JSON.parse(canonicalJson(record)) as Parameters<typeof withImportKeyText>[0];
      expect(withImportKeyText(payload, canonicalJson(payload), key)).toBe(canonicalJson({ ...payload, importKey: key }));
    }), { numRuns: 500 });
  });
});
