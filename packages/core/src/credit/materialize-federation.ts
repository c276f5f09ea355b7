import { type RejectedEntry } from '../book.js';
import { Decimal } from '../decimal.js';
import { type CoopId, type Entry, type EntryId, isControlKind } from '../entry.js';
import { assert } from '../errors.js';
import { ReadyEntries } from '../governance/co-op-order.js';
import { type GovernanceHistory, deriveRoster } from '../governance/derive-roster.js';
import { instantKey } from '../governance/payloads.js';
import { BilateralPositions } from './bilateral.js';
import {
  type ClearingRecord, type CreditPolicy, type Federation, type FederationCoop, type PaymentHop, type PaymentRecord, type SetOff, type Settlement,
} from './federation.js';
import { type FederationKind, type UnitOfAccount, isFederationKind } from './payloads.js';

/**
 * Derives a federation from its documents: its own entries (genesis, invites, joins, lines, policies,
 * payments and their acceptances, clearings and the answers to them) and the control entries each
 * member co-op shares (its genesis, locks, proposals, votes), from which every peer re-derives each
 * co-op's roster to check that an entry made for a co-op was signed by a device its own governance
 * lets act on credit. Entries are judged one by one in federation order (causal through `after` and
 * the ids they name, then author time, then id), so the result depends only on the set of entries.
 * See README.md.
 */
export interface FederationInput {
  readonly genesisId: EntryId;
  readonly entries: Iterable<Entry>;
  /** The member co-ops' control entries, as shared into the federation's documents. */
  readonly shared: Iterable<Entry>;
  readonly unverified?: Iterable<RejectedEntry>;
}

type Refusal = { readonly code: string; readonly reason: string };

export function materializeFederation(input: FederationInput): Federation {
  const entries = [...new Map([...input.entries].map((entry) => [entry.id, entry])).values()];
  const genesis = entries.find((entry) => entry.id === input.genesisId);
  const rejected: RejectedEntry[] = [...(input.unverified ?? [])];
  if (!genesis || genesis.body.kind !== 'federation') {
    for (const entry of entries) rejected.push({ id: entry.id, kind: entry.body.kind, code: 'no_genesis', reason: 'the federation\'s genesis entry is missing' });
    assert(entries.length === 0 || rejected.length > 0, 'materializeFederation: entries without a verdict');
    return emptyFederation(input.genesisId, rejected);
  }
  const judge = new FederationJudge(genesis as Entry<'federation'>, input.shared, rejected);
  for (const entry of federationOrder(genesis, entries, (entry, refusal) => judge.refuse(entry, refusal))) judge.judge(entry);
  return judge.result();
}

/** What an entry must have been judged after: the entries its author had seen, and the ones it answers. */
function dependencies(entry: Entry): EntryId[] {
  const payload = entry.body.payload as { after?: EntryId[]; payment?: EntryId; proposal?: EntryId };
  return [...(payload.after ?? []), ...(payload.payment ? [payload.payment] : []), ...(payload.proposal ? [payload.proposal] : [])];
}

/**
 * The federation order: Kahn's algorithm over `dependencies`, taking the smallest (author time, id)
 * ready entry; the genesis first. Entries naming one this peer does not hold are refused last.
 */
function federationOrder(genesis: Entry, entries: readonly Entry[], refuse: (entry: Entry, refusal: Refusal) => void): Entry[] {
  const ids = new Set(entries.map((entry) => entry.id));
  const children = new Map<EntryId, Entry[]>();
  const waiting = new Map<EntryId, number>();
  const ready = new ReadyEntries();
  for (const entry of entries) {
    if (entry.id === genesis.id) continue;
    const parents = new Set(dependencies(entry).filter((id) => id !== entry.id));
    const missing = [...parents].filter((id) => !ids.has(id));
    if (missing.length > 0) {
      refuse(entry, { code: 'unknown_reference', reason: `names federation entr${missing.length === 1 ? 'y' : 'ies'} ${missing.map((id) => `${id.slice(0, 12)}…`).join(', ')} this peer does not hold` });
      continue;
    }
    waiting.set(entry.id, parents.size);
    if (parents.size === 0) ready.push(entry);
    for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), entry]);
  }
  const order: Entry[] = [genesis];
  const release = (id: EntryId) => {
    for (const child of children.get(id) ?? []) {
      const left = waiting.get(child.id)! - 1;
      waiting.set(child.id, left);
      if (left === 0) ready.push(child);
    }
  };
  release(genesis.id);
  for (let entry = ready.pop(); entry !== undefined; entry = ready.pop()) {
    order.push(entry);
    waiting.delete(entry.id);
    release(entry.id);
  }
  // What is still waiting depends on an entry refused above (directly or not).
  for (const id of [...waiting.keys()].sort()) refuse(entries.find((entry) => entry.id === id)!, { code: 'unknown_reference', reason: 'names federation entries that this peer does not hold' });
  return order;
}

interface MutablePayment extends Omit<PaymentRecord, 'status' | 'hops' | 'reason' | 'concludedBy'> {
  status: PaymentRecord['status'];
  hops: (PaymentHop & { reserved?: Decimal })[];
  reason?: string;
  concludedBy?: EntryId;
}

interface MutableClearing extends Omit<ClearingRecord, 'status' | 'consented' | 'declined' | 'reason' | 'concludedBy'> {
  status: ClearingRecord['status'];
  consented: CoopId[];
  declined: CoopId[];
  reason?: string;
  concludedBy?: EntryId;
}

/** Judges federation entries in federation order against the state they lead to. */
class FederationJudge {
  private readonly id: string;
  private readonly unit: UnitOfAccount;
  private readonly coops = new Map<CoopId, FederationCoop>();
  private readonly sharedByCoop = new Map<string, Entry[]>();
  private readonly histories = new Map<CoopId, GovernanceHistory | Refusal>();
  private readonly positions = new BilateralPositions();
  private readonly policies = new Map<string, CreditPolicy>();
  private readonly payments = new Map<EntryId, MutablePayment>();
  private readonly clearings = new Map<EntryId, MutableClearing>();
  private readonly settlements: Settlement[] = [];
  private readonly counted = new Set<EntryId>();
  private readonly named = new Set<EntryId>();
  private readonly refusedIds = new Set<EntryId>();

  constructor(private readonly genesis: Entry<'federation'>, shared: Iterable<Entry>, private readonly rejected: RejectedEntry[]) {
    this.id = genesis.body.coop;
    this.unit = genesis.body.payload.unit;
    for (const entry of shared) {
      if (!isControlKind(entry.body.kind)) continue; // only control history is shared; anything else is ignored
      const list = this.sharedByCoop.get(entry.body.coop) ?? [];
      list.push(entry);
      this.sharedByCoop.set(entry.body.coop, list);
    }
  }

  refuse(entry: Entry, refusal: Refusal): void {
    if (this.refusedIds.has(entry.id)) return;
    this.refusedIds.add(entry.id);
    this.rejected.push({ id: entry.id, kind: entry.body.kind, ...refusal });
  }

  judge(entry: Entry): void {
    const refusal = this.envelopeRefusal(entry) ?? this.authorRefusal(entry);
    if (refusal) { this.refuse(entry, refusal); return; }
    if (entry.id !== this.genesis.id) this.expireBefore(entry);
    const problem = this.apply(entry);
    if (problem) { this.refuse(entry, problem); return; }
    this.counted.add(entry.id);
    for (const id of dependencies(entry)) this.named.add(id);
  }

  private envelopeRefusal(entry: Entry): Refusal | undefined {
    if (!isFederationKind(entry.body.kind)) return { code: 'not_a_federation_entry', reason: `a ${entry.body.kind} entry does not belong in a federation's documents` };
    if (entry.body.coop !== this.id) return { code: 'wrong_federation', reason: `entry belongs to federation ${entry.body.coop}, not ${this.id}` };
    if (entry.body.kind === 'federation' && entry.id !== this.genesis.id) return { code: 'second_genesis', reason: 'a federation has exactly one genesis entry; this is another' };
    return undefined;
  }

  /** The co-op the entry acts for must be a member (or invited, to join) and its roster at the entry's basis must let the author act on credit. */
  private authorRefusal(entry: Entry): Refusal | undefined {
    const by = (entry.body.payload as unknown as { by: CoopId }).by;
    if (entry.id === this.genesis.id) {
      const founders = this.genesis.body.payload.coops;
      if (founders[0]!.id !== by) return { code: 'invalid_federation', reason: 'the genesis must list the co-op that founds it first' };
      for (const card of founders) this.coops.set(card.id as CoopId, { id: card.id as CoopId, name: card.name, genesis: card.genesis as EntryId, status: card.id === by ? 'member' : 'invited' });
      if (this.coops.size !== founders.length || new Set(founders.map((card) => card.name)).size !== founders.length) return { code: 'invalid_federation', reason: 'the genesis lists a co-op or a name twice' };
    }
    const coop = this.coops.get(by);
    if (!coop) return { code: 'not_a_member_coop', reason: `acts for co-op ${by}, which is not in the federation` };
    if (coop.status !== 'member' && entry.body.kind !== 'federation-join') return { code: 'not_a_member_coop', reason: `${coop.name} is invited but has not joined` };
    const history = this.historyOf(coop);
    if (!('checkAuthor' in history)) return history;
    const check = history.checkAuthor(entry.body.basis, entry.body.author, entry.body.kind);
    return check.ok ? undefined : { code: check.code, reason: `as ${coop.name}: ${check.reason}` };
  }

  private historyOf(coop: FederationCoop): GovernanceHistory | Refusal {
    const cached = this.histories.get(coop.id);
    if (cached) return cached;
    const control = (this.sharedByCoop.get(coop.id) ?? []).filter((entry) => entry.body.coop === coop.id);
    const genesis = control.find((entry) => entry.id === coop.genesis);
    const history: GovernanceHistory | Refusal = genesis?.body.kind === 'genesis'
      ? deriveRoster({ genesis: genesis as Entry<'genesis'>, control })
      : { code: 'coop_history_missing', reason: `${coop.name} has not shared its control history (genesis ${coop.genesis.slice(0, 12)}…) into the federation, so no one can check who acts for it` };
    this.histories.set(coop.id, history);
    return history;
  }

  /** A pending payment or clearing expires at the first entry that counts written after its deadline. */
  private expireBefore(entry: Entry): void {
    const now = instantKey(entry.body.at);
    for (const payment of this.payments.values()) {
      if (payment.status === 'pending' && now > instantKey(payment.deadline)) {
        this.concludePayment(payment, entry.id, 'expired', `not every hop was accepted by the deadline ${payment.deadline}`);
      }
    }
    for (const clearing of this.clearings.values()) {
      if (clearing.status === 'pending' && now > instantKey(clearing.deadline)) {
        const silent = clearing.involved.filter((coop) => !clearing.consented.includes(coop)).map((coop) => this.nameOf(coop));
        Object.assign(clearing, { status: 'expired', concludedBy: entry.id, reason: `${silent.join(', ')} did not consent by the deadline ${clearing.deadline}` });
      }
    }
  }

  private apply(entry: Entry): Refusal | undefined {
    const kind = entry.body.kind as FederationKind;
    switch (kind) {
      case 'federation': return undefined;
      case 'federation-invite': return this.invite(entry as Entry<'federation-invite'>);
      case 'federation-join': {
        const by = (entry as Entry<'federation-join'>).body.payload.by as CoopId;
        const coop = this.coops.get(by)!;
        if (coop.status === 'member') return { code: 'already_member', reason: `${coop.name} is already a member` };
        this.coops.set(by, { ...coop, status: 'member' });
        return undefined;
      }
      case 'credit-line': return this.setLine(entry as Entry<'credit-line'>);
      case 'credit-policy': return this.setPolicy(entry as Entry<'credit-policy'>);
      case 'payment': return this.pay(entry as Entry<'payment'>);
      case 'payment-accept': return this.accept(entry as Entry<'payment-accept'>);
      case 'payment-decline': return this.declinePayment(entry as Entry<'payment-decline'>);
      case 'clearing-proposal': return this.proposeClearing(entry as Entry<'clearing-proposal'>);
      case 'clearing-consent': case 'clearing-decline': return this.answerClearing(entry as Entry<'clearing-consent'>, kind === 'clearing-consent');
    }
  }

  private invite(entry: Entry<'federation-invite'>): Refusal | undefined {
    const card = entry.body.payload.coop;
    if (this.coops.has(card.id as CoopId)) return { code: 'already_invited', reason: `${card.name} (${card.id}) is already in the federation` };
    if ([...this.coops.values()].some((coop) => coop.name === card.name)) return { code: 'name_taken', reason: `another co-op of the federation is named ${card.name}` };
    this.coops.set(card.id as CoopId, { id: card.id as CoopId, name: card.name, genesis: card.genesis as EntryId, status: 'invited' });
    return undefined;
  }

  private setLine(entry: Entry<'credit-line'>): Refusal | undefined {
    const { by, debtor, limit } = entry.body.payload;
    const problem = this.counterpartyProblem(by, debtor) ?? this.amountProblem(limit, true);
    if (problem) return problem;
    this.positions.setLimit({ creditor: by as CoopId, debtor: debtor as CoopId, limit: Decimal.parse(limit), setBy: entry.id });
    return undefined;
  }

  private setPolicy(entry: Entry<'credit-policy'>): Refusal | undefined {
    const { by, debtor, upTo } = entry.body.payload;
    const problem = (debtor === '*' ? undefined : this.counterpartyProblem(by, debtor)) ?? this.amountProblem(upTo, true);
    if (problem) return problem;
    this.policies.set(`${by}>${debtor}`, { creditor: by as CoopId, debtor: debtor as CoopId | '*', upTo: Decimal.parse(upTo), setBy: entry.id });
    return undefined;
  }

  private pay(entry: Entry<'payment'>): Refusal | undefined {
    const { by, path, amount, memo, deadline } = entry.body.payload;
    if (path[0] !== by) return { code: 'invalid_payment', reason: 'a payment\'s path starts with the co-op that pays' };
    if (new Set(path).size !== path.length) return { code: 'invalid_payment', reason: 'a payment\'s path names a co-op twice' };
    const stranger = path.find((coop) => this.coops.get(coop as CoopId)?.status !== 'member');
    if (stranger) return { code: 'not_a_member_coop', reason: `the path names ${stranger}, which is not a member of the federation` };
    const problem = this.amountProblem(amount, false);
    if (problem) return problem;
    if (instantKey(deadline) <= instantKey(entry.body.at)) return { code: 'invalid_payment', reason: `deadline ${deadline} is not after the payment was written (${entry.body.at})` };
    const value = Decimal.parse(amount);
    const hops = path.slice(1).map((to, index): MutablePayment['hops'][number] => {
      const from = path[index]! as CoopId;
      return { from, to: to as CoopId, needsAcceptance: this.positions.split(from, to as CoopId, value).raised.sign() > 0 };
    });
    const payment: MutablePayment = {
      id: entry.id, payer: by as CoopId, payee: path.at(-1)! as CoopId, path: path as CoopId[], amount: value, at: entry.body.at, deadline,
      ...(memo === undefined ? {} : { memo }), status: 'pending', hops,
    };
    this.payments.set(entry.id, payment);
    const unlined = hops.find((hop) => hop.needsAcceptance && this.positions.limit(hop.to, hop.from).isZero());
    if (unlined) this.concludePayment(payment, entry.id, 'failed', `${this.nameOf(unlined.to)} has extended no credit to ${this.nameOf(unlined.from)}, and this hop would put ${this.nameOf(unlined.from)} in debt to it`);
    else if (hops.every((hop) => !hop.needsAcceptance)) this.commit(payment, entry);
    return undefined;
  }

  /** The first phase of a hop: its creditor promises to take the debt, and the room on the line is held for it. */
  private accept(entry: Entry<'payment-accept'>): Refusal | undefined {
    const { by, payment: id, hop: index } = entry.body.payload;
    const payment = this.payments.get(id as EntryId);
    if (!payment) return { code: 'unknown_payment', reason: `accepts ${id.slice(0, 12)}…, which is not a payment that counts` };
    if (payment.status !== 'pending') return { code: 'payment_not_pending', reason: `payment ${id.slice(0, 12)}… is ${payment.status} already` };
    const hop = payment.hops[index];
    if (!hop || hop.to !== by) return { code: 'not_the_creditor', reason: `hop ${index} of payment ${id.slice(0, 12)}… is not a payment to ${this.nameOf(by as CoopId)}` };
    if (!hop.needsAcceptance) return { code: 'acceptance_not_needed', reason: `hop ${index} only lowers a debt: it needs no acceptance` };
    if (hop.acceptedBy) return { code: 'already_accepted', reason: `hop ${index} of payment ${id.slice(0, 12)}… is already accepted by ${hop.acceptedBy.slice(0, 12)}…` };
    if (instantKey(entry.body.at) > instantKey(payment.deadline)) return { code: 'payment_expired', reason: `written after the payment's deadline ${payment.deadline}` };
    const { raised } = this.positions.split(hop.from, hop.to, payment.amount);
    const room = this.positions.room(hop.from, hop.to);
    if (raised.compare(room) > 0) return { code: 'over_limit', reason: this.overLimitReason(hop.from, hop.to, raised) };
    this.positions.reserve(hop.from, hop.to, raised);
    payment.hops[index] = { ...hop, acceptedBy: entry.id, reserved: raised };
    if (payment.hops.every((each) => !each.needsAcceptance || each.acceptedBy)) this.commit(payment, entry);
    return undefined;
  }

  private overLimitReason(debtor: CoopId, creditor: CoopId, raised: Decimal): string {
    const scale = this.unit.scale;
    const owes = this.positions.owes(debtor, creditor);
    const promised = this.positions.reservedFor(debtor, creditor);
    return `it would take what ${this.nameOf(debtor)} owes ${this.nameOf(creditor)} to ${owes.add(promised).add(raised).toString(scale)}, over the limit of ${this.positions.limit(creditor, debtor).toString(scale)} `
      + `(${owes.toString(scale)} owed${promised.isZero() ? '' : `, ${promised.toString(scale)} promised to other payments`})`;
  }

  private declinePayment(entry: Entry<'payment-decline'>): Refusal | undefined {
    const { by, payment: id, reason } = entry.body.payload;
    const payment = this.payments.get(id as EntryId);
    if (!payment) return { code: 'unknown_payment', reason: `declines ${id.slice(0, 12)}…, which is not a payment that counts` };
    if (payment.status !== 'pending') return { code: 'payment_not_pending', reason: `payment ${id.slice(0, 12)}… is ${payment.status} already` };
    if (!payment.hops.some((hop) => hop.to === by && hop.needsAcceptance)) return { code: 'not_the_creditor', reason: `${this.nameOf(by as CoopId)} has no hop of payment ${id.slice(0, 12)}… to accept` };
    this.concludePayment(payment, entry.id, 'failed', `declined by ${this.nameOf(by as CoopId)}${reason ? `: ${reason}` : ''}`);
    return undefined;
  }

  /**
   * The second phase: every hop at once, or none. A hop that was accepted has its room held, so it
   * cannot fail on the limit unless the creditor lowered the line since; a hop that needed no
   * acceptance fails the payment if it would now raise a debt (a clearing or payment changed it).
   */
  private commit(payment: MutablePayment, by: Entry): void {
    const at = by.id;
    for (const hop of payment.hops) {
      const { raised } = this.positions.split(hop.from, hop.to, payment.amount);
      const held = hop.reserved ?? Decimal.ZERO;
      const debtor = this.nameOf(hop.from);
      const creditor = this.nameOf(hop.to);
      if (raised.compare(held) > 0 && !hop.needsAcceptance) return this.concludePayment(payment, at, 'failed', `the hop ${debtor} → ${creditor} would now raise ${debtor}'s debt, which ${creditor} did not accept`);
      if (raised.compare(held) > 0) return this.concludePayment(payment, at, 'failed', `the hop ${debtor} → ${creditor} would now raise ${debtor}'s debt by more than ${creditor} accepted`);
      if (raised.sign() > 0 && this.positions.owes(hop.from, hop.to).add(raised).compare(this.positions.limit(hop.to, hop.from)) > 0) {
        return this.concludePayment(payment, at, 'failed', `${creditor} lowered its line to ${debtor} below what this payment needs`);
      }
    }
    this.release(payment);
    payment.hops = payment.hops.map((hop) => {
      const { lowered, raised } = this.positions.pay(hop.from, hop.to, payment.amount);
      // The limit holds after every raise (asserted: a bug here would let a co-op owe more than it was allowed).
      assert(raised.isZero() || this.positions.owes(hop.from, hop.to).compare(this.positions.limit(hop.to, hop.from)) <= 0, 'materializeFederation: a settled hop exceeds its limit');
      return { from: hop.from, to: hop.to, needsAcceptance: hop.needsAcceptance, ...(hop.acceptedBy ? { acceptedBy: hop.acceptedBy } : {}), lowered, raised };
    });
    payment.status = 'settled';
    payment.concludedBy = at;
    this.settlements.push({ kind: 'payment', id: payment.id, at: by.body.at, payment });
  }

  private concludePayment(payment: MutablePayment, at: EntryId, status: 'failed' | 'expired', reason: string): void {
    this.release(payment);
    payment.status = status;
    payment.reason = reason;
    payment.concludedBy = at;
  }

  private release(payment: MutablePayment): void {
    for (const hop of payment.hops) if (hop.reserved) this.positions.reserve(hop.from, hop.to, hop.reserved.negate());
    payment.hops = payment.hops.map(({ reserved: _reserved, ...hop }) => hop);
  }

  private proposeClearing(entry: Entry<'clearing-proposal'>): Refusal | undefined {
    const { by, setOffs: json, deadline } = entry.body.payload;
    if (instantKey(deadline) <= instantKey(entry.body.at)) return { code: 'invalid_clearing', reason: `deadline ${deadline} is not after the proposal was written (${entry.body.at})` };
    const setOffs: SetOff[] = [];
    const pairs = new Set<string>();
    for (const item of json) {
      const problem = this.counterpartyProblem(item.creditor, item.debtor) ?? this.amountProblem(item.amount, false);
      if (problem) return { code: 'invalid_clearing', reason: problem.reason };
      if (pairs.has(`${item.debtor}>${item.creditor}`)) return { code: 'invalid_clearing', reason: 'a pair of co-ops has two set-offs' };
      pairs.add(`${item.debtor}>${item.creditor}`);
      setOffs.push({ debtor: item.debtor as CoopId, creditor: item.creditor as CoopId, amount: Decimal.parse(item.amount) });
    }
    const unbalanced = unbalancedParty(setOffs);
    if (unbalanced) return { code: 'invalid_clearing', reason: `it would change ${this.nameOf(unbalanced)}'s net position (its cleared debts differ from its cleared claims)` };
    const stale = this.staleSetOff(setOffs);
    if (stale) return { code: 'clearing_exceeds_debt', reason: stale };
    const involved = [...new Set(setOffs.flatMap((item) => [item.debtor, item.creditor]))].sort();
    const proposer = by as CoopId;
    this.clearings.set(entry.id, {
      id: entry.id, proposer, at: entry.body.at, deadline, setOffs, involved, status: 'pending',
      consented: involved.includes(proposer) ? [proposer] : [], declined: [],
    });
    return undefined;
  }

  private answerClearing(entry: Entry<'clearing-consent'>, consent: boolean): Refusal | undefined {
    const { by, proposal: id } = entry.body.payload;
    const clearing = this.clearings.get(id as EntryId);
    const coop = by as CoopId;
    if (!clearing) return { code: 'unknown_clearing', reason: `answers ${id.slice(0, 12)}…, which is not a clearing proposal that counts` };
    if (clearing.status !== 'pending') return { code: 'clearing_not_pending', reason: `clearing ${id.slice(0, 12)}… is ${clearing.status} already` };
    if (!clearing.involved.includes(coop)) return { code: 'not_involved', reason: `${this.nameOf(coop)} has no set-off in clearing ${id.slice(0, 12)}…` };
    if (clearing.consented.includes(coop)) return { code: 'already_answered', reason: `${this.nameOf(coop)} already consented to clearing ${id.slice(0, 12)}…` };
    if (instantKey(entry.body.at) > instantKey(clearing.deadline)) return { code: 'clearing_expired', reason: `written after the clearing's deadline ${clearing.deadline}` };
    if (!consent) {
      clearing.declined.push(coop);
      Object.assign(clearing, { status: 'declined', concludedBy: entry.id, reason: `declined by ${this.nameOf(coop)}` });
      return undefined;
    }
    clearing.consented.push(coop);
    clearing.consented.sort();
    if (clearing.consented.length === clearing.involved.length) this.applyClearing(clearing, entry);
    return undefined;
  }

  /** Applies a consented clearing as one step, or fails it whole if a debt fell below its set-off meanwhile. */
  private applyClearing(clearing: MutableClearing, by: Entry): void {
    const stale = this.staleSetOff(clearing.setOffs);
    clearing.concludedBy = by.id;
    if (stale) {
      clearing.status = 'failed';
      clearing.reason = `${stale}; propose a clearing of the debts as they are now`;
      return;
    }
    const netsBefore = this.netPositions(clearing.involved);
    const debtsBefore = new Map(this.positions.debts().map((debt) => [`${debt.debtor}>${debt.creditor}`, debt.amount]));
    for (const setOff of clearing.setOffs) this.positions.setOff(setOff.debtor, setOff.creditor, setOff.amount);
    // Clearing never raises a debt and never changes a net position (ARCHITECTURE.md invariants).
    const netsAfter = this.netPositions(clearing.involved);
    assert(clearing.involved.every((coop, index) => netsBefore[index]!.equals(netsAfter[index]!)), 'materializeFederation: a clearing changed a net position');
    assert(this.positions.debts().every((debt) => debt.amount.compare(debtsBefore.get(`${debt.debtor}>${debt.creditor}`) ?? Decimal.ZERO) <= 0), 'materializeFederation: a clearing raised a debt');
    clearing.status = 'applied';
    this.settlements.push({ kind: 'clearing', id: clearing.id, at: by.body.at, clearing });
  }

  private staleSetOff(setOffs: readonly SetOff[]): string | undefined {
    const item = setOffs.find((setOff) => this.positions.owes(setOff.debtor, setOff.creditor).compare(setOff.amount) < 0);
    if (!item) return undefined;
    const scale = this.unit.scale;
    return `${this.nameOf(item.debtor)} owes ${this.nameOf(item.creditor)} ${this.positions.owes(item.debtor, item.creditor).toString(scale)}, less than the ${item.amount.toString(scale)} it would set off`;
  }

  private netPositions(coops: readonly CoopId[]): Decimal[] {
    const debts = this.positions.debts();
    return coops.map((coop) => debts.reduce((sum, debt) => (debt.creditor === coop ? sum.add(debt.amount) : debt.debtor === coop ? sum.subtract(debt.amount) : sum), Decimal.ZERO));
  }

  private counterpartyProblem(by: string, other: string): Refusal | undefined {
    if (by === other) return { code: 'invalid_counterparty', reason: 'a co-op cannot extend credit to itself or owe itself' };
    if (this.coops.get(other as CoopId)?.status !== 'member') return { code: 'not_a_member_coop', reason: `co-op ${other} is not a member of the federation` };
    return undefined;
  }

  private amountProblem(text: string, zeroAllowed: boolean): Refusal | undefined {
    const value = Decimal.parse(text);
    if (value.normalize().scale > this.unit.scale) return { code: 'invalid_amount', reason: `${text} has more than the ${this.unit.scale} decimal places of ${this.unit.commodity}` };
    if (!zeroAllowed && value.isZero()) return { code: 'invalid_amount', reason: 'an amount must be above zero' };
    return undefined;
  }

  private nameOf(coop: CoopId): string {
    return this.coops.get(coop)?.name ?? coop;
  }

  result(): Federation {
    const genesis = this.genesis.body.payload;
    const heads = [...this.counted].filter((id) => !this.named.has(id)).sort() as EntryId[];
    const byOrder = (a: { at: string; id: string }, b: { at: string; id: string }) => compareText(instantKey(a.at), instantKey(b.at)) || compareText(a.id, b.id);
    return {
      id: this.id, genesisId: this.genesis.id, name: genesis.name, unit: genesis.unit,
      coops: [...this.coops.values()],
      lines: this.positions.lines(),
      debts: this.positions.debts(),
      promised: this.positions.promised(),
      policies: [...this.policies.values()],
      payments: [...this.payments.values()].map((payment) => ({ ...payment, hops: payment.hops.map(({ reserved: _reserved, ...hop }) => hop) })).sort(byOrder),
      clearings: [...this.clearings.values()].sort(byOrder),
      settlements: this.settlements,
      heads,
      rejected: this.rejected.sort((a, b) => compareText(a.id, b.id)),
    };
  }
}

/** The first co-op whose cleared debts differ from its cleared claims, if any. */
export function unbalancedParty(setOffs: readonly SetOff[]): CoopId | undefined {
  const nets = new Map<CoopId, Decimal>();
  for (const { debtor, creditor, amount } of setOffs) {
    nets.set(debtor, (nets.get(debtor) ?? Decimal.ZERO).subtract(amount));
    nets.set(creditor, (nets.get(creditor) ?? Decimal.ZERO).add(amount));
  }
  return [...nets].sort(([a], [b]) => compareText(a, b)).find(([, net]) => !net.isZero())?.[0];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyFederation(genesisId: EntryId, rejected: RejectedEntry[]): Federation {
  return {
    id: '', genesisId, name: '', unit: { commodity: '', scale: 0 }, coops: [], lines: [], debts: [], promised: [], policies: [],
    payments: [], clearings: [], settlements: [], heads: [], rejected,
  };
}

