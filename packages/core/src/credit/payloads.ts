import { z } from 'zod';
import { deviceKeyJson, instantJson } from '../governance/payloads.js';

/*
 * The JSON shapes of a federation's entries (issue 6). Every federation entry is signed by a device of
 * the co-op it acts for (`by`), and its envelope `basis` names control entries of THAT co-op's history:
 * the roster it is judged by (credit/README.md). `after` names the federation entries its author had
 * seen, so the federation order is causal. Every collection is bounded: another peer wrote these.
 */

export const MAX_FEDERATION_COOPS = 1000;
export const MAX_PATH_HOPS = 16;
export const MAX_SET_OFFS = 10_000;
/** The most federation entries one entry may name in `after`. */
export const MAX_AFTER = 64;
const MAX_MEMO = 1000;

const hex32 = z.string().regex(/^[0-9a-f]{32}$/u, 'expected a co-op id (32 hex digits)');
const entryIdJson = z.string().regex(/^[0-9a-f]{64}$/u, 'expected an entry id (64 hex digits)');
/** A positive or zero amount in the federation's unit, as a plain decimal. */
const quantityJson = z.string().regex(/^\d{1,15}(?:\.\d{1,18})?$/u, 'expected a decimal amount like 120.00');
const afterJson = z.array(entryIdJson).max(MAX_AFTER);

/** The unit of account every line, payment and clearing of the federation is in: USD at 2 places, hours at 2, … */
export const unitJson = z.object({
  commodity: z.string().min(1).max(50).regex(/^[^\s\d"';:,.-][^\s"';:,]*$/u, 'expected a commodity symbol like USD or h'),
  scale: z.number().int().min(0).max(6),
}).strict();
export type UnitOfAccount = z.infer<typeof unitJson>;

/** How a co-op is known to the federation: its id, its name here, and its genesis (the root of its roster). */
export const coopCardJson = z.object({
  id: hex32,
  name: z.string().min(1).max(200).refine((name) => !/[:\n\r\t]/u.test(name), 'a co-op name in a federation has no colon, tab or line break'),
  genesis: entryIdJson,
}).strict();
export type CoopCard = z.infer<typeof coopCardJson>;

export const federationJson = z.object({
  by: hex32,
  name: z.string().min(1).max(200),
  unit: unitJson,
  /** The founding co-ops, the author's first. The others become members when they join. */
  coops: z.array(coopCardJson).min(1).max(MAX_FEDERATION_COOPS),
}).strict();

/**
 * `device`: the invited co-op's device its card named. Until that co-op shares its control history (it
 * does when it joins), the members' peers admit this device, and only for the federation's document,
 * so that it can fetch the document to join (sync/network/federation-gate.ts). It grants no credit right.
 */
export const federationInviteJson = z.object({ by: hex32, after: afterJson, coop: coopCardJson, device: deviceKeyJson.optional() }).strict();
export const federationJoinJson = z.object({ by: hex32, after: afterJson }).strict();

/** The creditor `by` lets `debtor` owe it up to `limit`. Only the creditor sets it; the last one in federation order holds. */
export const creditLineJson = z.object({ by: hex32, after: afterJson, debtor: hex32, limit: quantityJson }).strict();

/** The creditor's always-on peer may accept payments from `debtor` ('*': anyone) of at most `upTo` each. */
export const creditPolicyJson = z.object({ by: hex32, after: afterJson, debtor: z.union([hex32, z.literal('*')]), upTo: quantityJson }).strict();

/** A payment along `path` (payer `by` first, payee last; two co-ops for a direct payment). */
export const paymentJson = z.object({
  by: hex32,
  after: afterJson,
  path: z.array(hex32).min(2).max(MAX_PATH_HOPS + 1),
  amount: quantityJson,
  memo: z.string().max(MAX_MEMO).optional(),
  /** Acceptances written after this instant do not count; the payment then fails, changing nothing. */
  deadline: instantJson,
}).strict();

/** The creditor of hop `hop` (path[hop] → path[hop+1]) promises to take that hop's debt (the first phase). */
export const paymentAcceptJson = z.object({ by: hex32, after: afterJson, payment: entryIdJson, hop: z.number().int().min(0).max(MAX_PATH_HOPS) }).strict();
export const paymentDeclineJson = z.object({ by: hex32, after: afterJson, payment: entryIdJson, reason: z.string().max(MAX_MEMO).optional() }).strict();

export const setOffJson = z.object({ debtor: hex32, creditor: hex32, amount: quantityJson }).strict();
export type SetOffJson = z.infer<typeof setOffJson>;

/** A clearing: set-offs that form a circulation (every co-op's cleared debts equal its cleared claims). */
export const clearingProposalJson = z.object({
  by: hex32,
  after: afterJson,
  setOffs: z.array(setOffJson).min(1).max(MAX_SET_OFFS),
  deadline: instantJson,
}).strict();
export const clearingAnswerJson = z.object({ by: hex32, after: afterJson, proposal: entryIdJson }).strict();

/** Entry kinds of a federation's documents (never of a co-op's books). */
export const FEDERATION_PAYLOADS = {
  federation: federationJson,
  'federation-invite': federationInviteJson,
  'federation-join': federationJoinJson,
  'credit-line': creditLineJson,
  'credit-policy': creditPolicyJson,
  payment: paymentJson,
  'payment-accept': paymentAcceptJson,
  'payment-decline': paymentDeclineJson,
  'clearing-proposal': clearingProposalJson,
  'clearing-consent': clearingAnswerJson,
  'clearing-decline': clearingAnswerJson,
} as const;

export type FederationKind = keyof typeof FEDERATION_PAYLOADS;
export const FEDERATION_KINDS = Object.keys(FEDERATION_PAYLOADS) as FederationKind[];

export function isFederationKind(kind: string): kind is FederationKind {
  return Object.hasOwn(FEDERATION_PAYLOADS, kind);
}
