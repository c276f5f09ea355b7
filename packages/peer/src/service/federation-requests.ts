import { TallystickError } from '@tallystick/core';
import type {
  AnswerClearingInput, AnswerPaymentInput, CreateFederationInput, CreditPolicyInput, ExtendCreditInput, FederationRequest, InviteCoopInput, JoinFederationInput, PayCoopInput,
  ProposeClearingInput,
} from './protocol.js';
import { record, text } from './requests.js';

/*
 * The Federation area's requests, checked before any command sees them (shapes and bounds only: the
 * commands and core judge amounts, co-ops, limits and rights, and refuse in words).
 */

/** Federation, co-op and memo names are short; an id is 64 hex digits. */
const MAX_NAME = 200;
const MAX_ID = 64;
/** A card is an id, a genesis, a device key and a name; a code also carries addresses. */
const MAX_CARD = 400;
const MAX_CODE = 4_096;

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

function passphraseOnly(request: Record<string, unknown>): { passphrase?: string } {
  const passphrase = text(request.passphrase, 'The passphrase', false);
  return passphrase ? { passphrase } : {};
}

function amountText(value: unknown, missing: string): string {
  const given = text(value ?? '', 'The amount').trim();
  if (given === '') throw new TallystickError('invalid_request', missing);
  if (given.length > 40) throw new TallystickError('invalid_request', 'The amount must be at most 40 characters.');
  return given;
}

export function readCreateFederationInput(value: unknown): CreateFederationInput {
  const request = record(value);
  const unit = optional(request.unit, 'The unit');
  const account = optional(request.account, 'The account');
  if (account !== undefined && account.length > MAX_NAME) throw new TallystickError('invalid_request', `The account must be at most ${MAX_NAME} characters.`);
  if (unit !== undefined && unit.length > 20) throw new TallystickError('invalid_request', 'The unit must be at most 20 characters, like USD:2.');
  return {
    name: name(request.name, 'The federation\'s name', 'Give the federation a name.'), ...(unit !== undefined ? { unit } : {}), ...(account !== undefined ? { account } : {}),
    ...passphraseOnly(request),
  };
}

export function readInviteCoopInput(value: unknown): InviteCoopInput {
  const request = record(value);
  const card = text(request.card ?? '', 'The card').trim();
  if (card === '') throw new TallystickError('invalid_request', 'Paste the card of the co-op to invite (its Federation screen shows it; it starts with tallystick-coop:).');
  if (card.length > MAX_CARD) throw new TallystickError('invalid_request', `That is not a co-op card: a card is at most ${MAX_CARD} characters.`);
  return { ...common(request), card };
}

export function readJoinFederationInput(value: unknown): JoinFederationInput {
  const request = record(value);
  const code = text(request.code ?? '', 'The code').trim();
  if (code === '') throw new TallystickError('invalid_request', 'Paste the code the inviting co-op\'s member made (it starts with tallystick-invite:).');
  if (code.length > MAX_CODE) throw new TallystickError('invalid_request', `That is not an invite code: a code is at most ${MAX_CODE} characters.`);
  const account = optional(request.account, 'The account');
  if (account !== undefined && account.length > MAX_NAME) throw new TallystickError('invalid_request', `The account must be at most ${MAX_NAME} characters.`);
  return { code, ...(account !== undefined ? { account } : {}), ...passphraseOnly(request) };
}

export function readExtendCreditInput(value: unknown): ExtendCreditInput {
  const request = record(value);
  return { ...common(request), coop: name(request.coop, 'The co-op', 'Choose the co-op the line is for.'), limit: amountText(request.limit, 'Give the limit, like 500.00 (0 closes the line to new debt).') };
}

export function readCreditPolicyInput(value: unknown): CreditPolicyInput {
  const request = record(value);
  return { ...common(request), coop: name(request.coop, 'The co-op', 'Choose whose payments are accepted by themselves.'), upTo: amountText(request.upTo, 'Give the largest payment accepted by itself, like 50.00 (0: none).') };
}
