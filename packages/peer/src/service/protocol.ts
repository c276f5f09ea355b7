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

/** Declares an account, as `tallystick accounts open ACCOUNT [--date] [--type]` does. */
export interface OpenAccountInput {
  readonly account: string;
  /** Open from this date (today when absent). */
  readonly date?: string;
  /** asset, liability, equity, income or expense; when absent, the type the root name implies. */
  readonly type?: string;
  readonly passphrase?: string;
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

/** One party's time-bank balance; durations are whole minutes, shown `H:MM` as `tallystick hours balances` does. */
export interface TimebankBalanceLine {
  /** A member's name, or '' for the community account. */
  readonly party: string;
  /** The member's name, or "the community". */
  readonly name: string;
  readonly balanceMinutes: number;
  /** Signed, like "+2:00" or "-0:30". */
  readonly balance: string;
  readonly given: string;
  readonly received: string;
  /** Grants and gifts from the community less gifts to it, signed. */
  readonly community: string;
}

export interface TimebankRulesView {
  /** The rules in words, as `tallystick hours rules` prints them. */
  readonly words: string;
  readonly lowestBalance?: string;
  readonly highestBalance?: string;
  readonly openingGrant: string;
  readonly communityLowestBalance: string;
}

export interface TimebankOverview {
  /** The member this device acts for in the time bank, if any. */
  readonly me?: string;
  /** Why this device may not log or answer hours, in words, when it may not. */
  readonly mayNotWhy?: string;
  /** Members who may use the time bank, other than `me`: whom hours can be logged with. */
  readonly members: readonly string[];
  /** Every member, then the community; they sum to zero. */
  readonly balances: readonly TimebankBalanceLine[];
  readonly total: string;
  readonly rules: TimebankRulesView;
  /** Categories of offers and requests, open or closed, sorted: the board's filter. */
  readonly categories: readonly string[];
}

export interface PendingExchange {
  readonly id: string;
  /** When the hours were given. */
  readonly date: string;
  readonly provider: string;
  readonly receiver: string;
  readonly minutes: number;
  /** "2:00". */
  readonly duration: string;
  readonly description: string;
  readonly category?: string;
  readonly loggedBy: string;
  readonly awaiting?: string;
  /** The id of the counted exchange this one gives back. */
  readonly reverses?: string;
  /** The last confirmation refused by a balance limit: why (the exchange stays pending). */
  readonly refusal?: string;
}

export interface TimebankPending {
  readonly me: string;
  readonly waitingForMe: readonly PendingExchange[];
  readonly waitingForOthers: readonly PendingExchange[];
}

export interface TimebankHistoryRequest {
  /** A member's name; this device's member when left out. */
  readonly member?: string;
}

export interface TimebankHistoryLine {
  readonly id: string;
  /** exchange, grant, to-community, from-community. */
  readonly kind: string;
  readonly date: string;
  /** confirmed (counted), pending, declined, refused. */
  readonly status: string;
  /** The other party's name, or "the community". */
  readonly counterparty: string;
  /** Positive when the member's balance goes up. */
  readonly minutes: number;
  /** Signed, "+2:00". */
  readonly change: string;
  /** The balance after it, signed (counted lines only). */
  readonly balance?: string;
  readonly description: string;
  readonly by: string;
  readonly slip?: string;
  readonly reverses?: string;
  readonly reversedBy?: string;
  /** Why it does not count (declined, refused), or whom it waits for. */
  readonly note?: string;
}

export interface TimebankHistory {
  readonly member: string;
  readonly balance: string;
  readonly counted: readonly TimebankHistoryLine[];
  readonly unsettled: readonly TimebankHistoryLine[];
}

export interface HoursMonth {
  /** YYYY-MM. */
  readonly month: string;
  readonly exchanges: number;
  readonly minutes: number;
  readonly hours: string;
}

export type ListingSide = 'offer' | 'request';

export interface ListingsRequest {
  /** Both sides when left out. */
  readonly side?: ListingSide;
  /** Words, each found in the title, description, category or tags (case ignored). */
  readonly text?: string;
  readonly category?: string;
  /** Closed ones too. */
  readonly includeClosed?: boolean;
}

export interface ListingLine {
  readonly id: string;
  readonly side: ListingSide;
  readonly member: string;
  readonly date: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly tags: readonly string[];
  readonly closed?: { readonly date: string; readonly by: string; readonly note?: string };
  /** This device's member's own: they may close it. */
  readonly mine: boolean;
}

export interface ListingInput {
  readonly side: ListingSide;
  readonly title: string;
  readonly description?: string;
  readonly category: string;
  readonly tags?: readonly string[];
  readonly passphrase?: string;
}

export interface CloseListingInput {
  readonly side: ListingSide;
  /** The full id, or a unique prefix. */
  readonly listingId: string;
  readonly note?: string;
  readonly passphrase?: string;
}

export interface LogHoursInput {
  /** gave: this member gave `member` the hours; received: `member` gave them to this member. */
  readonly direction: 'gave' | 'received';
  readonly member: string;
  /** Exactly one of the two: hours like 2, 1.5 or 1:30, or whole minutes. */
  readonly hours?: string;
  readonly minutes?: string;
  /** Today when left out; never in the future. */
  readonly date?: string;
  readonly description: string;
  readonly category?: string;
  /** The offer or request the hours answered (id or prefix), with its side. */
  readonly listing?: { readonly side: ListingSide; readonly id: string };
  readonly passphrase?: string;
}

export interface AnswerHoursInput {
  /** The full id, or a unique prefix. */
  readonly exchangeId: string;
  /** For a decline: why, shown to the member who logged it. */
  readonly reason?: string;
  readonly passphrase?: string;
}

/** One figure of a chart: exact, and as the books show it. */
export interface ChartFigure {
  /** An exact decimal ("-1234.5"); a chart turns it into a position on the screen and never adds it to anything. */
  readonly quantity: string;
  /** In the commodity's style, "1,234.50 USD". */
  readonly shown: string;
}

export interface BalancesOverTimeRequest extends PeriodRequest {
  /** Each with its subaccounts; at most 8. The top-level asset and liability accounts when left out or empty. */
  readonly accounts?: readonly string[];
}

/** One account's balance in one commodity at the end of each month. */
export interface BalanceOverTimeLine {
  readonly account: string;
  readonly commodity: string;
  /** One per month of `months`, as recorded: credit balances (what is owed) are negative. */
  readonly figures: readonly ChartFigure[];
}

export interface BalancesOverTime {
  /** The period in words. */
  readonly period: string;
  /** The accounts charted (the defaults when none was chosen). */
  readonly accounts: readonly string[];
  /** YYYY-MM, whole months. */
  readonly months: readonly string[];
  readonly lines: readonly BalanceOverTimeLine[];
}

export interface IncomeExpensesMonth {
  /** YYYY-MM. */
  readonly month: string;
  /** Positive, as an income statement shows it. */
  readonly income: ChartFigure;
  readonly expenses: ChartFigure;
  /** Income less expenses; negative is a loss. */
  readonly net: ChartFigure;
}

export interface IncomeExpenses {
  readonly period: string;
  /** One chart per commodity: amounts in different commodities are not added up. */
  readonly commodities: readonly { readonly commodity: string; readonly months: readonly IncomeExpensesMonth[] }[];
}

/** Which federation a Federation screen reads or writes; the first by name when left out. */
export interface FederationRequest {
  readonly federation?: string;
}

/** One credit line this co-op is party to; amounts in the federation's unit at its decimal places. */
export interface CreditLineView {
  /** extended: this co-op lets `debtor` owe it; received: `creditor` lets this co-op owe it. */
  readonly direction: 'extended' | 'received';
  readonly creditor: string;
  readonly debtor: string;
  readonly limit: string;
  /** What the debtor owes the creditor now. */
  readonly used: string;
  /** What the debtor may still come to owe: the limit less what is owed and what accepted payments hold. */
  readonly available: string;
  /** Held for payments accepted on this line and not settled yet ("0.00" mostly). */
  readonly held: string;
  /** Used as a whole percentage of the limit, rounded down, 0 to 100: for meters and the chart only. */
  readonly usedPercent: number;
}

export interface FederationCoopView {
  readonly name: string;
  readonly status: 'invited' | 'member';
  /** This data folder's co-op. */
  readonly here: boolean;
}

export interface FederationState {
  readonly name: string;
  /** The unit of account, like "USD", and its decimal places. */
  readonly unit: string;
  readonly scale: number;
  /** This co-op has joined (an invited co-op may read but not pay). */
  readonly joined: boolean;
  readonly coops: readonly FederationCoopView[];
  /** Lines this co-op extended, then lines extended to it, each by the other co-op's name. */
  readonly lines: readonly CreditLineView[];
  readonly debts: readonly { readonly debtor: string; readonly creditor: string; readonly amount: string }[];
  /** Member co-ops other than this one: whom it can pay. */
  readonly payees: readonly string[];
  /** Payments this co-op is asked to accept, and clearings it is asked to consent to. */
  readonly paymentsWaiting: number;
  readonly clearingsWaiting: number;
  /** Federation entries that do not count (unsigned, tampered or not allowed). */
  readonly rejectedCount: number;
  /** What this co-op's peer accepts by itself (`credit policy`): from whom ("every co-op" for all) and up to how much a payment. */
  readonly policies: readonly { readonly debtor: string; readonly upTo: string }[];
}

export interface FederationOverview {
  /** This data folder's co-op. */
  readonly coop: string;
  /** Every federation this data folder holds, by name. */
  readonly federations: readonly string[];
  /** The federation asked for (or the first); absent when the co-op belongs to none. */
  readonly current?: FederationState;
}

export interface FederationPaymentLine {
  readonly id: string;
  /** When it was made (UTC, "2026-05-01 14:20"). */
  readonly at: string;
  readonly payer: string;
  readonly payee: string;
  /** Every co-op it passes through, payer first. */
  readonly path: readonly string[];
  readonly amount: string;
  readonly memo?: string;
  /** pending, settled, failed, expired. */
  readonly status: string;
  readonly deadline: string;
  readonly reason?: string;
  /** Creditors whose acceptance it still waits for. */
  readonly awaiting: readonly string[];
  /** out: this co-op pays; in: it is paid; through: it passes the payment on. */
  readonly direction: 'out' | 'in' | 'through';
  /** This co-op is asked to accept (or decline) it now. */
  readonly mayAnswer: boolean;
}

export interface ClearingPartyView {
  readonly coop: string;
  /** Debt set off: what the co-op owes less and is owed less (the same amount: its net position does not change). */
  readonly setOff: string;
  /** What it owes and is owed in all, before and after (a plan, and a pending proposal from what is owed now). */
  readonly owesBefore?: string;
  readonly isOwedBefore?: string;
  readonly owesAfter?: string;
  readonly isOwedAfter?: string;
}

export interface SetOffView {
  readonly debtor: string;
  readonly creditor: string;
  readonly amount: string;
}

/** A clearing the federation could propose now, as `clear plan` computes it. */
export interface ClearingPlanView {
  readonly total: string;
  readonly owed: string;
  /** The share of the debt it clears, like "75.00%". */
  readonly share: string;
  readonly parties: readonly ClearingPartyView[];
  readonly setOffs: readonly SetOffView[];
  /** Co-ops left out because they declined the last clearing. */
  readonly excluded: readonly string[];
}

export interface ClearingProposalView {
  readonly id: string;
  /** pending, applied, declined, expired, failed. */
  readonly status: string;
  readonly proposer: string;
  readonly at: string;
  readonly deadline: string;
  readonly total: string;
  readonly setOffs: readonly SetOffView[];
  /** What each involved co-op gains; for a pending proposal, from what is owed now. */
  readonly parties: readonly ClearingPartyView[];
  readonly consented: readonly string[];
  readonly declined: readonly string[];
  readonly waitingFor: readonly string[];
  readonly reason?: string;
  /** This co-op is asked to consent (or decline) now. */
  readonly mayAnswer: boolean;
}

export interface FederationClearings {
  /** The plan, when any debt can be set off now; otherwise why not, in words. */
  readonly plan?: ClearingPlanView;
  readonly noPlanWhy?: string;
  /** Why a proposal cannot be made now (one is waiting for consent), in words. */
  readonly mayNotProposeWhy?: string;
  /** Those waiting for consent first, then the newest first. */
  readonly proposals: readonly ClearingProposalView[];
}

export interface PayCoopInput extends FederationRequest {
  /** The payee's name. */
  readonly coop: string;
  /** A decimal in the federation's unit, like 120.00. */
  readonly amount: string;
  readonly memo?: string;
  readonly passphrase?: string;
}

export interface AnswerPaymentInput extends FederationRequest {
  /** The full id, or a unique prefix. */
  readonly paymentId: string;
  readonly accept: boolean;
  /** For a decline: why, shown to the payer. */
  readonly reason?: string;
  readonly passphrase?: string;
}

export interface ProposeClearingInput extends FederationRequest {
  /** A date or instant; a week from now when left out. */
  readonly deadline?: string;
  readonly passphrase?: string;
}

export interface AnswerClearingInput extends FederationRequest {
  readonly clearingId: string;
  readonly consent: boolean;
  readonly passphrase?: string;
}

/** This co-op's card, which a member of a federation pastes to invite it, as `tallystick federation card` prints it. */
export interface FederationCard {
  readonly coop: string;
  readonly card: string;
}

/** Founds a federation, as `tallystick federation create NAME --unit --account`. */
export interface CreateFederationInput {
  readonly name: string;
  /** The unit of account: a symbol and its decimal places, like "USD:2" (the default). */
  readonly unit?: string;
  /** The account payments in and out are posted against in this co-op's books (default "Equity:Mutual credit"). */
  readonly account?: string;
  readonly passphrase?: string;
}

/** Invites a co-op by its card, as `tallystick federation invite CARD`. */
export interface InviteCoopInput extends FederationRequest {
  readonly card: string;
  readonly passphrase?: string;
}

export interface FederationInvitation {
  /** The code the invited co-op joins with; absent when this device's peer is not running (it hands the document over). */
  readonly code?: string;
  /** What happened and what to do next, in words. */
  readonly message: string;
}

/** Joins a federation with the code a member made: fetches its document from that member's peer, then joins, as `federation fetch CODE` and `federation join`. */
export interface JoinFederationInput {
  readonly code: string;
  readonly account?: string;
  readonly passphrase?: string;
}

/** Lets another co-op owe this one up to a limit, as `tallystick credit extend CO-OP AMOUNT` (0 closes the line to new debt). */
export interface ExtendCreditInput extends FederationRequest {
  readonly coop: string;
  readonly limit: string;
  readonly passphrase?: string;
}

/** What this co-op's peer accepts by itself, as `tallystick credit policy CO-OP UP-TO`. */
export interface CreditPolicyInput extends FederationRequest {
  /** A co-op's name, or "*" for every co-op. */
  readonly coop: string;
  /** Each payment up to this amount (0: none). */
  readonly upTo: string;
  readonly passphrase?: string;
}

/** One peer this device knows (from an invite, a dial, or one that dialled in), as `tallystick status` lists it. */
export interface SyncPeerLine {
  readonly peerId: string;
  /** The member whose device it is, when the roster names it. */
  readonly member?: string;
  readonly connected: boolean;
  /** Every document shared with it has the same heads here and there. */
  readonly inSync: boolean;
  readonly lastSeen?: string;
  readonly lastSync?: string;
  readonly lastRefused?: { readonly at: string; readonly reason: string };
  readonly addresses: readonly string[];
}

/** Whether this device syncs, and how far. */
export interface SyncStatus {
  /**
   * running: the app's service runs this device's peer; elsewhere: a `tallystick peer` on this data folder does;
   * locked: it needs the passphrase to start (the device key is the peer's identity); off: sync was not asked for.
   */
  readonly state: 'running' | 'elsewhere' | 'locked' | 'off';
  /** The state in words. */
  readonly summary: string;
  readonly peerId?: string;
  /** Where other devices reach this one (give one to a member to connect). */
  readonly addresses: readonly string[];
  readonly peers: readonly SyncPeerLine[];
  /** The co-op's documents (catalog, months) and whether each is here: an initial replication's progress. */
  readonly documents: readonly { readonly label: string; readonly present: boolean }[];
  /** What the peer did lately, newest last, in words. */
  readonly recent: readonly string[];
}

export interface ConnectInput {
  /** A multiaddr ending in /p2p/PEER-ID, as another device's Sync screen or `tallystick status` shows it. */
  readonly address: string;
}

export interface StartSyncInput {
  readonly passphrase: string;
}

/** A number that moves whenever the co-op's documents on this device change (a peer's entries arrived, a command wrote). */
export interface Changes {
  readonly version: number;
}

export interface InviteInput {
  /** For a new member: their name (the code is then good once, and the new device answers with a join request). */
  readonly member?: string;
}

export interface Invitation {
  readonly code: string;
  /** What to do next, in words. */
  readonly message: string;
}

export interface AdmitInput {
  readonly request: string;
  readonly passphrase?: string;
}

/** Join a co-op with an invite code, as `tallystick join CODE --wait` does. */
export interface JoinCoopInput {
  readonly code: string;
  readonly passphrase: string;
  readonly passphraseAgain: string;
}

export interface JoinStatus {
  /** idle: no join asked; waiting: for the members to vote this device in (or for the inviter to answer); fetching; joined; failed. */
  readonly state: 'idle' | 'waiting' | 'fetching' | 'joined' | 'failed';
  readonly coopName?: string;
  /** This device's key, for the members to vote in. */
  readonly device?: string;
  /** For a named invite: the join request to give back to the member who invited. */
  readonly request?: string;
  readonly member?: string;
  /** Where the join is, in words. */
  readonly message: string;
  readonly attempts: number;
  /** While fetching months. */
  readonly done?: number;
  readonly total?: number;
  readonly error?: ServiceFailure;
  /** Once joined: where the books and key live (for the backup reminder). */
  readonly dataFolder?: string;
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
  /** Opens (declares) an account, as `tallystick accounts open` does, with its refusals. */
  openAccount(request: OpenAccountInput): Promise<ServiceResult<Saved>>;
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
  /** Who this device is in the time bank, everyone's balance and the rules, as `hours balances` and `hours rules` read them. */
  timebank(): Promise<ServiceResult<TimebankOverview>>;
  /** Exchanges waiting for this member's answer, and those they logged that wait for others, as `hours pending`. */
  timebankPending(): Promise<ServiceResult<TimebankPending>>;
  /** A member's counted hours with the running balance, and what does not count, as `hours history`. */
  timebankHistory(request: TimebankHistoryRequest): Promise<ServiceResult<TimebankHistory>>;
  /** Hours exchanged per month, as `hours months`. */
  hoursByMonth(): Promise<ServiceResult<readonly HoursMonth[]>>;
  /** Offers and requests, searched as `offers list --search --category` does. */
  listings(request: ListingsRequest): Promise<ServiceResult<readonly ListingLine[]>>;
  addListing(request: ListingInput): Promise<ServiceResult<Saved>>;
  closeListing(request: CloseListingInput): Promise<ServiceResult<Saved>>;
  /** Logs hours given or received, as `hours log`: it counts once the other member confirms. */
  logHours(request: LogHoursInput): Promise<ServiceResult<Saved>>;
  confirmHours(request: AnswerHoursInput): Promise<ServiceResult<Saved>>;
  declineHours(request: AnswerHoursInput): Promise<ServiceResult<Saved>>;
  /** End-of-month balances of chosen accounts with their subaccounts, as `hledger balance -M --historical`. */
  balancesOverTime(request?: BalancesOverTimeRequest): Promise<ServiceResult<BalancesOverTime>>;
  /** Income, expenses and net income of each month, as the columns of `hledger incomestatement -M`. */
  incomeExpenses(request?: PeriodRequest): Promise<ServiceResult<IncomeExpenses>>;
  /** The co-op's federations, and in the one asked for its credit lines both ways, debts and what waits for it, as `credit lines`. */
  federationOverview(request?: FederationRequest): Promise<ServiceResult<FederationOverview>>;
  /** Payments this co-op is party to, newest first, as `credit lines` lists them. */
  federationPayments(request?: FederationRequest): Promise<ServiceResult<readonly FederationPaymentLine[]>>;
  /** The clearing plan now (`clear plan`) and every proposal with what each co-op gains. */
  federationClearings(request?: FederationRequest): Promise<ServiceResult<FederationClearings>>;
  /** Pays another co-op, as `credit pay`: settled at once when it only lowers a debt, else it waits for the creditors' acceptance. */
  payCoop(request: PayCoopInput): Promise<ServiceResult<Saved>>;
  /** Accepts or declines a payment, as `credit accept|decline`. */
  answerPayment(request: AnswerPaymentInput): Promise<ServiceResult<Saved>>;
  /** Proposes the clearing planned now, as `clear propose` (proposing is this co-op's consent). */
  proposeClearing(request: ProposeClearingInput): Promise<ServiceResult<Saved>>;
  /** Consents to or declines a clearing, as `clear consent|decline`. */
  answerClearing(request: AnswerClearingInput): Promise<ServiceResult<Saved>>;
  /** This co-op's card, to give a federation that will invite it. */
  federationCard(): Promise<ServiceResult<FederationCard>>;
  /** Founds a federation with this co-op as its first member, as `federation create`. */
  createFederation(request: CreateFederationInput): Promise<ServiceResult<Saved>>;
  /** Invites a co-op by its card and makes the code it joins with, as `federation invite`. */
  inviteCoop(request: InviteCoopInput): Promise<ServiceResult<FederationInvitation>>;
  /** Fetches a federation with a code from the inviting member's peer and joins it, as `federation fetch` then `federation join`. */
  joinFederation(request: JoinFederationInput): Promise<ServiceResult<Saved>>;
  /** Extends (or changes) a credit line to another co-op, as `credit extend`. */
  extendCredit(request: ExtendCreditInput): Promise<ServiceResult<Saved>>;
  /** Sets what this co-op's peer accepts by itself, as `credit policy`. */
  setCreditPolicy(request: CreditPolicyInput): Promise<ServiceResult<Saved>>;
  /** This device's peer, the peers it knows, the documents, as `tallystick status` reads them. */
  syncStatus(): Promise<ServiceResult<SyncStatus>>;
  /** Dials another device's peer by address and says whether it accepted this device. */
  connect(request: ConnectInput): Promise<ServiceResult<Saved>>;
  /** Starts the peer with the passphrase, when the service has none of its own. */
  startSync(request: StartSyncInput): Promise<ServiceResult<Saved>>;
  /** Cheap: polled about once a second so open screens re-read when the documents changed underneath. */
  changes(): Promise<ServiceResult<Changes>>;
  /** An invite code for a new device, as `tallystick invite [--member NAME]` prints it. */
  invite(request: InviteInput): Promise<ServiceResult<Invitation>>;
  /** Redeems a new device's join request, as `tallystick admit`: proposes the member and votes yes. */
  admit(request: AdmitInput): Promise<ServiceResult<Saved>>;
  /** Starts joining a co-op with an invite code (in an empty data folder) and answers where it is. */
  joinCoop(request: JoinCoopInput): Promise<ServiceResult<JoinStatus>>;
  /** Where the join started by joinCoop is. */
  joinStatus(): Promise<ServiceResult<JoinStatus>>;
}

export type BookMethod = keyof BookApi;

export const BOOK_METHODS: readonly BookMethod[] = [
  'overview', 'accountTree', 'register', 'balanceSheet', 'incomeStatement', 'trialBalance', 'previewImport', 'importFile', 'checkTransaction', 'addTransaction', 'reverseTransaction',
  'transaction', 'lockPeriod', 'rejected', 'openAccount', 'foundCoop', 'governance', 'propose', 'vote',
  'timebank', 'timebankPending', 'timebankHistory', 'hoursByMonth', 'listings', 'addListing', 'closeListing', 'logHours', 'confirmHours', 'declineHours',
  'balancesOverTime', 'incomeExpenses',
  'federationOverview', 'federationPayments', 'federationClearings', 'payCoop', 'answerPayment', 'proposeClearing', 'answerClearing',
  'federationCard', 'createFederation', 'inviteCoop', 'joinFederation', 'extendCredit', 'setCreditPolicy',
  'syncStatus', 'connect', 'startSync', 'changes', 'invite', 'admit', 'joinCoop', 'joinStatus',
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
