import { type AccountName, parseAccountName } from '../../account.js';
import { type Amount, negateAmount } from '../../amount.js';
import { type IsoDate } from '../../date.js';
import { ParseError, ValidationErrors } from '../../errors.js';
import { type Posting, type Transaction, type TransactionStatus } from '../../transaction.js';
import { type ParsedBook, type Sourced } from '../parsed-book.js';
import { type CsvDateReader, compileDateFormat, readDefaultDate } from './csv-dates.js';
import { type CsvAmount, readCsvAmount } from './csv-amounts.js';
import { type CsvPosition, type CsvRow, readCsvRows } from './csv-rows.js';
import { type CsvConditional, type CsvMatcher, type CsvRuleField, type CsvRules, type CsvTemplate } from './csv-rules.js';

export interface CsvImportOptions {
  /** The CSV file's name, for error locations and sources. */
  readonly file: string;
  /** account2 when no rule sets one and money comes in; `Income:Unknown` by default (hledger: income:unknown). */
  readonly unknownIncomeAccount?: AccountName;
  /** account2 when no rule sets one and money goes out; `Expenses:Unknown` by default. */
  readonly unknownExpenseAccount?: AccountName;
}

/** Reads CSV text with the rules' separator, then converts it: see `csvToParsedBook`. */
export function importCsv(text: string, rules: CsvRules, options: CsvImportOptions): ParsedBook {
  return csvToParsedBook(readCsvRows(text, { file: options.file, separator: rules.separator }), rules, options);
}

/**
 * One two-posting transaction per record (after `skip`): account1 gets the amount (with a balance assertion
 * when there is a `balance` field), account2 the opposite. Records are kept in file order, reversed when
 * they are newest first. Every bad record is reported (one ParseError, or ValidationErrors with all of them)
 * and then nothing is imported.
 */
export function csvToParsedBook(rows: readonly CsvRow[], rules: CsvRules, options: CsvImportOptions): ParsedBook {
  const compiled = rules.dateFormat === undefined ? undefined : compileDateFormat(rules.dateFormat);
  const readDate: CsvDateReader = compiled?.ok ? compiled.read : readDefaultDate;
  const converter = new RecordConverter(rules, options, readDate);
  const transactions: Sourced<Transaction>[] = [];
  const errors: ParseError[] = [];
  for (const row of rows.slice(rules.skip)) {
    const result = converter.convert(row);
    if (result.ok) transactions.push({ value: result.transaction, source: { file: options.file, line: row.line, column: 1 } });
    else errors.push(...result.errors);
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ValidationErrors(errors);
  const first = transactions[0]?.value.date;
  const last = transactions[transactions.length - 1]?.value.date;
  if (rules.newestFirst || (first !== undefined && last !== undefined && first > last)) transactions.reverse();
  return { transactions, accounts: [], commodities: [], prices: [], assertions: [], warnings: [] };
}

interface FieldValue {
  readonly text: string;
  readonly position: CsvPosition;
}

type Conversion = { ok: true; transaction: Transaction } | { ok: false; errors: ParseError[] };

class RecordConverter {
  constructor(private readonly rules: CsvRules, private readonly options: CsvImportOptions, private readonly readDate: CsvDateReader) {}

  convert(row: CsvRow): Conversion {
    const errors: ParseError[] = [];
    const fail = (position: CsvPosition, found: string, expected: string) => {
      errors.push(new ParseError({ file: this.options.file, ...position }, found, expected));
    };
    if (row.fields.length < this.rules.fields.length) {
      fail(rowStart(row), `${row.fields.length} field(s)`, `${this.rules.fields.length} fields (${this.rules.fields.map((name) => name || '_').join(', ')}), as the fields line says`);
      return { ok: false, errors };
    }
    const record = new RecordView(row, this.rules);
    const date = this.date(record.value('date'), row, fail);
    const amount = this.amount(record, row, fail);
    const account1 = this.account(record.value('account1'), row, fail, undefined);
    const fallback = amount && amount.quantity.isNegative() ? this.options.unknownExpenseAccount ?? 'Expenses:Unknown' : this.options.unknownIncomeAccount ?? 'Income:Unknown';
    const account2 = this.account(record.value('account2'), row, fail, fallback as AccountName);
    const status = this.status(record.value('status'), fail);
    const balance = this.balance(record, amount?.commodity, fail);
    const text = (field: CsvRuleField) => record.value(field)?.text || undefined;
    const [code, payee, description, comment] = [text('code'), text('payee'), text('description'), text('comment')];
    // Every value has been read by now, so every reference past the last field is known.
    for (const reference of record.missingReferences) fail(rowStart(row), `${row.fields.length} field(s)`, `a field ${reference} for the rules to use`);
    if (errors.length > 0 || !date || !amount || !account1 || !account2) return { ok: false, errors };
    const first: Posting = { account: account1, amount, ...(balance ? { balanceAssertion: { amount: balance, ...this.balanceType() } } : {}) };
    const transaction: Transaction = {
      date,
      status,
      ...optional('code', code),
      ...optional('payee', payee),
      description: description ?? '',
      tags: [],
      links: [],
      metadata: {},
      ...optional('comment', comment),
      postings: [first, { account: account2, amount: negateAmount(amount) }],
    };
    return { ok: true, transaction };
  }

  private date(value: FieldValue | undefined, row: CsvRow, fail: Fail): IsoDate | undefined {
    const date = value && value.text !== '' ? this.readDate(value.text) : undefined;
    if (!date) fail(value?.position ?? rowStart(row), value && value.text !== '' ? `date ${quote(value.text)}` : 'no date', `a date like ${this.rules.dateFormat ?? 'YYYY-MM-DD'}${this.rules.dateFormat ? ' (the date-format)' : ''}`);
    return date;
  }

  private amount(record: RecordView, row: CsvRow, fail: Fail): Amount | undefined {
    const read = (value: FieldValue | undefined): CsvAmount | undefined | null => {
      if (!value || value.text === '') return undefined;
      const reading = readCsvAmount(value.text, this.rules.decimalMark);
      if (reading.ok) return reading.amount;
      fail(value.position, `amount ${quote(value.text)}`, `an amount like ${this.rules.decimalMark === '.' ? '-1,234.56' : '-1.234,56'} (a currency symbol, parentheses for negative)`);
      return null;
    };
    const plain = read(record.value('amount'));
    if (plain === null) return undefined;
    let found = plain;
    if (found === undefined) {
      const incoming = read(record.value('amount-in'));
      const outgoing = read(record.value('amount-out'));
      if (incoming === null || outgoing === null) return undefined;
      const used = [incoming, outgoing].filter((value) => value !== undefined && !value.quantity.isZero());
      if (used.length === 2) {
        fail(record.value('amount-in')!.position, `both amount-in ${quote(record.value('amount-in')!.text)} and amount-out ${quote(record.value('amount-out')!.text)}`, 'one of them, the other empty or zero');
        return undefined;
      }
      found = outgoing !== undefined && !outgoing.quantity.isZero() ? { ...outgoing, quantity: outgoing.quantity.negate() } : incoming ?? outgoing;
    }
    if (found === undefined) {
      fail(rowStart(row), 'no amount', 'an amount in the amount, amount-in or amount-out field');
      return undefined;
    }
    return { commodity: this.commodity(record, found), quantity: found.quantity };
  }

  private commodity(record: RecordView, amount: CsvAmount): string {
    return record.value('currency')?.text || amount.symbol;
  }

  private balance(record: RecordView, commodity: string | undefined, fail: Fail): Amount | undefined {
    const value = record.value('balance');
    if (!value || value.text === '') return undefined;
    const reading = readCsvAmount(value.text, this.rules.decimalMark);
    if (!reading.ok) {
      fail(value.position, `balance ${quote(value.text)}`, 'a balance amount like -1,234.56');
      return undefined;
    }
    return { commodity: record.value('currency')?.text || reading.amount.symbol || (commodity ?? ''), quantity: reading.amount.quantity };
  }

  private balanceType(): { total?: true; inclusive?: true } {
    return { ...(this.rules.balanceType.total ? { total: true } : {}), ...(this.rules.balanceType.inclusive ? { inclusive: true } : {}) };
  }

  private account(value: FieldValue | undefined, row: CsvRow, fail: Fail, fallback: AccountName | undefined): AccountName | undefined {
    if (!value || value.text === '') {
      if (!fallback) fail(value?.position ?? rowStart(row), 'no account1', 'an account1 rule or field naming the account, such as Assets:Bank');
      return fallback;
    }
    try {
      return parseAccountName(value.text);
    } catch {
      fail(value.position, `account ${quote(value.text)}`, 'an account name: segments separated by ":", such as Expenses:Food');
      return undefined;
    }
  }

  private status(value: FieldValue | undefined, fail: Fail): TransactionStatus {
    const text = value?.text ?? '';
    if (text === '' || text === '*' || text === '!') return text;
    fail(value!.position, `status ${quote(text)}`, 'a status of *, ! or nothing');
    return '';
  }
}

type Fail = (position: CsvPosition, found: string, expected: string) => void;

/** The values of one record as the rules see them: assignments (the last matching `if` wins) over columns. */
class RecordView {
  private readonly assignments = new Map<CsvRuleField, CsvTemplate>();
  /** `%N` references beyond the record's last field. */
  readonly missingReferences = new Set<string>();

  constructor(private readonly row: CsvRow, private readonly rules: CsvRules) {
    for (const [field, template] of rules.assignments) this.assignments.set(field, template);
    for (const conditional of rules.conditionals) {
      if (!this.matches(conditional)) continue;
      for (const [field, template] of conditional.assignments) this.assignments.set(field, template);
    }
  }

  value(field: CsvRuleField): FieldValue | undefined {
    const template = this.assignments.get(field);
    if (template) return this.interpolate(template);
    return this.column(field);
  }

  /** A CSV field by name from the fields line, or by 1-based number. */
  private column(reference: string): FieldValue | undefined {
    const index = /^\d+$/u.test(reference) ? Number(reference) - 1 : this.rules.fields.indexOf(reference);
    if (index < 0 || index >= this.row.fields.length) return undefined;
    return { text: this.row.fields[index]!.trim(), position: this.row.positions[index] ?? rowStart(this.row) };
  }

  private interpolate(template: CsvTemplate): FieldValue {
    let position: CsvPosition | undefined;
    const text = template.text.replace(/%([A-Za-z0-9_-]+)/gu, (_, reference: string) => {
      const value = this.column(reference);
      if (!value) this.missingReferences.add(`%${reference}`);
      position ??= value?.position;
      return value?.text ?? '';
    });
    return { text: text.trim(), position: position ?? rowStart(this.row) };
  }

  private matches(conditional: CsvConditional): boolean {
    return conditional.groups.some((group) => group.every((matcher) => this.matcherMatches(matcher)));
  }

  private matcherMatches(matcher: CsvMatcher): boolean {
    const text = matcher.field === undefined ? this.row.fields.join(',') : this.column(matcher.field)?.text ?? '';
    return matcher.pattern.test(text);
  }
}

function rowStart(row: CsvRow): CsvPosition {
  return { line: row.line, column: 1 };
}

function quote(text: string): string {
  return `"${text}"`;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
