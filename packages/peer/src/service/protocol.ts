/*
 * What the app's screens ask the local service, and what it answers. Pure types and one list of method
 * names, with no imports: the renderer (browser), the preload (sandboxed) and the service all read it.
 * Amounts arrive formatted in the book's commodity styles, so no screen does arithmetic on money.
 */

export interface ServiceFailure {
  /** The stable `TallystickError` code, or `internal` for a bug (its stack stays in the service's log). */
  readonly code: string;
  /** Words a member understands. */
  readonly message: string;
}

export type ServiceResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ServiceFailure };

export interface Overview {
  readonly coopName: string;
  readonly lockedThrough?: string;
  readonly transactionCount: number;
  readonly rejectedCount: number;
  /** Every account used or declared, sorted: the add form's type-ahead. */
  readonly accounts: readonly string[];
  /** True when the service has no passphrase of its own: the add form asks for one. */
  readonly needsPassphrase: boolean;
  readonly today: string;
}

export interface BalanceLine {
  readonly account: string;
  /** The last segment of the account name, for a tree. */
  readonly name: string;
  /** 0 for a top-level account. */
  readonly depth: number;
  /** One formatted amount per commodity; empty for zero. */
  readonly balance: readonly string[];
}

export interface AccountTree {
  readonly lines: readonly BalanceLine[];
  readonly total: readonly string[];
}

export interface RegisterRequest {
  /** Exactly this account and its subaccounts. */
  readonly account: string;
  /** The rows wanted, for a screen that shows a window of a long register: from `offset`, at most `limit` (default: all). */
  readonly offset?: number;
  readonly limit?: number;
}

export interface RegisterLine {
  readonly date: string;
  readonly description: string;
  readonly transactionId: string;
  readonly account: string;
  readonly amount: string;
  readonly balance: readonly string[];
}

export interface Register {
  readonly account: string;
  /** Rows in the whole register; `lines` are those from `offset`. */
  readonly total: number;
  readonly offset: number;
  readonly lines: readonly RegisterLine[];
}

export interface StatementSection {
  readonly title: string;
  /** Balances as a statement shows them: liabilities, equity and income read positive. */
  readonly lines: readonly BalanceLine[];
  readonly total: readonly string[];
}

export interface Statement {
  readonly title: string;
  /** The period in words: "as of 2024-12-31", "2024-01-01 to 2024-12-31", "all dates". */
  readonly period: string;
  readonly sections: readonly StatementSection[];
  readonly net: { readonly label: string; readonly amount: readonly string[] };
  /** The same report as CSV (`section,account,commodity,amount`, amounts as exact decimals), for a spreadsheet. */
  readonly csv: string;
}

export type ImportFormat = 'ledger' | 'beancount' | 'csv';

/** A file the member chose, read in the app, to preview or import. */
export interface ImportInput {
  readonly fileName: string;
  readonly text: string;
  /** Detected from the file name when left out. */
  readonly format?: ImportFormat;
  /** For CSV: hledger-style rules (the app writes them from the column mapping). */
  readonly rules?: string;
  readonly passphrase?: string;
}

export interface ImportPreview {
  readonly format: ImportFormat;
  /** For CSV: the first records as the file splits them, to map columns on. */
  readonly csvRecords?: readonly (readonly string[])[];
  /** For CSV: the separator the first line suggests (",", ";" or a tab). */
  readonly csvSeparator?: string;
  /** False when a CSV file still needs its column mapping. */
  readonly ready: boolean;
  readonly transactions: number;
  readonly declarations: number;
  /** Entries of the file the books already hold (imported before): skipped. */
  readonly alreadyPresent: number;
  readonly sample: readonly { readonly date: string; readonly description: string; readonly postings: readonly { readonly account: string; readonly amount: string }[] }[];
  readonly warnings: readonly string[];
}

/** A reporting period: both ends inclusive, either may be left out. A balance sheet uses only `through`. */
export interface PeriodRequest {
  readonly from?: string;
  readonly through?: string;
}

export interface TrialBalanceLine {
  readonly account: string;
  readonly debit: readonly string[];
  readonly credit: readonly string[];
}

export interface TrialBalance {
  readonly period: string;
  readonly lines: readonly TrialBalanceLine[];
  readonly totals: { readonly debit: readonly string[]; readonly credit: readonly string[] };
  /** `account,commodity,debit,credit`, exact decimals. */
  readonly csv: string;
}

export interface PostingInput {
  readonly account: string;
  /** "12.50 USD"; one posting may leave it empty to take the remainder. */
  readonly amount: string;
}

export interface TransactionInput {
  readonly date: string;
  readonly description: string;
  readonly payee?: string;
  readonly postings: readonly PostingInput[];
  /** Only when the service has none (`Overview.needsPassphrase`). Never stored. */
  readonly passphrase?: string;
}

export interface TransactionCheck {
  readonly balanced: boolean;
  /** "Balanced", or what is wrong, in words. */
  readonly message: string;
  /** The postings as they would be saved (an elided amount filled in), when balanced. */
  readonly postings: readonly { readonly account: string; readonly amount: string }[];
}

export interface ReverseInput {
  readonly transactionId: string;
  readonly date?: string;
  readonly passphrase?: string;
}

export interface TransactionRequest {
  /** The full id, or a unique prefix of at least 6 hex digits. */
  readonly transactionId: string;
}

export type EntryStatus =
  | { readonly kind: 'counts' }
  | { readonly kind: 'reversed'; readonly by: string }
  | { readonly kind: 'rejected'; readonly code: string; readonly reason: string };

export interface TransactionDetail {
  readonly id: string;
  readonly status: EntryStatus;
  /** Absent for an entry that does not count: only its id and reason are known to the book. */
  readonly date?: string;
  readonly payee?: string;
  readonly description?: string;
  readonly postings: readonly { readonly account: string; readonly amount: string }[];
  /** The device key that signed the entry, and the member it belongs to (absent if no longer on the roster). */
  readonly authorDevice?: string;
  readonly authorMember?: string;
  /** When the author's device wrote it (its clock). */
  readonly writtenAt?: string;
  /** The id of the transaction this one reverses. */
  readonly reverses?: string;
}

export interface LockInput {
  /** Entries dated on or before this date are refused from now on. */
  readonly through: string;
  readonly passphrase?: string;
}

export interface RejectedLine {
  readonly id: string;
  /** transaction, lock, account, …; "entry" when the entry could not be read at all. */
  readonly kind: string;
  readonly code: string;
  readonly reason: string;
}

export interface Saved {
  /** What the command line would print, e.g. "Saved transaction 1a2b3c4d5e6f on 2024-01-05: Flour". */
  readonly message: string;
}

export interface FoundCoopInput {
  readonly coopName: string;
  readonly memberName: string;
  /** Typed twice; protects the device key that signs this member's entries. Never stored or logged. */
  readonly passphrase: string;
  readonly passphraseAgain: string;
}

export interface Founded {
  /** What `tallystick init` prints. */
  readonly message: string;
  /** The data folder to back up: it holds the device key, encrypted under the passphrase. */
  readonly dataFolder: string;
}

export interface GovernanceDevice {
  readonly key: string;
  readonly revoked: boolean;
  /** The key this app signs with. */
  readonly thisDevice: boolean;
}

export interface GovernanceMember {
  readonly name: string;
  readonly role: string;
  /** What the role may write: books, vote, … */
  readonly may: readonly string[];
  readonly removed: boolean;
  readonly devices: readonly GovernanceDevice[];
}

export interface GovernanceVote {
  readonly member: string;
  readonly choice: 'yes' | 'no';
  readonly at: string;
  /** counted, superseded (the member voted again) or after_decision (came too late). */
  readonly status: string;
}

export interface GovernanceProposal {
  readonly id: string;
  /** What it would do, in words ("lock the books through 2024-02-29"). */
  readonly action: string;
  readonly proposer: string;
  readonly at: string;
  readonly deadline: string;
  readonly note?: string;
  /** The rule and electorate in force when it was proposed, in words. */
  readonly rule: string;
  readonly electorate: readonly string[];
  readonly yes: number;
  readonly no: number;
  /** Yes votes the rule needs for adoption (at least 1). */
  readonly needed: number;
  readonly status: 'pending' | 'adopted' | 'rejected' | 'expired';
  /** Adopted, but the roster had changed so the action could not apply: why. */
  readonly noEffect?: string;
  readonly votes: readonly GovernanceVote[];
  /** Pending, before its deadline, and this device acts for an elector who may vote. */
  readonly mayVote: boolean;
}

export interface Governance {
  /** The decision rule in force now, in words. */
  readonly rule: string;
  readonly lockedThrough?: string;
  readonly members: readonly GovernanceMember[];
  /** In co-op order. */
  readonly proposals: readonly GovernanceProposal[];
  /** The member this device acts for, if any, and whether it may propose and vote. */
  readonly thisMember?: string;
  readonly mayPropose: boolean;
}

export interface ProposeInput {
  /** The app proposes these two; the command line all. */
  readonly action: 'lock' | 'set-rule';
  /** For lock: YYYY-MM-DD. */
  readonly through?: string;
  /** For set-rule: majority, unanimity or quorum:N. */
  readonly rule?: string;
  readonly passphrase?: string;
}

export interface VoteInput {
  /** The full id, or a unique prefix. */
  readonly proposalId: string;
  readonly choice: 'yes' | 'no';
  readonly passphrase?: string;
}

/** Every method: the preload exposes exactly these, the HTTP API serves exactly these. */
export interface BookApi {
  overview(): Promise<ServiceResult<Overview>>;
  accountTree(): Promise<ServiceResult<AccountTree>>;
  register(request: RegisterRequest): Promise<ServiceResult<Register>>;
  balanceSheet(request?: PeriodRequest): Promise<ServiceResult<Statement>>;
  incomeStatement(request?: PeriodRequest): Promise<ServiceResult<Statement>>;
  /** Parses and checks a file as `import` would and says what it would add; writes nothing. */
  previewImport(request: ImportInput): Promise<ServiceResult<ImportPreview>>;
  /** Imports a file as `tallystick import` does: all or nothing, the same file twice adds nothing. */
  importFile(request: ImportInput): Promise<ServiceResult<Saved>>;
  /** Every account's balance at the end of the period in debit and credit columns (historical, as `trialbalance`). */
  trialBalance(request?: PeriodRequest): Promise<ServiceResult<TrialBalance>>;
  checkTransaction(request: TransactionInput): Promise<ServiceResult<TransactionCheck>>;
  addTransaction(request: TransactionInput): Promise<ServiceResult<Saved>>;
  reverseTransaction(request: ReverseInput): Promise<ServiceResult<Saved>>;
  transaction(request: TransactionRequest): Promise<ServiceResult<TransactionDetail>>;
  lockPeriod(request: LockInput): Promise<ServiceResult<Saved>>;
  rejected(): Promise<ServiceResult<readonly RejectedLine[]>>;
  /** Founds a co-op in an empty data folder, as `tallystick init` does; refused when the folder holds one. */
  foundCoop(request: FoundCoopInput): Promise<ServiceResult<Founded>>;
  /** The roster, the rule and every proposal with its tally, as `members`, `devices` and `proposals` read them. */
  governance(): Promise<ServiceResult<Governance>>;
  /** Proposes a lock or a rule change, as `tallystick propose` does, with its refusals. */
  propose(request: ProposeInput): Promise<ServiceResult<Saved>>;
  /** Votes on a proposal, as `tallystick vote` does, with its refusals. */
  vote(request: VoteInput): Promise<ServiceResult<Saved>>;
}

export type BookMethod = keyof BookApi;

export const BOOK_METHODS: readonly BookMethod[] = [
  'overview', 'accountTree', 'register', 'balanceSheet', 'incomeStatement', 'trialBalance', 'previewImport', 'importFile', 'checkTransaction', 'addTransaction', 'reverseTransaction',
  'transaction', 'lockPeriod', 'rejected', 'foundCoop', 'governance', 'propose', 'vote',
];

/** The Electron IPC channel, and the HTTP header carrying the browser mode's per-launch token. */
export const IPC_CHANNEL = 'tallystick:book';
export const TOKEN_HEADER = 'x-tallystick-token';

/**
 * The app's Content-Security-Policy, the same in Electron and in a browser: only the app's own scripts,
 * styles and API; no inline script, no eval, no frames, no plugins, no form posts elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');
