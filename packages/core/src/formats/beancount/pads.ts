import { type AccountName } from '../../account.js';
import { MixedAmount, formatAmountPlain } from '../../amount.js';
import { Decimal } from '../../decimal.js';
import { ParseError, type TallystickError } from '../../errors.js';
import { type Transaction } from '../../transaction.js';
import { type BookedTransaction, type TimelineEvent } from './book-directives.js';
import { type BalanceDirective, type PadDirective } from './directives.js';
import { RESERVED_KEYS } from './syntax.js';

/**
 * beancount.ops.pad, then beancount.ops.balance. A `pad` becomes a concrete transaction dated on the pad,
 * for the difference the next `balance` of the padded account (or of a subaccount, as beancount does)
 * finds in each commodity. Then every `balance` is checked: the account and its subaccounts, at the start
 * of the day, within the tolerance the number's decimals imply (or the `~` one).
 */
export function materializePads(timeline: readonly TimelineEvent[], multiplier: Decimal): { padTransactions: Map<PadDirective, BookedTransaction[]>; errors: TallystickError[] } {
  const padTransactions = new Map<PadDirective, BookedTransaction[]>();
  const errors: TallystickError[] = [];
  const padded = new Set<string>();
  for (const event of timeline) if (event.kind === 'pad') padded.add(event.account);
  if (padded.size === 0) return { padTransactions, errors };
  const subtree = new Map<string, { units: MixedAmount; atCost: MixedAmount; active?: PadDirective; done: Set<string> }>();
  for (const account of padded) subtree.set(account, { units: new MixedAmount(), atCost: new MixedAmount(), done: new Set() });
  for (const event of timeline) {
    if (event.kind === 'booked') {
      for (const posting of event.transaction.postings) {
        for (const ancestor of ancestorsAndSelf(posting.account)) {
          const state = subtree.get(ancestor);
          if (!state) continue;
          state.units.add(posting.amount);
          if (posting.cost) state.atCost.add(posting.amount);
        }
      }
    } else if (event.kind === 'pad') {
      const state = subtree.get(event.account)!;
      state.active = event;
      state.done = new Set();
      padTransactions.set(event, []);
    } else {
      for (const ancestor of ancestorsAndSelf(event.account)) {
        const state = subtree.get(ancestor);
        if (state) padFor(state, event, multiplier, padTransactions, errors);
      }
    }
  }
  for (const [pad, made] of padTransactions) {
    if (made.length === 0) errors.push(new ParseError(pad.source, `a pad of ${pad.account} that no later balance directive needs`, `a balance directive of ${pad.account} that differs from its balance after the pad`, 'unused_pad'));
  }
  return { padTransactions, errors };
}

function padFor(
  state: { units: MixedAmount; atCost: MixedAmount; active?: PadDirective; done: Set<string> },
  balance: BalanceDirective,
  multiplier: Decimal,
  padTransactions: Map<PadDirective, BookedTransaction[]>,
  errors: TallystickError[],
): void {
  const { currency, number } = balance.amount;
  const held = state.units.get(currency);
  const pad = state.active;
  if (held.subtract(number).abs().compare(balanceTolerance(balance, multiplier)) > 0 && pad && !state.done.has(currency)) {
    if (!state.atCost.get(currency).isZero()) {
      errors.push(new ParseError(pad.source, `a pad of ${pad.account}, which holds ${currency} at cost`, 'a pad of an account without lots at cost (pad amounts have no cost)', 'invalid_pad'));
    }
    const difference = { commodity: currency, quantity: number.subtract(held) };
    const transaction: Transaction = {
      date: pad.date,
      status: '',
      description: `(Padding inserted for Balance of ${formatAmountPlain({ commodity: currency, quantity: number })} for difference ${formatAmountPlain(difference)})`,
      tags: [],
      links: [],
      metadata: { [RESERVED_KEYS.flag]: 'P', [RESERVED_KEYS.pad]: `${pad.date} pad ${pad.account} ${pad.sourceAccount}` },
      postings: [
        { account: pad.account as AccountName, amount: difference },
        { account: pad.sourceAccount as AccountName, amount: { commodity: currency, quantity: difference.quantity.negate() } },
      ],
    };
    padTransactions.get(pad)!.push({ kind: 'booked', transaction, source: pad.source, order: pad.order });
    state.units.add(difference);
  }
  state.done.add(currency);
}

/** The timeline with each pad's transactions right after it. */
export function insertPads(timeline: readonly TimelineEvent[], padTransactions: ReadonlyMap<PadDirective, readonly BookedTransaction[]>): TimelineEvent[] {
  if (padTransactions.size === 0) return [...timeline];
  const result: TimelineEvent[] = [];
  for (const event of timeline) {
    result.push(event);
    if (event.kind === 'pad') result.push(...(padTransactions.get(event) ?? []));
  }
  return result;
}

export function checkBalances(timeline: readonly TimelineEvent[], multiplier: Decimal): TallystickError[] {
  const errors: TallystickError[] = [];
  const asserted = new Map<string, MixedAmount>();
  for (const event of timeline) if (event.kind === 'balance') asserted.set(event.account, new MixedAmount());
  if (asserted.size === 0) return errors;
  for (const event of timeline) {
    if (event.kind === 'booked') {
      for (const posting of event.transaction.postings) {
        for (const ancestor of ancestorsAndSelf(posting.account)) asserted.get(ancestor)?.add(posting.amount);
      }
    } else if (event.kind === 'balance') {
      const { currency, number } = event.amount;
      const held = asserted.get(event.account)!.get(currency);
      const difference = held.subtract(number);
      if (difference.abs().compare(balanceTolerance(event, multiplier)) > 0) {
        errors.push(new ParseError(
          event.source,
          `a balance of ${event.account} of ${formatAmountPlain({ commodity: currency, quantity: held })} at the start of ${event.date} (${difference.abs().toString()} too ${difference.isNegative() ? 'little' : 'much'})`,
          `${formatAmountPlain({ commodity: currency, quantity: number })} as the balance directive says`,
          'balance_assertion_failed',
        ));
      }
    }
  }
  return errors;
}

/** beancount's get_balance_tolerance: `~ x` if given, else multiplier × 2 × the last decimal place written. */
function balanceTolerance(balance: BalanceDirective, multiplier: Decimal): Decimal {
  if (balance.tolerance) return balance.tolerance;
  const scale = balance.amount.number.scale;
  return scale === 0 ? Decimal.ZERO : multiplier.multiply(Decimal.of(2n)).multiply(Decimal.of(1n, scale));
}

/** `A:B:C` → `A`, `A:B`, `A:B:C`. */
function* ancestorsAndSelf(account: string): Generator<string> {
  let index = account.indexOf(':');
  while (index >= 0) {
    yield account.slice(0, index);
    index = account.indexOf(':', index + 1);
  }
  yield account;
}
