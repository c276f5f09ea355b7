import { type CsvParsedRecord, parse } from 'csv-parse/browser/esm/sync';
import { ParseError } from '../../errors.js';

/** Where a field starts in the CSV text. */
export interface CsvPosition {
  readonly line: number;
  readonly column: number;
}

/** One CSV record with the place of each field, for error messages. */
export interface CsvRow {
  readonly fields: readonly string[];
  /** The line the record starts on. */
  readonly line: number;
  readonly positions: readonly CsvPosition[];
}

export interface CsvReadOptions {
  readonly file: string;
  /** One character; "," by default. */
  readonly separator?: string;
}

/**
 * Splits CSV text into records with csv-parse (its pure browser build). Line breaks are normalized to
 * "\n" first, so that line numbers stay right whatever the file used. Blank lines are skipped.
 * A malformed file (an unclosed quote, text after a closing quote) throws ParseError.
 */
export function readCsvRows(text: string, options: CsvReadOptions): CsvRow[] {
  const separator = options.separator ?? ',';
  const normalized = text.replace(/\r\n?/gu, '\n');
  let records: CsvParsedRecord[];
  try {
    records = parse(normalized, { delimiter: separator, bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true });
  } catch (error) {
    throw tokenizerError(error, options.file);
  }
  const rows: CsvRow[] = [];
  for (const { record, raw, info } of records) {
    if (record.every((field) => field.trim() === '')) continue;
    const body = raw.replace(/^\n+/u, '').replace(/\n$/u, '');
    const line = info.lines - countNewlines(body);
    rows.push({ fields: record, line, positions: fieldPositions(body.replace(/^\uFEFF/u, ''), line, separator) });
  }
  return rows;
}

function countNewlines(text: string): number {
  let count = 0;
  for (const character of text) if (character === '\n') count += 1;
  return count;
}

/** Where each field of one record's raw text starts: after the record start and each unquoted separator. */
function fieldPositions(body: string, firstLine: number, separator: string): CsvPosition[] {
  const positions: CsvPosition[] = [{ line: firstLine, column: 1 }];
  let line = firstLine;
  let column = 1;
  let quoted = false;
  let fieldStart = true;
  for (let index = 0; index < body.length; index += 1) {
    const character = body[index]!;
    if (character === '"' && (fieldStart || quoted)) {
      // An opening quote, a closing quote, or (doubled) a quote inside a quoted field.
      if (quoted && body[index + 1] === '"') { index += 1; column += 2; continue; }
      quoted = !quoted;
    } else if (character === separator && !quoted) {
      positions.push({ line, column: column + 1 });
      column += 1;
      fieldStart = true;
      continue;
    }
    fieldStart = false;
    if (character === '\n') { line += 1; column = 1; } else column += 1;
  }
  return positions;
}

function tokenizerError(error: unknown, file: string): ParseError {
  const details = error as { code?: string; lines?: number; message?: string };
  const location = { file, line: details.lines ?? 1, column: 1 };
  switch (details.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ParseError(location, 'a quoted field that is never closed', 'a closing " before the end of the file');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new ParseError(location, 'text right after a closing quote', 'the separator or the end of the line after a closing " (write "" for a quote inside a quoted field)');
    default:
      return new ParseError(location, `malformed CSV (${details.message ?? String(error)})`, 'comma-separated fields, quoted with " where needed');
  }
}
