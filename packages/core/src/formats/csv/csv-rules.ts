import { ParseError, ValidationErrors } from '../../errors.js';
import { SUPPORTED_DATE_CONVERSIONS, compileDateFormat } from './csv-dates.js';

/** The transaction fields a rules file can set, as hledger names them (plus `payee`). */
export const CSV_RULE_FIELDS = [
  'date', 'status', 'code', 'payee', 'description', 'comment', 'account1', 'account2',
  'amount', 'amount-in', 'amount-out', 'currency', 'balance',
] as const;
export type CsvRuleField = (typeof CSV_RULE_FIELDS)[number];

/** A field value with `%name` / `%N` references to the record's CSV fields. */
export interface CsvTemplate {
  readonly text: string;
  readonly line: number;
}

/** A regular expression (case-insensitive, as hledger) matched against one field or the whole record. */
export interface CsvMatcher {
  /** A field name from `fields`, or a 1-based column number; absent: the whole record, fields joined by ",". */
  readonly field?: string;
  readonly pattern: RegExp;
}

export interface CsvConditional {
  readonly line: number;
  /** Matches when every matcher of any one group matches (`&` joins matchers into a group). */
  readonly groups: readonly (readonly CsvMatcher[])[];
  readonly assignments: ReadonlyMap<CsvRuleField, CsvTemplate>;
}

export interface CsvRules {
  readonly file: string;
  /** Records skipped at the start (header lines). */
  readonly skip: number;
  readonly separator: string;
  /** Names of the CSV columns in order; an empty name or `_` ignores a column. */
  readonly fields: readonly string[];
  readonly dateFormat?: string;
  readonly decimalMark: '.' | ',';
  /** The records are newest first (also assumed when the first date is later than the last, as hledger). */
  readonly newestFirst: boolean;
  /** What a `balance` field asserts: `=` by default, or `==`, `=*`, `==*`. */
  readonly balanceType: { readonly total: boolean; readonly inclusive: boolean };
  readonly assignments: ReadonlyMap<CsvRuleField, CsvTemplate>;
  /** In file order: a later matching block's assignment wins. */
  readonly conditionals: readonly CsvConditional[];
}

const DIRECTIVES = 'skip, separator, fields, date-format, decimal-mark, newest-first, balance-type, if, or a field assignment';
const SEPARATORS: Readonly<Record<string, string>> = { TAB: '\t', SPACE: ' ', '\\t': '\t' };
const REFERENCE = /%([A-Za-z0-9_-]+)/gu;

/**
 * Reads an hledger-style CSV rules file. Every problem is reported (one ParseError, or ValidationErrors
 * with all of them): an unknown or unsupported directive (`include`, `timezone`, …), a bad value, an
 * invalid regular expression, a `%name` that no `fields` entry defines.
 */
export function parseCsvRules(text: string, file: string): CsvRules {
  const parser = new RulesParser(text.replace(/\r\n?/gu, '\n').split('\n'), file);
  const rules = parser.parse();
  if (parser.errors.length === 1) throw parser.errors[0]!;
  if (parser.errors.length > 1) throw new ValidationErrors(parser.errors);
  return rules;
}

interface MutableRules {
  skip: number;
  separator: string;
  fields: string[];
  dateFormat?: string;
  decimalMark: '.' | ',';
  newestFirst: boolean;
  balanceType: { total: boolean; inclusive: boolean };
  assignments: Map<CsvRuleField, CsvTemplate>;
  conditionals: CsvConditional[];
}

class RulesParser {
  readonly errors: ParseError[] = [];
  private index = 0;
  private readonly rules: MutableRules = {
    skip: 0, separator: ',', fields: [], decimalMark: '.', newestFirst: false,
    balanceType: { total: false, inclusive: false }, assignments: new Map(), conditionals: [],
  };

  constructor(private readonly lines: readonly string[], private readonly file: string) {}

  parse(): CsvRules {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!;
      const lineNumber = this.index + 1;
      this.index += 1;
      if (isBlankOrComment(line)) continue;
      if (/^\s/u.test(line)) {
        this.fail(lineNumber, indentOf(line) + 1, 'an indented line outside an if block', 'a directive at the start of the line, or an if line before indented assignments');
        continue;
      }
      const { keyword, value, valueColumn } = splitDirective(line);
      this.directive(keyword, value, lineNumber, valueColumn);
    }
    this.checkComplete();
    const { fields, assignments, conditionals, ...rest } = this.rules;
    return { file: this.file, ...rest, fields, assignments, conditionals };
  }

  private directive(keyword: string, value: string, line: number, column: number): void {
    switch (keyword) {
      case 'skip': return this.skip(value, line, column);
      case 'separator': return this.separator(value, line, column);
      case 'fields': return this.fields(value, line, column);
      case 'date-format': return this.dateFormat(value, line, column);
      case 'decimal-mark':
        if (value === '.' || value === ',') this.rules.decimalMark = value;
        else this.fail(line, column, quote(value), 'decimal-mark . or ,');
        return;
      case 'newest-first':
        this.rules.newestFirst = true;
        return;
      case 'balance-type': {
        const match = /^(==?)(\*?)$/u.exec(value);
        if (match) this.rules.balanceType = { total: match[1] === '==', inclusive: match[2] === '*' };
        else this.fail(line, column, quote(value), 'balance-type =, ==, =* or ==*');
        return;
      }
      case 'if': return this.conditional(value, line, column);
      default:
        if (isRuleField(keyword)) {
          this.rules.assignments.set(keyword, this.template(value, line, column));
          return;
        }
        this.fail(line, 1, `directive "${keyword}"${keyword === 'include' || keyword === 'timezone' ? ' (not supported)' : ''}`, DIRECTIVES);
    }
  }

  private skip(value: string, line: number, column: number): void {
    if (value === '') this.rules.skip = 1;
    else if (/^\d+$/u.test(value)) this.rules.skip = Number(value);
    else this.fail(line, column, quote(value), 'skip followed by a number of records');
  }

  private separator(value: string, line: number, column: number): void {
    const separator = SEPARATORS[value] ?? value;
    if ([...separator].length === 1 && separator !== '"' && separator !== '\n') this.rules.separator = separator;
    else this.fail(line, column, quote(value), 'one separator character, such as , or ; or TAB');
  }

  private fields(value: string, line: number, column: number): void {
    const parts = value.split(',');
    let offset = column;
    for (const part of parts) {
      const name = part.trim();
      if (!/^[A-Za-z0-9_-]*$/u.test(name)) this.fail(line, offset + indentOf(part), `field name ${quote(name)}`, 'field names of letters, digits, - and _ separated by commas');
      offset += part.length + 1;
    }
    this.rules.fields = parts.map((part) => part.trim()).map((name) => (name === '_' ? '' : name));
  }

  private dateFormat(value: string, line: number, column: number): void {
    const compiled = compileDateFormat(value);
    if (compiled.ok) this.rules.dateFormat = value;
    else this.fail(line, column, `${compiled.problem} in date-format ${quote(value)}`, `a format made of ${SUPPORTED_DATE_CONVERSIONS} and literal text, such as %d/%m/%Y`);
  }

  /** `if PATTERN` or `if` followed by pattern lines, then indented assignments, up to a blank or unindented line. */
  private conditional(first: string, line: number, firstColumn: number): void {
    const groups: CsvMatcher[][] = [];
    let patterns = 0;
    const addMatcher = (text: string, at: number, column: number) => {
      patterns += 1;
      const and = /^&\s*/u.exec(text);
      const matcher = this.matcher(and ? text.slice(and[0].length) : text, at, column + (and ? and[0].length : 0));
      if (!matcher) return;
      if (and && groups.length > 0) groups[groups.length - 1]!.push(matcher);
      else groups.push([matcher]);
    };
    if (first !== '') addMatcher(first, line, firstColumn);
    while (this.index < this.lines.length && !/^\s/u.test(this.lines[this.index]!) && !isBlankOrComment(this.lines[this.index]!)) {
      addMatcher(this.lines[this.index]!.trimEnd(), this.index + 1, 1);
      this.index += 1;
    }
    const assignments = new Map<CsvRuleField, CsvTemplate>();
    while (this.index < this.lines.length && /^\s+\S/u.test(this.lines[this.index]!)) {
      const text = this.lines[this.index]!;
      const lineNumber = this.index + 1;
      this.index += 1;
      if (isBlankOrComment(text)) continue;
      const { keyword, value, valueColumn } = splitDirective(text.trimStart());
      const indent = indentOf(text);
      if (isRuleField(keyword)) assignments.set(keyword, this.template(value, lineNumber, valueColumn + indent));
      else this.fail(lineNumber, indent + 1, `"${keyword}" in an if block`, `a field assignment (${CSV_RULE_FIELDS.join(', ')})`);
    }
    if (patterns === 0) this.fail(line, 1, 'an if block with no pattern', 'a regular expression after if, or on the lines below it');
    if (assignments.size === 0) this.fail(line, 1, 'an if block with no assignments', 'indented field assignments below the patterns, such as "  account2 Expenses:Food"');
    this.rules.conditionals.push({ line, groups, assignments });
  }

  private matcher(text: string, line: number, column: number): CsvMatcher | undefined {
    const fieldMatch = /^%([A-Za-z0-9_-]+)\s+(.*)$/u.exec(text);
    const field = fieldMatch?.[1];
    const source = fieldMatch ? fieldMatch[2]!.trim() : text.trim();
    if (field !== undefined && !this.isKnownReference(field)) {
      this.fail(line, column, `%${field}`, `a field named in the fields line (${this.fieldList()}) or a column number`);
      return undefined;
    }
    try {
      return { ...(field !== undefined ? { field } : {}), pattern: new RegExp(source, 'i') };
    } catch {
      this.fail(line, column, `the invalid regular expression ${quote(source)}`, 'a regular expression such as coffee|tea');
      return undefined;
    }
  }

  private template(text: string, line: number, column: number): CsvTemplate {
    for (const match of text.matchAll(REFERENCE)) {
      if (!this.isKnownReference(match[1]!)) {
        this.fail(line, column + match.index, `%${match[1]!}`, `a field named in the fields line (${this.fieldList()}) or a column number such as %1`);
      }
    }
    return { text, line };
  }

  /** References are checked against the fields line, so `fields` must come before what uses it (as hledger reads it). */
  private isKnownReference(name: string): boolean {
    return /^\d+$/u.test(name) ? Number(name) >= 1 : name !== '' && this.rules.fields.includes(name);
  }

  private fieldList(): string {
    return this.rules.fields.filter((name) => name !== '').join(', ') || 'none yet';
  }

  private checkComplete(): void {
    const canSet = (field: CsvRuleField) => this.rules.fields.includes(field) || this.rules.assignments.has(field)
      || this.rules.conditionals.some((conditional) => conditional.assignments.has(field));
    const end = { line: this.lines.length, column: 1 };
    if (!canSet('date')) this.fail(end.line, end.column, 'no date', 'a date field in the fields line, or a date assignment');
    if (!canSet('amount') && !canSet('amount-in') && !canSet('amount-out')) this.fail(end.line, end.column, 'no amount', 'an amount, amount-in or amount-out field, or an amount assignment');
    if (!canSet('account1')) this.fail(end.line, end.column, 'no account1', 'account1 ACCOUNT: the account the statement is for, such as Assets:Bank');
  }

  private fail(line: number, column: number, found: string, expected: string): void {
    this.errors.push(new ParseError({ file: this.file, line, column }, found, expected));
  }
}

function isRuleField(name: string): name is CsvRuleField {
  return (CSV_RULE_FIELDS as readonly string[]).includes(name);
}

function isBlankOrComment(line: string): boolean {
  return /^\s*(?:[#;*].*)?$/u.test(line);
}

function indentOf(line: string): number {
  return /^\s*/u.exec(line)![0].length;
}

/** `keyword value`: the value trimmed, with the column it starts at (1-based, within the given text). */
function splitDirective(text: string): { keyword: string; value: string; valueColumn: number } {
  const match = /^(\S+)\s*(.*?)\s*$/u.exec(text)!;
  const keyword = match[1]!;
  const value = match[2]!;
  const valueColumn = value === '' ? keyword.length + 1 : text.indexOf(value, keyword.length) + 1;
  return { keyword, value, valueColumn };
}

function quote(text: string): string {
  return `"${text}"`;
}
