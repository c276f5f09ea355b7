import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalText, canonicalFields, canonicalJson } from './canonical.js';

/*
 * canonicalJson hands plain data whose keys are already sorted to JSON.stringify; every other value is
 * encoded by hand. Both must give the text of the plain definition below (keys sorted by code unit,
 * no whitespace, undefined properties left out), on any data, key orders and odd keys included.
 */
function reference(value: unknown): string {
  if (value instanceof CanonicalText) return value.text;
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${reference((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('1', '10', '9', '01', '-1', '__proto__', 'toJSON', 'a', 'b', 'é', '😀', '\ud800'));
const leaf = fc.oneof(
  fc.string({ maxLength: 6 }), fc.constantFrom('"', '\\', '\n', '\u2028', '\ud800x', '\u0000'), fc.boolean(), fc.constant(null),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.constant(undefined),
);

/** Records built in a random key order, or in sorted order (the fast path), possibly with undefined values. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('record'), tie('sortedRecord')),
  array: fc.array(tie('node').filter((item) => item !== undefined), { maxLength: 4 }),
  record: fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }).map((pairs) => build(pairs)),
  sortedRecord: fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }).map((pairs) => build([...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))),
})).node;

function build(pairs: readonly [string, unknown][]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  // defineProperty: a `__proto__` key is then an own property, as JSON.parse makes it.
  for (const [name, item] of pairs) Object.defineProperty(record, name, { value: item, enumerable: true, writable: true, configurable: true });
  return record;
}

describe('canonicalJson', () => {
  it('gives the reference text for any data, keys in any order', () => {
    fc.assert(fc.property(value, (generated) => {
      if (generated === undefined) return;
      expect(canonicalJson(generated)).toBe(reference(generated));
      expect(canonicalJson(JSON.parse(canonicalJson(generated)))).toBe(reference(generated));
    }), { seed: 31, numRuns: 3000 });
  });

  it('embeds canonical fields as they are, and refuses what has no canonical text', () => {
    const record = { b: [1, { d: 'x', c: undefined }], a: 'y' };
    expect(canonicalJson({ ...canonicalFields(record), z: true })).toBe('{"a":"y","b":[1,{"d":"x"}],"z":true}');
    expect(canonicalJson([{ a: 1 }, new CanonicalText('{"pre":1}')])).toBe('[{"a":1},{"pre":1}]');
    for (const bad of [{ a: 1.5 }, { a: 2 ** 53 }, { a: Number.NaN }, [undefined], { a: 1n }, { a: () => 1 }, { a: Symbol('s') }]) {
      expect(() => canonicalJson(bad)).toThrow();
    }
    let deep: unknown = 'leaf';
    for (let level = 0; level < 40; level += 1) deep = { a: deep };
    expect(() => canonicalJson(deep)).toThrow(/deeper/u);
  });
});
