import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALICE, ALICE_PHONE, BOB, BOB_PHONE, CAROL, COORDINATOR, STRANGER, TimebankCoop, balances,
} from '../../../../test/helpers/timebank-coop.js';
import { type Book } from '../book.js';
import { type Entry } from '../entry.js';
import { RosterState } from '../governance/roster.js';
import { eventKey, extendTimebank } from './judge-timebank.js';
import { COMMUNITY } from './records.js';

/*
 * Properties of the time bank over random histories (seeded): balances always sum to zero, the
 * community included; only confirmed exchanges (and counted slips and gifts) move balances, as a naive
 * model of the rules computes them; the order entries arrive in never changes anything; no counted
 * movement takes a balance past a limit; and extending a stored result equals judging everything again.
 */

const DEVICES = [ALICE, ALICE_PHONE, BOB, BOB_PHONE, CAROL, COORDINATOR, STRANGER];
const OWNER = ['Alice', 'Alice', 'Bob', 'Bob', 'Carol', 'Cora', undefined];
const MEMBERS = ['Alice', 'Bob', 'Carol'];
const LOWEST = -120;
const RUNS = { seed: 20_250_301, numRuns: 100 };

type Who = 'party' | 'coordinator' | 'anyone';
type Step =
  | { kind: 'log'; who: Who; first: boolean; device: number; provider: number; receiver: number; minutes: number }
  | { kind: 'answer'; who: Who; device: number; pick: number; confirm: boolean }
  | { kind: 'give'; who: Who; device: number; member: number; minutes: number; toCommunity: boolean };

const device_ = fc.integer({ min: 0, max: DEVICES.length - 1 });
const member_ = fc.integer({ min: 0, max: MEMBERS.length - 1 });
// Mostly what members do (a party logs, the other answers, the coordinator records slips), some of anything.
const who_ = fc.constantFrom<Who>('party', 'party', 'party', 'party', 'coordinator', 'anyone');
const steps = fc.array(fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('log' as const), who: who_, first: fc.boolean(), device: device_, provider: member_, receiver: member_, minutes: fc.constantFrom(30, 60, 90, 120, 7) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('answer' as const), who: who_, device: device_, pick: fc.nat(), confirm: fc.constantFrom(true, true, true, false) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('give' as const), who: who_, device: device_, member: member_, minutes: fc.constantFrom(15, 30, 60), toCommunity: fc.boolean() }) },
), { minLength: 1, maxLength: 60 });

/** A device of the member (either of Alice's or Bob's two), the coordinator's, or any device at all. */
function signerOf(who: Who, member: string, device: number) {
  if (who === 'coordinator') return COORDINATOR;
  if (who === 'anyone') return DEVICES[device]!;
  const own = DEVICES.filter((_, index) => OWNER[index] === member);
  return own[device % own.length]!;
}

/** Writes the steps: rules first (by vote), then each step a day apart at most, author times increasing. */
function history(written: readonly Step[], grant: number): { coop: TimebankCoop; timebankEntries: Entry[] } {
  const coop = new TimebankCoop();
  coop.rules({ lowestBalanceMinutes: LOWEST, openingGrantMinutes: grant, communityLowestBalanceMinutes: -60 });
  const exchanges: Entry<'exchange'>[] = [];
  const timebankEntries: Entry[] = [];
  written.forEach((step, index) => {
    const date = `2024-07-${String(1 + Math.floor(index / 4)).padStart(2, '0')}`;
    const options = { at: 100_000 + index * 60 };
    if (step.kind === 'log') {
      if (step.provider === step.receiver) return;
      const [provider, receiver] = [MEMBERS[step.provider]!, MEMBERS[step.receiver]!];
      const signer = signerOf(step.who, step.first ? provider : receiver, step.device);
      const exchange = coop.log(signer, { provider, receiver, minutes: step.minutes, date, ...(signer === COORDINATOR ? { slip: `slip ${index}` } : {}) }, options);
      exchanges.push(exchange);
      timebankEntries.push(exchange);
    } else if (step.kind === 'answer') {
      const target = exchanges[step.pick % Math.max(exchanges.length, 1)];
      if (!target) return;
      const { provider, receiver } = target.body.payload;
      const logger = OWNER[DEVICES.findIndex((signer) => signer.publicKey === target.body.author)];
      const signer = signerOf(step.who, logger === provider ? receiver : provider, step.device);
      timebankEntries.push(step.confirm ? coop.confirm(signer, target, { ...options, date }) : coop.decline(signer, target, 'not so', options));
    } else {
      const member = MEMBERS[step.member]!;
      timebankEntries.push(coop.write(signerOf(step.toCommunity ? step.who : 'coordinator', member, step.device), 'community-transfer', {
        date, direction: step.toCommunity ? 'to-community' : 'from-community', member, minutes: step.minutes, description: 'gift',
      }, options));
    }
  });
  return { coop, timebankEntries };
}

/**
 * The auditor: the rules stated naively, on the raw entries. Who may write what; then, in (date, author
 * time, position, id) order, a confirmation by the other party of a pending exchange, a slip or a gift
 * counts unless it takes a member below the lowest balance (or the community below its own).
 */
function modelBalances(entries: readonly Entry[], grant: number): Record<string, number> {
  const balance: Record<string, number> = { Alice: grant, Bob: grant, Carol: grant, [COMMUNITY]: 0 - 3 * grant };
  const ownerOf = (entry: Entry) => OWNER[DEVICES.findIndex((signer) => signer.publicKey === entry.body.author)];
  const valid = new Map<string, { provider: string; receiver: string; minutes: number; logger: string; slip: boolean; state: string }>();
  for (const entry of entries) {
    if (entry.body.kind !== 'exchange') continue;
    const payload = (entry as Entry<'exchange'>).body.payload;
    const logger = ownerOf(entry);
    const parties = [payload.provider, payload.receiver];
    const slip = payload.slip !== undefined;
    if (slip ? logger === 'Cora' : logger !== undefined && logger !== 'Cora' && parties.includes(logger)) {
      valid.set(entry.id, { provider: payload.provider, receiver: payload.receiver, minutes: payload.minutes, logger: logger!, slip, state: 'pending' });
    }
  }
  const move = (from: string, to: string, minutes: number, floor: number) => {
    if (balance[from]! - minutes < floor) return false;
    balance[from]! -= minutes;
    balance[to]! += minutes;
    return true;
  };
  for (const entry of [...entries].sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1))) {
    const owner = ownerOf(entry);
    if (entry.body.kind === 'exchange') {
      const exchange = valid.get(entry.id);
      if (exchange?.slip && move(exchange.receiver, exchange.provider, exchange.minutes, LOWEST)) exchange.state = 'confirmed';
    } else if (entry.body.kind === 'exchange-confirm' || entry.body.kind === 'exchange-decline') {
      const exchange = valid.get((entry.body.payload as { exchange: string }).exchange);
      if (!exchange || exchange.slip || exchange.state !== 'pending' || owner === exchange.logger || owner === 'Cora') continue;
      if (owner !== exchange.provider && owner !== exchange.receiver) continue;
      if (entry.body.kind === 'exchange-decline') exchange.state = 'declined';
      else if (move(exchange.receiver, exchange.provider, exchange.minutes, LOWEST)) exchange.state = 'confirmed';
    } else if (entry.body.kind === 'community-transfer') {
      const payload = (entry as Entry<'community-transfer'>).body.payload;
      if (payload.direction === 'to-community' && owner === payload.member) move(payload.member, COMMUNITY, payload.minutes, LOWEST);
      if (payload.direction === 'from-community' && owner === 'Cora') move(COMMUNITY, payload.member, payload.minutes, -60);
    }
  }
  return balance;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = (seed >>> 0) || 1;
  for (let index = copy.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((total, value) => total + value, 0);

describe('time bank properties', () => {
  it('balances sum to zero, community included, and equal the naive model: only confirmed exchanges, counted slips and gifts move them', () => {
    fc.assert(fc.property(steps, fc.constantFrom(0, 0, 60), (written, grant) => {
      const { coop, timebankEntries } = history(written, grant);
      const book = coop.book();
      expect(sum(balances(book))).toBe(0);
      expect(balances(book)).toEqual(modelBalances(timebankEntries, grant));
      const counted = new Set(book.timebank.movements.filter((movement) => movement.kind === 'exchange').map((movement) => movement.id));
      for (const exchange of book.timebank.unsettled) expect(counted.has(exchange.id)).toBe(false);
    }), RUNS);
  });

  it('the order entries arrive in never changes balances, states or rejections', () => {
    fc.assert(fc.property(steps, fc.integer(), (written, seed) => {
      const { coop } = history(written, 30);
      const entries = [coop.genesis, ...coop.written];
      const book = coop.book(entries);
      const other = coop.book(shuffled(entries, seed));
      expect(other.timebank).toEqual(book.timebank);
      expect(other.rejected).toEqual(book.rejected);
    }), RUNS);
  });

  it('no counted movement takes a member below the lowest balance or the community below its limit', () => {
    fc.assert(fc.property(steps, (written) => {
      const { coop } = history(written, 0);
      const running = new Map<string, number>();
      for (const movement of coop.book().timebank.movements) {
        const from = (running.get(movement.from) ?? 0) - movement.minutes;
        running.set(movement.from, from);
        running.set(movement.to, (running.get(movement.to) ?? 0) + movement.minutes);
        expect(from).toBeGreaterThanOrEqual(movement.from === COMMUNITY ? -60 : LOWEST);
      }
    }), RUNS);
  });

  it('extending a stored result with later entries equals judging everything again (or declines to)', () => {
    let extended = 0;
    fc.assert(fc.property(steps, fc.nat(), (written, cut) => {
      const { coop, timebankEntries } = history(written, 0);
      const split = cut % (timebankEntries.length + 1);
      const later = new Set(timebankEntries.slice(split).map((entry) => entry.id));
      const before = coop.book([coop.genesis, ...coop.written.filter((entry) => !later.has(entry.id))]);
      const full = coop.book();
      const result = extendTimebank(before.timebank, timebankEntries.slice(split), RosterState.ofRoster(full.governance.roster));
      if (!result) return;
      extended += 1;
      expect({ ...result.book, movements: [...before.timebank.movements, ...result.movements] }).toEqual(full.timebank);
      expect(sortedRejections([...before.rejected, ...result.rejected])).toEqual(sortedRejections(full.rejected));
    }), RUNS);
    expect(extended).toBeGreaterThan(RUNS.numRuns / 4);
  });
});

function sortedRejections(rejected: Book['rejected']): Book['rejected'] {
  return [...rejected].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
