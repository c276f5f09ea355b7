import { useState } from 'react';
import type { BookApi, ImportFormat, ImportInput, ImportPreview } from '../../packages/peer/src/service/protocol.js';
import { Problem } from './problem.js';
import { useConfirmedWrite } from './use-confirmed-write.js';
import { useService } from './use-service.js';

/** How a bank statement's columns map to a transaction; written out as hledger-style CSV rules. */
export interface CsvMapping {
  readonly header: boolean;
  readonly date: number;
  readonly dateFormat: string;
  readonly description: number;
  /** One signed amount column, or money in and out in two columns. */
  readonly amount: number;
  readonly amountOut: number;
  readonly decimalComma: boolean;
  readonly currency: string;
  readonly bankAccount: string;
  readonly otherAccount: string;
}

const NONE = -1;
const DATE_FORMATS = ['%Y-%m-%d', '%d/%m/%Y', '%m/%d/%Y', '%d.%m.%Y', '%d-%m-%Y'] as const;

/** The rules file for a mapping: the same text `tallystick import FILE --rules` reads. */
export function rulesOfMapping(mapping: CsvMapping, columns: number, separator: string): string {
  const names = Array.from({ length: columns }, (_, index) => {
    if (index === mapping.date) return 'date';
    if (index === mapping.description) return 'description';
    if (index === mapping.amount) return mapping.amountOut === NONE ? 'amount' : 'amount-in';
    if (index === mapping.amountOut) return 'amount-out';
    return '_';
  });
  return [
    ...(mapping.header ? ['skip 1'] : []),
    ...(separator === ',' ? [] : [`separator ${separator === '\t' ? 'TAB' : separator}`]),
    `fields ${names.join(', ')}`,
    `date-format ${mapping.dateFormat}`,
    ...(mapping.decimalComma ? ['decimal-mark ,'] : []),
    ...(mapping.currency.trim() ? [`currency ${mapping.currency.trim()}`] : []),
    `account1 ${mapping.bankAccount.trim()}`,
    `account2 ${mapping.otherAccount.trim()}`,
    '',
  ].join('\n');
}

/** A first guess from the header row: the columns named like a date, a description and an amount. */
function guessMapping(records: readonly (readonly string[])[]): CsvMapping {
  const header = records[0] ?? [];
  const find = (pattern: RegExp) => header.findIndex((name) => pattern.test(name));
  const hasHeader = header.length > 0 && !header.some((field) => /^\s*-?[\d.,]+\s*$/u.test(field));
  const date = find(/date|datum|fecha/iu);
  const amount = find(/amount|betrag|importe|montant|value/iu);
  const description = find(/desc|memo|text|payee|narrat|concept|libell/iu);
  return {
    header: hasHeader, date: Math.max(0, date), dateFormat: DATE_FORMATS[0], description: description < 0 ? Math.min(1, header.length - 1) : description,
    amount: amount < 0 ? Math.max(0, header.length - 1) : amount, amountOut: NONE, decimalComma: false, currency: 'USD',
    bankAccount: 'Assets:Bank:Checking', otherAccount: 'Expenses:Unknown',
  };
}

/** Import a journal, a beancount file or a bank CSV: pick the file, see what it adds, map a CSV's columns, import. */
export function ImportWizard({ api, needsPassphrase, onSaved }: { api: BookApi; needsPassphrase: boolean; onSaved: (message: string) => void }) {
  const [file, setFile] = useState<{ fileName: string; text: string; serial: number } | undefined>();
  const [format, setFormat] = useState<ImportFormat | ''>('');
  const [mapping, setMapping] = useState<CsvMapping | undefined>();
  const [passphrase, setPassphrase] = useState('');
  // A new file input after each import: choosing the same file again must read it again.
  const [inputKey, setInputKey] = useState(0);
  const [csvShape, setCsvShape] = useState<{ columns: number; separator: string; records: readonly (readonly string[])[] } | undefined>();
  const rules = mapping && csvShape ? rulesOfMapping(mapping, csvShape.columns, csvShape.separator) : undefined;
  const request: ImportInput | undefined = file && { fileName: file.fileName, text: file.text, ...(format ? { format } : {}), ...(rules ? { rules } : {}) };
  const key = file ? `${file.serial}:${format}:${rules ?? ''}` : 'none';
  const [preview] = useService<ImportPreview | undefined>(async () => {
    if (!request) return { ok: true, value: undefined };
    const result = await api.previewImport(request);
    if (result.ok && result.value.format === 'csv' && result.value.csvRecords && !mapping) {
      setMapping(guessMapping(result.value.csvRecords));
      setCsvShape({ columns: Math.max(...result.value.csvRecords.map((record) => record.length)), separator: result.value.csvSeparator ?? ',', records: result.value.csvRecords });
    }
    return result;
  }, key);
  const { confirming, saving, problem, submit, cancel } = useConfirmedWrite(
    () => api.importFile({ ...request!, ...(passphrase ? { passphrase } : {}) }),
    (message) => { setFile(undefined); setMapping(undefined); setCsvShape(undefined); setInputKey((value) => value + 1); onSaved(message); },
  );
  const choose = async (chosen: File | undefined) => {
    cancel();
    setMapping(undefined);
    setCsvShape(undefined);
    setFile(chosen ? { fileName: chosen.name, text: await chosen.text(), serial: Date.now() } : undefined);
  };
  const ready = preview.state === 'ready' && preview.value?.ready === true;
  return (
    <form className="action-form import" aria-label="Import a file" onSubmit={(event) => void submit(event)}>
      <p id="import-explained">
        Bring in books kept elsewhere: an hledger or ledger journal, a beancount file, or a bank statement as CSV. Nothing is written until
        you confirm; a file with a mistake imports nothing and says on which line. Importing the same file again adds nothing.
      </p>
      <label>File to import <input key={inputKey} type="file" accept=".journal,.ledger,.hledger,.dat,.j,.txt,.beancount,.bean,.csv,.tsv" aria-describedby="import-explained" onChange={(event) => void choose(event.target.files?.[0])} /></label>
      <label>Format <select value={format} onChange={(event) => { setFormat(event.target.value as ImportFormat | ''); cancel(); }}>
        <option value="">From the file name</option><option value="ledger">hledger / ledger journal</option><option value="beancount">beancount</option><option value="csv">CSV bank statement</option>
      </select></label>
      {mapping && csvShape && <CsvMappingForm mapping={mapping} records={csvShape.records} onChange={(next) => { setMapping(next); cancel(); }} />}
      {rules && <details><summary>The rules for this mapping (for <code>tallystick import --rules</code>)</summary><pre>{rules}</pre></details>}
      {preview.state === 'loading' && file && <p aria-busy="true">Reading {file.fileName}…</p>}
      {preview.state === 'failed' && <Problem error={preview.error} />}
      {preview.state === 'ready' && preview.value && <PreviewSummary preview={preview.value} fileName={file?.fileName ?? ''} />}
      {needsPassphrase && ready && <label>Passphrase <input type="password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} autoComplete="current-password" /></label>}
      {confirming && preview.state === 'ready' && preview.value && <p role="alert" className="confirm">Import {preview.value.transactions} transactions and {preview.value.declarations} declarations from {file?.fileName}? Press the button again to confirm.</p>}
      {problem && <Problem error={problem} />}
      <div className="buttons">
        <button type="submit" disabled={!ready || saving || (preview.state === 'ready' && preview.value?.transactions === 0 && preview.value.declarations === 0)}>{saving ? 'Importing…' : confirming ? 'Confirm import' : 'Import…'}</button>
        {confirming && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
    </form>
  );
}

function PreviewSummary({ preview, fileName }: { preview: ImportPreview; fileName: string }) {
  if (!preview.ready) return <p role="status">Say which column holds what, and the preview follows.</p>;
  return (
    <section aria-label="What the import adds">
      <p role="status">
        {fileName} ({preview.format}): {preview.transactions} new transaction{preview.transactions === 1 ? '' : 's'} and {preview.declarations} declaration{preview.declarations === 1 ? '' : 's'}
        {preview.alreadyPresent > 0 ? `; ${preview.alreadyPresent} already in the books, skipped` : ''}.
      </p>
      {preview.warnings.map((warning) => <p key={warning} className="problem">{warning}</p>)}
      <table className="report" aria-label="First transactions of the file">
        <thead><tr><th scope="col">Date</th><th scope="col">Description</th><th scope="col">Postings</th></tr></thead>
        <tbody>
          {preview.sample.map((transaction, index) => (
            <tr key={`${index}:${transaction.date}`}>
              <td>{transaction.date}</td><td>{transaction.description}</td>
              <td>{transaction.postings.map((posting) => <div key={posting.account + posting.amount}>{posting.account} {posting.amount}</div>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function CsvMappingForm({ mapping, records, onChange }: { mapping: CsvMapping; records: readonly (readonly string[])[]; onChange: (mapping: CsvMapping) => void }) {
  const header = records[0] ?? [];
  const columns = Math.max(0, ...records.map((record) => record.length));
  const names = Array.from({ length: columns }, (_, index) => (mapping.header && header[index] ? `${index + 1}: ${header[index]}` : `Column ${index + 1}`));
  const column = (label: string, field: 'date' | 'description' | 'amount' | 'amountOut', optional = false) => (
    <label>{label} <select aria-label={label} value={mapping[field]} onChange={(event) => onChange({ ...mapping, [field]: Number(event.target.value) })}>
      {optional && <option value={NONE}>(none: one signed amount column)</option>}
      {names.map((name, index) => <option key={name} value={index}>{name}</option>)}
    </select></label>
  );
  return (
    <fieldset className="mapping">
      <legend>Columns of the CSV file</legend>
      <table className="report" aria-label="The first rows of the CSV file">
        <tbody>{records.slice(0, 5).map((record, index) => <tr key={index}>{record.map((field, column) => <td key={column}>{field}</td>)}</tr>)}</tbody>
      </table>
      <label className="check"><input type="checkbox" checked={mapping.header} onChange={(event) => onChange({ ...mapping, header: event.target.checked })} /> The first row names the columns</label>
      {column('Date', 'date')}
      <label>Date format <select aria-label="Date format" value={mapping.dateFormat} onChange={(event) => onChange({ ...mapping, dateFormat: event.target.value })}>
        {DATE_FORMATS.map((pattern) => <option key={pattern} value={pattern}>{pattern.replace('%Y', 'YYYY').replace('%m', 'MM').replace('%d', 'DD')}</option>)}
      </select></label>
      {column('Description', 'description')}
      {column(mapping.amountOut === NONE ? 'Amount' : 'Money in', 'amount')}
      {column('Money out', 'amountOut', true)}
      <label className="check"><input type="checkbox" checked={mapping.decimalComma} onChange={(event) => onChange({ ...mapping, decimalComma: event.target.checked })} /> Amounts use a decimal comma (1.234,56)</label>
      <label>Currency <input value={mapping.currency} onChange={(event) => onChange({ ...mapping, currency: event.target.value })} /></label>
      <label>This statement&apos;s account <input value={mapping.bankAccount} onChange={(event) => onChange({ ...mapping, bankAccount: event.target.value })} /></label>
      <label>The other side, until sorted <input value={mapping.otherAccount} onChange={(event) => onChange({ ...mapping, otherAccount: event.target.value })} /></label>
    </fieldset>
  );
}
