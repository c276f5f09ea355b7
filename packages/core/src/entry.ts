import { z } from 'zod';
import { CanonicalText, canonicalJson } from './canonical.js';
import { assert } from './errors.js';
import { isWellFormedTransactionBody } from './transaction-body-check.js';
import {
  accountJson, assertionJson, commodityJson, genesisJson, lockJson, priceJson, transactionJson,
} from './payloads.js';
import { proposalJson, voteJson } from './governance/payloads.js';
import { FEDERATION_PAYLOADS } from './credit/payloads.js';
import {
  communityTransferJson, exchangeConfirmJson, exchangeDeclineJson, exchangeJson, listingCloseJson, listingJson,
} from './timebank/payloads.js';

/**
 * The signed entry envelope. Every fact in a co-op's documents (a transaction, an account declaration,
 * a lock, later a vote or an hour log) is one entry: a body and its id (SHA-256 of the body's canonical
 * JSON), signed by the author device's Ed25519 key in one of two ways:
 * - alone: a signature over the entry's text (`StoredEntry.sig`);
 * - sealed: entries written together on one day share one *seal*, a signature over the list of their
 *   ids (`EntrySeal`). Each id is the hash of its text, so the seal authenticates every text in it,
 *   like a signed list of hashes; a 100k import costs ~3,650 signatures instead of 100,000. Changing any
 *   entry of a sealed group changes its id and breaks the seal: the whole group is then rejected.
 * Entries are never edited; a reader re-derives everything from the texts.
 */

export type EntryId = string & { readonly __brand: 'EntryId' };
/** A device's Ed25519 public key, 32 bytes as lowercase hex. */
export type DeviceKey = string & { readonly __brand: 'DeviceKey' };
export type CoopId = string & { readonly __brand: 'CoopId' };

export const ENTRY_VERSION = 1;

/**
 * Kinds that order the co-op's rules (roster, locks, the proposals and votes that change them): other
 * entries name the ones they had seen. See governance/README.md.
 */
export const CONTROL_KINDS = ['genesis', 'lock', 'proposal', 'vote'] as const;

const PAYLOADS = {
  genesis: genesisJson,
  lock: lockJson,
  proposal: proposalJson,
  vote: voteJson,
  transaction: transactionJson,
  account: accountJson,
  commodity: commodityJson,
  price: priceJson,
  assertion: assertionJson,
  // A federation's entries (credit/README.md): stored in the federation's documents, never in a co-op's books.
  ...FEDERATION_PAYLOADS,
  // The time bank (timebank/README.md): dated, so they live in the month's period document.
  listing: listingJson,
  'listing-close': listingCloseJson,
  exchange: exchangeJson,
  'exchange-confirm': exchangeConfirmJson,
  'exchange-decline': exchangeDeclineJson,
  'community-transfer': communityTransferJson,
} as const;

export type EntryKind = keyof typeof PAYLOADS;
export type PayloadOf<K extends EntryKind> = z.infer<(typeof PAYLOADS)[K]>;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/u);

const bodyHeader = z.object({
  v: z.literal(ENTRY_VERSION),
  kind: z.enum(Object.keys(PAYLOADS) as [EntryKind, ...EntryKind[]]),
  coop: z.string().regex(/^[0-9a-f]{32}$/u),
  author: hex64,
  /** When the author says it wrote the entry (ISO 8601, UTC). Informational; ordering tiebreak. */
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/u),
  /** Position within a batch written together (an import): keeps a file's order among same-day entries. */
  n: z.number().int().min(0).max(100_000_000),
  /**
   * The control entries (genesis, locks, proposals, votes) that were the newest the author had
   * seen: the rules this entry was written under. Sorted ids; empty only for the genesis itself.
   */
  basis: z.array(hex64).max(64),
  payload: z.unknown(),
}).strict();

export interface EntryBody<K extends EntryKind = EntryKind> {
  v: typeof ENTRY_VERSION;
  kind: K;
  coop: CoopId;
  author: DeviceKey;
  at: string;
  n: number;
  basis: EntryId[];
  payload: PayloadOf<K>;
}

/** What a document stores for an entry: the exact text and its own signature (hex), '' when a seal covers it. */
export interface StoredEntry {
  text: string;
  sig: string;
}

/** One signature by `author` over the ids of entries written together (see `sealMessage`). */
export interface EntrySeal {
  readonly author: DeviceKey;
  readonly sig: string;
  /** The sealed entries' ids, in the order they are stored. */
  readonly ids: readonly EntryId[];
}

export interface Entry<K extends EntryKind = EntryKind> {
  id: EntryId;
  body: EntryBody<K>;
  stored: StoredEntry;
  /** Set when the entry is signed as part of a sealed group rather than alone. */
  seal?: EntrySeal;
}

/** A built, validated entry not yet signed: `sealEntries` signs a group of them at once. */
export interface PreparedEntry<K extends EntryKind = EntryKind> {
  id: EntryId;
  body: EntryBody<K>;
  text: string;
}

/** At most this many entries under one seal (a day of a large import fits easily). */
export const MAX_SEALED_ENTRIES = 100_000;

/** Hashing and signature checks come in from the edges (node:crypto, WebCrypto): core does no IO. */
export interface EntryCrypto {
  sha256Hex(text: string): string;
  verify(publicKeyHex: string, message: string, signatureHex: string): boolean;
}

export interface EntrySigner {
  readonly publicKey: DeviceKey;
  sign(message: string): string;
}

export const MAX_ENTRY_TEXT = 256 * 1024;

/**
 * Builds and signs an entry. The body is validated first, so a bug cannot sign a malformed entry
 * (every reader validates it again, as it validates anything another peer wrote).
 */
export function createEntry<K extends EntryKind>(
  fields: Omit<EntryBody<K>, 'v' | 'author'>,
  signer: EntrySigner,
  crypto: EntryCrypto,
): Entry<K> {
  const { id, body, text } = prepareEntry(fields, signer.publicKey, crypto);
  return { id, body, stored: { text, sig: signer.sign(text) } };
}

/** Builds, validates and hashes an entry by `author`, without signing it (see `sealEntries`). */
export function prepareEntry<K extends EntryKind>(
  fields: Omit<EntryBody<K>, 'v' | 'author'>,
  author: DeviceKey,
  crypto: Pick<EntryCrypto, 'sha256Hex'>,
  /** `canonicalJson(fields.payload)`, when the caller already has it (an import: see CanonicalText). */
  payloadText?: string,
): PreparedEntry<K> {
  const body = entryBody(fields, author);
  // Validated before it is signed: a bug cannot sign a malformed entry.
  const problem = bodyProblem(body);
  assert(problem === undefined, `createEntry: invalid ${fields.kind} entry: ${problem}`);
  const text = entryText(body, payloadText);
  return { id: crypto.sha256Hex(text) as EntryId, body, text };
}

/** An entry's body by `author`, not yet validated (prepareEntry validates it; a batch thread validates its text). */
export function entryBody<K extends EntryKind>(fields: Omit<EntryBody<K>, 'v' | 'author'>, author: DeviceKey): EntryBody<K> {
  return { v: ENTRY_VERSION, ...fields, author, basis: sortedBasis(fields.basis) } as EntryBody<K>;
}

/**
 * The entry's text: the body's canonical JSON, its payload given as `payloadText` (`canonicalJson(payload)`)
 * where the caller has it; then the body needs no payload object (a thread preparing an import's entries).
 */
export function entryText(body: Omit<EntryBody, 'payload'> & { payload?: unknown }, payloadText?: string): string {
  const text = canonicalJson(payloadText === undefined ? body : { ...body, payload: new CanonicalText(payloadText) });
  assert(text.length <= MAX_ENTRY_TEXT, `createEntry: entry of ${text.length} bytes exceeds ${MAX_ENTRY_TEXT}`);
  return text;
}

/**
 * The basis in id order. Shared, not copied, when already sorted: the entries of a batch are written
 * under one basis, and a copy (and a sort, which allocates a work area) for each of 100k entries is garbage.
 */
export function sortedBasis(basis: readonly EntryId[]): EntryId[] {
  for (let index = 1; index < basis.length; index += 1) if (basis[index - 1]! > basis[index]!) return [...basis].sort();
  return basis as EntryId[];
}

/** The text a seal signs: a fixed label, then the ids one per line, in stored order. */
export function sealMessage(ids: readonly string[]): string {
  return `tallystick-seal-v1\n${ids.join('\n')}`;
}

/** Signs prepared entries of one author as one sealed group: one signature for all of them. */
export function sealEntries(prepared: readonly PreparedEntry[], signer: EntrySigner): Entry[] {
  assert(prepared.length > 0 && prepared.length <= MAX_SEALED_ENTRIES, `sealEntries: ${prepared.length} entries (1 to ${MAX_SEALED_ENTRIES})`);
  assert(prepared.every((entry) => entry.body.author === signer.publicKey), 'sealEntries: an entry names another author than the signer');
  const ids = prepared.map((entry) => entry.id);
  const seal: EntrySeal = { author: signer.publicKey, sig: signer.sign(sealMessage(ids)), ids };
  return prepared.map((entry) => ({ id: entry.id, body: entry.body, stored: { text: entry.text, sig: '' }, seal }));
}

export type EntryCheck =
  | { ok: true; entry: Entry }
  | { ok: false; code: EntryRejection; reason: string };

export type EntryRejection =
  | 'malformed_entry'
  | 'id_mismatch'
  | 'bad_signature'
  | 'wrong_coop'
  | 'unknown_version';

/**
 * Checks a stored entry read from a document: the text hashes to the id it is filed under, the
 * signature verifies under the author key named inside the signed text, and the body is well formed.
 */
export function checkStoredEntry(id: string, stored: unknown, crypto: EntryCrypto): EntryCheck {
  if (!isStoredEntry(stored)) return { ok: false, code: 'malformed_entry', reason: 'stored entry is not {text, sig}' };
  if (stored.text.length > MAX_ENTRY_TEXT) return { ok: false, code: 'malformed_entry', reason: `entry text of ${stored.text.length} bytes exceeds ${MAX_ENTRY_TEXT}` };
  if (crypto.sha256Hex(stored.text) !== id) return { ok: false, code: 'id_mismatch', reason: 'entry text does not hash to its id (tampered or misfiled)' };
  const checked = checkText(id, stored.text);
  if (!checked.ok) return checked;
  const body = checked.body;
  if (!/^[0-9a-f]{128}$/u.test(stored.sig) || !crypto.verify(body.author, stored.text, stored.sig)) {
    return { ok: false, code: 'bad_signature', reason: `signature does not verify for author ${body.author.slice(0, 16)}…` };
  }
  return { ok: true, entry: { id: id as EntryId, body, stored } };
}

/**
 * Checks the entries of a sealed group as read from a document: the seal's signature verifies under
 * `author` over the ids of the texts (so no text was changed, added, dropped or reordered), and each
 * text is a well-formed entry by that author. `known` returns an entry verified before under this id
 * (an id is the hash of its text, so it stays verified): when every text is known, nothing is checked.
 */
export function checkSealedEntries(
  texts: readonly string[],
  claimed: { author: string; sig: string },
  crypto: EntryCrypto,
  known: (id: string) => Entry | undefined = () => undefined,
): (EntryCheck & { id: EntryId })[] {
  const ids = texts.map((text) => crypto.sha256Hex(text) as EntryId);
  if (texts.length === 0 || texts.length > MAX_SEALED_ENTRIES) {
    return ids.slice(0, 1).map((id) => ({ id, ok: false, code: 'malformed_entry', reason: `a sealed group of ${texts.length} entries (1 to ${MAX_SEALED_ENTRIES})` }));
  }
  const knownEntries = ids.map((id) => known(id));
  if (knownEntries.every((entry) => entry !== undefined)) return knownEntries.map((entry) => ({ id: entry!.id, ok: true, entry: entry! }));
  const seal: EntrySeal = { author: claimed.author as DeviceKey, sig: claimed.sig, ids };
  const sealed = /^[0-9a-f]{64}$/u.test(claimed.author) && /^[0-9a-f]{128}$/u.test(claimed.sig) && crypto.verify(claimed.author, sealMessage(ids), claimed.sig);
  return texts.map((text, index): EntryCheck & { id: EntryId } => {
    const id = ids[index]!;
    if (!sealed) return { id, ok: false, code: 'bad_signature', reason: `the seal over its group of ${texts.length} entries does not verify for author ${claimed.author.slice(0, 16)}… (an entry of the group was changed, or the seal is forged)` };
    const checked = checkText(id, text);
    if (!checked.ok) return { id, ...checked };
    if (checked.body.author !== claimed.author) return { id, ok: false, code: 'bad_signature', reason: `entry names author ${checked.body.author.slice(0, 16)}… but its group is sealed by ${claimed.author.slice(0, 16)}…` };
    return { id, ok: true, entry: { id, body: checked.body, stored: { text, sig: '' }, seal } };
  });
}

/** The parts of an entry's check that do not involve its signature: size, JSON, version, schema. */
function checkText(id: string, text: string): { ok: true; body: EntryBody } | { ok: false; code: EntryRejection; reason: string } {
  if (text.length > MAX_ENTRY_TEXT) return { ok: false, code: 'malformed_entry', reason: `entry text of ${text.length} bytes exceeds ${MAX_ENTRY_TEXT}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, code: 'malformed_entry', reason: `entry ${id.slice(0, 12)} text is not JSON` };
  }
  const version = (parsed as { v?: unknown } | null)?.v;
  if (version !== ENTRY_VERSION) return { ok: false, code: 'unknown_version', reason: `entry schema version ${String(version)} is not supported (this Tallystick reads version ${ENTRY_VERSION})` };
  const problem = bodyProblem(parsed);
  if (problem !== undefined) return { ok: false, code: 'malformed_entry', reason: problem };
  return { ok: true, body: parsed as EntryBody };
}

function isStoredEntry(value: unknown): value is StoredEntry {
  return typeof value === 'object' && value !== null
    && typeof (value as StoredEntry).text === 'string' && typeof (value as StoredEntry).sig === 'string';
}

/** Undefined when the body is well formed, else what is wrong, in words. */
export function bodyProblem(body: unknown): string | undefined {
  // Transactions, by far the most numerous entries, are checked by hand first; zod decides the rest.
  if (isWellFormedTransactionBody(body)) return undefined;
  return schemaBodyProblem(body);
}

/** `bodyProblem` by the zod schemas alone (what the hand check of transactions must agree with). */
export function schemaBodyProblem(body: unknown): string | undefined {
  const header = bodyHeader.safeParse(body);
  if (!header.success) return describeZodError(header.error);
  const schema = PAYLOADS[header.data.kind];
  const payload = schema.safeParse(header.data.payload);
  if (!payload.success) return `${header.data.kind} payload: ${describeZodError(payload.error)}`;
  if (header.data.kind !== 'genesis' && header.data.basis.length === 0) return 'entry names no basis (the rules it was written under)';
  return undefined;
}

function describeZodError(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function isControlKind(kind: EntryKind): boolean {
  return (CONTROL_KINDS as readonly string[]).includes(kind);
}
