import {
  type ClearingPlan, type ClearingRecord, type CoopId, type Federation, type PaymentRecord, Decimal, TallystickError, awaitingAcceptance,
  excludedFromClearing, instantKey, planFederationClearing,
} from '@tallystick/core';
import { FileStorageAdapter } from '@tallystick/sync';
import { clearAnswerCommand, clearProposeCommand } from '../commands/clear.js';
import { creditAcceptCommand, creditDeclineCommand, creditExtendCommand, creditPayCommand, creditPolicyCommand, linesOf } from '../commands/credit.js';
import {
  federationCardCommand, federationCreateCommand, federationFetchCommand, federationInviteCommand, federationJoinCommand,
} from '../commands/federation.js';
import { type CommandContext, openFolder } from '../context.js';
import { nameOf, withFederation } from '../credit-session.js';
import {
  readAnswerClearingInput, readAnswerPaymentInput, readCreateFederationInput, readCreditPolicyInput, readExtendCreditInput, readFederationRequest,
  readInviteCoopInput, readJoinFederationInput, readPayCoopInput, readProposeClearingInput,
} from './federation-requests.js';
import type {
  BookApi, ClearingPartyView, ClearingProposalView, CreditLineView, FederationClearings, FederationInvitation, FederationOverview, FederationPaymentLine,
  FederationRequest, FederationState, JoinFederationInput, Saved, SetOffView,
} from './protocol.js';
import type { SyncHost } from './sync-service.js';
import { type TimebankServiceParts, appWords } from './timebank-service.js';

/*
 * The Federation area's handlers. Reads derive what `credit lines` and `clear plan` show (linesOf,
 * core's plan) from the federation's document; writes call the commands themselves (`federation create|
 * invite|fetch|join`, `credit extend|policy|pay|accept|decline`, `clear propose|consent|decline`), so every
 * rule, limit and refusal is theirs and core's.
 */

export type FederationMethod = 'federationOverview' | 'federationPayments' | 'federationClearings' | 'payCoop' | 'answerPayment' | 'proposeClearing' | 'answerClearing'
  | 'federationCard' | 'createFederation' | 'inviteCoop' | 'joinFederation' | 'extendCredit' | 'setCreditPolicy';

export interface FederationServiceParts extends TimebankServiceParts {
  /** The service's peer: paused while a federation is fetched, and made to follow a federation founded or fetched here. */
  readonly peer: Pick<SyncHost, 'whilePaused' | 'followFederations'>;
}

/** At most this many payments and proposals go to a screen: the newest. */
const MAX_LISTED = 500;
/** A fetch right after the invite may come before the inviter's peer has read it: tried this often, this far apart. */
const FETCH_ATTEMPTS = 5;
const FETCH_RETRY_MS = 2_000;

export function createFederationService({ answer, serially, context, peer }: FederationServiceParts): Pick<BookApi, FederationMethod> {
  /** A command context for the federation asked for (the first by name when none is). */
  const forFederation = async (request: FederationRequest, passphrase?: string) => {
    const made = context(passphrase);
    const chosen = await chooseFederation(made.context, request.federation);
    return { ...made, chosen, context: { ...made.context, ...(chosen.current !== undefined ? { federation: chosen.current } : {}) } };
  };
  const derived = derivedFederations();
  const read = <T>(request: unknown, work: (command: CommandContext, me: CoopId, federation: Federation) => T) => answer(() => inWords(async () => {
    const { context: command, chosen } = await forFederation(readFederationRequest(request));
    if (chosen.current === undefined) throw new TallystickError('no_federation', `${chosen.coop} belongs to no federation yet.`);
    const { me, federation } = await derived(command);
    return work(command, me, federation);
  }));
  const write = <I extends FederationRequest & { readonly passphrase?: string }>(input: () => I, work: (command: CommandContext, given: I) => Promise<void>) => answer(() => inWords(() => serially(async (): Promise<Saved> => {
    const given = input();
    const { context: command, output, chosen } = await forFederation(given, given.passphrase);
    if (chosen.current === undefined) throw new TallystickError('no_federation', `${chosen.coop} belongs to no federation yet.`);
    await work(command, given);
    return { message: saidInApp(output()) };
  })));
  return {
    federationOverview: (request) => answer(() => inWords(async (): Promise<FederationOverview> => {
      const { context: command, chosen } = await forFederation(readFederationRequest(request));
      const base = { coop: chosen.coop, federations: chosen.names };
      if (chosen.current === undefined) return base;
      const { me, federation } = await derived(command);
      return { ...base, current: federationState(federation, me, command.now()) };
    })),
    federationPayments: (request) => read(request, (command, me, federation) => paymentLines(federation, me, command.now())),
    federationClearings: (request) => read(request, (command, me, federation) => clearingsOf(federation, me, command.now())),
    payCoop: (request) => write(() => readPayCoopInput(request), (command, input) => creditPayCommand(command, input.coop, input.amount, input.memo !== undefined ? { memo: input.memo } : {})),
    answerPayment: (request) => write(() => readAnswerPaymentInput(request), (command, input) => (input.accept
      ? creditAcceptCommand(command, input.paymentId)
      : creditDeclineCommand(command, input.paymentId, input.reason !== undefined ? { reason: input.reason } : {}))),
    proposeClearing: (request) => write(() => readProposeClearingInput(request), (command, input) => clearProposeCommand(command, input.deadline !== undefined ? { deadline: input.deadline } : {})),
    answerClearing: (request) => write(() => readAnswerClearingInput(request), (command, input) => clearAnswerCommand(command, input.clearingId, input.consent)),
    extendCredit: (request) => write(() => readExtendCreditInput(request), (command, input) => creditExtendCommand(command, input.coop, input.limit)),
    setCreditPolicy: (request) => write(() => readCreditPolicyInput(request), (command, input) => creditPolicyCommand(command, input.coop, input.upTo)),
    federationCard: () => answer(async () => {
      const { context: command, output } = context();
      const folder = await openFolder(command);
      await federationCardCommand(command);
      return { coop: folder.config.coops[folder.coopId(command.coop)]!.name, card: output().trim() };
    }),
    createFederation: (request) => answer(() => inWords(() => serially(async (): Promise<Saved> => {
      const input = readCreateFederationInput(request);
      const { context: command, output } = context(input.passphrase);
      await federationCreateCommand(command, input.name, { ...(input.unit !== undefined ? { unit: input.unit } : {}), ...(input.account !== undefined ? { account: input.account } : {}) });
      // The peer serves the new federation's document from now on: the co-ops invited fetch it from there.
      await peer.followFederations();
      // Its second line tells how to invite on the command line: the Set up screen has a form for that.
      return { message: saidInApp(output().split('\n')[0]!) };
    }))),
    inviteCoop: (request) => answer(() => inWords(() => serially(async (): Promise<FederationInvitation> => {
      const input = readInviteCoopInput(request);
      await peer.followFederations();
      const { context: command, output, chosen } = await forFederation(input, input.passphrase);
      if (chosen.current === undefined) throw new TallystickError('no_federation', `${chosen.coop} belongs to no federation yet.`);
      await federationInviteCommand(command, input.card);
      const printed = output().split('\n').map((line) => line.trim()).filter((line) => line !== '');
      const code = printed.find((line) => line.startsWith('tallystick-invite:'));
      const invited = printed[0] ?? 'Invited.';
      if (code === undefined) {
        return { message: `${invited} This device is not syncing, so it cannot hand the federation's document over: start syncing (Alt+S), then invite again for a code.` };
      }
      return { code, message: `${invited} Give this code to a member of the invited co-op: in their Federation area they paste it under "Join a federation". This device hands their device the federation's document (and nothing of ${chosen.coop}'s books) while Tallystick runs here.` };
    }))),
    joinFederation: (request) => answer(() => inWords(() => serially(async (): Promise<Saved> => {
      const input = readJoinFederationInput(request);
      const { context: command, output } = context(input.passphrase);
      await joinWithCode(command, input, peer);
      return { message: saidInApp(output().replace(/; join it with `tallystick federation join`\./u, '.')) };
    }))),
  };
}

/**
 * `federation fetch CODE` then `federation join`, with this service's peer stopped meanwhile (the fetch
 * dials with the same device identity); the inviter is noted as a known peer, so the peer, started again,
 * dials it and keeps the federation's document in sync. A federation already here is not fetched again.
 */
async function joinWithCode(command: CommandContext, input: JoinFederationInput, peer: Pick<SyncHost, 'whilePaused'>): Promise<void> {
  const { decodeInvite, KnownPeers, networkPaths } = await import('@tallystick/sync/network');
  let invite;
  try {
    invite = decodeInvite(input.code);
  } catch (error) {
    if (error instanceof TallystickError) throw new TallystickError('invalid_invite', 'That is not a whole invite code. Ask the member who invited your co-op for the code their Federation screen shows, and paste all of it.');
    throw error;
  }
  if (invite.federation !== true) throw new TallystickError('not_a_federation_invite', 'This code invites a device into a co-op, not a co-op into a federation: it is used when joining a co-op on a new device.');
  const folder = await openFolder(command);
  const known = Object.keys(folder.config.federations ?? {}).includes(invite.coop);
  await peer.whilePaused(async () => {
    if (!known) await fetchWithRetries(command, input.code);
    // The peer, started again, dials the inviter and keeps the federation's document in sync with it.
    const peers = await KnownPeers.load(networkPaths(await openFolder(command)).knownPeers);
    peers.note(invite.peer, { addresses: invite.addresses });
    await peers.flush();
    const federation = { ...command, federation: invite.coop };
    const before = await withFederation(federation, async (session) => ({ name: session.store.name, status: session.federation.read().federation.coops.find((coop) => coop.id === session.store.coopId)?.status }));
    if (before.status !== 'member') await federationJoinCommand(federation, input.account !== undefined ? { account: input.account } : {});
    else command.stdout.write(`${before.name} is already a member of federation "${invite.name}"; nothing was written.\n`);
  });
}

/** Tries the fetch again while the inviting peer does not admit this device yet (it reads the invitation within a second or two). */
async function fetchWithRetries(command: CommandContext, code: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await federationFetchCommand(command, code);
      return;
    } catch (error) {
      if (!(error instanceof TallystickError) || error.code !== 'not_admitted' || attempt >= FETCH_ATTEMPTS) throw error;
      await new Promise((resolve) => { setTimeout(resolve, FETCH_RETRY_MS); });
    }
  }
}

/**
 * The federation derived from its document, kept between requests while the storage fingerprint (the
 * names of every chunk, which are content hashes) stays the same: a screen read again, or live refresh
 * after an unrelated change elsewhere, costs a directory listing instead of opening the store and
 * checking every entry again. The fingerprint is taken before reading, so a write landing meanwhile
 * only makes the next read derive again.
 */
function derivedFederations(): (command: CommandContext) => Promise<{ me: CoopId; federation: Federation }> {
  const cache = new Map<string, { fingerprint: string; me: CoopId; federation: Federation }>();
  return async (command) => {
    const folder = await openFolder(command);
    const key = `${folder.coopId(command.coop)}|${command.federation ?? ''}`;
    const fingerprint = await new FileStorageAdapter(folder.storageDir).fingerprint();
    const cached = cache.get(key);
    if (cached?.fingerprint === fingerprint) return cached;
    const fresh = await withFederation(command, async (session) => ({ fingerprint, me: session.store.coopId, federation: session.federation.read().federation }));
    cache.set(key, fresh);
    return fresh;
  };
}

/** What a command printed, as the app says it: hints at commands dropped, instants to the minute. */
function saidInApp(printed: string): string {
  return appWords(printed).replace(INSTANT, '$1 $2 UTC');
}

/** This folder's co-op, the federations it holds by name, and the one asked for (or the first). */
async function chooseFederation(command: CommandContext, requested: string | undefined): Promise<{ coop: string; names: string[]; current?: string }> {
  const folder = await openFolder(command);
  const coop = folder.config.coops[folder.coopId(command.coop)]!.name;
  const names = Object.values(folder.config.federations ?? {}).map((record) => record.name).sort(compareNames);
  if (requested !== undefined && !names.includes(requested)) {
    throw new TallystickError('unknown_federation', `${coop} belongs to no federation "${requested}"${names.length > 0 ? ` (it belongs to ${names.join(', ')})` : ''}.`);
  }
  const current = requested ?? names[0];
  return { coop, names, ...(current !== undefined ? { current } : {}) };
}

function federationState(federation: Federation, me: CoopId, now: Date): FederationState {
  const view = linesOf(federation, me);
  const here = nameOf(federation, me);
  const idOf = new Map(federation.coops.map((coop) => [coop.name, coop.id]));
  const lines = view.lines.map((line): CreditLineView => {
    const limit = decimal(line.limit);
    const used = decimal(line.owed);
    const held = federation.promised.find((item) => item.debtor === idOf.get(line.debtor) && item.creditor === idOf.get(line.creditor))?.amount ?? Decimal.ZERO;
    return {
      direction: line.creditor === here ? 'extended' : 'received', creditor: line.creditor, debtor: line.debtor,
      limit: line.limit, used: line.owed, available: line.room, held: held.toString(federation.unit.scale), usedPercent: percentOf(used, limit),
    };
  });
  const clearingsWaiting = federation.clearings.filter((clearing) => mayAnswerClearing(clearing, me, now)).length;
  return {
    name: federation.name, unit: federation.unit.commodity, scale: federation.unit.scale,
    joined: federation.coops.some((coop) => coop.id === me && coop.status === 'member'),
    coops: federation.coops.map((coop) => ({ name: coop.name, status: coop.status, here: coop.id === me })).sort((a, b) => compareNames(a.name, b.name)),
    lines: [...lines.filter((line) => line.direction === 'extended'), ...lines.filter((line) => line.direction === 'received')],
    debts: view.debts, payees: federation.coops.filter((coop) => coop.id !== me && coop.status === 'member').map((coop) => coop.name).sort(compareNames),
    paymentsWaiting: awaitingAcceptance(federation, me, now).length, clearingsWaiting, rejectedCount: federation.rejected.length,
    policies: federation.policies.filter((policy) => policy.creditor === me)
      .map((policy) => ({ debtor: policy.debtor === '*' ? 'every co-op' : nameOf(federation, policy.debtor), upTo: policy.upTo.toString(federation.unit.scale) }))
      .sort((a, b) => compareNames(a.debtor, b.debtor)),
  };
}

function paymentLines(federation: Federation, me: CoopId, now: Date): FederationPaymentLine[] {
  const waiting = new Set(awaitingAcceptance(federation, me, now).map((item) => item.payment.id));
  const name = (coop: CoopId) => nameOf(federation, coop);
  const mine = federation.payments.filter((payment) => payment.path.includes(me));
  return mine.slice(-MAX_LISTED).reverse().map((payment: PaymentRecord): FederationPaymentLine => ({
    id: payment.id, at: minuteOf(payment.at), payer: name(payment.payer), payee: name(payment.payee), path: payment.path.map(name),
    amount: payment.amount.toString(federation.unit.scale), ...(payment.memo !== undefined ? { memo: payment.memo } : {}),
    status: payment.status, deadline: minuteOf(payment.deadline), ...(payment.reason !== undefined ? { reason: payment.reason } : {}),
    awaiting: payment.status === 'pending' ? payment.hops.filter((hop) => hop.needsAcceptance && !hop.acceptedBy).map((hop) => name(hop.to)) : [],
    direction: payment.payer === me ? 'out' : payment.payee === me ? 'in' : 'through', mayAnswer: waiting.has(payment.id),
  }));
}

function clearingsOf(federation: Federation, me: CoopId, now: Date): FederationClearings {
  const scale = federation.unit.scale;
  const excluded = excludedFromClearing(federation);
  const plan = planFederationClearing(federation, excluded);
  const pending = federation.clearings.find((clearing) => clearing.status === 'pending' && instantKey(clearing.deadline) >= instantKey(now.toISOString()));
  const joined = federation.coops.some((coop) => coop.id === me && coop.status === 'member');
  const leftOut = excluded.length > 0 ? ` (leaving out ${excluded.map((id) => nameOf(federation, id)).join(', ')}, who declined the last clearing)` : '';
  const noPlanWhy = !plan ? `No co-op owes another${leftOut}: there is nothing to clear.`
    : plan.cleared.isZero() ? `The debts form no cycle now${leftOut}: a clearing would set off nothing.` : undefined;
  const mayNotProposeWhy = !joined ? `${nameOf(federation, me)} has not joined the federation yet.`
    : pending ? `Clearing ${pending.id.slice(0, 12)} is still waiting for consent (until ${minuteOf(pending.deadline)}).` : undefined;
  return {
    ...(plan && !plan.cleared.isZero() ? { plan: planView(plan, excluded.map((id) => nameOf(federation, id))) } : {}),
    ...(noPlanWhy !== undefined ? { noPlanWhy } : {}), ...(mayNotProposeWhy !== undefined ? { mayNotProposeWhy } : {}),
    // Core lists clearings by when they were made; what still waits for consent comes first here.
    proposals: federation.clearings.filter((clearing) => clearing.involved.includes(me) || clearing.proposer === me).slice(-MAX_LISTED).reverse()
      .sort((a, b) => Number(b.status === 'pending') - Number(a.status === 'pending'))
      .map((clearing) => proposalView(federation, clearing, me, now, scale)),
  };
}

function planView(plan: ClearingPlan, excluded: string[]): NonNullable<FederationClearings['plan']> {
  const text = (value: Decimal) => value.toString(plan.scale);
  return {
    total: text(plan.cleared), owed: text(plan.owed), share: `${plan.owed.isZero() ? '0.00' : plan.cleared.multiply(Decimal.of(100n)).divide(plan.owed, 2, 'half-even').toString(2)}%`, excluded,
    parties: plan.parties.map((party) => ({
      coop: party.party, setOff: text(party.cleared), owesBefore: text(party.owesBefore), isOwedBefore: text(party.isOwedBefore), owesAfter: text(party.owesAfter), isOwedAfter: text(party.isOwedAfter),
    })),
    setOffs: plan.obligations.filter((item) => !item.cleared.isZero()).map((item) => ({ debtor: item.obligation.debtor, creditor: item.obligation.creditor, amount: text(item.cleared) }))
      .sort((a, b) => compareNames(a.debtor, b.debtor) || compareNames(a.creditor, b.creditor)),
  };
}

/** A proposal with what each involved co-op gains: the debt set off, and for a pending one, what it owes and is owed now and after. */
function proposalView(federation: Federation, clearing: ClearingRecord, me: CoopId, now: Date, scale: number): ClearingProposalView {
  const name = (coop: CoopId) => nameOf(federation, coop);
  const sum = (items: readonly { amount: Decimal }[]) => items.reduce((total, item) => total.add(item.amount), Decimal.ZERO);
  const text = (value: Decimal) => value.toString(scale);
  const parties = clearing.involved.map((coop): ClearingPartyView => {
    const setOff = sum(clearing.setOffs.filter((item) => item.debtor === coop));
    if (clearing.status !== 'pending') return { coop: name(coop), setOff: text(setOff) };
    const owes = sum(federation.debts.filter((debt) => debt.debtor === coop));
    const isOwed = sum(federation.debts.filter((debt) => debt.creditor === coop));
    const isOwedLess = sum(clearing.setOffs.filter((item) => item.creditor === coop));
    return { coop: name(coop), setOff: text(setOff), owesBefore: text(owes), isOwedBefore: text(isOwed), owesAfter: text(owes.subtract(setOff)), isOwedAfter: text(isOwed.subtract(isOwedLess)) };
  }).sort((a, b) => compareNames(a.coop, b.coop));
  const setOffs: SetOffView[] = clearing.setOffs.map((item) => ({ debtor: name(item.debtor), creditor: name(item.creditor), amount: text(item.amount) }))
    .sort((a, b) => compareNames(a.debtor, b.debtor) || compareNames(a.creditor, b.creditor));
  const answered = new Set([...clearing.consented, ...clearing.declined]);
  return {
    id: clearing.id, status: clearing.status, proposer: name(clearing.proposer), at: minuteOf(clearing.at), deadline: minuteOf(clearing.deadline),
    total: text(sum(clearing.setOffs)), setOffs, parties,
    consented: clearing.consented.map(name).sort(compareNames), declined: clearing.declined.map(name).sort(compareNames),
    waitingFor: clearing.status === 'pending' ? clearing.involved.filter((coop) => !answered.has(coop)).map(name).sort(compareNames) : [],
    ...(clearing.reason !== undefined ? { reason: clearing.reason } : {}), mayAnswer: mayAnswerClearing(clearing, me, now),
  };
}

function mayAnswerClearing(clearing: ClearingRecord, me: CoopId, now: Date): boolean {
  return clearing.status === 'pending' && instantKey(clearing.deadline) >= instantKey(now.toISOString())
    && clearing.involved.includes(me) && !clearing.consented.includes(me) && !clearing.declined.includes(me);
}

/** Used as a whole percentage of the limit (a line over its limit, or with none, shows full when anything is owed). */
function percentOf(used: Decimal, limit: Decimal): number {
  if (used.isZero()) return 0;
  if (limit.isZero() || used.compare(limit) >= 0) return 100;
  return Number(used.multiply(Decimal.of(100n)).divide(limit, 0, 'down').units);
}

function decimal(text: string): Decimal {
  const value = Decimal.tryParse(text);
  if (value === undefined) throw new Error(`linesOf gave "${text}", not a decimal`);
  return value;
}

/** "2026-05-01T14:20:31.000Z" → "2026-05-01 14:20 UTC". */
function minuteOf(instant: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/u.test(instant) ? `${instant.slice(0, 10)} ${instant.slice(11, 16)} UTC` : instant;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An instant as the commands print it ("2026-05-08T12:00:00.000Z"), shown to the minute as the screens show it. */
const INSTANT = /(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}(?:\.\d+)?Z/gu;

/** What the entry kinds are called to a member. */
const KIND_WORDS: Record<string, string> = {
  payment: 'payment', 'payment-accept': 'acceptance', 'payment-decline': 'decline', 'clearing-proposal': 'clearing proposal',
  'clearing-consent': 'consent', 'clearing-decline': 'decline',
};

/**
 * Runs a handler, putting core's refusals in a member's words: "the federation would not count this
 * payment-accept (over_limit: REASON); nothing was written" becomes "The acceptance was refused: REASON.
 * Nothing was written.", and hints at CLI commands name the screen instead.
 */
async function inWords<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof TallystickError)) throw error;
    const refused = /^the federation would not count this ([a-z-]+) \([a-z_]+: (.*)\); nothing was written$/su.exec(error.message);
    const message = refused
      ? `The ${KIND_WORDS[refused[1]!] ?? 'entry'} was refused: ${refused[2]!}. Nothing was written.`
      : error.message.replace(/\(`tallystick credit lines` shows the room on each\)/gu, '(the Credit lines screen shows the room on each)').replace(/; nothing was written$/u, '. Nothing was written.');
    throw new TallystickError(error.code, message);
  }
}
