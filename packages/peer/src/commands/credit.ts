import {
  type CoopId, type Federation, Decimal, TallystickError, awaitingAcceptance, findPaymentPath, hopCapacity,
} from '@tallystick/core';
import type { CoopStore, NodeEntrySigner } from '@tallystick/sync';
import { type CommandContext, loadSync, print } from '../context.js';
import { type CreditSession, amountIn, coopNamed, idByPrefix, nameOf, postCreditToBooks, withFederation, writeFederationEntries } from '../credit-session.js';
import { deadlineOf } from './governance-write.js';

/*
 * `credit extend|lines|pay|accept|decline|policy|auto-accept|post`: credit lines between the co-ops
 * of a federation and payments within them (issue 6; the rules are in core's credit/README.md).
 */

export async function creditExtendCommand(context: CommandContext, coop: string, amount: string): Promise<void> {
  await withFederation(context, async (session) => {
    const before = session.federation.read().federation;
    const debtor = coopNamed(before, coop);
    const limit = amountIn(before.unit, amount, { zeroAllowed: true });
    await writeFederationEntries(session, [{ kind: 'credit-line', payload: { debtor: debtor.id, limit: limit.toString() } }]);
    print(context, `${session.store.name} lets ${debtor.name} owe it up to ${limit.toString()} ${before.unit.commodity}.`);
  });
}

export async function creditLinesCommand(context: CommandContext, options: { json?: boolean }): Promise<void> {
  await withFederation(context, async (session) => {
    const { federation } = session.federation.read();
    const me = session.store.coopId;
    const view = linesOf(federation, me);
    if (options.json) { print(context, JSON.stringify(view)); return; }
    print(context, `${session.store.name} in federation "${federation.name}" (${federation.unit.commodity})`);
    if (view.lines.length === 0) print(context, '  no lines yet (`tallystick credit extend CO-OP AMOUNT`)');
    for (const line of view.lines) print(context, `  ${line.creditor} lets ${line.debtor} owe up to ${line.limit}: owed ${line.owed}, room ${line.room}`);
    for (const debt of view.debts) print(context, `  ${debt.debtor} owes ${debt.creditor} ${debt.amount}`);
    for (const payment of view.payments.filter((item) => item.status === 'pending' || item.status === 'failed' || item.status === 'expired')) {
      print(context, `  payment ${payment.id.slice(0, 12)} ${payment.path.join(' → ')} ${payment.amount}: ${payment.status}${payment.reason ? ` (${payment.reason})` : ''}`);
    }
    for (const line of view.rejected) print(context, `  not counted: ${line.kind} ${line.id.slice(0, 12)}: ${line.code}: ${line.reason}`);
  });
}

/**
 * What one co-op sees: the lines, debts, payments and clearings it is party to, by co-op name. Lists of
 * co-ops are in name order: co-op ids are random, so id order would change from one federation to another.
 * `credit lines` prints it; the app's Federation area answers from it.
 */
export function linesOf(federation: Federation, me: CoopId) {
  const byNames = <T extends { debtor: string; creditor: string }>(rows: T[]) => rows.sort((a, b) => compareNames(a.debtor, b.debtor) || compareNames(a.creditor, b.creditor));
  const scale = federation.unit.scale;
  const name = (coop: string) => nameOf(federation, coop);
  const text = (value: { toString(scale?: number): string }) => value.toString(scale);
  const mine = (...coops: string[]) => coops.includes(me);
  return {
    federation: federation.name, unit: federation.unit, coop: name(me),
    lines: byNames(federation.lines.filter((line) => mine(line.creditor, line.debtor)).map((line) => ({
      creditor: name(line.creditor), debtor: name(line.debtor), limit: text(line.limit),
      owed: text(federation.debts.find((debt) => debt.debtor === line.debtor && debt.creditor === line.creditor)?.amount ?? Decimal.ZERO),
      room: text(roomOf(federation, line.debtor, line.creditor)),
    }))),
    debts: byNames(federation.debts.filter((debt) => mine(debt.debtor, debt.creditor)).map((debt) => ({ debtor: name(debt.debtor), creditor: name(debt.creditor), amount: text(debt.amount) }))),
    payments: federation.payments.filter((payment) => mine(...payment.path)).map((payment) => ({
      id: payment.id, path: payment.path.map(name), amount: text(payment.amount), status: payment.status, deadline: payment.deadline,
      ...(payment.memo === undefined ? {} : { memo: payment.memo }), ...(payment.reason === undefined ? {} : { reason: payment.reason }),
      awaiting: payment.status === 'pending' ? payment.hops.filter((hop) => hop.needsAcceptance && !hop.acceptedBy).map((hop) => name(hop.to)) : [],
    })),
    clearings: federation.clearings.filter((clearing) => mine(...clearing.involved, clearing.proposer)).map((clearing) => ({
      id: clearing.id, status: clearing.status, proposer: name(clearing.proposer), deadline: clearing.deadline,
      setOffs: byNames(clearing.setOffs.map((setOff) => ({ debtor: name(setOff.debtor), creditor: name(setOff.creditor), amount: text(setOff.amount) }))),
      consented: clearing.consented.map(name).sort(compareNames), declined: clearing.declined.map(name).sort(compareNames), ...(clearing.reason === undefined ? {} : { reason: clearing.reason }),
    })),
    rejected: federation.rejected,
  };
}

function roomOf(federation: Federation, debtor: CoopId, creditor: CoopId) {
  const capacity = hopCapacity(federation, debtor, creditor);
  const owedToDebtor = federation.debts.find((debt) => debt.debtor === creditor && debt.creditor === debtor)?.amount;
  return owedToDebtor ? capacity.subtract(owedToDebtor) : capacity;
}

export interface CreditPayOptions {
  memo?: string;
  deadline?: string;
}

export async function creditPayCommand(context: CommandContext, coop: string, amount: string, options: CreditPayOptions): Promise<void> {
  await withFederation(context, async (session) => {
    const before = session.federation.read().federation;
    const payee = coopNamed(before, coop);
    const value = amountIn(before.unit, amount);
    if (payee.id === session.store.coopId) throw new TallystickError('invalid_payment', 'a co-op cannot pay itself');
    const path = findPaymentPath(before, session.store.coopId, payee.id, value);
    if (!path) throw new TallystickError('no_path', `no path of credit lines has room for ${value.toString()} ${before.unit.commodity} from ${session.store.name} to ${payee.name} (\`tallystick credit lines\` shows the room on each); nothing was written`);
    const { written, federation } = await writeFederationEntries(session, [{
      kind: 'payment',
      payload: { path, amount: value.toString(), deadline: deadlineOf(options.deadline, context.now()), ...(options.memo === undefined ? {} : { memo: options.memo }) },
    }]);
    const payment = federation.payments.find((item) => item.id === written[0]!.id)!;
    const route = path.length > 2 ? ` via ${path.slice(1, -1).map((id) => nameOf(federation, id)).join(', ')}` : '';
    print(context, `Payment ${payment.id.slice(0, 12)}: ${session.store.name} pays ${payee.name} ${value.toString()} ${federation.unit.commodity}${route}.`);
    if (payment.status === 'settled') print(context, 'Settled: it only lowered what was owed, so no acceptance was needed.');
    else if (payment.status === 'pending') print(context, `Awaiting acceptance by ${payment.hops.filter((hop) => hop.needsAcceptance).map((hop) => nameOf(federation, hop.to)).join(', ')} until ${payment.deadline}.`);
    else print(context, `It ${payment.status}: ${payment.reason}.`);
  });
}

export async function creditAcceptCommand(context: CommandContext, id: string): Promise<void> {
  await withFederation(context, async (session) => {
    const before = session.federation.read().federation;
    const payment = idByPrefix(before.payments, id, 'payment');
    const hop = payment.hops.findIndex((candidate) => candidate.to === session.store.coopId && candidate.needsAcceptance && !candidate.acceptedBy);
    if (payment.status !== 'pending') throw new TallystickError('payment_not_pending', `payment ${payment.id.slice(0, 12)} is ${payment.status}${payment.reason ? ` (${payment.reason})` : ''}; nothing was written`);
    if (hop < 0) throw new TallystickError('not_the_creditor', `payment ${payment.id.slice(0, 12)} asks nothing of ${session.store.name}; nothing was written`);
    const { federation } = await writeFederationEntries(session, [{ kind: 'payment-accept', payload: { payment: payment.id, hop } }]);
    const after = federation.payments.find((item) => item.id === payment.id)!;
    print(context, `Accepted payment ${payment.id.slice(0, 12)} from ${nameOf(federation, payment.hops[hop]!.from)}: it is ${after.status}.`);
  });
}

export async function creditDeclineCommand(context: CommandContext, id: string, options: { reason?: string }): Promise<void> {
  await withFederation(context, async (session) => {
    const payment = idByPrefix(session.federation.read().federation.payments, id, 'payment');
    await writeFederationEntries(session, [{ kind: 'payment-decline', payload: { payment: payment.id, ...(options.reason === undefined ? {} : { reason: options.reason }) } }]);
    print(context, `Declined payment ${payment.id.slice(0, 12)}: it failed and no balance changed.`);
  });
}

export async function creditPolicyCommand(context: CommandContext, coop: string, upTo: string): Promise<void> {
  await withFederation(context, async (session) => {
    const before = session.federation.read().federation;
    const debtor = coop === '*' ? '*' : coopNamed(before, coop).id;
    const limit = amountIn(before.unit, upTo, { zeroAllowed: true });
    await writeFederationEntries(session, [{ kind: 'credit-policy', payload: { debtor, upTo: limit.toString() } }]);
    print(context, `${session.store.name}'s always-on peer accepts payments${debtor === '*' ? '' : ` from ${coop}`} of up to ${limit.toString()} ${before.unit.commodity} each (\`tallystick credit auto-accept\`), within the line's room.`);
  });
}

/** What an always-on peer runs after each sync: accept, signed by this device, what the policy covers. */
export async function creditAutoAcceptCommand(context: CommandContext): Promise<void> {
  await withFederation(context, async (session) => {
    let accepted = 0;
    for (const item of awaitingAcceptance(session.federation.read().federation, session.store.coopId, context.now()).filter((candidate) => candidate.withinPolicy)) {
      try {
        await writeFederationEntries(session, [{ kind: 'payment-accept', payload: { payment: item.payment.id, hop: item.hop } }]);
        accepted += 1;
      } catch (error) {
        if (!(error instanceof TallystickError)) throw error;
        print(context, `Left payment ${item.payment.id.slice(0, 12)}: ${error.message}`);
      }
    }
    print(context, `Accepted ${accepted} payment${accepted === 1 ? '' : 's'} within policy.`);
  });
}

export async function creditPostCommand(context: CommandContext): Promise<void> {
  await withFederation(context, async (session) => {
    const posted = await postCreditToBooks(session);
    print(context, `Posted ${posted} mutual credit transaction${posted === 1 ? '' : 's'} to the books of ${session.store.name}.`);
  });
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What the running peer does whenever a federation's document changes (a payment or a consent arrived,
 * or this folder's CLI wrote): accepts, signed by this device, the payments its co-op's policy covers,
 * and posts new settlements into the co-op's books. Failures are reported, never fatal to the peer.
 */
export async function serveFederationChange(context: CommandContext, store: CoopStore, signer: NodeEntrySigner, federationId: string): Promise<void> {
  const { FederationStore } = await loadSync();
  const session: CreditSession = { context, folder: store.folder, store, federation: await FederationStore.open(store, federationId), signer };
  const me = session.store.coopId;
  if (session.federation.record.accounts[me] === undefined) return; // invited, not joined yet: nothing to accept or post
  for (const item of awaitingAcceptance(session.federation.read().federation, me, context.now()).filter((candidate) => candidate.withinPolicy)) {
    try {
      const { federation } = await writeFederationEntries(session, [{ kind: 'payment-accept', payload: { payment: item.payment.id, hop: item.hop } }]);
      const after = federation.payments.find((payment) => payment.id === item.payment.id);
      print(context, `auto-accepted payment ${item.payment.id.slice(0, 12)} of ${item.payment.amount.toString(federation.unit.scale)} from ${nameOf(federation, item.payment.hops[item.hop]!.from)} (within policy): ${after?.status ?? 'pending'}`);
    } catch (error) {
      if (!(error instanceof TallystickError)) throw error;
      print(context, `left payment ${item.payment.id.slice(0, 12)} for a person to answer: ${error.message}`);
    }
  }
  const posted = await postCreditToBooks(session);
  if (posted > 0) print(context, `posted ${posted} mutual credit transaction${posted === 1 ? '' : 's'} to the books of ${store.name}`);
}
