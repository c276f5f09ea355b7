import { describe, expect, it } from 'vitest';
import {
  ALICE, ALICE_PHONE, BOB, BOB_PHONE, BOOKKEEPER, CAROL, COORDINATOR, STRANGER, TimebankCoop, balances, device, outcomes,
} from '../../../../test/helpers/timebank-coop.js';
import { bodyProblem } from '../entry.js';
import { formatMinutes, parseHours } from './duration.js';
import { busiestCategories, findListings, hoursByMonth, memberHistory, pendingFor, writeTimebankCsv } from './reports.js';

/*
 * The time bank by example, with real signatures: what counts, what stays pending, what is refused and
 * why. Balances are minutes: given − received (+ grants and gifts with the community).
 */

const exchangeOf = (coop: TimebankCoop, id: string) => {
  const book = coop.book();
  return book.timebank.unsettled.find((exchange) => exchange.id === id) ?? book.timebank.movements.find((movement) => movement.id === id);
};

describe('time bank: logging and confirming', () => {
  it('Alice logs two hours she gave Bob: pending until Bob confirms with his own signature, then Alice +2:00, Bob -2:00', () => {
    const coop = new TimebankCoop();
    const logged = coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 120, description: 'fixed the bike' });
    let book = coop.book();
    expect(book.rejected).toEqual([]);
    expect(balances(book)).toEqual({ Alice: 0, Bob: 0, Carol: 0, '': 0 });
    expect(book.timebank.unsettled).toEqual([expect.objectContaining({ id: logged.id, status: 'pending', awaiting: 'Bob', loggedBy: 'Alice' })]);
    expect(pendingFor(book.timebank, 'Bob').forMe.map((exchange) => exchange.id)).toEqual([logged.id]);
    expect(pendingFor(book.timebank, 'Alice')).toEqual({ forMe: [], forOthers: [expect.objectContaining({ id: logged.id })] });
    const confirmation = coop.confirm(BOB_PHONE, logged);
    book = coop.book();
    expect(outcomes(book, [logged, confirmation])).toEqual(['counted', 'counted']);
    expect(balances(book)).toEqual({ Alice: 120, Bob: -120, Carol: 0, '': 0 });
    expect(book.timebank.unsettled).toEqual([]);
    expect(book.timebank.movements).toEqual([expect.objectContaining({ kind: 'exchange', id: logged.id, from: 'Bob', to: 'Alice', minutes: 120, countedBy: confirmation.id, by: 'Alice' })]);
  });

  it('the receiver may log it too; then the provider confirms', () => {
    const coop = new TimebankCoop();
    const logged = coop.log(CAROL, { provider: 'Bob', receiver: 'Carol', minutes: 45 });
    coop.confirm(BOB, logged);
    expect(balances(coop.book())).toMatchObject({ Bob: 45, Carol: -45 });
  });

  it('the other party may decline with a reason: it never counts, and a later confirmation is refused', () => {
    const coop = new TimebankCoop();
    const logged = coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 60 });
    coop.decline(BOB, logged, 'it was one hour, not two');
    const late = coop.confirm(BOB_PHONE, logged);
    const book = coop.book();
    expect(outcomes(book, [late])).toEqual(['already_answered']);
    expect(balances(book)).toMatchObject({ Alice: 0, Bob: 0 });
    expect(book.timebank.unsettled).toEqual([expect.objectContaining({ id: logged.id, status: 'declined', answer: expect.objectContaining({ reason: 'it was one hour, not two' }) })]);
    expect(memberHistory(book.timebank, 'Bob').unsettled).toEqual([expect.objectContaining({ status: 'declined', note: 'declined: it was one hour, not two', minutes: -60 })]);
  });

  it('the one who logged it cannot confirm it (on any device), and a third member cannot answer', () => {
    const coop = new TimebankCoop();
    const logged = coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 60 });
    const own = coop.confirm(ALICE_PHONE, logged);
    const third = coop.confirm(CAROL, logged);
    const decline = coop.decline(CAROL, logged, 'no');
    const book = coop.book();
    expect(outcomes(book, [own, third, decline])).toEqual(['own_exchange', 'not_a_party', 'not_a_party']);
    expect(exchangeOf(coop, logged.id)).toMatchObject({ status: 'pending' });
  });

  it('a non-member, a member outside the exchange, a stranger as party, a role without the time bank: rejected with the reason', () => {
    const coop = new TimebankCoop();
    const stranger = coop.log(STRANGER, { provider: 'Alice', receiver: 'Bob', minutes: 60 });
    const outsider = coop.log(CAROL, { provider: 'Alice', receiver: 'Bob', minutes: 60 });
    const unknown = coop.log(ALICE, { provider: 'Alice', receiver: 'Zed', minutes: 60 });
    const bookkeeper = coop.log(BOOKKEEPER, { provider: 'Ben', receiver: 'Alice', minutes: 60 });
    const withBookkeeper = coop.log(ALICE, { provider: 'Alice', receiver: 'Ben', minutes: 60 });
    const confirmation = coop.confirm(STRANGER, stranger);
    const book = coop.book();
    expect(outcomes(book, [stranger, outsider, unknown, bookkeeper, withBookkeeper, confirmation]))
      .toEqual(['not_a_member_device', 'not_a_party', 'unknown_member', 'role_not_allowed', 'not_in_timebank', 'not_a_member_device']);
    expect(book.rejected.find((rejected) => rejected.id === outsider.id)?.reason).toBe('Carol is not a party to this exchange (Alice gave Bob): only a party logs one; a coordinator records paper slips');
    expect(book.timebank.unsettled).toEqual([]);
  });

  it('an answer to an exchange that is not here (or was rejected) is rejected as unknown_exchange', () => {
    const coop = new TimebankCoop();
    const rejected = coop.log(CAROL, { provider: 'Alice', receiver: 'Bob', minutes: 60 });
    const answer = coop.confirm(BOB, rejected);
    expect(outcomes(coop.book(), [answer])).toEqual(['unknown_exchange']);
  });

  it('an exchange body is bounded: whole minutes from 1 to 60,000, two different parties, one-line description', () => {
    const base = { v: 1, kind: 'exchange', coop: 'c0ffee00c0ffee00c0ffee00c0ffee00', author: ALICE.publicKey, at: '2024-06-01T00:00:00Z', n: 0, basis: ['a'.repeat(64)] };
    const payload = { date: '2024-06-01', provider: 'Alice', receiver: 'Bob', minutes: 60, description: 'help' };
    expect(bodyProblem({ ...base, payload })).toBeUndefined();
    expect(bodyProblem({ ...base, payload: { ...payload, minutes: 1.5 } })).toMatch(/minutes/u);
    expect(bodyProblem({ ...base, payload: { ...payload, minutes: 0 } })).toMatch(/minutes/u);
    expect(bodyProblem({ ...base, payload: { ...payload, minutes: 60_001 } })).toMatch(/minutes/u);
    expect(bodyProblem({ ...base, payload: { ...payload, receiver: 'Alice' } })).toMatch(/two members/u);
    expect(bodyProblem({ ...base, payload: { ...payload, description: 'a\nb' } })).toMatch(/one line/u);
    expect(bodyProblem({ ...base, payload: { ...payload, extra: 1 } })).toMatch(/extra|unrecognized/iu);
  });
});

describe('time bank: limits, set by vote', () => {
  it('without rules there is no limit; with a lowest balance, a confirmation that would cross it is refused and the exchange stays pending', () => {
    const coop = new TimebankCoop();
    coop.confirm(BOB, coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 300 }));
    expect(balances(coop.book())).toMatchObject({ Bob: -300 });
    coop.rules({ lowestBalanceMinutes: -360, openingGrantMinutes: 0, communityLowestBalanceMinutes: 0 });
    const over = coop.log(CAROL, { provider: 'Carol', receiver: 'Bob', minutes: 120 });
    const refused = coop.confirm(BOB, over);
    let book = coop.book();
    expect(outcomes(book, [over, refused])).toEqual(['counted', 'below_lowest_balance']);
    expect(book.rejected.find((rejected) => rejected.id === refused.id)?.reason).toBe('it would take Bob\'s balance to -7:00, below the lowest the rules allow (-6:00)');
    expect(balances(book)).toMatchObject({ Bob: -300, Carol: 0 });
    expect(exchangeOf(coop, over.id)).toMatchObject({ status: 'pending', limitRefusals: [expect.objectContaining({ entry: refused.id, member: 'Bob', code: 'below_lowest_balance' })] });
    // Nothing lost: once Bob has given an hour, the same exchange may be confirmed again.
    coop.confirm(ALICE, coop.log(BOB, { provider: 'Bob', receiver: 'Alice', minutes: 60 }));
    const again = coop.confirm(BOB_PHONE, over);
    book = coop.book();
    expect(outcomes(book, [again])).toEqual(['counted']);
    expect(balances(book)).toMatchObject({ Bob: -360, Carol: 120 });
  });

  it('a highest balance refuses what would take the provider above it', () => {
    const coop = new TimebankCoop();
    coop.rules({ highestBalanceMinutes: 60, openingGrantMinutes: 0, communityLowestBalanceMinutes: 0 });
    const refused = coop.confirm(BOB, coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 61 }));
    expect(outcomes(coop.book(), [refused])).toEqual(['above_highest_balance']);
  });

  it('two devices of one member confirming offline, together crossing the limit: the earlier in the time-bank order counts, the other is refused and shown, on every peer', () => {
    const coop = new TimebankCoop();
    coop.rules({ lowestBalanceMinutes: -120, openingGrantMinutes: 0, communityLowestBalanceMinutes: 0 });
    const first = coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 90 });
    const second = coop.log(CAROL, { provider: 'Carol', receiver: 'Bob', minutes: 60 });
    const heads = coop.heads();
    const basis = coop.written.filter((entry) => heads.includes(entry.id));
    // Neither device had seen the other's confirmation: same basis, both dated today.
    const laptop = coop.confirm(BOB, second, { basis, at: 1000 });
    const phone = coop.confirm(BOB_PHONE, first, { basis, at: 1005 });
    const entries = [coop.genesis, ...coop.written];
    const book = coop.book(entries);
    expect(outcomes(book, [laptop, phone])).toEqual(['counted', 'below_lowest_balance']);
    expect(balances(book)).toMatchObject({ Alice: 0, Bob: -60, Carol: 60 });
    expect(pendingFor(book.timebank, 'Bob').forMe).toEqual([expect.objectContaining({ id: first.id, limitRefusals: [expect.objectContaining({ entry: phone.id })] })]);
    expect(coop.book([...entries].reverse()).timebank).toEqual(book.timebank);
  });
});

describe('time bank: corrections', () => {
  it('a confirmed exchange is corrected by a reversing exchange confirmed by both; it is reversed once', () => {
    const coop = new TimebankCoop();
    const original = coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 120 });
    coop.confirm(BOB, original);
    const reversal = coop.log(BOB, { provider: 'Bob', receiver: 'Alice', minutes: 120, reverses: original.id, description: 'logged twice by mistake' });
    let book = coop.book();
    expect(balances(book)).toMatchObject({ Alice: 120, Bob: -120 });
    const confirmation = coop.confirm(ALICE_PHONE, reversal);
    const twice = coop.log(BOB, { provider: 'Bob', receiver: 'Alice', minutes: 120, reverses: original.id, description: 'again' });
    const twiceConfirmed = coop.confirm(ALICE, twice);
    const mismatch = coop.log(ALICE, { provider: 'Bob', receiver: 'Alice', minutes: 60, reverses: original.id, description: 'half' });
    const mismatchConfirmed = coop.confirm(BOB, mismatch);
    book = coop.book();
    expect(outcomes(book, [confirmation, twiceConfirmed, mismatchConfirmed])).toEqual(['counted', 'already_reversed', 'reversal_mismatch']);
    expect(balances(book)).toMatchObject({ Alice: 0, Bob: 0 });
    expect(book.timebank.movements.find((movement) => movement.id === original.id)?.reversedBy).toBe(reversal.id);
    expect(exchangeOf(coop, twice.id)).toMatchObject({ status: 'refused', refusal: { code: 'already_reversed' } });
    expect(hoursByMonth(book.timebank)).toEqual([]);
  });
});

describe('time bank: coordinators and paper slips', () => {
  it('a coordinator records a paper slip for members without a device: it counts at once, shown as a slip', () => {
    const coop = new TimebankCoop();
    const slip = coop.log(COORDINATOR, { provider: 'Carol', receiver: 'Alice', minutes: 90, slip: 'slip 0042', description: 'garden' });
    const byParty = coop.log(ALICE, { provider: 'Carol', receiver: 'Alice', minutes: 30, slip: 'slip 0043' });
    const byMember = coop.log(BOB, { provider: 'Carol', receiver: 'Alice', minutes: 30, slip: 'slip 0044' });
    const confirmation = coop.confirm(ALICE, slip);
    const book = coop.book();
    expect(outcomes(book, [slip, byParty, byMember, confirmation])).toEqual(['counted', 'role_not_allowed', 'role_not_allowed', 'not_pending']);
    expect(balances(book)).toMatchObject({ Alice: -90, Carol: 90 });
    expect(memberHistory(book.timebank, 'Carol').counted).toEqual([expect.objectContaining({ slip: 'slip 0042', by: 'Cora', minutes: 90, balance: 90, counterparty: 'Alice' })]);
  });

  it('a coordinator who is a party cannot record a slip for themself; a slip over a limit never counts', () => {
    const founders = new TimebankCoop().genesis.body.payload;
    const coop = new TimebankCoop({ ...founders, roles: [{ name: 'member', may: ['timebank', 'vote'] }, { name: 'coordinator', may: ['coordinate', 'timebank', 'vote'] }, { name: 'bookkeeper', may: ['books'] }] });
    const own = coop.log(COORDINATOR, { provider: 'Cora', receiver: 'Alice', minutes: 30, slip: 'slip 1' });
    coop.rules({ lowestBalanceMinutes: -60, openingGrantMinutes: 0, communityLowestBalanceMinutes: 0 });
    const over = coop.log(COORDINATOR, { provider: 'Carol', receiver: 'Alice', minutes: 61, slip: 'slip 2' });
    const book = coop.book();
    expect(outcomes(book, [own, over])).toEqual(['slip_by_party', 'below_lowest_balance']);
    expect(exchangeOf(coop, over.id)).toMatchObject({ status: 'refused', refusal: { code: 'below_lowest_balance' } });
  });
});

describe('time bank: the community account and opening grants', () => {
  it('members give hours to the community; a coordinator gives the community\'s hours to a member, within the community\'s limit', () => {
    const coop = new TimebankCoop();
    const gift = coop.write(ALICE, 'community-transfer', { date: '2024-06-03', direction: 'to-community', member: 'Alice', minutes: 60, description: 'for the pool' });
    const notHers = coop.write(ALICE, 'community-transfer', { date: '2024-06-03', direction: 'to-community', member: 'Bob', minutes: 60, description: 'Bob\'s' });
    const byMember = coop.write(BOB, 'community-transfer', { date: '2024-06-04', direction: 'from-community', member: 'Bob', minutes: 30, description: 'for me' });
    const help = coop.write(COORDINATOR, 'community-transfer', { date: '2024-06-04', direction: 'from-community', member: 'Carol', minutes: 45, description: 'after the flood' });
    const tooMuch = coop.write(COORDINATOR, 'community-transfer', { date: '2024-06-05', direction: 'from-community', member: 'Carol', minutes: 16, description: 'more' });
    const book = coop.book();
    expect(outcomes(book, [gift, notHers, byMember, help, tooMuch])).toEqual(['counted', 'not_your_hours', 'role_not_allowed', 'counted', 'community_limit']);
    expect(balances(book)).toEqual({ Alice: -60, Bob: 0, Carol: 45, '': 15 });
  });

  it('an opening grant goes, from the community, to every member who may use the time bank, and to each one admitted later; raising it tops up', () => {
    const coop = new TimebankCoop();
    coop.rules({ lowestBalanceMinutes: -600, openingGrantMinutes: 120, communityLowestBalanceMinutes: -1000 });
    let book = coop.book();
    expect(balances(book)).toEqual({ Alice: 120, Bob: 120, Carol: 120, '': -360 });
    const dora = device('dora');
    coop.adopt({ kind: 'add-member', name: 'Dora', devices: [dora.publicKey], role: 'member' });
    coop.rules({ lowestBalanceMinutes: -600, openingGrantMinutes: 180, communityLowestBalanceMinutes: -1000 });
    coop.rules({ lowestBalanceMinutes: -600, openingGrantMinutes: 60, communityLowestBalanceMinutes: -1000 });
    book = coop.book();
    expect(balances(book)).toEqual({ Alice: 180, Bob: 180, Carol: 180, Dora: 180, '': -720 });
    expect(memberHistory(book.timebank, 'Dora').counted.map((row) => [row.kind, row.minutes])).toEqual([['grant', 120], ['grant', 60]]);
  });
});

describe('time bank: offers and requests', () => {
  it('listed with title, category and tags; found by words and category; closed by their member or a coordinator, once', () => {
    const coop = new TimebankCoop();
    const offer = coop.write(ALICE, 'listing', { date: '2024-06-01', side: 'offer', title: 'Bike repairs', description: 'Punctures, brakes, gears', category: 'repairs', tags: ['bikes'] });
    const request = coop.write(BOB, 'listing', { date: '2024-06-02', side: 'request', title: 'Help moving a sofa', description: 'Saturday morning', category: 'moving', tags: [] });
    const stranger = coop.write(STRANGER, 'listing', { date: '2024-06-02', side: 'offer', title: 'Spam', description: '', category: 'spam', tags: [] });
    const notOwner = coop.write(CAROL, 'listing-close', { date: '2024-06-05', listing: offer.id });
    const closed = coop.write(ALICE_PHONE, 'listing-close', { date: '2024-06-06', listing: offer.id, note: 'done' });
    const twice = coop.write(COORDINATOR, 'listing-close', { date: '2024-06-07', listing: offer.id });
    const byCoordinator = coop.write(COORDINATOR, 'listing-close', { date: '2024-06-07', listing: request.id });
    const book = coop.book();
    expect(outcomes(book, [offer, request, stranger, notOwner, closed, twice, byCoordinator])).toEqual(['counted', 'counted', 'not_a_member_device', 'not_listing_owner', 'counted', 'already_closed', 'counted']);
    const listings = book.timebank.listings;
    expect(findListings(listings, { includeClosed: true, text: 'BRAKES bike' }).map((listing) => listing.title)).toEqual(['Bike repairs']);
    expect(findListings(listings, { includeClosed: true, category: 'Moving' }).map((listing) => listing.member)).toEqual(['Bob']);
    expect(findListings(listings, {})).toEqual([]);
    expect(listings[0]!.closed).toEqual({ id: closed.id, date: '2024-06-06', by: 'Alice', note: 'done' });
  });
});

describe('time bank: reports', () => {
  it('hours per month, busiest categories, history with a running balance, and CSV', () => {
    const coop = new TimebankCoop();
    coop.confirm(BOB, coop.log(ALICE, { provider: 'Alice', receiver: 'Bob', minutes: 60, category: 'repairs', date: '2024-05-20' }));
    coop.confirm(ALICE, coop.log(CAROL, { provider: 'Carol', receiver: 'Alice', minutes: 150, category: 'garden', date: '2024-06-01' }));
    coop.confirm(CAROL, coop.log(BOB, { provider: 'Bob', receiver: 'Carol', minutes: 30, category: 'repairs', date: '2024-06-02', description: 'a "quoted", comma' }));
    coop.log(ALICE, { provider: 'Alice', receiver: 'Carol', minutes: 15 });
    const book = coop.book();
    expect(hoursByMonth(book.timebank)).toEqual([{ month: '2024-05', exchanges: 1, minutes: 60 }, { month: '2024-06', exchanges: 2, minutes: 180 }]);
    expect(busiestCategories(book.timebank)).toEqual([{ category: 'garden', exchanges: 1, minutes: 150 }, { category: 'repairs', exchanges: 2, minutes: 90 }]);
    const alice = memberHistory(book.timebank, 'Alice');
    expect(alice.counted.map((row) => [row.counterparty, row.minutes, row.balance])).toEqual([['Bob', 60, 60], ['Carol', -150, -90]]);
    expect(alice.unsettled.map((row) => [row.status, row.note])).toEqual([['pending', 'waiting for Carol to confirm']]);
    const csv = writeTimebankCsv(book.timebank).split('\n');
    expect(csv[0]).toBe('date,kind,status,credited,debited,minutes,hours,description,category,by,slip,id,reverses,reversed_by,answered_by,note');
    expect(csv[3]).toMatch(/^2024-06-02,exchange,confirmed,Bob,Carol,30,0:30,"a ""quoted"", comma",repairs,Bob,,/u);
    expect(csv[4]).toMatch(/^2024-06-01,exchange,pending,Alice,Carol,15,0:15,/u);
    expect(csv).toHaveLength(6);
  });
});

describe('time bank: durations', () => {
  it('reads hours exactly, as H:MM or a decimal that is a whole number of minutes, and shows H:MM', () => {
    expect([parseHours('2'), parseHours('1.5'), parseHours('0.25'), parseHours('1:05'), parseHours('-10'), parseHours('0.1')]).toEqual([120, 90, 15, 65, -600, 6]);
    expect(() => parseHours('0.01')).toThrow(/not a whole number of minutes/u);
    expect(() => parseHours('1,5')).toThrow(/expected hours like 2, 1.5 or 1:30/u);
    expect(() => parseHours('1:75')).toThrow(/expected hours/u);
    expect([formatMinutes(120), formatMinutes(-45), formatMinutes(5, { sign: true }), formatMinutes(0, { sign: true })]).toEqual(['2:00', '-0:45', '+0:05', '0:00']);
  });
});
