import { Decimal } from '../decimal.js';
import { type CoopId } from '../entry.js';
import { assert } from '../errors.js';
import { type TransactionJson } from '../payloads.js';
import { type Federation, type Settlement } from './federation.js';

/**
 * The transactions a settled payment or an applied clearing posts into one member co-op's own books.
 * Per counterparty X: `Assets:Mutual credit:X` holds what X owes the co-op, `Liabilities:Mutual
 * credit:X` what the co-op owes X; a payment's other side goes to the account the co-op chose.
 * Each carries an import key derived from the federation entry, so posting again adds nothing.
 */
export interface CreditPosting {
  readonly importKey: string;
  readonly transaction: TransactionJson;
}

export const MUTUAL_CREDIT_ASSETS = 'Assets:Mutual credit';
export const MUTUAL_CREDIT_LIABILITIES = 'Liabilities:Mutual credit';

export function creditImportKey(federation: Pick<Federation, 'id'>, settlement: Pick<Settlement, 'id' | 'kind'>): string {
  return `credit:${federation.id}:${settlement.kind}:${settlement.id}`;
}

export function creditPostingsFor(federation: Federation, coop: CoopId, counterAccount: string): CreditPosting[] {
  const postings: CreditPosting[] = [];
  for (const settlement of federation.settlements) {
    const lines = settlement.kind === 'payment' ? paymentLines(federation, settlement, coop, counterAccount) : clearingLines(federation, settlement, coop);
    if (lines.length === 0) continue;
    const total = lines.reduce((sum, line) => sum.add(line.amount), Decimal.ZERO);
    assert(total.isZero(), 'creditPostingsFor: a credit transaction does not balance');
    const importKey = creditImportKey(federation, settlement);
    postings.push({
      importKey,
      transaction: {
        date: settlement.at.slice(0, 10), status: '*', description: describe(federation, settlement, coop),
        tags: [], links: [], metadata: { federation: federation.name, 'federation-entry': settlement.id },
        postings: lines.map((line) => ({ account: line.account, amount: [federation.unit.commodity, line.amount.toString(federation.unit.scale)] })),
        importKey,
      },
    });
  }
  return postings;
}

interface Line { account: string; amount: Decimal }

function paymentLines(federation: Federation, settlement: Extract<Settlement, { kind: 'payment' }>, coop: CoopId, counterAccount: string): Line[] {
  const lines: Line[] = [];
  const { payment } = settlement;
  for (const hop of payment.hops) {
    const lowered = hop.lowered ?? Decimal.ZERO;
    const raised = hop.raised ?? Decimal.ZERO;
    if (hop.from === coop) {
      // We paid: what the other owed us goes down, then what we owe it goes up.
      lines.push({ account: assets(federation, hop.to), amount: lowered.negate() }, { account: liabilities(federation, hop.to), amount: raised.negate() });
    } else if (hop.to === coop) {
      lines.push({ account: liabilities(federation, hop.from), amount: lowered }, { account: assets(federation, hop.from), amount: raised });
    }
  }
  if (payment.payer === coop) lines.push({ account: counterAccount, amount: payment.amount });
  if (payment.payee === coop) lines.push({ account: counterAccount, amount: payment.amount.negate() });
  return lines.filter((line) => !line.amount.isZero());
}

function clearingLines(federation: Federation, settlement: Extract<Settlement, { kind: 'clearing' }>, coop: CoopId): Line[] {
  const lines: Line[] = [];
  for (const setOff of settlement.clearing.setOffs) {
    if (setOff.debtor === coop) lines.push({ account: liabilities(federation, setOff.creditor), amount: setOff.amount });
    if (setOff.creditor === coop) lines.push({ account: assets(federation, setOff.debtor), amount: setOff.amount.negate() });
  }
  return lines;
}

function nameOf(federation: Federation, coop: CoopId): string {
  return federation.coops.find((candidate) => candidate.id === coop)?.name ?? coop;
}

function assets(federation: Federation, coop: CoopId): string {
  return `${MUTUAL_CREDIT_ASSETS}:${nameOf(federation, coop)}`;
}

function liabilities(federation: Federation, coop: CoopId): string {
  return `${MUTUAL_CREDIT_LIABILITIES}:${nameOf(federation, coop)}`;
}

function describe(federation: Federation, settlement: Settlement, coop: CoopId): string {
  if (settlement.kind === 'clearing') return `Mutual credit: clearing in ${federation.name}`;
  const { payment } = settlement;
  const amount = `${payment.amount.toString(federation.unit.scale)} ${federation.unit.commodity}`;
  const memo = payment.memo ? ` (${payment.memo.replace(/[\r\n]+/gu, ' ')})` : '';
  if (payment.payer === coop) return `Mutual credit: paid ${nameOf(federation, payment.payee)} ${amount}${memo}`;
  if (payment.payee === coop) return `Mutual credit: received ${amount} from ${nameOf(federation, payment.payer)}${memo}`;
  return `Mutual credit: passed on ${amount} from ${nameOf(federation, payment.payer)} to ${nameOf(federation, payment.payee)}`;
}
