import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyProblem, schemaBodyProblem } from './entry.js';
import { isWellFormedTransactionBody } from './transaction-body-check.js';

/*
 * The hand check of transaction bodies may only accept early: a body it accepts must be one the zod
 * schemas accept, or an import would sign entries every peer then refuses. Compared here on generated
 * well-formed bodies (which it must accept, or it is no fast path), on those bodies with one part
 * replaced by something hostile, and on the same bodies after a JSON round trip (what a reader checks).
 */

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', 'é', '€', '😀', '\u0000', '\u2028', ':'), maxLength: 12 }),
  fc.constantFrom('x'.repeat(4096), 'y'.repeat(200), ''),
);
const date = fc.constantFrom('2024-02-29', '2023-02-28', '0001-01-01', '9999-12-31', '2015-06-30');
const decimal = fc.constantFrom('0', '-0', '12.5', '-1234.56', '1.000000000000000001', '99999999999999999999');
const commodity = fc.constantFrom('USD', '€', '', 'c'.repeat(200), 'VANGUARD 500');
const amount = fc.tuple(commodity, decimal);
const account = fc.constantFrom('Assets:Bank', 'Expenses:Food:Café', 'Equity', 'A b:C d', 'a'.repeat(1000));
const metadata = fc.dictionary(fc.constantFrom('note', 'x', 'Ω', 'k'.repeat(200), 'constructor', 'toString'), text, { maxKeys: 4, noNullPrototype: true });
const status = fc.constantFrom('', '*', '!');

const posting = fc.record({
  account, amount,
  price: fc.record({ kind: fc.constantFrom('unit', 'total'), amount }, { noNullPrototype: true }),
  cost: fc.record({ perUnit: amount, date, label: text }, { requiredKeys: ['perUnit'], noNullPrototype: true }),
  assert: fc.record({ amount, total: fc.boolean(), inclusive: fc.boolean() }, { requiredKeys: ['amount'], noNullPrototype: true }),
  status, comment: text, tags: fc.array(text, { maxLength: 3 }), metadata,
}, { requiredKeys: ['account', 'amount'], noNullPrototype: true });

const payload = fc.record({
  date, status, code: text, payee: text, description: text,
  tags: fc.array(text, { maxLength: 3 }), links: fc.array(text, { maxLength: 3 }), metadata, comment: text,
  postings: fc.array(posting, { minLength: 2, maxLength: 4 }), reverses: hex(64), importKey: fc.string({ maxLength: 200 }),
}, { requiredKeys: ['date', 'status', 'description', 'tags', 'links', 'metadata', 'postings'], noNullPrototype: true });

const body = fc.record({
  v: fc.constant(1), kind: fc.constant('transaction'), coop: hex(32), author: hex(64),
  at: fc.constantFrom('2024-01-02T03:04:05Z', '2024-01-02T03:04:05.123Z'), n: fc.integer({ min: 0, max: 100_000_000 }),
  basis: fc.array(hex(64), { minLength: 1, maxLength: 3 }), payload,
}, { noNullPrototype: true });

/** Values that break a part of a body in every way we could think of (wrong type, just over a limit, odd objects). */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined, null, 0, 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 100_000_001, true, false, '', ' ', 'x'.repeat(4097), 'c'.repeat(201),
    'k'.repeat(1001), '2023-02-29', '2024-13-01', '2024-1-01', '20240101', ' Assets:Bank', 'Assets::Bank', 'Assets  Bank', 'Assets\tBank', 'Assets:Bank ',
    '1.', '.5', '1e5', '1.0000000000000000001', '+1', 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(32), 'a'.repeat(65),
    '2024-01-02T03:04:05', '2024-01-02T03:04:05.1234Z', 'unit', 'total', 'other', '*', '!', '?', 'transaction', 'account',
    [], [1], ['USD'], ['USD', '1', 'x'], ['USD', 1], [null, '1'], {}, { kind: 'unit' }, { perUnit: ['USD', '1'], extra: 1 },
    Array.from({ length: 101 }, () => 'tag'), Array.from({ length: 65 }, () => 'a'.repeat(64)),
    Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`k${index}`, 'v'])),
  ),
  fc.constant(null).map(() => Object.create(null) as unknown),
  fc.constant(null).map(() => ({ [Symbol('s')]: 'v' })),
  fc.constant(null).map(() => Object.defineProperty({}, 'hidden', { value: 'x'.repeat(5000), enumerable: false })),
  fc.constant(null).map(() => JSON.parse('{"__proto__":"x"}') as unknown),
  fc.constant(null).map(() => new (class Posting { account = 'Assets:Bank'; amount = ['USD', '1']; })()),
  fc.constant(null).map(() => new Map([['a', 'b']])),
  fc.constant(null).map(() => Object.assign(['USD', '1'], { extra: 'x' })),
);

/** Every path to a part of the value (objects and arrays, not their leaves' characters). */
function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const paths = [path];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...path, index])));
  else if (typeof value === 'object' && value !== null) for (const key of Object.keys(value)) paths.push(...pathsOf((value as Record<string, unknown>)[key], [...path, key]));
  return paths;
}

/** A deep copy of `value` with the part at `path` replaced, deleted (`remove`), or given an extra key. */
function mutate(value: unknown, path: readonly (string | number)[], how: 'replace' | 'remove' | 'extra', replacement: unknown): unknown {
  if (path.length === 0) {
    if (how === 'extra' && typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...value, unexpected: replacement };
    if (how === 'extra' && Array.isArray(value)) return [...value, replacement];
    return replacement;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (how === 'remove' && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = mutate(copy[head as number], rest, how, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (how === 'remove' && rest.length === 0) delete copy[head as string];
  else copy[head as string] = mutate(copy[head as string], rest, how, replacement);
  return copy;
}

describe('the hand check of transaction bodies', () => {
  it('accepts generated well-formed bodies, as the schemas do, also after a JSON round trip', () => {
    fc.assert(fc.property(body, (generated) => {
      expect(schemaBodyProblem(generated)).toBeUndefined();
      expect(isWellFormedTransactionBody(generated)).toBe(true);
      expect(isWellFormedTransactionBody(JSON.parse(JSON.stringify(generated)))).toBe(true);
    }), { seed: 27, numRuns: 300 });
  });

  it('accepts nothing the schemas reject, on bodies with one part broken', () => {
    let rejected = 0;
    fc.assert(fc.property(body, fc.nat(), fc.constantFrom('replace' as const, 'remove' as const, 'extra' as const), hostile, (generated, pick, how, replacement) => {
      const paths = pathsOf(generated);
      const broken = mutate(generated, paths[pick % paths.length]!, how, replacement);
      for (const candidate of [broken, roundTrip(broken)]) {
        if (candidate === undefined) continue;
        const schema = schemaBodyProblem(candidate);
        if (schema !== undefined) rejected += 1;
        if (isWellFormedTransactionBody(candidate)) expect(schema).toBeUndefined();
        expect(bodyProblem(candidate)).toBe(schema); // what callers see does not depend on the path taken
      }
    }), { seed: 2027, numRuns: 5000 });
    expect(rejected).toBeGreaterThan(2000); // the mutations do reach the schemas' limits
  });

  it('refuses each limit one past the schema, and leaves other kinds to the schemas', () => {
    const good = fc.sample(body, { seed: 1, numRuns: 1 })[0]!;
    const withPayload = (change: Record<string, unknown>) => ({ ...good, payload: { ...good.payload, ...change } });
    const onePosting = (change: Record<string, unknown>) => withPayload({ postings: [{ account: 'Assets:A', amount: ['USD', '1'], ...change }, { account: 'Assets:B', amount: ['USD', '-1'] }] });
    const over = [
      withPayload({ description: 'x'.repeat(4097) }), withPayload({ tags: Array.from({ length: 101 }, () => 't') }), withPayload({ importKey: 'k'.repeat(201) }),
      withPayload({ metadata: Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`k${index}`, 'v'])) }), withPayload({ metadata: { ['k'.repeat(201)]: 'v' } }),
      withPayload({ postings: [{ account: 'Assets:A', amount: ['USD', '1'] }] }), withPayload({ date: '2023-02-29' }),
      onePosting({ amount: ['c'.repeat(201), '1'] }), onePosting({ amount: ['USD', '1.0000000000000000001'] }), onePosting({ account: 'Assets::A' }),
      onePosting({ comment: 'x'.repeat(4097) }), onePosting({ price: { kind: 'unit', amount: ['USD', '1'], extra: true } }),
      { ...good, basis: [] }, { ...good, basis: Array.from({ length: 65 }, () => 'a'.repeat(64)) }, { ...good, n: 100_000_001 }, { ...good, n: 1.5 },
    ];
    for (const body of over) {
      expect(schemaBodyProblem(body)).toBeDefined();
      expect(isWellFormedTransactionBody(body)).toBe(false);
    }
    expect(isWellFormedTransactionBody({ ...good, kind: 'account' })).toBe(false);
  });
});

function roundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}
