import { z } from 'zod';
import { canonicalJson } from './canonical.js';
import { assert } from './errors.js';
import {
  accountJson, assertionJson, commodityJson, genesisJson, lockJson, priceJson, transactionJson,
} from './payloads.js';
import { proposalJson, voteJson } from './governance/payloads.js';

/**
 * The signed entry envelope. Every fact in a co-op's documents (a transaction, an account declaration,
 * a lock, later a vote or an hour log) is one entry: a body, its id (SHA-256 of the body's canonical
 * JSON) and the author device's Ed25519 signature over that same text. Entries are never edited:
 * a document holds `id → {text, sig}` and a reader re-derives everything from the text.
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

/** What a document stores for an entry: the exact signed text and the signature (hex). */
export interface StoredEntry {
  text: string;
  sig: string;
}

export interface Entry<K extends EntryKind = EntryKind> {
  id: EntryId;
  body: EntryBody<K>;
  stored: StoredEntry;
}

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
  const body = { v: ENTRY_VERSION, ...fields, author: signer.publicKey, basis: [...fields.basis].sort() } as EntryBody<K>;
  const problem = bodyProblem(body);
  assert(problem === undefined, `createEntry: invalid ${fields.kind} entry: ${problem}`);
  const text = canonicalJson(body);
  assert(text.length <= MAX_ENTRY_TEXT, `createEntry: entry of ${text.length} bytes exceeds ${MAX_ENTRY_TEXT}`);
  const id = crypto.sha256Hex(text) as EntryId;
  return { id, body, stored: { text, sig: signer.sign(text) } };
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored.text);
  } catch {
    return { ok: false, code: 'malformed_entry', reason: 'entry text is not JSON' };
  }
  const version = (parsed as { v?: unknown } | null)?.v;
  if (version !== ENTRY_VERSION) return { ok: false, code: 'unknown_version', reason: `entry schema version ${String(version)} is not supported (this Tallystick reads version ${ENTRY_VERSION})` };
  const problem = bodyProblem(parsed);
  if (problem !== undefined) return { ok: false, code: 'malformed_entry', reason: problem };
  const body = parsed as EntryBody;
  if (!/^[0-9a-f]{128}$/u.test(stored.sig) || !crypto.verify(body.author, stored.text, stored.sig)) {
    return { ok: false, code: 'bad_signature', reason: `signature does not verify for author ${body.author.slice(0, 16)}…` };
  }
  return { ok: true, entry: { id: id as EntryId, body, stored } };
}

function isStoredEntry(value: unknown): value is StoredEntry {
  return typeof value === 'object' && value !== null
    && typeof (value as StoredEntry).text === 'string' && typeof (value as StoredEntry).sig === 'string';
}

/** Undefined when the body is well formed, else what is wrong, in words. */
export function bodyProblem(body: unknown): string | undefined {
  const header = bodyHeader.safeParse(body);
  if (!header.success) return describeZodError(header.error);
  const schema = PAYLOADS[header.data.kind];
  const payload = schema.safeParse(header.data.payload);
  if (!payload.success) return `${header.data.kind} payload: ${describeZodError(payload.error)}`;
  if (header.data.kind !== 'genesis' && header.data.basis.length === 0) return 'entry names no basis (the rules it was written under)';
  return undefined;
}

function describeZodError(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function isControlKind(kind: EntryKind): boolean {
  return (CONTROL_KINDS as readonly string[]).includes(kind);
}
