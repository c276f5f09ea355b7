import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountName } from './account.js';
import { canonicalFields, canonicalJson } from './canonical.js';
import { type IsoDate } from './date.js';
import { Decimal } from './decimal.js';
import {
  type CoopId, type DeviceKey, type EntryBody, type EntryCrypto, type EntryId, type EntrySigner, MAX_ENTRY_TEXT, checkSealedEntries, checkStoredEntry, createEntry,
  prepareEntry, sealEntries, sealMessage,
} from './entry.js';
import { AssertionError } from './errors.js';
import { encodeTransaction } from './payloads.js';
import { type Transaction } from './transaction.js';

/*
 * The signed envelope: the canonical text is what is hashed and signed, so it must never change for the
 * same body, and any change to a stored byte must make the entry fail its check.
 */

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const testCrypto: EntryCrypto = {
  sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
  verify: (publicKeyHex, message, signatureHex) => {
    try {
      const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
      return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureHex, 'hex'));
    } catch {
      return false; // not a key: nothing verifies
    }
  },
};

/** An Ed25519 device whose key is derived from a name: the same signature on every run. */
function device(name: string): EntrySigner {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, createHash('sha256').update(name).digest()]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length).toString('hex') as DeviceKey;
  return { publicKey, sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('hex') };
}

const ALICE = device('alice');
const COOP = '0123456789abcdef0123456789abcdef' as CoopId;
const GENESIS_ID = 'a'.repeat(64) as EntryId;
const LOCK_ID = 'b'.repeat(64) as EntryId;

const RENT: Transaction = {
  date: '2024-03-01' as IsoDate,
  status: '*',
  payee: 'Hausverwaltung Ost',
  description: 'Miete März — 3 €',
  tags: ['rent'],
  links: [],
  metadata: { invoice: '2024-031' },
  postings: [
    { account: 'expenses:rent' as AccountName, amount: { commodity: 'EUR', quantity: Decimal.parse('1200.00') } },
    { account: 'assets:bank' as AccountName, amount: { commodity: 'EUR', quantity: Decimal.parse('-1200.00') }, comment: 'SEPA' },
  ],
};

function rentFields(overrides: Partial<Omit<EntryBody<'transaction'>, 'v' | 'author'>> = {}): Omit<EntryBody<'transaction'>, 'v' | 'author'> {
  return { kind: 'transaction', coop: COOP, at: '2024-03-01T09:30:00.000Z', n: 0, basis: [LOCK_ID, GENESIS_ID], payload: encodeTransaction(RENT), ...overrides };
}

/** The same value with every object's keys inserted in another order. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, seed + 1));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const rotated = [...keys.slice(seed % Math.max(1, keys.length)), ...keys.slice(0, seed % Math.max(1, keys.length))].reverse();
  return Object.fromEntries(rotated.map((key) => [key, reorderKeys((value as Record<string, unknown>)[key], seed + 1)]));
}

describe('canonical entry text', () => {
  it('is exactly this text for this body (a change here changes every id and signature ever made)', () => {
    const entry = createEntry(rentFields(), ALICE, testCrypto);
    expect(entry.stored.text).toBe(
      `{"at":"2024-03-01T09:30:00.000Z","author":"${ALICE.publicKey}","basis":["${GENESIS_ID}","${LOCK_ID}"],"coop":"${COOP}",`
      + '"kind":"transaction","n":0,"payload":{"date":"2024-03-01","description":"Miete März — 3 €","links":[],"metadata":{"invoice":"2024-031"},'
      + '"payee":"Hausverwaltung Ost","postings":[{"account":"expenses:rent","amount":["EUR","1200.00"]},{"account":"assets:bank","amount":["EUR","-1200.00"],"comment":"SEPA"}],'
      + '"status":"*","tags":["rent"]},"v":1}',
    );
    expect(entry.id).toBe(createHash('sha256').update(Buffer.from(entry.stored.text, 'utf8')).digest('hex'));
    expect(entry.id).toBe('325a9199dd4bb1071c9e3fbaf1c6e932ba43760ea54a496e0979857307494937');
    expect(testCrypto.verify(ALICE.publicKey, entry.stored.text, entry.stored.sig)).toBe(true);
  });

  it('does not depend on key order, basis order or how often it is made', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 50 }), fc.boolean(), (seed, reverseBasis) => {
      const fields = reorderKeys(rentFields({ basis: reverseBasis ? [GENESIS_ID, LOCK_ID] : [LOCK_ID, GENESIS_ID] }), seed) as ReturnType<typeof rentFields>;
      const again = createEntry(fields, ALICE, testCrypto);
      const reference = createEntry(rentFields(), ALICE, testCrypto);
      expect(again.stored.text).toBe(reference.stored.text);
      expect(again.id).toBe(reference.id);
      expect(again.stored.sig).toBe(reference.stored.sig);
    }), { seed: 7, numRuns: 60 });
  });

  it('is canonical JSON of the body: re-encoding the parsed text gives the same text', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', 'é', '€', '😀', '\u0000', '\u2028'), maxLength: 20 });
    const amount = fc.tuple(fc.bigInt({ min: -1_000_000_000_000n, max: 1_000_000_000_000n }), fc.integer({ min: 0, max: 6 })).map(([units, scale]) => Decimal.of(units, scale));
    fc.assert(fc.property(text, text, fc.dictionary(fc.constantFrom('note', 'x', 'Ω'), text, { maxKeys: 3 }), amount, (description, comment, metadata, quantity) => {
      const transaction: Transaction = {
        ...RENT, description, metadata,
        postings: [
          { account: 'expenses:rent' as AccountName, amount: { commodity: 'EUR', quantity }, comment },
          { account: 'assets:bank' as AccountName, amount: { commodity: 'EUR', quantity: quantity.negate() } },
        ],
      };
      const entry = createEntry(rentFields({ payload: encodeTransaction(transaction) }), ALICE, testCrypto);
      expect(canonicalJson(JSON.parse(entry.stored.text))).toBe(entry.stored.text);
      expect(JSON.parse(entry.stored.text)).toEqual(JSON.parse(JSON.stringify(entry.body)));
      const check = checkStoredEntry(entry.id, entry.stored, testCrypto);
      expect(check.ok).toBe(true);
      expect(check.ok && check.entry.body).toEqual(entry.body);
    }), { seed: 11, numRuns: 80 });
  });
});

describe('checkStoredEntry: tampering', () => {
  const entry = createEntry(rentFields(), ALICE, testCrypto);

  it('accepts the entry as written', () => {
    const check = checkStoredEntry(entry.id, { text: entry.stored.text, sig: entry.stored.sig }, testCrypto);
    expect(check).toEqual({ ok: true, entry: { id: entry.id, body: entry.body, stored: entry.stored } });
  });

  it('fails when any byte of the text changes, filed under the old id or re-filed under the new hash', () => {
    const bytes = Buffer.from(entry.stored.text, 'utf8');
    expect(bytes.length).toBeGreaterThan(entry.stored.text.length); // multi-byte characters are covered
    for (let index = 0; index < bytes.length; index += 1) {
      for (const bit of [index % 8, (index * 3 + 5) % 8]) {
        const tampered = Buffer.from(bytes);
        tampered[index] = tampered[index]! ^ (1 << bit);
        const text = tampered.toString('utf8');
        expect(text).not.toBe(entry.stored.text);
        const underOldId = checkStoredEntry(entry.id, { text, sig: entry.stored.sig }, testCrypto);
        expect(underOldId.ok, `byte ${index} bit ${bit}`).toBe(false);
        expect(!underOldId.ok && underOldId.code).toBe('id_mismatch');
        const refiled = checkStoredEntry(testCrypto.sha256Hex(text), { text, sig: entry.stored.sig }, testCrypto);
        expect(refiled.ok, `byte ${index} bit ${bit} re-filed`).toBe(false);
        expect(['bad_signature', 'malformed_entry', 'unknown_version']).toContain(!refiled.ok && refiled.code);
      }
    }
  });

  it('fails when any character of the signature changes', () => {
    for (let index = 0; index < entry.stored.sig.length; index += 1) {
      const digit = entry.stored.sig[index]!;
      const sig = `${entry.stored.sig.slice(0, index)}${digit === '0' ? '1' : '0'}${entry.stored.sig.slice(index + 1)}`;
      const check = checkStoredEntry(entry.id, { text: entry.stored.text, sig }, testCrypto);
      expect(check.ok, `signature character ${index}`).toBe(false);
      expect(!check.ok && check.code).toBe('bad_signature');
    }
  });

  it('fails for a signature by another key, a body claiming another author, or a malformed record', () => {
    const mallory = device('mallory');
    expect(checkStoredEntry(entry.id, { text: entry.stored.text, sig: mallory.sign(entry.stored.text) }, testCrypto)).toMatchObject({ ok: false, code: 'bad_signature' });
    const claimed = entry.stored.text.replace(ALICE.publicKey, mallory.publicKey);
    expect(checkStoredEntry(testCrypto.sha256Hex(claimed), { text: claimed, sig: entry.stored.sig }, testCrypto)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(checkStoredEntry(entry.id, entry.stored.text, testCrypto)).toMatchObject({ ok: false, code: 'malformed_entry' });
    expect(checkStoredEntry(entry.id, { text: entry.stored.text }, testCrypto)).toMatchObject({ ok: false, code: 'malformed_entry' });
    const notJson = `${entry.stored.text.slice(0, -1)}`;
    expect(checkStoredEntry(testCrypto.sha256Hex(notJson), { text: notJson, sig: entry.stored.sig }, testCrypto)).toMatchObject({ ok: false, code: 'malformed_entry' });
    const version2 = entry.stored.text.replace('"v":1}', '"v":2}');
    expect(checkStoredEntry(testCrypto.sha256Hex(version2), { text: version2, sig: ALICE.sign(version2) }, testCrypto)).toMatchObject({ ok: false, code: 'unknown_version' });
    // Signed by its author but not well formed (what a buggy or hostile peer could write).
    const badStatus = entry.stored.text.replace('"status":"*"', '"status":"?"');
    expect(checkStoredEntry(testCrypto.sha256Hex(badStatus), { text: badStatus, sig: ALICE.sign(badStatus) }, testCrypto)).toMatchObject({ ok: false, code: 'malformed_entry' });
    const huge = 'x'.repeat(MAX_ENTRY_TEXT + 1);
    expect(checkStoredEntry(testCrypto.sha256Hex(huge), { text: huge, sig: entry.stored.sig }, testCrypto)).toMatchObject({ ok: false, code: 'malformed_entry' });
  });
});

describe('an entry whose payload was encoded beforehand (an import encodes it once for its key)', () => {
  it('is the same entry, text and id, as one encoded whole, whatever order the keys come in', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 50 }), fc.string({ maxLength: 40 }), (seed, importKey) => {
      const payload = reorderKeys({ ...encodeTransaction(RENT), importKey }, seed) as EntryBody<'transaction'>['payload'];
      const whole = prepareEntry(rentFields({ payload }), ALICE.publicKey, testCrypto);
      const fields = canonicalFields(reorderKeys(encodeTransaction(RENT), seed + 7) as Record<string, unknown>);
      const embedded = prepareEntry(rentFields({ payload }), ALICE.publicKey, testCrypto, canonicalJson({ ...fields, importKey }));
      expect(embedded).toEqual(whole);
      expect(canonicalJson(fields)).toBe(canonicalJson(encodeTransaction(RENT)));
    }), { seed: 7, numRuns: 60 });
  });
});

describe('sealed groups: one signature over the ids of entries written together', () => {
  const prepared = [0, 1, 2].map((n) => prepareEntry(rentFields({ n }), ALICE.publicKey, testCrypto));
  const sealed = sealEntries(prepared, ALICE);
  const texts = sealed.map((entry) => entry.stored.text);
  const claimed = { author: sealed[0]!.seal!.author, sig: sealed[0]!.seal!.sig };

  it('signs the ids in order once, and each entry is the one createEntry would write, without its own signature', () => {
    expect(sealed.map((entry) => entry.seal)).toEqual([sealed[0]!.seal, sealed[0]!.seal, sealed[0]!.seal]);
    expect(sealed[0]!.seal!.ids).toEqual(prepared.map((entry) => entry.id));
    expect(testCrypto.verify(ALICE.publicKey, sealMessage(prepared.map((entry) => entry.id)), claimed.sig)).toBe(true);
    const alone = createEntry(rentFields({ n: 1 }), ALICE, testCrypto);
    expect(sealed[1]!.id).toBe(alone.id);
    expect(sealed[1]!.stored).toEqual({ text: alone.stored.text, sig: '' });
  });

  it('accepts the group as written, with every entry under its seal', () => {
    const checks = checkSealedEntries(texts, claimed, testCrypto);
    expect(checks.map((check) => check.ok)).toEqual([true, true, true]);
    expect(checks.map((check) => (check.ok ? check.entry : undefined))).toEqual(sealed);
  });

  it('rejects the whole group when any byte of any text changes, an entry is dropped, added or moved, or the seal is another\'s', () => {
    fc.assert(fc.property(fc.nat({ max: 2 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, at, delta) => {
      const bytes = Buffer.from(texts[which]!, 'utf8');
      const position = at % bytes.length;
      bytes[position] = (bytes[position]! + delta) % 256;
      const changed = texts.map((text, index) => (index === which ? bytes.toString('utf8') : text));
      return checkSealedEntries(changed, claimed, testCrypto).every((check) => !check.ok && check.code === 'bad_signature');
    }), { seed: 7, numRuns: 200 });
    const other = sealEntries([prepareEntry(rentFields({ n: 9 }), ALICE.publicKey, testCrypto)], ALICE)[0]!.seal!;
    for (const group of [texts.slice(0, 2), [...texts, createEntry(rentFields({ n: 5 }), ALICE, testCrypto).stored.text], [texts[1]!, texts[0]!, texts[2]!]]) {
      expect(checkSealedEntries(group, claimed, testCrypto).every((check) => !check.ok && check.code === 'bad_signature')).toBe(true);
    }
    expect(checkSealedEntries(texts, { author: claimed.author, sig: other.sig }, testCrypto).some((check) => check.ok)).toBe(false);
    expect(checkSealedEntries(texts, { author: device('mallory').publicKey, sig: claimed.sig }, testCrypto).some((check) => check.ok)).toBe(false);
  });

  it('rejects an entry naming another author than the one who sealed the group, even under a valid seal', () => {
    const mallory = device('mallory');
    const forged = prepareEntry(rentFields({ n: 3 }), ALICE.publicKey, testCrypto);
    const ids = [...prepared.map((entry) => entry.id), forged.id];
    const checks = checkSealedEntries([...texts, forged.text], { author: mallory.publicKey, sig: mallory.sign(sealMessage(ids)) }, testCrypto);
    expect(checks.map((check) => (check.ok ? 'ok' : check.code))).toEqual(['bad_signature', 'bad_signature', 'bad_signature', 'bad_signature']);
    expect(checks.every((check) => !check.ok && /sealed by/u.test(check.reason))).toBe(true);
  });

  it('does not check again entries verified before, and refuses to seal another author\'s entries or none', () => {
    const known = new Map(sealed.map((entry) => [entry.id as string, entry]));
    const checks = checkSealedEntries(texts, { author: claimed.author, sig: '' }, testCrypto, (id) => known.get(id));
    expect(checks.every((check) => check.ok)).toBe(true);
    expect(() => sealEntries(prepared, device('bob'))).toThrow(AssertionError);
    expect(() => sealEntries([], ALICE)).toThrow(AssertionError);
  });
});

describe('createEntry refuses to sign a malformed body', () => {
  const posting = (account: string, amount: unknown) => ({ account, amount });
  const payload = encodeTransaction(RENT);
  const invalid: Record<string, Omit<EntryBody, 'v' | 'author'>> = {
    'an unknown kind': { ...rentFields(), kind: 'vote' as never },
    'a co-op id that is not 32 hex digits': rentFields({ coop: 'coop-1' as CoopId }),
    'a time that is not ISO 8601 UTC': rentFields({ at: '2024-03-01 09:30' }),
    'a negative batch position': rentFields({ n: -1 }),
    'a fractional batch position': rentFields({ n: 1.5 }),
    'no basis': rentFields({ basis: [] }),
    'a basis id that is not a hash': rentFields({ basis: ['genesis' as EntryId] }),
    'a single posting': rentFields({ payload: { ...payload, postings: [payload.postings[0]!] } }),
    'an amount as a number': rentFields({ payload: { ...payload, postings: [posting('expenses:rent', ['EUR', 1200]), posting('assets:bank', ['EUR', '-1200'])] as never } }),
    'a decimal with 19 places': rentFields({ payload: { ...payload, postings: [posting('a:b', ['EUR', '0.0000000000000000001']), posting('a:c', ['EUR', '-0.0000000000000000001'])] as never } }),
    'a date that does not exist': rentFields({ payload: { ...payload, date: '2024-02-30' } }),
    'an account name with an empty segment': rentFields({ payload: { ...payload, postings: [posting('assets::bank', ['EUR', '1']), posting('income', ['EUR', '-1'])] as never } }),
    'an unknown payload field': rentFields({ payload: { ...payload, amount: '12' } as never }),
    'an unknown body field': { ...rentFields(), extra: true } as never,
    'a lock without a date': { kind: 'lock', coop: COOP, at: '2024-03-01T09:30:00Z', n: 0, basis: [GENESIS_ID], payload: {} as never },
    'a genesis without members': { kind: 'genesis', coop: COOP, at: '2024-03-01T09:30:00Z', n: 0, basis: [], payload: { name: 'Co-op', members: [] } },
  };

  for (const [what, fields] of Object.entries(invalid)) {
    it(`asserts on ${what}`, () => {
      expect(() => createEntry(fields, ALICE, testCrypto)).toThrow(AssertionError);
      expect(() => createEntry(fields, ALICE, testCrypto)).toThrow(/createEntry: invalid \w+ entry: /u);
    });
  }

  it('asserts on an entry longer than a stored entry may be', () => {
    const long = 'x'.repeat(4000);
    const postings = Array.from({ length: 80 }, (_, index) => ({ account: `expenses:item${index}`, amount: ['EUR', index % 2 === 0 ? '1' : '-1'] as [string, string], comment: long }));
    expect(() => createEntry(rentFields({ payload: { ...payload, postings } }), ALICE, testCrypto)).toThrow(/exceeds 262144/u);
  });

  it('never signs what checkStoredEntry would refuse, whatever the payload', () => {
    const date = fc.oneof(fc.constantFrom('2024-02-29', '2023-02-29', '2024-13-01', '2024-1-01'), fc.string({ maxLength: 10 }));
    const mutated = fc.tuple(fc.constantFrom(...Object.keys(payload), 'extra'), fc.oneof(fc.anything({ maxDepth: 2 }), date, fc.constant(undefined)))
      .map(([key, value]) => ({ ...payload, [key]: value }));
    const anyPayload = fc.oneof(
      fc.record({ kind: fc.constant('transaction' as const), payload: fc.oneof(mutated, fc.anything({ maxDepth: 3 })) }),
      fc.record({ kind: fc.constant('lock' as const), payload: fc.oneof(fc.record({ through: date }), fc.anything({ maxDepth: 2 })) }),
      fc.record({ kind: fc.constant('price' as const), payload: fc.record({ date, commodity: fc.string({ maxLength: 3 }), price: fc.tuple(fc.string({ maxLength: 3 }), fc.oneof(fc.constantFrom('1.5', '-2', '1e3', '.5'), fc.string({ maxLength: 4 }))) }) }),
    );
    let signed = 0;
    let refused = 0;
    fc.assert(fc.property(anyPayload, ({ kind, payload: value }) => {
      let entry;
      try {
        entry = createEntry({ kind, coop: COOP, at: '2024-03-01T09:30:00.000Z', n: 0, basis: [GENESIS_ID], payload: value as never }, ALICE, testCrypto);
      } catch (error) {
        expect(error).toBeInstanceOf(AssertionError);
        refused += 1;
        return;
      }
      signed += 1;
      expect(checkStoredEntry(entry.id, entry.stored, testCrypto).ok).toBe(true);
    }), { seed: 3, numRuns: 300 });
    // Both outcomes happened: the property says something either way.
    expect(signed).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});
