/*
 * The part of csv-parse's browser ESM sync build that core uses (tsconfig `paths` points the import here).
 * Its published types reference @types/node, which core must not see; the build itself imports nothing.
 */

export interface CsvParseOptions {
  readonly delimiter?: string;
  readonly quote?: string;
  readonly bom?: boolean;
  readonly info?: boolean;
  readonly raw?: boolean;
  readonly relax_column_count?: boolean;
  readonly skip_empty_lines?: boolean;
}

export interface CsvParseInfo {
  /** Lines read so far: the line the record ends on. */
  readonly lines: number;
  readonly records: number;
}

export interface CsvParsedRecord {
  readonly record: string[];
  /** The record's text as read, including any empty lines skipped before it. */
  readonly raw: string;
  readonly info: CsvParseInfo;
}

export declare class CsvError extends Error {
  readonly code: string;
  readonly lines?: number;
}

export declare function parse(input: string, options: CsvParseOptions & { readonly info: true; readonly raw: true }): CsvParsedRecord[];
export declare function parse(input: string, options?: CsvParseOptions): string[][];
