/** A plain-text table in the shape of hledger's multi-column reports: a label column, `||`, value columns. */
export interface TextTable {
  readonly header: readonly string[];
  readonly sections: readonly TextTableSection[];
}

export interface TextTableSection {
  readonly heading?: string;
  readonly rows: readonly TextTableRow[];
  /** Printed below a rule; a section of only a total (the "Net:" line) has no rows. */
  readonly total?: TextTableRow;
}

export interface TextTableRow {
  readonly label: string;
  /** One entry per column; a cell may hold several lines (one per commodity). */
  readonly cells: readonly (readonly string[])[];
}

/** Width in characters as a terminal shows most text (code points; no wide-character handling). */
export function textWidth(text: string): number {
  let width = 0;
  for (const _character of text) width += 1;
  return width;
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - textWidth(text))) + text;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

export function renderTextTable(table: TextTable): string {
  const allRows = table.sections.flatMap((section) => [...section.rows, ...(section.total ? [section.total] : [])]);
  const labelWidth = Math.max(0, ...allRows.map((row) => textWidth(row.label)), ...table.sections.map((section) => textWidth(section.heading ?? '')));
  const widths = table.header.map((title, column) => Math.max(textWidth(title), ...allRows.map((row) => Math.max(0, ...(row.cells[column] ?? []).map(textWidth)))));
  const rule = (character: string, cross: string) => `${character.repeat(labelWidth + 2)}${cross}${widths.map((width) => character.repeat(width + 2)).join('')}`;
  const line = (label: string, cells: readonly string[]) => ` ${padEnd(label, labelWidth)} ||${cells.map((cell, column) => ` ${padStart(cell, widths[column]!)} `).join('')}`.trimEnd();
  const lines = [line('', table.header), rule('=', '++')];
  table.sections.forEach((section, index) => {
    if (index > 0) lines.push(rule('=', '++'));
    if (section.heading !== undefined) lines.push(line(section.heading, table.header.map(() => '')), rule('-', '++'));
    for (const row of section.rows) lines.push(...rowLines(row, line));
    if (section.total) {
      if (section.rows.length > 0 || section.heading !== undefined) lines.push(rule('-', '++'));
      lines.push(...rowLines(section.total, line));
    }
  });
  return `${lines.join('\n')}\n`;
}

/** A row of several lines: the label on the first line, each cell's lines stacked from the top. */
function rowLines(row: TextTableRow, line: (label: string, cells: readonly string[]) => string): string[] {
  const height = Math.max(1, ...row.cells.map((cell) => cell.length));
  return Array.from({ length: height }, (_, index) => line(index === 0 ? row.label : '', row.cells.map((cell) => cell[index] ?? '')));
}
