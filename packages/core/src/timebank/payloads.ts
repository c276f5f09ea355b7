import { z } from 'zod';
import { isIsoDate } from '../date.js';
import { memberNameJson } from '../governance/payloads.js';

/*
 * The JSON shapes of the time bank's entries (see README.md). Every one is dated, so the store files it
 * in the month's period document, and every collection and string is bounded: another peer wrote it.
 * Durations are whole minutes.
 */

/** One exchange or gift: at most 1,000 hours. */
export const MAX_EXCHANGE_MINUTES = 60_000;
export const MAX_TITLE = 200;
export const MAX_CATEGORY = 100;
export const MAX_TAGS = 20;
const MAX_TAG = 50;
const MAX_TEXT = 4096;

const isoDate = z.string().refine((value): boolean => isIsoDate(value), 'expected a calendar date YYYY-MM-DD');
const entryId = z.string().regex(/^[0-9a-f]{64}$/u, 'expected an entry id (64 hex digits)');
const oneLine = (max: number) => z.string().min(1).max(max).refine((value) => !/[\r\n]/u.test(value), 'expected one line');
const minutesJson = z.number().int().min(1).max(MAX_EXCHANGE_MINUTES);

/** An offer of help or a request for it, by the author's member, open from `date` until closed. */
export const listingJson = z.object({
  date: isoDate,
  side: z.enum(['offer', 'request']),
  title: oneLine(MAX_TITLE),
  description: z.string().max(MAX_TEXT),
  category: oneLine(MAX_CATEGORY),
  tags: z.array(oneLine(MAX_TAG)).max(MAX_TAGS),
}).strict();
export type ListingJson = z.infer<typeof listingJson>;

/** Closes a listing (done, or no longer offered): by its member or a coordinator. */
export const listingCloseJson = z.object({
  date: isoDate,
  listing: entryId,
  note: z.string().max(MAX_TEXT).optional(),
}).strict();
export type ListingCloseJson = z.infer<typeof listingCloseJson>;

/**
 * Hours one member gave another. Logged by either party, it counts once the other confirms; recorded
 * by a coordinator from a paper `slip` (for members without a device), it counts at once. A correction
 * is a new exchange that `reverses` a counted one (parties swapped, same minutes).
 */
export const exchangeJson = z.object({
  date: isoDate,
  provider: memberNameJson,
  receiver: memberNameJson,
  minutes: minutesJson,
  description: oneLine(MAX_TEXT),
  category: oneLine(MAX_CATEGORY).optional(),
  /** The offer or request it answers. */
  listing: entryId.optional(),
  reverses: entryId.optional(),
  /** The paper slip's reference, when a coordinator records it for members without a device. */
  slip: oneLine(MAX_TITLE).optional(),
}).strict().refine((exchange) => exchange.provider !== exchange.receiver, 'the provider and the receiver must be two members');
export type ExchangeJson = z.infer<typeof exchangeJson>;

/** The other party's signature on a logged exchange: it now counts (if no limit is crossed). */
export const exchangeConfirmJson = z.object({
  date: isoDate,
  exchange: entryId,
}).strict();
export type ExchangeConfirmJson = z.infer<typeof exchangeConfirmJson>;

/** The other party says a logged exchange did not happen as logged. */
export const exchangeDeclineJson = z.object({
  date: isoDate,
  exchange: entryId,
  reason: oneLine(MAX_TEXT),
}).strict();
export type ExchangeDeclineJson = z.infer<typeof exchangeDeclineJson>;

/**
 * Hours moved between a member and the community account: a member gives to the community
 * (`to-community`, by the member, or by a coordinator from a paper slip), or the community gives to a
 * member (`from-community`, by a coordinator, within the community's limit in the rules).
 */
export const communityTransferJson = z.object({
  date: isoDate,
  direction: z.enum(['to-community', 'from-community']),
  member: memberNameJson,
  minutes: minutesJson,
  description: oneLine(MAX_TEXT),
  slip: oneLine(MAX_TITLE).optional(),
}).strict();
export type CommunityTransferJson = z.infer<typeof communityTransferJson>;

/** The entry kinds of the time bank: judged by `judgeTimebank`, not by the books' materializer. */
export const TIMEBANK_KINDS = ['listing', 'listing-close', 'exchange', 'exchange-confirm', 'exchange-decline', 'community-transfer'] as const;
export type TimebankKind = (typeof TIMEBANK_KINDS)[number];

export function isTimebankKind(kind: string): kind is TimebankKind {
  return (TIMEBANK_KINDS as readonly string[]).includes(kind);
}
