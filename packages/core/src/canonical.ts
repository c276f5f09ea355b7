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
      if (Array.isArray(value)) return `[${value.map((item) => encode(item, depth + 1)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${encode(record[key], depth + 1)}`).join(',')}}`;
    }
    default:
      assert(false, `canonicalJson: cannot encode a ${typeof value}`);
  }
}
