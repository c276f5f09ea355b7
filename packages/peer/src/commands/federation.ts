import { readFile } from 'node:fs/promises';
import { type CoopCard, type Federation, TallystickError, coopCardJson, unitJson } from '@tallystick/core';
import { type CommandContext, loadSync, openFolder, openStore, print, unlockSigner } from '../context.js';
import { DEFAULT_CREDIT_ACCOUNT, nameOf, postCreditToBooks, withFederation, writeFederationEntries } from '../credit-session.js';

/*
 * `federation create|card|invite|fetch|join|members|send|receive`: a federation of co-ops (issue 6). A
 * co-op acts in it through a device its own roster lets act on credit; what it shares is its control
 * history and its federation entries, never its books (credit/README.md in core). Members' peers carry
 * the federation's document between them (`tallystick peer`): an invited co-op `fetch`es it from the
 * inviting member's peer with the code `invite` printed, and from then on its own peer keeps it up to
 * date. `send` and `receive` move it as a file instead, for co-ops whose peers cannot reach each other:
 * the entries in it are signed, and checked when read, whatever brought them.
 */

const CARD_PREFIX = 'tallystick-coop:';

export interface FederationCreateOptions {
  unit?: string;
  coop?: string[];
  account?: string;
}

export async function federationCreateCommand(context: CommandContext, name: string, options: FederationCreateOptions): Promise<void> {
  const unit = unitOf(options.unit ?? 'USD:2');
  const others = (options.coop ?? []).map((text) => cardOf(text).card);
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const store = await openStore(context, folder);
  try {
    const founder: CoopCard = { id: store.coopId, name: store.name, genesis: store.genesisId };
    const { FederationStore } = await loadSync();
    if (Object.values(folder.config.federations ?? {}).some((record) => record.name === name.trim())) throw new TallystickError('federation_exists', `this data folder already holds a federation named "${name}"`);
    const federation = await FederationStore.create(store, signer, { name: name.trim(), unit, coops: [founder, ...others], account: options.account ?? DEFAULT_CREDIT_ACCOUNT, now: context.now() });
    const derived = federation.read().federation;
    if (derived.rejected.length > 0) throw new TallystickError(derived.rejected[0]!.code, `the federation's genesis does not count: ${derived.rejected[0]!.reason}`);
    print(context, `Founded federation "${derived.name}" (${federation.id}) in ${unit.commodity} at ${unit.scale} decimal places, with ${derived.coops.map((coop) => coop.name).join(', ')}.`);
    print(context, 'Invite co-ops with `tallystick federation invite CARD` (they print their card with `tallystick federation card`).');
  } finally {
    await store.close();
  }
}

/**
 * This co-op's card: what another co-op needs to invite it (its id, its genesis, this device's key, its
 * name). The device key lets the members' peers hand this device the federation's document before the
 * co-op has shared its roster (it does when it joins).
 */
export async function federationCardCommand(context: CommandContext): Promise<void> {
  const folder = await openFolder(context);
  const id = folder.coopId(context.coop);
  const record = folder.config.coops[id]!;
  const { readDevicePublicKey } = await loadSync();
  print(context, `${CARD_PREFIX}${id}:${record.genesis}:${await readDevicePublicKey(folder.keyPath)}:${record.name}`);
}

export async function federationInviteCommand(context: CommandContext, card: string): Promise<void> {
  const { card: invited, device } = cardOf(card);
  await withFederation(context, async (session) => {
    const { federation } = await writeFederationEntries(session, [{ kind: 'federation-invite', payload: { coop: invited, ...(device === undefined ? {} : { device }) } }]);
    print(context, `Invited ${invited.name} to federation "${federation.name}".`);
    const { readRunningPeer } = await import('./status.js');
    const running = await readRunningPeer(session.folder);
    if (device === undefined || running === undefined) {
      print(context, `Send it the federation's document (\`tallystick federation send --out FILE\`); it runs \`tallystick federation receive FILE\`, then \`tallystick federation join\`.`);
      if (device !== undefined) print(context, 'Or start `tallystick peer` here and invite again for a code its device fetches the document with.');
      return;
    }
    const { encodeInvite, peerIdOfDevice } = await import('@tallystick/sync/network');
    const { readDevicePublicKey } = await loadSync();
    const addresses = [...running.addresses].sort((a, b) => Number(a.includes('/127.0.0.1/')) - Number(b.includes('/127.0.0.1/')));
    print(context, encodeInvite({
      federation: true, coop: session.federation.id, name: session.federation.record.name, catalog: session.federation.documentId,
      genesis: session.federation.record.genesis, peer: peerIdOfDevice(await readDevicePublicKey(session.folder.keyPath)), addresses,
    }));
    print(context, `On ${invited.name}'s device run \`tallystick federation fetch CODE\` with the code above, then \`tallystick federation join\`; this peer hands that device the federation's document only.`);
  });
}

/** Writes the federation's document to a file for a member that does not have it yet, or is behind. */
export async function federationSendCommand(context: CommandContext, options: { out: string }): Promise<void> {
  await withFederation(context, async (session) => {
    const { writeFileAtomic } = await loadSync();
    const text = JSON.stringify({ tallystick: 'federation-document', documentId: session.federation.documentId, document: Buffer.from(session.federation.save()).toString('base64') });
    await writeFileAtomic(options.out, Buffer.from(`${text}\n`));
    print(context, `Wrote federation "${session.federation.record.name}" to ${options.out}.`);
  });
}

export async function federationReceiveCommand(context: CommandContext, file: string): Promise<void> {
  const { documentId, bytes } = await readDocumentFile(file);
  const folder = await openFolder(context);
  const store = await openStore(context, folder);
  try {
    const { FederationStore } = await loadSync();
    const federationStore = await FederationStore.receive(store, bytes, documentId);
    const { federation } = federationStore.read();
    print(context, `Received federation "${federation.name}": ${federation.coops.length} co-ops, ${federation.payments.length} payments, ${federation.clearings.length} clearings.`);
    const posted = await postCreditToBooks({ context, folder, store, federation: federationStore }, federation);
    if (posted > 0) print(context, `Posted ${posted} mutual credit transaction${posted === 1 ? '' : 's'} to the books of ${store.name}.`);
    for (const line of waitingOn(federation, store.coopId)) print(context, line);
  } finally {
    await store.close();
  }
}

/** Fetches a federation's document from the inviting member's running peer (the code `federation invite` printed). */
export async function federationFetchCommand(context: CommandContext, code: string): Promise<void> {
  const { decodeInvite, fetchFederation } = await import('@tallystick/sync/network');
  const invite = decodeInvite(code);
  if (invite.federation !== true) throw new TallystickError('not_a_federation_invite', 'this code invites a device into a co-op: run `tallystick join CODE` with it');
  const folder = await openFolder(context);
  const signer = await unlockSigner(context, folder);
  const outcome = await fetchFederation({ folder, signer, invite });
  if (!outcome.ok) throw new TallystickError(outcome.code === 'refused' ? 'not_admitted' : 'peer_unreachable', `the inviting peer did not hand over federation "${invite.name}": ${outcome.reason}. Nothing was written`);
  print(context, `Fetched federation "${outcome.name ?? invite.name}" from ${outcome.member}; join it with \`tallystick federation join\`.`);
  // A peer running on this folder takes the federation up by itself (it watches the folder's config).
  const { readRunningPeer } = await import('./status.js');
  const running = await readRunningPeer(folder);
  if (running !== undefined) print(context, `The peer running on this data folder (pid ${running.pid}) replicates it from now on.`);
}

export async function federationJoinCommand(context: CommandContext, options: { account?: string }): Promise<void> {
  await withFederation(context, async (session) => {
    const before = session.federation.read().federation;
    const me = before.coops.find((coop) => coop.id === session.store.coopId);
    if (!me) throw new TallystickError('not_invited', `${session.store.name} is not invited to federation "${before.name}": a member runs \`tallystick federation invite\` with this co-op's card (\`tallystick federation card\`)`);
    if (me.status === 'member') throw new TallystickError('already_member', `${session.store.name} is already a member of "${before.name}"`);
    session.federation.record.accounts[session.store.coopId] = options.account ?? DEFAULT_CREDIT_ACCOUNT;
    await writeFederationEntries(session, [{ kind: 'federation-join', payload: {} }]);
    await session.folder.saveConfig();
    print(context, `${session.store.name} joined federation "${before.name}"; payments in and out are posted against ${session.federation.record.accounts[session.store.coopId]}.`);
  });
}

export async function federationMembersCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  await withFederation(context, async (session) => {
    const { federation } = session.federation.read();
    if (options.json) {
      print(context, JSON.stringify({
        id: federation.id, name: federation.name, unit: federation.unit,
        coops: federation.coops.map((coop) => ({ id: coop.id, name: coop.name, status: coop.status, here: coop.id === session.store.coopId })),
        rejected: federation.rejected,
      }));
      return;
    }
    print(context, `Federation "${federation.name}" (${federation.id}), unit ${federation.unit.commodity} at ${federation.unit.scale} places`);
    for (const coop of federation.coops) print(context, `  ${coop.name.padEnd(24)} ${coop.status}${coop.id === session.store.coopId ? '  (this co-op)' : ''}  ${coop.id}`);
    if (federation.rejected.length > 0) print(context, `${federation.rejected.length} federation entr${federation.rejected.length === 1 ? 'y does' : 'ies do'} not count (\`tallystick credit lines --json\` lists them with the reason).`);
  });
}

/** What this co-op is asked to answer: payments to accept and clearings to consent to. */
export function waitingOn(federation: Federation, coop: string): string[] {
  const lines: string[] = [];
  for (const payment of federation.payments.filter((item) => item.status === 'pending')) {
    if (payment.hops.some((hop) => hop.to === coop && hop.needsAcceptance && !hop.acceptedBy)) {
      lines.push(`Payment ${payment.id.slice(0, 12)} of ${payment.amount.toString(federation.unit.scale)} ${federation.unit.commodity} from ${nameOf(federation, payment.payer)} awaits your acceptance: \`tallystick credit accept ${payment.id.slice(0, 12)}\`.`);
    }
  }
  for (const clearing of federation.clearings.filter((item) => item.status === 'pending')) {
    if (clearing.involved.includes(coop as never) && !clearing.consented.includes(coop as never)) {
      lines.push(`Clearing ${clearing.id.slice(0, 12)} awaits your consent: \`tallystick clear consent ${clearing.id.slice(0, 12)}\` (or decline).`);
    }
  }
  return lines;
}

/** A card: ID:GENESIS:NAME, or ID:GENESIS:DEVICE:NAME (names hold no colon, so the two cannot be confused). */
function cardOf(text: string): { card: CoopCard; device?: string } {
  const trimmed = text.trim();
  const [id, genesis, ...rest] = trimmed.startsWith(CARD_PREFIX) ? trimmed.slice(CARD_PREFIX.length).split(':') : [];
  const device = rest.length > 1 && /^[0-9a-f]{64}$/u.test(rest[0]!) ? rest.shift() : undefined;
  const parsed = coopCardJson.safeParse({ id, genesis, name: rest.join(':') });
  if (!parsed.success) throw new TallystickError('invalid_card', `"${text}" is not a co-op card: expected ${CARD_PREFIX}ID:GENESIS:DEVICE:NAME, as \`tallystick federation card\` prints it on that co-op's device`);
  return { card: parsed.data, ...(device === undefined ? {} : { device }) };
}

function unitOf(text: string): { commodity: string; scale: number } {
  const [commodity, scale = '2'] = text.split(':');
  const parsed = unitJson.safeParse({ commodity, scale: /^\d$/u.test(scale) ? Number(scale) : -1 });
  if (!parsed.success) throw new TallystickError('invalid_unit', `"${text}" is not a unit of account: expected SYMBOL:PLACES like USD:2 or h:2 (0 to 6 places)`);
  return parsed.data;
}

async function readDocumentFile(file: string): Promise<{ documentId: string; bytes: Uint8Array }> {
  let parsed: { tallystick?: unknown; documentId?: unknown; document?: unknown };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as typeof parsed;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TallystickError('file_not_found', code === 'ENOENT' ? `${file}: no such file` : `${file} is not a federation document file (${(error as Error).message})`);
  }
  if (parsed.tallystick !== 'federation-document' || typeof parsed.documentId !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{20,40}$/u.test(parsed.documentId) || typeof parsed.document !== 'string') {
    throw new TallystickError('not_a_federation', `${file} is not a federation document file (as \`tallystick federation send\` writes)`);
  }
  return { documentId: parsed.documentId, bytes: new Uint8Array(Buffer.from(parsed.document, 'base64')) };
}
