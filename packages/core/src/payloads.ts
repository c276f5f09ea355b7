import { z } from 'zod';
import { type AccountName, type AccountType, ACCOUNT_TYPES, parseAccountName } from './account.js';
import { type Amount } from './amount.js';
import { type IsoDate, isIsoDate } from './date.js';
import { Decimal } from './decimal.js';
import { type BalanceAssertion, type LotCost, type Posting, type PostingPrice, type Transaction } from './transaction.js';
import {
  type DecisionRule, DEFAULT_ROLE, MAX_DEVICES_PER_MEMBER, MAX_MEMBERS, MAX_ROLES, type RoleJson, decisionRuleJson, deviceKeyJson, memberNameJson, roleJson, roleNameJson,
} from './governance/payloads.js';

/*
 * The JSON shapes of entry payloads, and codecs between them and core values. Everything read from a
 * document is untrusted (another peer wrote it), so decoding validates every field and bounds every
 * collection. Amounts are `[commodity, "decimal"]` pairs: compact, exact, and easy to read in a dump.
 */

const MAX_TEXT = 4096;
const MAX_POSTINGS = 1000;
const MAX_TAGS = 100;

const text = z.string().max(MAX_TEXT);
const isoDate = z.string().refine(isValidIsoDate, 'expected a calendar date YYYY-MM-DD');
const decimalText = z.string().regex(/^-?\d+(?:\.\d{1,18})?$/u, 'expected a decimal number');
const accountName = z.string().min(1).max(1000).refine(isValidAccountName, 'expected an account name');
const amountJson = z.tuple([z.string().max(200), decimalText]);
const metadataJson = z.record(z.string().max(200), text).refine((record) => Object.keys(record).length <= MAX_TAGS, 'too many metadata keys');
const statusJson = z.enum(['', '*', '!']);

const postingJson = z.object({
  account: accountName,
  amount: amountJson,
  price: z.object({ kind: z.enum(['unit', 'total']), amount: amountJson }).strict().optional(),
  cost: z.object({ perUnit: amountJson, date: isoDate.optional(), label: text.optional() }).strict().optional(),
  assert: z.object({ amount: amountJson, total: z.boolean().optional(), inclusive: z.boolean().optional() }).strict().optional(),
  status: statusJson.optional(),
  comment: text.optional(),
  tags: z.array(text).max(MAX_TAGS).optional(),
  metadata: metadataJson.optional(),
}).strict();

export const transactionJson = z.object({
  date: isoDate,
  status: statusJson,
  code: text.optional(),
  payee: text.optional(),
  description: text,
  tags: z.array(text).max(MAX_TAGS),
  links: z.array(text).max(MAX_TAGS),
  metadata: metadataJson,
  comment: text.optional(),
  postings: z.array(postingJson).min(2).max(MAX_POSTINGS),
  /** The entry id of the transaction this one reverses. */
  reverses: z.string().regex(/^[0-9a-f]{64}$/u).optional(),
  /** Identifies an imported transaction so that importing the same file again adds nothing. */
  importKey: z.string().max(200).optional(),
}).strict();
export type TransactionJson = z.infer<typeof transactionJson>;

/**
 * What in a transaction exceeds the limits every entry is held to (the schema above), in words, or
 * undefined. Importers ask before signing, so an over-long description in a file is reported at its line
 * rather than refused later as a malformed entry; a scan of lengths, far cheaper than the schema.
 */
export function transactionLimitProblem(json: TransactionJson): string | undefined {
  // Plain loops: this runs on every transaction of an import, and arrays built per call were 250 MiB of garbage over 100k.
  const texts = [json.description, json.payee, json.code, json.comment];
  for (let index = 0; index < texts.length; index += 1) {
    const value = texts[index];
    if (value !== undefined && value.length > MAX_TEXT) return `a ${TEXT_FIELDS[index]!} of ${value.length} characters (at most ${MAX_TEXT})`;
  }
  if (json.postings.length > MAX_POSTINGS) return `${json.postings.length} postings (at most ${MAX_POSTINGS})`;
  const problem = tagsProblem(json.tags) ?? tagsProblem(json.links) ?? metadataProblem(json.metadata);
  if (problem) return problem;
  for (const posting of json.postings) {
    const postingProblem = (posting.tags ? tagsProblem(posting.tags) : undefined) ?? (posting.metadata ? metadataProblem(posting.metadata) : undefined);
    if (postingProblem) return postingProblem;
    if (posting.comment !== undefined && posting.comment.length > MAX_TEXT) return `a posting comment of ${posting.comment.length} characters (at most ${MAX_TEXT})`;
  }
  return undefined;
}

const TEXT_FIELDS = ['description', 'payee', 'code', 'comment'] as const;

function tagsProblem(list: readonly string[]): string | undefined {
  if (list.length > MAX_TAGS) return `${list.length} tags (at most ${MAX_TAGS})`;
  for (const tag of list) if (tag.length > MAX_TEXT) return `a tag longer than ${MAX_TEXT} characters`;
  return undefined;
}

function metadataProblem(metadata: Readonly<Record<string, string>>): string | undefined {
  let count = 0;
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    count += 1;
    if (key.length > 200 || metadata[key]!.length > MAX_TEXT) return `a metadata key or value over the limit (keys 200 characters, values ${MAX_TEXT})`;
  }
  return count > MAX_TAGS ? `${count} metadata keys (at most ${MAX_TAGS})` : undefined;
}

export const accountJson = z.object({
  account: accountName,
  open: isoDate.optional(),
  close: isoDate.optional(),
  type: z.enum(ACCOUNT_TYPES as [AccountType, ...AccountType[]]).optional(),
  commodities: z.array(z.string().max(200)).max(MAX_TAGS).optional(),
  note: text.optional(),
  metadata: metadataJson.optional(),
}).strict();
export type AccountJson = z.infer<typeof accountJson>;

export const commodityJson = z.object({
  symbol: z.string().max(200),
  /** Display precision (decimal places). */
  precision: z.number().int().min(0).max(18).optional(),
  /** A sample format as written in a journal `commodity` directive, e.g. "$1,000.00". */
  format: text.optional(),
  metadata: metadataJson.optional(),
}).strict();
export type CommodityJson = z.infer<typeof commodityJson>;

export const priceJson = z.object({
  date: isoDate,
  commodity: z.string().max(200),
  price: amountJson,
}).strict();
export type PriceJson = z.infer<typeof priceJson>;

/** A dated balance assertion (beancount `balance`): the account's balance at the start of `date`. */
export const assertionJson = z.object({
  date: isoDate,
  account: accountName,
  amount: amountJson,
}).strict();
export type AssertionJson = z.infer<typeof assertionJson>;

export const lockJson = z.object({ through: isoDate }).strict();
export type LockJson = z.infer<typeof lockJson>;

/**
 * The founding record. `roles`, each member's `role` and `rule` came with governance (issue 3) and are
 * optional, so genesis entries written before still read: no roles means one role 'member' that may
 * write everything, a member without a role has 'member', and the rule is a simple majority.
 */
export const genesisJson = z.object({
  name: z.string().min(1).max(200),
  members: z.array(z.object({
    name: memberNameJson,
    devices: z.array(deviceKeyJson).min(1).max(MAX_DEVICES_PER_MEMBER),
    role: roleNameJson.optional(),
  }).strict()).min(1).max(MAX_MEMBERS),
  roles: z.array(roleJson).min(1).max(MAX_ROLES).optional(),
  rule: decisionRuleJson.optional(),
}).strict().superRefine((genesis, context) => {
  for (const problem of genesisProblems(genesis)) context.addIssue({ code: 'custom', message: problem });
});
export type GenesisJson = z.infer<typeof genesisJson>;

/** A genesis must name each member, device and role once, and give every member a defined role. */
function genesisProblems(genesis: { members: { name: string; devices: string[]; role?: string | undefined }[]; roles?: RoleJson[] | undefined; rule?: DecisionRule | undefined }): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const devices = new Set<string>();
  const roles = new Set((genesis.roles ?? [DEFAULT_ROLE]).map((role) => role.name));
  if (roles.size !== (genesis.roles ?? [DEFAULT_ROLE]).length) problems.push('a role is defined twice');
  for (const member of genesis.members) {
    if (names.has(member.name)) problems.push(`member ${member.name} is listed twice`);
    names.add(member.name);
    for (const device of member.devices) {
      if (devices.has(device)) problems.push(`device ${device.slice(0, 16)}… is listed twice`);
      devices.add(device);
    }
    const role = member.role ?? DEFAULT_ROLE.name;
    if (!roles.has(role)) problems.push(`member ${member.name} has role ${role}, which the genesis does not define`);
  }
  // The co-op must be able to decide from the start (the roster keeps this true: see governance/roster.ts).
  const voting = new Set((genesis.roles ?? [DEFAULT_ROLE]).filter((role) => role.may.includes('vote')).map((role) => role.name));
  const voters = genesis.members.filter((member) => voting.has(member.role ?? DEFAULT_ROLE.name)).length;
  if (voters === 0) problems.push('no member may vote, so the co-op could never decide anything');
  if (genesis.rule?.kind === 'quorum' && genesis.rule.yes > voters) problems.push(`a quorum of ${genesis.rule.yes} needs more than the ${voters} member(s) who may vote`);
  return problems;
}

function isValidIsoDate(value: string): boolean {
  return isIsoDate(value);
}

function isValidAccountName(value: string): boolean {
  try {
    parseAccountName(value);
    return true;
  } catch {
    return false; // the refinement message says what was expected
  }
}

export function encodeAmount(value: Amount): [string, string] {
  return [value.commodity, value.quantity.toString()];
}

export function decodeAmount(value: readonly [string, string]): Amount {
  return { commodity: value[0], quantity: Decimal.parse(value[1]) };
}

/**
 * The payload of a transaction. Keys are written in canonical (code unit) order, so that canonical JSON
 * can hand the payload to the engine's JSON.stringify as it is (see canonical.ts).
 */
export function encodeTransaction(transaction: Transaction, extra: { reverses?: string; importKey?: string } = {}): TransactionJson {
  // Built key by key in that order, only the defined ones: no temporary object with undefined fields to copy.
  const json: Record<string, unknown> = {};
  if (transaction.code !== undefined) json.code = transaction.code;
  if (transaction.comment !== undefined) json.comment = transaction.comment;
  json.date = transaction.date;
  json.description = transaction.description;
  if (extra.importKey !== undefined) json.importKey = extra.importKey;
  json.links = [...transaction.links];
  json.metadata = sortedRecord(transaction.metadata);
  if (transaction.payee !== undefined) json.payee = transaction.payee;
  json.postings = transaction.postings.map(encodePosting);
  if (extra.reverses !== undefined) json.reverses = extra.reverses;
  json.status = transaction.status;
  json.tags = [...transaction.tags];
  return json as TransactionJson;
}

function encodePosting(posting: Posting): TransactionJson['postings'][number] {
  const json: Record<string, unknown> = { account: posting.account, amount: encodeAmount(posting.amount) };
  const assertion = posting.balanceAssertion;
  if (assertion) {
    const encoded: Record<string, unknown> = { amount: encodeAmount(assertion.amount) };
    if (assertion.inclusive) encoded.inclusive = true;
    if (assertion.total) encoded.total = true;
    json.assert = encoded;
  }
  if (posting.comment !== undefined) json.comment = posting.comment;
  if (posting.cost) {
    const cost: Record<string, unknown> = {};
    if (posting.cost.date !== undefined) cost.date = posting.cost.date;
    if (posting.cost.label !== undefined) cost.label = posting.cost.label;
    cost.perUnit = encodeAmount(posting.cost.perUnit);
    json.cost = cost;
  }
  if (posting.metadata) json.metadata = sortedRecord(posting.metadata);
  if (posting.price) json.price = { amount: encodeAmount(posting.price.amount), kind: posting.price.kind };
  if (posting.status !== undefined) json.status = posting.status;
  if (posting.tags) json.tags = [...posting.tags];
  return json as TransactionJson['postings'][number];
}

/** A copy with the keys in code unit order (metadata keys come in the order a file wrote them). */
function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const keys = Object.keys(record);
  if (keys.length === 0) return {};
  const result: Record<string, string> = {};
  for (const key of keys.sort()) result[key] = record[key]!;
  return result;
}

export function decodeTransaction(json: TransactionJson): Transaction {
  return withoutUndefined<Transaction>({
    date: json.date as IsoDate,
    status: json.status,
    code: json.code,
    payee: json.payee,
    description: json.description,
    tags: json.tags,
    links: json.links,
    metadata: json.metadata,
    comment: json.comment,
    postings: json.postings.map((posting) => withoutUndefined<Posting>({
      account: posting.account as AccountName,
      amount: decodeAmount(posting.amount),
      price: posting.price ? ({ kind: posting.price.kind, amount: decodeAmount(posting.price.amount) } satisfies PostingPrice) : undefined,
      cost: posting.cost ? withoutUndefined<LotCost>({ perUnit: decodeAmount(posting.cost.perUnit), date: posting.cost.date as IsoDate | undefined, label: posting.cost.label }) : undefined,
      balanceAssertion: posting.assert ? withoutUndefined<BalanceAssertion>({ amount: decodeAmount(posting.assert.amount), total: posting.assert.total, inclusive: posting.assert.inclusive }) : undefined,
      status: posting.status,
      comment: posting.comment,
      tags: posting.tags,
      metadata: posting.metadata,
    })),
  });
}

/**
 * A copy without the undefined fields. A copy rather than `delete`: deleting a property turns an object
 * into a slow dictionary, and every payload of an import (and of a rebuild) is then read field by field
 * by the encoder and the validator.
 */
function dropUndefined<T extends Record<string, unknown>>(record: T): T {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (record[key] !== undefined) result[key] = record[key];
  return result as T;
}

function withoutUndefined<T>(record: { [K in keyof T]: T[K] | undefined }): T {
  return dropUndefined(record as Record<string, unknown>) as T;
}
