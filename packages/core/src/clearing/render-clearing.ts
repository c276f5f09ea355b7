import { quoteCommodityIfNeeded } from '../amount.js';
import { Decimal } from '../decimal.js';
import { renderTextTable } from '../reports/render-table.js';
import type { ClearingPlan } from './obligation.js';

const HEADER = ['owes', 'is owed', 'cleared', 'owes after', 'is owed after', 'net position'];

/**
 * A clearing plan for people: one row per co-op (what it owes and is owed before and after, what is
 * cleared, its unchanged net position), a total row, then the cleared total and its share of all debt.
 */
export function renderClearingPlan(plan: ClearingPlan): string {
  const text = (value: Decimal) => [value.toString(plan.scale)];
  const rows = plan.parties.map((party) => ({
    label: party.party,
    cells: [party.owesBefore, party.isOwedBefore, party.cleared, party.owesAfter, party.isOwedAfter, party.netPosition].map(text),
  }));
  const remaining = plan.owed.subtract(plan.cleared);
  const total = { label: 'Total', cells: [plan.owed, plan.owed, plan.cleared, remaining, remaining, Decimal.ZERO].map(text) };
  const table = renderTextTable({ header: HEADER, sections: [{ rows, total }] });
  const unit = plan.commodity === '' ? '' : ` ${quoteCommodityIfNeeded(plan.commodity)}`;
  const percent = plan.owed.isZero() ? Decimal.ZERO.withScale(2) : plan.cleared.multiply(Decimal.of(100n)).divide(plan.owed, 2, 'half-even');
  const obligations = plan.obligations.length;
  const summary = `Cleared ${plan.cleared.toString(plan.scale)}${unit} of ${plan.owed.toString(plan.scale)}${unit} owed (${percent.toString()}%) `
    + `among ${plan.parties.length} co-op${plan.parties.length === 1 ? '' : 's'} and ${obligations} obligation${obligations === 1 ? '' : 's'}; `
    + 'every net position is unchanged.';
  return `${table}\n${summary}\n`;
}
