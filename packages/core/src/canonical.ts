import { assert } from './errors.js';

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, no undefined, no non-finite numbers.
 * Two equal values always encode to the same text, so the text can be hashed and signed.
 * Money never appears as a number here: amounts are decimal strings.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}

const MAX_DEPTH = 32;

function encode(value: unknown, depth: number): string {
  assert(depth <= MAX_DEPTH, `canonicalJson: nesting deeper than ${MAX_DEPTH}`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      assert(Number.isSafeInteger(value), `canonicalJson: only safe integers are allowed, got ${value}`);
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index += 1) text += (index === 0 ? '' : ',') + encode(value[index], depth + 1);
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let text = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        text += `${first ? '' : ','}${JSON.stringify(key)}:${encode(item, depth + 1)}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      assert(false, `canonicalJson: cannot encode a ${typeof value}`);
  }
}
