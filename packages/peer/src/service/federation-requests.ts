import { TallystickError } from '@tallystick/core';
import type { AnswerClearingInput, AnswerPaymentInput, FederationRequest, PayCoopInput, ProposeClearingInput } from './protocol.js';
import { record, text } from './requests.js';

/*
 * The Federation area's requests, checked before any command sees them (shapes and bounds only: the
 * commands and core judge amounts, co-ops, limits and rights, and refuse in words).
 */

/** Federation, co-op and memo names are short; an id is 64 hex digits. */
const MAX_NAME = 200;
const MAX_ID = 64;

function optional(value: unknown, field: string): string | undefined {
  const given = text(value, field, false).trim();
  return given === '' ? undefined : given;
}

function name(value: unknown, field: string, missing: string): string {
  const given = text(value ?? '', field).trim();
  if (given === '') throw new TallystickError('invalid_request', missing);
  if (given.length > MAX_NAME) throw new TallystickError('invalid_request', `${field} must be at most ${MAX_NAME} characters.`);
  return given;
}

function entryId(value: unknown, field: string, missing: string): string {
  const given = text(value ?? '', field).trim();
  if (given === '') throw new TallystickError('invalid_request', missing);
  if (given.length > MAX_ID || !/^[0-9a-f]+$/iu.test(given)) throw new TallystickError('invalid_request', `${field} "${given.slice(0, MAX_ID)}" is not an id: expected the hexadecimal id shown on the screen.`);
  return given;
}

function common(request: Record<string, unknown>): FederationRequest & { passphrase?: string } {
  const federation = optional(request.federation, 'The federation');
  if (federation !== undefined && federation.length > MAX_NAME) throw new TallystickError('invalid_request', `The federation's name must be at most ${MAX_NAME} characters.`);
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return { ...(federation !== undefined ? { federation } : {}), ...(passphrase ? { passphrase } : {}) };
}

function yesOrNo(value: unknown, missing: string): boolean {
  if (typeof value !== 'boolean') throw new TallystickError('invalid_request', missing);
  return value;
}

export function readFederationRequest(value: unknown): FederationRequest {
  const { federation } = common(record(value ?? {}));
  return federation !== undefined ? { federation } : {};
}

export function readPayCoopInput(value: unknown): PayCoopInput {
  const request = record(value);
  const memo = optional(request.memo, 'The memo');
  const amount = text(request.amount ?? '', 'The amount').trim();
  if (amount === '') throw new TallystickError('invalid_request', 'Give the amount to pay, like 120.00.');
  return { ...common(request), coop: name(request.coop, 'The co-op', 'Choose the co-op to pay.'), amount, ...(memo !== undefined ? { memo } : {}) };
}

export function readAnswerPaymentInput(value: unknown): AnswerPaymentInput {
  const request = record(value);
  const reason = optional(request.reason, 'The reason');
  const accept = yesOrNo(request.accept, 'Say whether you accept the payment or decline it.');
  return { ...common(request), paymentId: entryId(request.paymentId, 'The payment id', 'Choose the payment to answer.'), accept, ...(!accept && reason !== undefined ? { reason } : {}) };
}

export function readProposeClearingInput(value: unknown): ProposeClearingInput {
  const request = record(value ?? {});
  const deadline = optional(request.deadline, 'The deadline');
  return { ...common(request), ...(deadline !== undefined ? { deadline } : {}) };
}

export function readAnswerClearingInput(value: unknown): AnswerClearingInput {
  const request = record(value);
  return { ...common(request), clearingId: entryId(request.clearingId, 'The clearing id', 'Choose the clearing to answer.'), consent: yesOrNo(request.consent, 'Say whether you consent to the clearing or decline it.') };
}
