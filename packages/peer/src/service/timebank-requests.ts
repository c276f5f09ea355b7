import { MAX_TAGS, TallystickError } from '@tallystick/core';
import type { AnswerHoursInput, CloseListingInput, ListingInput, ListingSide, ListingsRequest, LogHoursInput, TimebankHistoryRequest } from './protocol.js';
import { record, text } from './requests.js';

/*
 * The time bank's requests, checked before any command sees them (shapes and bounds only: the
 * commands themselves judge durations, dates, members and rights, and refuse in words).
 */

function optional(value: unknown, field: string): string | undefined {
  const given = text(value, field, false).trim();
  return given === '' ? undefined : given;
}

function secret(request: Record<string, unknown>): { passphrase?: string } {
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return passphrase ? { passphrase } : {};
}

function side(value: unknown): ListingSide {
  if (value !== 'offer' && value !== 'request') throw new TallystickError('invalid_request', 'A listing is an offer or a request.');
  return value;
}

export function readHistoryRequest(value: unknown): TimebankHistoryRequest {
  const member = optional(record(value ?? {}).member, 'The member');
  return member === undefined ? {} : { member };
}

export function readListingsRequest(value: unknown): ListingsRequest {
  const request = record(value ?? {});
  const words = optional(request.text, 'The search');
  const category = optional(request.category, 'The category');
  if (request.includeClosed !== undefined && typeof request.includeClosed !== 'boolean') throw new TallystickError('invalid_request', 'includeClosed is true or false');
  return {
    ...(request.side !== undefined ? { side: side(request.side) } : {}), ...(words !== undefined ? { text: words } : {}),
    ...(category !== undefined ? { category } : {}), ...(request.includeClosed === true ? { includeClosed: true } : {}),
  };
}

export function readListingInput(value: unknown): ListingInput {
  const request = record(value);
  const tags = request.tags ?? [];
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) throw new TallystickError('invalid_request', `Give at most ${MAX_TAGS} tags.`);
  const description = optional(request.description, 'The description');
  return {
    side: side(request.side), title: text(request.title, 'The title'), category: text(request.category, 'The category'),
    ...(description !== undefined ? { description } : {}),
    tags: tags.map((tag) => text(tag, 'A tag').trim()).filter((tag) => tag !== ''), ...secret(request),
  };
}

export function readCloseListingInput(value: unknown): CloseListingInput {
  const request = record(value);
  const note = optional(request.note, 'The note');
  return { side: side(request.side), listingId: text(request.listingId, 'The listing id'), ...(note !== undefined ? { note } : {}), ...secret(request) };
}

export function readLogHoursInput(value: unknown): LogHoursInput {
  const request = record(value);
  if (request.direction !== 'gave' && request.direction !== 'received') throw new TallystickError('invalid_request', 'Say whether you gave the hours or received them.');
  const member = text(request.member, 'The member').trim();
  if (member === '') throw new TallystickError('invalid_request', 'Choose the member you exchanged hours with.');
  const hours = optional(request.hours, 'The hours');
  const minutes = optional(request.minutes, 'The minutes');
  if ((hours === undefined) === (minutes === undefined)) throw new TallystickError('invalid_request', 'Give the time as hours (like 2, 1.5 or 1:30) or as minutes, one of the two.');
  const date = optional(request.date, 'The date');
  const category = optional(request.category, 'The category');
  let listing: LogHoursInput['listing'];
  if (request.listing !== undefined) {
    const given = record(request.listing);
    listing = { side: side(given.side), id: text(given.id, 'The listing id').trim() };
  }
  return {
    direction: request.direction, member, ...(hours !== undefined ? { hours } : {}), ...(minutes !== undefined ? { minutes } : {}),
    ...(date !== undefined ? { date } : {}), description: text(request.description, 'The description'),
    ...(category !== undefined ? { category } : {}), ...(listing ? { listing } : {}), ...secret(request),
  };
}

export function readAnswerHoursInput(value: unknown, needsReason: boolean): AnswerHoursInput {
  const request = record(value);
  const exchangeId = text(request.exchangeId, 'The exchange id').trim();
  if (exchangeId === '') throw new TallystickError('invalid_request', 'Choose the exchange to answer.');
  const reason = optional(request.reason, 'The reason');
  if (needsReason && reason === undefined) throw new TallystickError('invalid_request', 'Say why you decline: the member who logged it sees your reason.');
  return { exchangeId, ...(needsReason && reason !== undefined ? { reason } : {}), ...secret(request) };
}
