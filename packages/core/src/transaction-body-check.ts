import { parseAccountName } from './account.js';
import { isIsoDate } from './date.js';

/*
 * A hand-written check of a transaction entry's body, in front of the zod schemas (`bodyHeader` and
 * `transactionJson`): an import validates 100k of them and a rebuild reads them again, and zod cost
 * ~14% of an import's CPU and ~900 MiB of garbage. It only ever *accepts* early: whatever it does not
 * accept goes to zod, which decides and says what is wrong. So it must accept nothing the schemas
 * reject; `transaction-body-check.test.ts` compares the two on generated and adversarial bodies.
 * It reads a body the way zod does (keys of objects by `for…in`, of records by `Reflect.ownKeys`,
 * arrays by index) and is stricter where that is simpler (objects must have Object.prototype, a
 * `__proto__` or symbol key is refused): those bodies take the slow path.
 */

// Mirrors of the limits in entry.ts and payloads.ts (the test fails if they drift apart).
const MAX_TEXT = 4096;
const MAX_POSTINGS = 1000;
const MAX_TAGS = 100;
const MAX_BASIS = 64;
const MAX_POSITION = 100_000_000;
const MAX_COMMODITY = 200;
const MAX_METADATA_KEY = 200;
const MAX_IMPORT_KEY = 200;

const HEX64 = /^[0-9a-f]{64}$/u;
const COOP = /^[0-9a-f]{32}$/u;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/u;
const DECIMAL = /^-?\d+(?:\.\d{1,18})?$/u;

/** True only when the body is a well-formed transaction entry (by the schemas); false means "ask zod". */
export function isWellFormedTransactionBody(body: unknown): boolean {
  if (!isPlainRecord(body)) return false;
  let keys = 0;
  for (const key in body) {
    keys += 1;
    if (!HEADER_KEYS.has(key)) return false;
  }
  if (keys !== HEADER_KEYS.size) return false;
  const { v, kind, coop, author, at, n, basis, payload } = body;
  if (v !== 1 || kind !== 'transaction') return false;
  if (!isMatching(coop, COOP, seenCoops) || !isMatching(author, HEX64, seenIds) || !isMatching(at, AT, seenTimes)) return false;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_POSITION) return false;
  if (!Array.isArray(basis) || basis.length === 0 || basis.length > MAX_BASIS) return false;
  for (let index = 0; index < basis.length; index += 1) if (!isMatching(basis[index], HEX64, seenIds)) return false;
  return isWellFormedTransactionPayload(payload);
}

/*
 * Texts already found to match, by pattern: the entries of a batch share their co-op, author, time and
 * basis, and a year of transactions has 365 dates, so most checks are one lookup. Bounded, as any text
 * may come from a peer; a remembered text is one that matched, so a lookup never accepts more.
 */
const seenCoops = new Set<string>();
const seenIds = new Set<string>();
const seenTimes = new Set<string>();
const seenDates = new Set<string>();
const MAX_SEEN = 10_000;

function isMatching(value: unknown, pattern: RegExp, seen: Set<string>): boolean {
  if (typeof value !== 'string') return false;
  if (seen.has(value)) return true;
  if (!pattern.test(value)) return false;
  if (seen.size < MAX_SEEN) seen.add(value);
  return true;
}

const HEADER_KEYS: ReadonlySet<string> = new Set(['v', 'kind', 'coop', 'author', 'at', 'n', 'basis', 'payload']);

function isWellFormedTransactionPayload(payload: unknown): boolean {
  if (!isPlainRecord(payload)) return false;
  let required = 0;
  for (const key in payload) {
    const value = payload[key];
    switch (key) {
      case 'date': required += 1; if (!isDate(value)) return false; break;
      case 'status': required += 1; if (!isStatus(value)) return false; break;
      case 'description': required += 1; if (!isText(value)) return false; break;
      case 'tags': case 'links': required += 1; if (!isTextList(value)) return false; break;
      case 'metadata': required += 1; if (!isMetadata(value)) return false; break;
      case 'postings': required += 1; if (!isPostingList(value)) return false; break;
      case 'code': case 'payee': case 'comment': if (!isText(value)) return false; break;
      case 'reverses': if (typeof value !== 'string' || !HEX64.test(value)) return false; break;
      case 'importKey': if (typeof value !== 'string' || value.length > MAX_IMPORT_KEY) return false; break;
      default: return false;
    }
  }
  return required === 7;
}

function isPostingList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length < 2 || value.length > MAX_POSTINGS) return false;
  for (let index = 0; index < value.length; index += 1) if (!isPosting(value[index])) return false;
  return true;
}

function isPosting(posting: unknown): boolean {
  if (!isPlainRecord(posting)) return false;
  let required = 0;
  for (const key in posting) {
    const value = posting[key];
    switch (key) {
      case 'account': required += 1; if (!isAccountName(value)) return false; break;
      case 'amount': required += 1; if (!isAmount(value)) return false; break;
      case 'price': if (!isPrice(value)) return false; break;
      case 'cost': if (!isCost(value)) return false; break;
      case 'assert': if (!isAssertion(value)) return false; break;
      case 'status': if (!isStatus(value)) return false; break;
      case 'comment': if (!isText(value)) return false; break;
      case 'tags': if (!isTextList(value)) return false; break;
      case 'metadata': if (!isMetadata(value)) return false; break;
      default: return false;
    }
  }
  return required === 2;
}

function isPrice(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  let keys = 0;
  for (const key in value) {
    keys += 1;
    if (key !== 'kind' && key !== 'amount') return false;
  }
  return keys === 2 && (value.kind === 'unit' || value.kind === 'total') && isAmount(value.amount);
}

function isCost(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  let required = 0;
  for (const key in value) {
    const item = value[key];
    if (key === 'perUnit') { required += 1; if (!isAmount(item)) return false; }
    else if (key === 'date') { if (!isDate(item)) return false; }
    else if (key === 'label') { if (!isText(item)) return false; }
    else return false;
  }
  return required === 1;
}

function isAssertion(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  let required = 0;
  for (const key in value) {
    const item = value[key];
    if (key === 'amount') { required += 1; if (!isAmount(item)) return false; }
    else if (key === 'total' || key === 'inclusive') { if (typeof item !== 'boolean') return false; }
    else return false;
  }
  return required === 1;
}

function isAmount(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2
    && typeof value[0] === 'string' && value[0].length <= MAX_COMMODITY
    && typeof value[1] === 'string' && DECIMAL.test(value[1]);
}

function isStatus(value: unknown): boolean {
  return value === '' || value === '*' || value === '!';
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_TEXT;
}

function isTextList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > MAX_TAGS) return false;
  for (let index = 0; index < value.length; index += 1) if (!isText(value[index])) return false;
  return true;
}

function isMetadata(value: unknown): boolean {
  if (!isPlainRecord(value)) return false;
  // zod reads a record's own keys, symbols and all, skipping `__proto__` and non-enumerable ones: all refused here.
  const keys = Reflect.ownKeys(value);
  if (keys.length > MAX_TAGS) return false;
  for (const key of keys) {
    if (typeof key !== 'string' || key.length > MAX_METADATA_KEY || key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(value, key) || !isText(value[key])) return false;
  }
  return true;
}

function isDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (seenDates.has(value)) return true;
  if (value.length !== 10 || !isIsoDate(value)) return false;
  if (seenDates.size < MAX_SEEN) seenDates.add(value);
  return true;
}

/** Account names already found valid: an import names the same few hundred accounts 100k times. */
const validAccounts = new Set<string>();
const MAX_REMEMBERED_ACCOUNTS = MAX_SEEN;

function isAccountName(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (validAccounts.has(value)) return true;
  if (value.length === 0 || value.length > 1000) return false;
  try {
    parseAccountName(value); // the schema's own refinement
  } catch {
    return false;
  }
  if (validAccounts.size < MAX_REMEMBERED_ACCOUNTS) validAccounts.add(value);
  return true;
}

/** An object made by a literal or `JSON.parse` (what zod calls a plain object, and then some): anything else is left to zod. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
