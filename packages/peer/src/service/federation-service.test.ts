import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { createBookService } from './book-service.js';
import type { BookApi, CreditLineView, FederationState, ServiceResult } from './protocol.js';

/*
 * The Federation handlers over real data folders made with the CLI: Bakery, Mill and Farm, each a co-op
 * with its own folder and device key. The federation's document travels between the folders as the CLI
 * tests carry it (`federation send` on one, `federation receive` on the other): its entries are signed
 * and checked when read, whatever brought them.
 */

const scratch = mkdtempSync(join(tmpdir(), 'tallystick-federation-service-'));
const COOPS = ['Bakery', 'Mill', 'Farm'] as const;
type Coop = (typeof COOPS)[number];
const folders = Object.fromEntries(COOPS.map((coop) => [coop, join(scratch, coop.toLowerCase())])) as Record<Coop, string>;
const env = { TALLYSTICK_PASSPHRASE: 'federation-service-passphrase' };
/** The clock of every command and service here; a test moves it on where the order of two proposals matters. */
let clock = new Date('2026-05-01T12:00:00Z');
const now = () => clock;
const services = {} as Record<Coop, BookApi>;

async function cli(coop: Coop, ...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { chunks.push(chunk.toString()); callback(); } });
  const code = await main(['node', 'tallystick', '--data', folders[coop], ...args], { stdout: sink, stderr: sink, env, now });
  if (code !== 0) throw new Error(`tallystick ${args.join(' ')} exited ${code}: ${chunks.join('')}`);
  return chunks.join('');
}

/** Carries the federation's document from one co-op's folder to others' (what replication does). */
async function carry(from: Coop, ...to: Coop[]): Promise<void> {
  const file = join(scratch, `${from}.federation.json`);
  await cli(from, 'federation', 'send', '--out', file);
  for (const coop of to) await cli(coop, 'federation', 'receive', file);
}

function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`service failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function failure(result: ServiceResult<unknown>): { code: string; message: string } {
  if (result.ok) throw new Error('the service did not refuse');
  return result.error;
}

async function state(coop: Coop): Promise<FederationState> {
  const overview = value(await services[coop].federationOverview());
  expect(overview.current).toBeDefined();
  return overview.current!;
}

const lineWords = (line: CreditLineView) => `${line.direction} ${line.creditor}→${line.debtor} limit ${line.limit} used ${line.used} available ${line.available} held ${line.held} ${line.usedPercent}%`;

beforeAll(async () => {
  for (const [coop, member] of [['Bakery', 'Ana'], ['Mill', 'Ben'], ['Farm', 'Cy']] as const) {
    await cli(coop, 'init', '--coop', coop, '--member', member);
    services[coop] = createBookService({ dataDir: folders[coop], env, now, log: () => undefined });
  }
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the Federation area\'s service over three co-ops\' real data folders', () => {
  it('a co-op in no federation: the overview says so, and the other screens refuse in words', async () => {
    expect(value(await services.Bakery.federationOverview())).toEqual({ coop: 'Bakery', federations: [] });
    expect(failure(await services.Bakery.federationPayments())).toEqual({ code: 'no_federation', message: 'Bakery belongs to no federation yet.' });
    expect(failure(await services.Bakery.payCoop({ coop: 'Mill', amount: '5' }))).toEqual({ code: 'no_federation', message: 'Bakery belongs to no federation yet.' });
  });

  it('lines both ways with limit, used and available; a payment that raises a debt waits for the creditor, who accepts it in their service', async () => {
    await cli('Bakery', 'federation', 'create', 'Valley', '--unit', 'USD:2', '--account', 'Income:Trade');
    for (const coop of ['Mill', 'Farm'] as const) await cli('Bakery', 'federation', 'invite', (await cli(coop, 'federation', 'card')).trim());
    await carry('Bakery', 'Mill', 'Farm');
    await cli('Mill', 'federation', 'join', '--account', 'Income:Trade');
    await carry('Mill', 'Farm');
    await cli('Farm', 'federation', 'join', '--account', 'Income:Trade');
    await cli('Mill', 'credit', 'extend', 'Bakery', '500');
    await carry('Mill', 'Farm');
    await cli('Farm', 'credit', 'extend', 'Mill', '500');
    await carry('Farm', 'Bakery');
    await cli('Bakery', 'credit', 'extend', 'Farm', '400');
    await carry('Bakery', 'Mill', 'Farm');

    const bakery = await state('Bakery');
    expect(bakery).toMatchObject({ name: 'Valley', unit: 'USD', scale: 2, joined: true, payees: ['Farm', 'Mill'], paymentsWaiting: 0, clearingsWaiting: 0, rejectedCount: 0 });
    expect(bakery.coops).toEqual([{ name: 'Bakery', status: 'member', here: true }, { name: 'Farm', status: 'member', here: false }, { name: 'Mill', status: 'member', here: false }]);
    expect(bakery.lines.map(lineWords)).toEqual(['extended Bakery→Farm limit 400.00 used 0.00 available 400.00 held 0.00 0%', 'received Mill→Bakery limit 500.00 used 0.00 available 500.00 held 0.00 0%']);

    const paid = value(await services.Bakery.payCoop({ coop: 'Mill', amount: '125.50', memo: 'flour' }));
    expect(paid.message).toMatch(/^Payment [0-9a-f]{12}: Bakery pays Mill 125\.50 USD\. Awaiting acceptance by Mill until 2026-05-08 12:00 UTC\.$/u);
    const [sent] = value(await services.Bakery.federationPayments());
    expect(sent).toMatchObject({ payer: 'Bakery', payee: 'Mill', path: ['Bakery', 'Mill'], amount: '125.50', memo: 'flour', status: 'pending', awaiting: ['Mill'], direction: 'out', mayAnswer: false, at: '2026-05-01 12:00 UTC' });
    await carry('Bakery', 'Mill');
    expect((await state('Mill')).paymentsWaiting).toBe(1);
    const [asked] = value(await services.Mill.federationPayments());
    expect(asked).toMatchObject({ id: sent!.id, direction: 'in', mayAnswer: true });
    expect(value(await services.Mill.answerPayment({ paymentId: sent!.id.slice(0, 12), accept: true })).message).toBe(`Accepted payment ${sent!.id.slice(0, 12)} from Bakery: it is settled.`);
    await carry('Mill', 'Bakery', 'Farm');
    expect((await state('Bakery')).lines.map(lineWords)[1]).toBe('received Mill→Bakery limit 500.00 used 125.50 available 374.50 held 0.00 25%');
    expect((await state('Mill')).lines.find((line) => line.debtor === 'Bakery')).toMatchObject({ direction: 'extended', used: '125.50', available: '374.50' });
  }, 120_000);

  it('refuses in a member\'s words, writing nothing: no room on any line, a bad amount, an unknown co-op, an over-limit acceptance', async () => {
    const before = value(await services.Bakery.federationPayments()).length;
    expect(failure(await services.Bakery.payCoop({ coop: 'Mill', amount: '900' }))).toEqual({
      code: 'no_path', message: 'No path of credit lines has room for 900.00 USD from Bakery to Mill (the Credit lines screen shows the room on each). Nothing was written.',
    });
    expect(failure(await services.Bakery.payCoop({ coop: 'Mill', amount: '1.234' }))).toEqual({ code: 'invalid_amount', message: '1.234 has more than the 2 decimal places of USD' });
    expect(failure(await services.Bakery.payCoop({ coop: 'Mill', amount: 'ten' })).message).toBe('"ten" is not an amount: expected a decimal like 120.00 in USD');
    expect(failure(await services.Bakery.payCoop({ coop: 'Quarry', amount: '5' })).message).toBe('Federation Valley has no co-op "Quarry" (it has: Bakery, Mill, Farm)');
    expect(failure(await services.Bakery.payCoop({ coop: '', amount: '5' })).message).toBe('Choose the co-op to pay.');
    expect(failure(await services.Bakery.payCoop({ coop: 'Mill', amount: '5', federation: 'Hills' }))).toEqual({ code: 'unknown_federation', message: 'Bakery belongs to no federation "Hills" (it belongs to Valley).' });
    expect(failure(await services.Bakery.answerPayment({ paymentId: 'not an id', accept: true })).code).toBe('invalid_request');
    expect(failure(await services.Bakery.answerPayment({ paymentId: 'abcd', accept: 'yes' } as never)).message).toBe('Say whether you accept the payment or decline it.');
    expect(value(await services.Bakery.federationPayments()).length).toBe(before);

    // Two payments that together cross Farm's 100 limit for Mill: Farm's service accepts one and refuses the other.
    await cli('Farm', 'credit', 'extend', 'Mill', '100');
    await carry('Farm', 'Mill');
    for (const amount of ['60', '50']) value(await services.Mill.payCoop({ coop: 'Farm', amount }));
    await carry('Mill', 'Farm');
    const waiting = value(await services.Farm.federationPayments()).filter((payment) => payment.mayAnswer);
    const first = waiting.find((payment) => payment.amount === '60.00');
    const second = waiting.find((payment) => payment.amount === '50.00');
    expect(waiting.length).toBe(2);
    value(await services.Farm.answerPayment({ paymentId: first!.id, accept: true }));
    expect(failure(await services.Farm.answerPayment({ paymentId: second!.id, accept: true }))).toEqual({
      code: 'over_limit', message: 'The acceptance was refused: it would take what Mill owes Farm to 110.00, over the limit of 100.00 (60.00 owed). Nothing was written.',
    });
    expect(value(await services.Farm.answerPayment({ paymentId: second!.id, accept: false, reason: 'over our limit' })).message).toBe(`Declined payment ${second!.id.slice(0, 12)}: it failed and no balance changed.`);
    await carry('Farm', 'Mill', 'Bakery');
    const declined = value(await services.Mill.federationPayments()).find((payment) => payment.id === second!.id);
    expect(declined).toMatchObject({ status: 'failed', reason: 'declined by Farm: over our limit', awaiting: [], mayAnswer: false });
    expect((await state('Mill')).lines.find((line) => line.creditor === 'Farm')).toMatchObject({ limit: '100.00', used: '60.00', available: '40.00', usedPercent: 60 });
  }, 120_000);

  it('plans a clearing with what each co-op gains, proposes it in one service, is consented in the others\', and the lines\' use drops everywhere', async () => {
    // Farm owes Bakery 40 to close the cycle Bakery → Mill → Farm → Bakery.
    value(await services.Farm.payCoop({ coop: 'Bakery', amount: '40' }));
    await carry('Farm', 'Bakery');
    const incoming = value(await services.Bakery.federationPayments()).find((payment) => payment.mayAnswer);
    expect(incoming).toMatchObject({ payer: 'Farm', amount: '40.00', direction: 'in' });
    value(await services.Bakery.answerPayment({ paymentId: incoming!.id, accept: true }));
    await carry('Bakery', 'Mill', 'Farm');

    const planned = value(await services.Bakery.federationClearings());
    expect(planned.proposals).toEqual([]);
    expect(planned.mayNotProposeWhy).toBeUndefined();
    expect(planned.plan).toMatchObject({ total: '120.00', owed: '225.50', share: '53.22%', excluded: [] });
    expect(planned.plan!.setOffs).toEqual([
      { debtor: 'Bakery', creditor: 'Mill', amount: '40.00' }, { debtor: 'Farm', creditor: 'Bakery', amount: '40.00' }, { debtor: 'Mill', creditor: 'Farm', amount: '40.00' },
    ]);
    expect(planned.plan!.parties).toEqual([
      { coop: 'Bakery', setOff: '40.00', owesBefore: '125.50', isOwedBefore: '40.00', owesAfter: '85.50', isOwedAfter: '0.00' },
      { coop: 'Farm', setOff: '40.00', owesBefore: '40.00', isOwedBefore: '60.00', owesAfter: '0.00', isOwedAfter: '20.00' },
      { coop: 'Mill', setOff: '40.00', owesBefore: '60.00', isOwedBefore: '125.50', owesAfter: '20.00', isOwedAfter: '85.50' },
    ]);

    expect(value(await services.Bakery.proposeClearing({})).message).toMatch(/^Proposed clearing [0-9a-f]{12}: 120\.00 USD of debt set off among Bakery, Farm, Mill, until 2026-05-08 12:00 UTC\. Waiting for Farm, Mill to consent\.$/u);
    const [proposal] = value(await services.Bakery.federationClearings()).proposals;
    expect(proposal).toMatchObject({ status: 'pending', proposer: 'Bakery', total: '120.00', consented: ['Bakery'], declined: [], waitingFor: ['Farm', 'Mill'], mayAnswer: false });
    expect(value(await services.Bakery.federationClearings()).mayNotProposeWhy).toBe(`Clearing ${proposal!.id.slice(0, 12)} is still waiting for consent (until 2026-05-08 12:00 UTC).`);
    expect(failure(await services.Bakery.proposeClearing({})).code).toBe('clearing_pending');

    await carry('Bakery', 'Mill', 'Farm');
    expect((await state('Mill')).clearingsWaiting).toBe(1);
    const [asked] = value(await services.Mill.federationClearings()).proposals;
    expect(asked).toMatchObject({ id: proposal!.id, mayAnswer: true });
    expect(asked!.parties.find((party) => party.coop === 'Mill')).toEqual({ coop: 'Mill', setOff: '40.00', owesBefore: '60.00', isOwedBefore: '125.50', owesAfter: '20.00', isOwedAfter: '85.50' });
    expect(value(await services.Mill.answerClearing({ clearingId: proposal!.id, consent: true })).message).toBe(`Consented to clearing ${proposal!.id.slice(0, 12)} for Mill: it is pending.`);
    await carry('Mill', 'Farm');
    expect(value(await services.Farm.answerClearing({ clearingId: proposal!.id, consent: true })).message)
      .toBe(`Consented to clearing ${proposal!.id.slice(0, 12)} for Farm: it is applied. Applied on every replica that holds these entries; the set-offs are posted to the books.`);
    await carry('Farm', 'Bakery', 'Mill');

    for (const coop of COOPS) {
      const [applied] = value(await services[coop].federationClearings()).proposals;
      expect(applied).toMatchObject({ status: 'applied', consented: ['Bakery', 'Farm', 'Mill'], waitingFor: [], mayAnswer: false });
      expect(applied!.parties.map((party) => `${party.coop} ${party.setOff}`)).toEqual(['Bakery 40.00', 'Farm 40.00', 'Mill 40.00']);
    }
    expect((await state('Bakery')).lines.map(lineWords)).toEqual([
      'extended Bakery→Farm limit 400.00 used 0.00 available 400.00 held 0.00 0%', 'received Mill→Bakery limit 500.00 used 85.50 available 414.50 held 0.00 17%',
    ]);
    expect((await state('Farm')).lines.find((line) => line.debtor === 'Mill')).toMatchObject({ used: '20.00', available: '80.00', usedPercent: 20 });
    expect(value(await services.Farm.federationClearings()).noPlanWhy).toBe('The debts form no cycle now: a clearing would set off nothing.');
  }, 120_000);

  it('a co-op declines a proposal in its service: it is declined for all, nothing is set off, and the next plan leaves that co-op out', async () => {
    // A day later: "the last clearing" is the last by when it was made, so this one must come after the applied one.
    clock = new Date('2026-05-02T12:00:00Z');
    value(await services.Farm.payCoop({ coop: 'Bakery', amount: '10' }));
    await carry('Farm', 'Bakery');
    value(await services.Bakery.answerPayment({ paymentId: value(await services.Bakery.federationPayments()).find((payment) => payment.mayAnswer)!.id, accept: true }));
    await carry('Bakery', 'Mill', 'Farm');
    expect(value(await services.Mill.federationClearings()).plan).toMatchObject({ total: '30.00', excluded: [] });
    value(await services.Mill.proposeClearing({}));
    await carry('Mill', 'Bakery', 'Farm');
    // The proposal waiting for consent comes first, before the one applied earlier.
    const [proposal] = value(await services.Bakery.federationClearings()).proposals;
    expect(proposal).toMatchObject({ status: 'pending', proposer: 'Mill', total: '30.00', mayAnswer: true });
    expect(value(await services.Bakery.answerClearing({ clearingId: proposal!.id, consent: false })).message)
      .toBe(`Declined clearing ${proposal!.id.slice(0, 12)} for Bakery: it is declined (declined by Bakery). A new plan leaves this co-op out.`);
    expect(failure(await services.Bakery.answerClearing({ clearingId: proposal!.id, consent: true })).message).toMatch(/^The consent was refused: .+\. Nothing was written\.$/u);
    await carry('Bakery', 'Mill', 'Farm');
    for (const coop of COOPS) {
      const clearings = value(await services[coop].federationClearings());
      expect(clearings.proposals[0]).toMatchObject({ id: proposal!.id, status: 'declined', declined: ['Bakery'], waitingFor: [], mayAnswer: false });
      expect(clearings.plan).toBeUndefined();
      expect(clearings.noPlanWhy).toBe('The debts form no cycle now (leaving out Bakery, who declined the last clearing): a clearing would set off nothing.');
    }
    expect((await state('Bakery')).lines.find((line) => line.debtor === 'Bakery')).toMatchObject({ used: '85.50' });
  }, 120_000);
});
