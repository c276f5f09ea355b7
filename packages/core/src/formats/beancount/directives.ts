import { type IsoDate } from '../../date.js';
import { type Decimal } from '../../decimal.js';
import { type SourceLocation } from '../../errors.js';

/**
 * Directives as read from the text, before booking: names are beancount's own (not yet mapped back to
 * Tallystick names), amounts may be elided and costs may be partial.
 */
export interface RawAmount {
  readonly number: Decimal;
  readonly currency: string;
}

/** `{…}` / `{{…}}` as written. Every part is optional; `{}` leaves the lot to the booking method. */
export interface CostSpec {
  readonly perUnit?: Decimal;
  readonly total?: Decimal;
  readonly currency?: string;
  readonly date?: IsoDate;
  readonly label?: string;
  readonly source: SourceLocation;
}

/** A posting as written. Built for speed (a file may hold hundreds of thousands): where it was read is kept as numbers. */
export interface RawPosting {
  readonly account: string;
  readonly flag: string | undefined;
  /** Undefined when the amount is left out. */
  readonly units: RawAmount | undefined;
  readonly cost: CostSpec | undefined;
  readonly price: { readonly kind: 'unit' | 'total'; readonly amount: RawAmount } | undefined;
  metadata: Record<string, string> | undefined;
  comment: string | undefined;
  readonly line: number;
  readonly column: number;
}

interface Dated {
  readonly date: IsoDate;
  readonly source: SourceLocation;
  /** Position in the order files were read, to keep sorting stable across included files. */
  readonly order: number;
}

export interface OpenDirective extends Dated {
  readonly kind: 'open';
  readonly account: string;
  readonly currencies: readonly string[];
  readonly booking?: BookingMethod;
  readonly metadata: Record<string, string>;
}

export interface CloseDirective extends Dated {
  readonly kind: 'close';
  readonly account: string;
}

export interface CommodityDirective extends Dated {
  readonly kind: 'commodity';
  readonly currency: string;
  readonly metadata: Record<string, string>;
}

export interface TransactionDirective extends Dated {
  readonly kind: 'transaction';
  readonly flag: string;
  readonly payee: string | undefined;
  readonly narration: string;
  tags: string[] | undefined;
  links: string[] | undefined;
  metadata: Record<string, string> | undefined;
  comment: string | undefined;
  readonly postings: RawPosting[];
}

export interface BalanceDirective extends Dated {
  readonly kind: 'balance';
  readonly account: string;
  readonly amount: RawAmount;
  readonly tolerance?: Decimal;
}

export interface PadDirective extends Dated {
  readonly kind: 'pad';
  readonly account: string;
  readonly sourceAccount: string;
}

export interface PriceDirective extends Dated {
  readonly kind: 'price';
  readonly currency: string;
  readonly amount: RawAmount;
}

export type Directive =
  | OpenDirective
  | CloseDirective
  | CommodityDirective
  | TransactionDirective
  | BalanceDirective
  | PadDirective
  | PriceDirective;

export type BookingMethod = 'STRICT' | 'FIFO' | 'LIFO' | 'NONE' | 'AVERAGE';

export const BOOKING_METHODS: ReadonlySet<string> = new Set<BookingMethod>(['STRICT', 'FIFO', 'LIFO', 'NONE', 'AVERAGE']);

/** The options Tallystick reads; others beancount knows are kept as text, unknown ones are warned about. */
export interface BeancountOptions {
  readonly title?: string;
  readonly operatingCurrencies: readonly string[];
  readonly rootNames: RootNames;
  readonly bookingMethod: BookingMethod;
  /** `inferred_tolerance_default`: per currency, and `*` for all others. */
  readonly toleranceDefaults: ReadonlyMap<string, Decimal>;
  readonly toleranceMultiplier: Decimal;
  readonly inferToleranceFromCost: boolean;
  readonly roundingAccount?: string;
  /** Every other option beancount knows, as written (later values win; list options are joined by ","). */
  readonly other: Readonly<Record<string, string>>;
}

export interface RootNames {
  readonly asset: string;
  readonly liability: string;
  readonly equity: string;
  readonly income: string;
  readonly expense: string;
}

export const DEFAULT_ROOT_NAMES: RootNames = {
  asset: 'Assets',
  liability: 'Liabilities',
  equity: 'Equity',
  income: 'Income',
  expense: 'Expenses',
};
