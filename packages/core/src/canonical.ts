import { assert } from './errors.js';

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, no undefined, no non-finite numbers.
 * Two equal values always encode to the same text, so the text can be hashed and signed.
 * Money never appears as a number here: amounts are decimal strings.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}

/**
 * A value already encoded by `canonicalJson`, to embed as is: an import encodes each transaction's
 * payload once for its import key and reuses that text in the entry's (encoding 100k payloads twice
 * cost ~1 s). Only wrap text that `canonicalJson` produced.
 */
export class CanonicalText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Each field of a record encoded on its own, to be embedded (as `CanonicalText`) in records built from it. */
export function canonicalFields(record: Readonly<Record<string, unknown>>): Record<string, CanonicalText> {
  const fields: Record<string, CanonicalText> = {};
  for (const [key, item] of Object.entries(record)) if (item !== undefined) fields[key] = new CanonicalText(encode(item, 1));
  return fields;
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
      if (value instanceof CanonicalText) return value.text;
      // Plain data whose keys are already in canonical order encodes the same through the engine's
      // JSON.stringify, ~3× faster than the general path below (an import builds its payloads so).
      if (isCanonicalAsIs(value, depth)) return JSON.stringify(value);
      // Parts joined at the end, not appended one by one: `+=` builds a rope of every piece, which stays
      // in memory as long as the text does (measured on 100k payloads: 195 MiB of ropes, 36 MiB flat).
      if (Array.isArray(value)) {
        const items: string[] = new Array<string>(value.length);
        for (let index = 0; index < value.length; index += 1) items[index] = encode(value[index], depth + 1);
        return `[${items.join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = sortInPlace(Object.keys(record));
      const parts: string[] = [];
      for (const key of keys) {
        const item = record[key];
        if (item !== undefined) parts.push(quotedKey(key) + encode(item, depth + 1));
      }
      return `{${parts.join(',')}}`;
    }
    default:
      assert(false, `canonicalJson: cannot encode a ${typeof value}`);
  }
}

/**
 * Whether `JSON.stringify(value)` is already its canonical JSON: plain objects (Object.prototype) whose
 * keys come in code-unit order (as JSON.stringify lists them: integer-like keys first, then in order of
 * creation), arrays (Array.prototype) without holes or undefined items, strings, booleans, null, safe
 * integers, no deeper than MAX_DEPTH. JSON.stringify escapes strings as `encode` does (it is what `encode`
 * calls), skips undefined properties as `encode` does, and calls no `toJSON` (only functions have one, and
 * functions are refused). Anything else goes the general way, which sorts or refuses.
 */
function isCanonicalAsIs(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null) return true;
  switch (typeof value) {
    case 'string': case 'boolean': return true;
    case 'number': return Number.isSafeInteger(value);
    case 'object': break;
    default: return false;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype === Array.prototype) {
    const items = value as unknown[];
    for (let index = 0; index < items.length; index += 1) {
      if (!(index in items) || items[index] === undefined || !isCanonicalAsIs(items[index], depth + 1)) return false;
    }
    return true;
  }
  if (prototype !== Object.prototype) return false;
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in record) {
    if (previous !== undefined && previous >= key) return false;
    previous = key;
    const item = record[key];
    if (item !== undefined && !isCanonicalAsIs(item, depth + 1)) return false;
  }
  return true;
}

/**
 * Sorts a record's keys by code unit, in place. Insertion sort: a record has a handful of keys, and
 * `Array.prototype.sort` allocates a work area per call (400 MiB of garbage over a 100k import's payloads).
 */
function sortInPlace(keys: string[]): string[] {
  for (let index = 1; index < keys.length; index += 1) {
    const key = keys[index]!;
    let before = index - 1;
    while (before >= 0 && keys[before]! > key) {
      keys[before + 1] = keys[before]!;
      before -= 1;
    }
    keys[before + 1] = key;
  }
  return keys;
}

/** `"key":` for record keys, kept for the few names payloads use (bounded: any key may come from a peer). */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 1024;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS && key.length <= 64) quotedKeys.set(key, quoted);
  }
  return quoted;
}
