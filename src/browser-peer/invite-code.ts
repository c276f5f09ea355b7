import { TallystickError } from '@tallystick/core';

/*
 * The invite code `tallystick invite` prints (packages/sync/src/network/invite.ts, which reads it with
 * node:Buffer): `tallystick-invite:` and base64url JSON. The page needs the co-op's ids and where its
 * peer listens; it grants nothing (the peers still refuse a device the members have not voted in).
 */
export interface PageInvite {
  readonly coop: string;
  readonly name: string;
  readonly catalog: string;
  readonly genesis: string;
  readonly peer: string;
  readonly addresses: readonly string[];
}

const PREFIX = 'tallystick-invite:';

export function decodeInviteCode(code: string): PageInvite {
  const text = code.trim();
  const refuse = (why: string) => new TallystickError('invalid_invite', `this is not a Tallystick invite code (${why}); ask the member for the whole code that \`tallystick invite\` printed`);
  if (!text.startsWith(PREFIX)) throw refuse(`it does not start with "${PREFIX}"`);
  if (text.length > 4_096) throw refuse('it is too long');
  let record: Record<string, unknown>;
  try {
    const base64 = text.slice(PREFIX.length).replaceAll('-', '+').replaceAll('_', '/');
    record = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(base64), (character) => character.charCodeAt(0)))) as Record<string, unknown>;
  } catch {
    throw refuse('it does not decode');
  }
  const isText = (field: unknown, pattern: RegExp): field is string => typeof field === 'string' && pattern.test(field);
  if (typeof record !== 'object' || record === null || record.v !== 1 || record.k !== undefined) throw refuse('not a co-op invite of a known version');
  if (!isText(record.c, /^[0-9a-f]{32}$/u) || !isText(record.g, /^[0-9a-f]{64}$/u) || !isText(record.d, /^[1-9A-HJ-NP-Za-km-z]{20,64}$/u)) throw refuse('bad co-op, catalog or genesis id');
  if (typeof record.n !== 'string' || typeof record.p !== 'string') throw refuse('bad name or peer id');
  const addresses = record.a;
  if (!Array.isArray(addresses) || addresses.length === 0 || addresses.length > 16 || !addresses.every((address) => typeof address === 'string' && address.startsWith('/') && address.length < 300)) {
    throw refuse('no addresses, or bad ones');
  }
  return { coop: record.c, name: record.n, catalog: record.d, genesis: record.g, peer: record.p, addresses: addresses as string[] };
}

/** The relays an address goes through (`…/p2p/RELAY/p2p-circuit/…`): to be dialled before the roster is known. */
export function relaysOf(address: string): string[] {
  return [...address.matchAll(/\/p2p\/([^/]+)\/p2p-circuit/gu)].map((match) => match[1]!);
}
