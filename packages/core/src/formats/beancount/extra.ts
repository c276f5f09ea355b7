import { type Amount } from '../../amount.js';
import { Decimal } from '../../decimal.js';
import { type BalanceAssertion } from '../../transaction.js';
import { RESERVED_KEYS } from './syntax.js';

/**
 * The `tallystick-extra` metadata value: JSON for what beancount syntax cannot spell. The writer puts
 * there the full tag and link lists when some cannot be written as #tag/^link (or repeat), metadata
 * whose keys are not beancount keys, posting tags and empty status marks, journal balance assertions,
 * and account notes.
 */
export interface Extra {
  readonly tags?: readonly string[];
  readonly links?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly balanceAssertion?: BalanceAssertion;
  readonly note?: string;
  /** A posting's empty status mark, which differs from no mark in Tallystick but not in beancount. */
  readonly status?: '';
}

interface AmountJson {
  readonly commodity: string;
  readonly quantity: string;
}

export function encodeExtra(extra: Extra): string | undefined {
  const json: Record<string, unknown> = {};
  if (extra.tags) json.tags = extra.tags;
  if (extra.links) json.links = extra.links;
  if (extra.metadata && Object.keys(extra.metadata).length > 0) json.metadata = extra.metadata;
  if (extra.balanceAssertion) {
    const { amount, total, inclusive } = extra.balanceAssertion;
    json.balanceAssertion = { amount: encodeAmount(amount), ...(total ? { total } : {}), ...(inclusive ? { inclusive } : {}) };
  }
  if (extra.note !== undefined) json.note = extra.note;
  if (extra.status === '') json.status = '';
  return Object.keys(json).length === 0 ? undefined : JSON.stringify(json);
}

function encodeAmount(amount: Amount): AmountJson {
  return { commodity: amount.commodity, quantity: amount.quantity.toString() };
}

/** Reads the JSON back; returns a problem description instead if it is not what the writer writes. */
export function decodeExtra(text: string): Extra | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `${RESERVED_KEYS.extra} is not JSON`;
  }
  if (!isRecord(json)) return `${RESERVED_KEYS.extra} is not a JSON object`;
  const extra: { -readonly [K in keyof Extra]: Extra[K] } = {};
  for (const key of ['tags', 'links'] as const) {
    const list = json[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return `${RESERVED_KEYS.extra} "${key}" is not a list of strings`;
    extra[key] = list as string[];
  }
  if (json.metadata !== undefined) {
    const metadata = json.metadata;
    if (!isRecord(metadata) || !Object.values(metadata).every((value) => typeof value === 'string')) return `${RESERVED_KEYS.extra} "metadata" is not an object of strings`;
    extra.metadata = metadata as Record<string, string>;
  }
  if (json.note !== undefined) {
    if (typeof json.note !== 'string') return `${RESERVED_KEYS.extra} "note" is not a string`;
    extra.note = json.note;
  }
  if (json.status !== undefined) {
    if (json.status !== '') return `${RESERVED_KEYS.extra} "status" is not ""`;
    extra.status = '';
  }
  if (json.balanceAssertion !== undefined) {
    const assertion = decodeAssertion(json.balanceAssertion);
    if (!assertion) return `${RESERVED_KEYS.extra} "balanceAssertion" is not {amount: {commodity, quantity}, total?, inclusive?}`;
    extra.balanceAssertion = assertion;
  }
  return extra;
}

function decodeAssertion(json: unknown): BalanceAssertion | undefined {
  if (!isRecord(json) || !isRecord(json.amount)) return undefined;
  const { commodity, quantity } = json.amount;
  if (typeof commodity !== 'string' || typeof quantity !== 'string') return undefined;
  const parsed = Decimal.tryParse(quantity);
  if (!parsed) return undefined;
  if (json.total !== undefined && typeof json.total !== 'boolean') return undefined;
  if (json.inclusive !== undefined && typeof json.inclusive !== 'boolean') return undefined;
  return {
    amount: { commodity, quantity: parsed },
    ...(json.total === true ? { total: true } : {}),
    ...(json.inclusive === true ? { inclusive: true } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
