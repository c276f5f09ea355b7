import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeEntryCrypto, NodeEntrySigner } from '../../../sync/src/node-crypto.js';
import { Decimal } from '../decimal.js';
import { type CoopId, type Entry, type EntryBody, type EntryId, type EntryKind, type PayloadOf, createEntry } from '../entry.js';
import { deriveRoster } from '../governance/derive-roster.js';
import { type ProposalAction } from '../governance/payloads.js';
import { type GenesisJson } from '../payloads.js';
import { creditPostingsFor } from './book-postings.js';
import { type Federation } from './federation.js';
import { materializeFederation } from './materialize-federation.js';
import { findPaymentPath, planFederationClearing, setOffsOf } from './plan.js';

/*
 * Federations by example, with real Ed25519 signatures: three co-ops, each with its own genesis and
 * roster, act in one federation; every federation entry is checked against its co-op's roster at its
 * basis, then judged in federation order. Then seeded properties: the limit is never crossed, the
 * result does not depend on the order entries arrive in, clearing keeps every net position.
 */

const crypto = new NodeEntryCrypto();
const device = (name: string) => new NodeEntrySigner(new Uint8Array(createHash('sha256').update(`tallystick credit test: ${name}`).digest()));
const FEDERATION = 'fede0000fede0000fede0000fede0000' as CoopId;
const atOf = (seconds: number) => new Date(Date.UTC(2025, 2, 1) + seconds * 1000).toISOString();
const DEADLINE = '2030-01-01T00:00:00Z';

type FederationPayload<K extends EntryKind> = Omit<PayloadOf<K>, 'by' | 'after'>;

/** A co-op with its own history: a delegate who may act on credit, and a clerk who may not (books only). */
class CoopFixture {
  readonly id: CoopId;
  readonly delegate: NodeEntrySigner;
  readonly clerk: NodeEntrySigner;
  readonly genesis: Entry<'genesis'>;
  readonly control: Entry[] = [];

  constructor(readonly name: string, index: number) {
    this.id = `c0${String(index).padStart(2, '0')}`.padEnd(32, '0') as CoopId;
    this.delegate = device(`${name} delegate`);
    this.clerk = device(`${name} clerk`);
    const payload: GenesisJson = {
      name,
      members: [{ name: 'Delegate', devices: [this.delegate.publicKey], role: 'delegate' }, { name: 'Clerk', devices: [this.clerk.publicKey], role: 'clerk' }],
      roles: [{ name: 'delegate', may: ['books', 'vote', 'credit'] }, { name: 'clerk', may: ['books'] }],
    };
    this.genesis = createEntry({ kind: 'genesis', coop: this.id, at: atOf(0), n: 0, basis: [], payload }, this.delegate, crypto);
    this.control.push(this.genesis);
  }

  get card() {
    return { id: this.id, name: this.name, genesis: this.genesis.id };
  }

  heads(): EntryId[] {
    return deriveRoster({ genesis: this.genesis, control: this.control }).headIds();
  }

  /** A governance act of the co-op itself, adopted by the vote of its only voter, the delegate. */
  propose(action: ProposalAction, at: number): Entry {
    const entry = createEntry({ kind: 'proposal', coop: this.id, at: atOf(at), n: 0, basis: this.heads(), payload: { action, deadline: DEADLINE } }, this.delegate, crypto);
    this.control.push(entry);
    const vote = createEntry({ kind: 'vote', coop: this.id, at: atOf(at + 1), n: 0, basis: this.heads(), payload: { proposal: entry.id, choice: 'yes' } }, this.delegate, crypto);
    this.control.push(vote);
    return entry;
  }
}

class World {
  readonly entries: Entry[] = [];
  readonly coops: CoopFixture[];
  private clock = 100;

  constructor(names: readonly string[] = ['Bakery', 'Mill', 'Farm'], unit = { commodity: 'USD', scale: 2 }) {
    this.coops = names.map((name, index) => new CoopFixture(name, index + 1));
    const founder = this.coops[0]!;
    this.entries.push(createEntry({
      kind: 'federation', coop: FEDERATION, at: atOf(this.clock), n: 0, basis: founder.heads(),
      payload: { by: founder.id, name: 'Valley', unit, coops: this.coops.map((coop) => coop.card) },
    }, founder.delegate, crypto));
    for (const coop of this.coops.slice(1)) this.write(coop, 'federation-join', {});
  }

  get genesisId(): EntryId {
    return this.entries[0]!.id;
  }

  coop(name: string): CoopFixture {
    return this.coops.find((coop) => coop.name === name)!;
  }

  /** A federation entry made for `coop`, naming every federation head by default (as a peer holding everything would). */
  write<K extends EntryKind>(coop: CoopFixture, kind: K, payload: FederationPayload<K>, options: { after?: readonly EntryId[]; at?: number; signer?: NodeEntrySigner } = {}): Entry<K> {
    this.clock = options.at ?? this.clock + 10;
    const after = options.after ?? this.federation().heads;
    const entry = createEntry({
      kind, coop: FEDERATION, at: atOf(this.clock), n: 0, basis: coop.heads(), payload: { by: coop.id, after: [...after], ...payload },
    } as Omit<EntryBody<K>, 'v' | 'author'>, options.signer ?? coop.delegate, crypto);
    this.entries.push(entry);
    return entry;
  }

  federation(entries: readonly Entry[] = this.entries): Federation {
    return materializeFederation({ genesisId: this.genesisId, entries, shared: this.coops.flatMap((coop) => coop.control) });
  }

  line(creditor: string, debtor: string, limit: string): Entry {
    return this.write(this.coop(creditor), 'credit-line', { debtor: this.coop(debtor).id, limit });
  }

  pay(path: readonly string[], amount: string, options: { deadline?: string; after?: readonly EntryId[] } = {}): Entry<'payment'> {
    return this.write(this.coop(path[0]!), 'payment', { path: path.map((name) => this.coop(name).id), amount, deadline: options.deadline ?? DEADLINE }, options);
  }

  accept(creditor: string, payment: Entry, hop = 0, options: { after?: readonly EntryId[]; at?: number } = {}): Entry {
    return this.write(this.coop(creditor), 'payment-accept', { payment: payment.id, hop }, options);
  }

  owes(debtor: string, creditor: string, federation = this.federation()): string {
    const debt = federation.debts.find((item) => item.debtor === this.coop(debtor).id && item.creditor === this.coop(creditor).id);
    return debt ? debt.amount.toString(2) : '0.00';
  }
}

const codesOf = (federation: Federation) => federation.rejected.map((entry) => entry.code);

describe('federation membership and who may act for a co-op', () => {
  it('founds a federation whose invited co-ops become members by joining', () => {
    const world = new World();
    const federation = world.federation();
    expect(federation.rejected).toEqual([]);
    expect(federation.coops.map((coop) => [coop.name, coop.status])).toEqual([['Bakery', 'member'], ['Mill', 'member'], ['Farm', 'member']]);
    expect(federation.unit).toEqual({ commodity: 'USD', scale: 2 });
  });

  it('counts an entry only if, in its co-op\'s roster at its basis, the author may act on credit', () => {
    const world = new World();
    const clerkLine = world.write(world.coop('Mill'), 'credit-line', { debtor: world.coop('Bakery').id, limit: '100' }, { signer: world.coop('Mill').clerk });
    const stranger = world.write(world.coop('Mill'), 'credit-line', { debtor: world.coop('Bakery').id, limit: '100' }, { signer: world.coop('Farm').delegate });
    let federation = world.federation();
    expect(federation.rejected.find((entry) => entry.id === clerkLine.id)).toMatchObject({ code: 'role_not_allowed', reason: expect.stringContaining('as Mill:') });
    expect(federation.rejected.find((entry) => entry.id === stranger.id)?.code).toBe('not_a_member_device');
    expect(federation.lines).toEqual([]);
    // Mill's members vote the clerk into the delegate role; the clerk's next line counts.
    world.coop('Mill').propose({ kind: 'set-role', member: 'Clerk', role: 'delegate' }, 500);
    const granted = world.write(world.coop('Mill'), 'credit-line', { debtor: world.coop('Bakery').id, limit: '100' }, { signer: world.coop('Mill').clerk });
    federation = world.federation();
    expect(federation.lines).toMatchObject([{ creditor: world.coop('Mill').id, debtor: world.coop('Bakery').id, setBy: granted.id }]);
  });

  it('refuses entries for a co-op that has not shared its control history', () => {
    const world = new World();
    world.line('Mill', 'Bakery', '100');
    const federation = materializeFederation({ genesisId: world.genesisId, entries: world.entries, shared: world.coops.filter((coop) => coop.name !== 'Mill').flatMap((coop) => coop.control) });
    expect(codesOf(federation)).toContain('coop_history_missing');
    expect(federation.coops.find((coop) => coop.name === 'Mill')?.status).toBe('invited');
  });
});

describe('credit lines and payments', () => {
  it('a payment that raises the payer\'s debt waits for the creditor\'s acceptance, then posts to both books', () => {
    const world = new World();
    world.line('Mill', 'Bakery', '100');
    const payment = world.pay(['Bakery', 'Mill'], '40');
    expect(world.federation().payments[0]).toMatchObject({ status: 'pending', hops: [{ needsAcceptance: true }] });
    expect(world.owes('Bakery', 'Mill')).toBe('0.00');
    world.accept('Mill', payment);
    const federation = world.federation();
    expect(federation.payments[0]?.status).toBe('settled');
    expect(world.owes('Bakery', 'Mill', federation)).toBe('40.00');
    const bakery = creditPostingsFor(federation, world.coop('Bakery').id, 'Expenses:Flour');
    expect(bakery.map((posting) => posting.transaction.postings)).toEqual([[
      { account: 'Liabilities:Mutual credit:Mill', amount: ['USD', '-40.00'] }, { account: 'Expenses:Flour', amount: ['USD', '40.00'] },
    ]]);
    const mill = creditPostingsFor(federation, world.coop('Mill').id, 'Income:Sales');
    expect(mill.map((posting) => posting.transaction.postings)).toEqual([[
      { account: 'Assets:Mutual credit:Bakery', amount: ['USD', '40.00'] }, { account: 'Income:Sales', amount: ['USD', '-40.00'] },
    ]]);
    expect(mill[0]!.importKey).toBe(bakery[0]!.importKey);
  });

  it('a payment that only lowers a debt needs no acceptance; one beyond the debt needs it for the rest', () => {
    const world = new World();
    world.line('Mill', 'Bakery', '100');
    world.accept('Mill', world.pay(['Bakery', 'Mill'], '60'));
    world.pay(['Mill', 'Bakery'], '25');
    expect(world.owes('Bakery', 'Mill')).toBe('35.00');
    const over = world.pay(['Mill', 'Bakery'], '50');
    expect(world.federation().payments.find((payment) => payment.id === over.id)).toMatchObject({ status: 'failed', reason: expect.stringContaining('Bakery has extended no credit to Mill') });
    expect(world.owes('Bakery', 'Mill')).toBe('35.00');
  });

  it('of two concurrent acceptances that together cross the limit, the later in federation order is refused with the reason', () => {
    const world = new World();
    world.line('Mill', 'Bakery', '100');
    const first = world.pay(['Bakery', 'Mill'], '60');
    const second = world.pay(['Bakery', 'Mill'], '50');
    const seen = world.federation().heads;
    const acceptFirst = world.accept('Mill', first, 0, { after: seen });
    const acceptSecond = world.accept('Mill', second, 0, { after: seen });
    for (const entries of [world.entries, [...world.entries].reverse()]) {
      const federation = world.federation(entries);
      expect(federation.payments.map((payment) => payment.status)).toEqual(['settled', 'pending']);
      expect(federation.rejected).toEqual([{ id: acceptSecond.id, kind: 'payment-accept', code: 'over_limit', reason: 'it would take what Bakery owes Mill to 110.00, over the limit of 100.00 (60.00 owed)' }]);
      expect(world.owes('Bakery', 'Mill', federation)).toBe('60.00');
    }
    expect(acceptFirst.id).not.toBe(acceptSecond.id);
  });

  it('only the creditor changes a line; a lowered line refuses further raises but cancels nothing', () => {
    const world = new World();
    world.line('Mill', 'Bakery', '100');
    const payment = world.pay(['Bakery', 'Mill'], '80');
    const byDebtor = world.write(world.coop('Bakery'), 'payment-accept', { payment: payment.id, hop: 0 });
    expect(world.federation().rejected.find((entry) => entry.id === byDebtor.id)?.code).toBe('not_the_creditor');
    world.accept('Mill', payment);
    world.line('Mill', 'Bakery', '50');
    const more = world.pay(['Bakery', 'Mill'], '1');
    const refused = world.accept('Mill', more);
    const federation = world.federation();
    expect(world.owes('Bakery', 'Mill', federation)).toBe('80.00');
    expect(federation.rejected.find((entry) => entry.id === refused.id)?.code).toBe('over_limit');
  });
});

describe('multi-hop payments: every hop or none', () => {
  const chain = () => {
    const world = new World();
    world.line('Mill', 'Bakery', '100'); // Bakery may owe Mill
    world.line('Farm', 'Mill', '100'); // Mill may owe Farm
    return world;
  };

  it('finds a path along lines with room and settles once every hop is accepted', () => {
    const world = chain();
    const federation = world.federation();
    const path = findPaymentPath(federation, world.coop('Bakery').id, world.coop('Farm').id, Decimal.parse('30'));
    expect(path).toEqual([world.coop('Bakery').id, world.coop('Mill').id, world.coop('Farm').id]);
    const payment = world.pay(['Bakery', 'Mill', 'Farm'], '30');
    world.accept('Farm', payment, 1);
    expect(world.owes('Mill', 'Farm')).toBe('0.00'); // a promise alone moves nothing
    world.accept('Mill', payment, 0);
    const settled = world.federation();
    expect(settled.payments[0]?.status).toBe('settled');
    expect([world.owes('Bakery', 'Mill', settled), world.owes('Mill', 'Farm', settled)]).toEqual(['30.00', '30.00']);
    // The middle co-op's books see the payment pass through: no counter account.
    expect(creditPostingsFor(settled, world.coop('Mill').id, 'Income:Sales')[0]!.transaction.postings.map((posting) => posting.account))
      .toEqual(['Assets:Mutual credit:Bakery', 'Liabilities:Mutual credit:Farm']);
  });

  it('a decline or a missed deadline leaves every balance as it was, and says why', () => {
    const world = chain();
    const declined = world.pay(['Bakery', 'Mill', 'Farm'], '30');
    world.accept('Farm', declined, 1);
    world.write(world.coop('Mill'), 'payment-decline', { payment: declined.id, reason: 'not this week' });
    const late = world.pay(['Bakery', 'Mill', 'Farm'], '30', { deadline: atOf(1000) });
    world.accept('Farm', late, 1, { at: 900 });
    const tooLate = world.accept('Mill', late, 0, { at: 1100 });
    const federation = world.federation();
    expect(federation.payments.map((payment) => [payment.status, payment.reason])).toEqual([
      ['failed', 'declined by Mill: not this week'],
      ['expired', `not every hop was accepted by the deadline ${atOf(1000)}`],
    ]);
    expect(federation.rejected.find((entry) => entry.id === tooLate.id)?.code).toBe('payment_not_pending');
    expect(federation.debts).toEqual([]);
    expect(federation.promised).toEqual([]);
  });
});

describe('clearing', () => {
  /** A cycle Bakery → Mill → Farm → Bakery of 100, 80, 60. */
  const cycle = () => {
    const world = new World();
    for (const [creditor, debtor] of [['Mill', 'Bakery'], ['Farm', 'Mill'], ['Bakery', 'Farm']] as const) world.line(creditor, debtor, '500');
    for (const [payer, payee, amount] of [['Bakery', 'Mill', '100'], ['Mill', 'Farm', '80'], ['Farm', 'Bakery', '60']] as const) {
      world.accept(payee, world.pay([payer, payee], amount));
    }
    return world;
  };

  it('applies a consented plan as one step: the most debt cancelled, every net position kept, books posted', () => {
    const world = cycle();
    const plan = planFederationClearing(world.federation())!;
    expect(plan.cleared.toString(2)).toBe('180.00');
    const proposal = world.write(world.coop('Bakery'), 'clearing-proposal', { setOffs: setOffsOf(world.federation(), plan).map(toJson), deadline: DEADLINE });
    world.write(world.coop('Mill'), 'clearing-consent', { proposal: proposal.id });
    expect(world.federation().clearings[0]?.status).toBe('pending');
    world.write(world.coop('Farm'), 'clearing-consent', { proposal: proposal.id });
    const federation = world.federation();
    expect(federation.clearings[0]?.status).toBe('applied');
    expect([world.owes('Bakery', 'Mill', federation), world.owes('Mill', 'Farm', federation), world.owes('Farm', 'Bakery', federation)]).toEqual(['40.00', '20.00', '0.00']);
    const mill = creditPostingsFor(federation, world.coop('Mill').id, 'Income:Sales').at(-1)!;
    expect(mill.transaction.postings).toEqual([
      { account: 'Assets:Mutual credit:Bakery', amount: ['USD', '-60.00'] }, { account: 'Liabilities:Mutual credit:Farm', amount: ['USD', '60.00'] },
    ]);
  });

  it('a decline stops the clearing; the next plan leaves the co-op that declined out', () => {
    const world = cycle();
    const proposal = world.write(world.coop('Bakery'), 'clearing-proposal', { setOffs: setOffsOf(world.federation(), planFederationClearing(world.federation())!).map(toJson), deadline: DEADLINE });
    world.write(world.coop('Farm'), 'clearing-decline', { proposal: proposal.id });
    const late = world.write(world.coop('Mill'), 'clearing-consent', { proposal: proposal.id });
    const federation = world.federation();
    expect(federation.clearings[0]).toMatchObject({ status: 'declined', reason: 'declined by Farm' });
    expect(federation.rejected.find((entry) => entry.id === late.id)?.code).toBe('clearing_not_pending');
    expect(world.owes('Bakery', 'Mill', federation)).toBe('100.00');
    expect(planFederationClearing(federation)).toMatchObject({ cleared: Decimal.ZERO });
  });

  it('refuses a proposal that would change a net position or clear more than is owed', () => {
    const world = cycle();
    const [bakery, mill, farm] = world.coops.map((coop) => coop.id);
    const unbalanced = world.write(world.coop('Bakery'), 'clearing-proposal', { setOffs: [{ debtor: bakery!, creditor: mill!, amount: '10' }, { debtor: mill!, creditor: farm!, amount: '10' }], deadline: DEADLINE });
    const tooMuch = world.write(world.coop('Bakery'), 'clearing-proposal', { setOffs: [{ debtor: bakery!, creditor: mill!, amount: '70' }, { debtor: mill!, creditor: farm!, amount: '70' }, { debtor: farm!, creditor: bakery!, amount: '70' }], deadline: DEADLINE });
    const codes = new Map(world.federation().rejected.map((entry) => [entry.id, entry.code]));
    expect([codes.get(unbalanced.id), codes.get(tooMuch.id)]).toEqual(['invalid_clearing', 'clearing_exceeds_debt']);
  });
});

function toJson(setOff: { debtor: CoopId; creditor: CoopId; amount: Decimal }) {
  return { debtor: setOff.debtor, creditor: setOff.creditor, amount: setOff.amount.toString() };
}

describe('properties (seeded)', () => {
  const NAMES = ['Bakery', 'Mill', 'Farm', 'Dairy'];
  type Step =
    | { kind: 'line'; creditor: number; debtor: number; limit: number }
    | { kind: 'pay'; payer: number; payee: number; amount: number; via?: number }
    | { kind: 'accept'; payment: number; stale: boolean }
    | { kind: 'clear' }
    | { kind: 'consent'; coop: number };
  const index = fc.integer({ min: 0, max: 3 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('line' as const), creditor: index, debtor: index, limit: fc.integer({ min: 0, max: 200 }) }),
    fc.record({ kind: fc.constant('pay' as const), payer: index, payee: index, amount: fc.integer({ min: 1, max: 120 }), via: fc.option(index, { nil: undefined }) }),
    fc.record({ kind: fc.constant('accept' as const), payment: fc.nat(), stale: fc.boolean() }),
    fc.record({ kind: fc.constant('clear' as const) }),
    fc.record({ kind: fc.constant('consent' as const), coop: index }),
  );

  /** Plays the steps; `stale` acceptances name old heads, so they are concurrent with what came since. */
  const play = (steps: readonly Step[]) => {
    const world = new World(NAMES);
    const payments: Entry<'payment'>[] = [];
    const proposals: Entry[] = [];
    let oldHeads = world.federation().heads;
    for (const item of steps) {
      const federation = world.federation();
      if (item.kind === 'line' && item.creditor !== item.debtor) world.line(NAMES[item.creditor]!, NAMES[item.debtor]!, String(item.limit));
      if (item.kind === 'pay' && item.payer !== item.payee) {
        const path = item.via !== undefined && item.via !== item.payer && item.via !== item.payee ? [item.payer, item.via, item.payee] : [item.payer, item.payee];
        payments.push(world.pay(path.map((position) => NAMES[position]!), String(item.amount)));
      }
      if (item.kind === 'accept' && payments.length > 0) {
        const payment = payments[item.payment % payments.length]!;
        const record = federation.payments.find((candidate) => candidate.id === payment.id);
        const hop = record?.hops.findIndex((candidate) => candidate.needsAcceptance && !candidate.acceptedBy) ?? -1;
        if (record && hop >= 0) world.accept(NAMES[world.coops.findIndex((coop) => coop.id === record.hops[hop]!.to)]!, payment, hop, item.stale ? { after: oldHeads } : {});
      }
      if (item.kind === 'clear') {
        const plan = planFederationClearing(federation);
        const setOffs = plan ? setOffsOf(federation, plan) : [];
        const proposer = world.coops.find((coop) => setOffs.some((setOff) => setOff.debtor === coop.id));
        if (proposer) proposals.push(world.write(proposer, 'clearing-proposal', { setOffs: setOffs.map(toJson), deadline: DEADLINE }));
      }
      if (item.kind === 'consent' && proposals.length > 0) world.write(world.coops[item.coop]!, 'clearing-consent', { proposal: proposals.at(-1)!.id });
      if (item.kind !== 'accept') oldHeads = federation.heads;
    }
    return world;
  };

  it('no debt ever exceeds the limit its creditor had set when it was raised, and nets are conserved', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const world = play(steps);
      const federation = world.federation();
      // An auditor replays settlements naively: each raise stays within the limit of the line at that time.
      const nets = new Map<string, Decimal>();
      for (const settlement of federation.settlements) {
        if (settlement.kind === 'payment') {
          for (const hop of settlement.payment.hops) {
            expect(hop.lowered!.add(hop.raised!).equals(settlement.payment.amount)).toBe(true);
            nets.set(hop.from, (nets.get(hop.from) ?? Decimal.ZERO).subtract(settlement.payment.amount));
            nets.set(hop.to, (nets.get(hop.to) ?? Decimal.ZERO).add(settlement.payment.amount));
          }
        }
      }
      for (const coop of world.coops) {
        const fromDebts = federation.debts.reduce((sum, debt) => (debt.creditor === coop.id ? sum.add(debt.amount) : debt.debtor === coop.id ? sum.subtract(debt.amount) : sum), Decimal.ZERO);
        expect(fromDebts.equals(nets.get(coop.id) ?? Decimal.ZERO)).toBe(true);
      }
      const limits = new Map(federation.lines.map((line) => [`${line.debtor}>${line.creditor}`, line.limit]));
      const everLowered = new Set(federation.lines.map((line) => `${line.debtor}>${line.creditor}`).filter((key) => world.entries.filter((entry) => entry.body.kind === 'credit-line' && `${(entry.body.payload as { debtor: string }).debtor}>${(entry.body.payload as { by: string }).by}` === key).length > 1));
      for (const debt of federation.debts) {
        const key = `${debt.debtor}>${debt.creditor}`;
        if (!everLowered.has(key)) expect(debt.amount.compare(limits.get(key) ?? Decimal.ZERO)).toBeLessThanOrEqual(0);
      }
    }), { seed: 20_250_601, numRuns: 60 });
  });

  it('the result does not depend on the order entries arrive in', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.integer(), (steps, shuffleSeed) => {
      const world = play(steps);
      const shuffled = shuffle(world.entries, shuffleSeed);
      expect(summary(world.federation(shuffled))).toEqual(summary(world.federation()));
    }), { seed: 20_250_602, numRuns: 40 });
  });

  it('applied clearings never raise a debt nor change a net position (core asserts it; every consented plan applies)', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const world = play([...steps, { kind: 'clear' }, ...NAMES.map((_, coop) => ({ kind: 'consent' as const, coop }))]);
      const federation = world.federation();
      const last = federation.clearings.at(-1);
      if (last) expect(['applied', 'failed']).toContain(last.status);
      if (last?.status === 'applied') expect(planFederationClearing(federation)?.cleared.isZero() ?? true).toBe(true);
    }), { seed: 20_250_603, numRuns: 40 });
  });
});

function summary(federation: Federation): unknown {
  return JSON.parse(JSON.stringify({ ...federation, rejected: federation.rejected.map((entry) => [entry.id, entry.code]) }));
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed >>> 0;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

