import { createHmac, timingSafeEqual } from 'node:crypto';
import { TallystickError } from '@tallystick/core';
import { deviceOfPeerId } from './device-identity.js';

/**
 * An invite: what a new device needs to fetch a co-op from a member's peer. It is not a secret: it grants
 * nothing. The inviter's peer refuses the new device at the connection until the members have voted its
 * key in, and the catalog and genesis ids let the new device check that what it fetched is that co-op.
 */
export interface Invite {
  readonly coop: string;
  readonly name: string;
  /** The catalog's Automerge document id. */
  readonly catalog: string;
  readonly genesis: string;
  /** The inviting device's peer id (its device key). */
  readonly peer: string;
  /** Where the inviting peer listens, each ending in /p2p/PEER. */
  readonly addresses: readonly string[];
  /** For an invite of a named new member: who, and a one-time secret that binds the new device's request to this invite. */
  readonly member?: string;
  readonly secret?: string;
  /**
   * An invitation to a federation's document rather than a co-op (`federation invite`): then `coop` is
   * the federation's id, `catalog` its document, `genesis` its genesis entry, `name` its name.
   */
  readonly federation?: true;
}

const PREFIX = 'tallystick-invite:';
const MAXIMUM_CODE_CHARACTERS = 4_096;
const MAXIMUM_ADDRESSES = 16;

export function encodeInvite(invite: Invite): string {
  const compact = {
    v: 1, ...(invite.federation ? { k: 'federation' } : {}), c: invite.coop, n: invite.name, d: invite.catalog, g: invite.genesis, p: invite.peer, a: invite.addresses,
    ...(invite.member !== undefined && invite.secret !== undefined ? { m: invite.member, s: invite.secret } : {}),
  };
  return `${PREFIX}${Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url')}`;
}

/** Reads an invite code, refusing anything that is not one (with what was expected). */
export function decodeInvite(code: string): Invite {
  const text = code.trim();
  const refuse = (why: string) => new TallystickError('invalid_invite', `this is not a Tallystick invite code (${why}); ask the member for the whole code that \`tallystick invite\` printed`);
  if (!text.startsWith(PREFIX)) throw refuse(`it does not start with "${PREFIX}"`);
  if (text.length > MAXIMUM_CODE_CHARACTERS) throw refuse('it is too long');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw refuse('it does not decode');
  }
  const record = value as Record<string, unknown>;
  const isText = (field: unknown, pattern: RegExp) => typeof field === 'string' && pattern.test(field);
  if (typeof value !== 'object' || value === null || record.v !== 1) throw refuse('unknown version');
  if (!isText(record.c, /^[0-9a-f]{32}$/u) || !isText(record.g, /^[0-9a-f]{64}$/u) || !isText(record.d, /^[1-9A-HJ-NP-Za-km-z]{20,64}$/u)) throw refuse('bad co-op, catalog or genesis id');
  if (typeof record.n !== 'string' || typeof record.p !== 'string' || deviceOfPeerId(record.p) === undefined) throw refuse('bad name or peer id');
  const addresses = record.a;
  if (!Array.isArray(addresses) || addresses.length > MAXIMUM_ADDRESSES || !addresses.every((address) => typeof address === 'string' && address.startsWith('/') && address.length < 300)) {
    throw refuse('bad addresses');
  }
  if (record.k !== undefined && record.k !== 'federation') throw refuse('unknown kind');
  if (record.m !== undefined && (typeof record.m !== 'string' || record.m.length === 0 || record.m.length > 200 || !isText(record.s, /^[0-9a-f]{32}$/u))) throw refuse('bad member or secret');
  return {
    ...(record.k === 'federation' ? { federation: true as const } : {}),
    coop: record.c as string, name: record.n, catalog: record.d as string, genesis: record.g as string, peer: record.p, addresses: addresses as string[],
    ...(typeof record.m === 'string' ? { member: record.m, secret: record.s as string } : {}),
  };
}

/**
 * A join request: what a new device sends back to the member who invited it (`tallystick admit`), naming
 * its key, with a proof that it holds that invite's one-time secret (an HMAC of the co-op and the key),
 * so a request cannot be forged, or moved to another key, by anyone who did not get the invite.
 */
export interface JoinRequest {
  readonly coop: string;
  readonly member: string;
  readonly device: string;
  readonly proof: string;
}

const REQUEST_PREFIX = 'tallystick-join-request:';

export function joinRequestProof(secret: string, coop: string, device: string): string {
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(`tallystick-join\n${coop}\n${device}`).digest('hex');
}

export function proofHolds(secret: string, request: JoinRequest): boolean {
  const expected = Buffer.from(joinRequestProof(secret, request.coop, request.device), 'hex');
  const given = Buffer.from(request.proof, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function encodeJoinRequest(request: JoinRequest): string {
  return `${REQUEST_PREFIX}${Buffer.from(JSON.stringify({ v: 1, c: request.coop, m: request.member, k: request.device, h: request.proof }), 'utf8').toString('base64url')}`;
}

export function decodeJoinRequest(code: string): JoinRequest {
  const text = code.trim();
  const refuse = (why: string) => new TallystickError('invalid_join_request', `this is not a Tallystick join request (${why}); ask the new device for the whole line \`tallystick join\` printed`);
  if (!text.startsWith(REQUEST_PREFIX) || text.length > 2_000) throw refuse(`it does not start with "${REQUEST_PREFIX}"`);
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(Buffer.from(text.slice(REQUEST_PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw refuse('it does not decode');
  }
  const ok = (field: unknown, pattern: RegExp) => typeof field === 'string' && pattern.test(field);
  if (typeof record !== 'object' || record === null || record.v !== 1 || !ok(record.c, /^[0-9a-f]{32}$/u) || !ok(record.k, /^[0-9a-f]{64}$/u) || !ok(record.h, /^[0-9a-f]{64}$/u)
    || typeof record.m !== 'string' || record.m.length === 0 || record.m.length > 200) throw refuse('a field is missing or malformed');
  return { coop: record.c as string, member: record.m, device: record.k as string, proof: record.h as string };
}
