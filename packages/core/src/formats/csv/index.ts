export { type CsvPosition, type CsvReadOptions, type CsvRow, readCsvRows } from './csv-rows.js';
export {
  CSV_RULE_FIELDS, type CsvConditional, type CsvMatcher, type CsvRuleField, type CsvRules, type CsvTemplate, parseCsvRules,
} from './csv-rules.js';
export { type CsvImportOptions, csvToParsedBook, importCsv } from './csv-import.js';
export { type CsvAmount, type CsvAmountReading, readCsvAmount } from './csv-amounts.js';
export { type CompiledDateFormat, type CsvDateReader, compileDateFormat, readDefaultDate } from './csv-dates.js';
export { CSV_EXPORT_COLUMNS, type CsvWriteOptions, quoteCsvField, writeCsv } from './csv-write.js';
