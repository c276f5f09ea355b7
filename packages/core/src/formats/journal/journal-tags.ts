/**
 * Tags in journal comments. hledger's rule, applied to each comment line: the word just before a
 * colon is a tag name, and its value runs to the next comma or the end of the line (`; client:acme,
 * billable:`). ledger's `; :tag1:tag2:` line form is read as value-less tags.
 */

export interface CommentLineTags {
  /** Name and value of each tag, in order; the value is '' for a bare tag. */
  readonly tags: readonly (readonly [string, string])[];
  /** True when the line holds nothing but tags, commas and blanks (it is then not kept as comment text). */
  readonly onlyTags: boolean;
}

export function scanCommentTags(line: string): CommentLineTags {
  const trimmed = line.trim();
  if (isLedgerTagLine(trimmed)) {
    return { tags: trimmed.slice(1, -1).split(':').map((name) => [name, ''] as const), onlyTags: true };
  }
  const tags: (readonly [string, string])[] = [];
  let freeText = false;
  let position = 0;
  for (;;) {
    const colon = line.indexOf(':', position);
    if (colon < 0) {
      freeText ||= hasWords(line, position, line.length);
      break;
    }
    let nameStart = colon;
    while (nameStart > position && !isBlankChar(line.charCodeAt(nameStart - 1))) nameStart -= 1;
    freeText ||= hasWords(line, position, nameStart);
    if (nameStart === colon) {
      // "text : more" or "::": no tag name before this colon; keep looking, as hledger does.
      freeText = true;
      position = colon + 1;
      continue;
    }
    const comma = line.indexOf(',', colon + 1);
    const valueEnd = comma < 0 ? line.length : comma;
    tags.push([line.slice(nameStart, colon), line.slice(colon + 1, valueEnd).trim()]);
    position = comma < 0 ? line.length : comma + 1;
  }
  return { tags, onlyTags: tags.length > 0 && !freeText };
}

function isLedgerTagLine(text: string): boolean {
  if (text.length < 3 || text.charCodeAt(0) !== 58 || text.charCodeAt(text.length - 1) !== 58) return false;
  for (let index = 1; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isBlankChar(code) || (code === 58 && text.charCodeAt(index - 1) === 58)) return false;
  }
  return true;
}

function isBlankChar(code: number): boolean {
  return code === 32 || code === 9;
}

function hasWords(line: string, from: number, to: number): boolean {
  for (let index = from; index < to; index += 1) {
    const code = line.charCodeAt(index);
    if (!isBlankChar(code) && code !== 44) return true;
  }
  return false;
}

/** Tags, links and metadata gathered from the comment lines of a transaction or posting. */
export interface CommentParts {
  /** Free-text comment lines joined by "\n" (lines holding only tags are left out), if any. */
  readonly comment?: string;
  readonly tags: string[];
  /** Tags whose name starts with "^" (how writeJournal carries beancount links), without the "^". */
  readonly links: string[];
  readonly metadata: Record<string, string>;
}

/**
 * Splits comment lines into free text, bare tags (`tag:`), links (`^link:`) and metadata
 * (`key: value`; a later value for the same key wins).
 */
const NO_STRINGS: string[] = Object.freeze([]) as unknown as string[];
const NO_METADATA: Record<string, string> = Object.freeze({}) as Record<string, string>;
/** Shared and frozen: most transactions have no comment, and a big journal has many transactions. */
const NO_COMMENT: CommentParts = Object.freeze({ tags: NO_STRINGS, links: NO_STRINGS, metadata: NO_METADATA });

export function splitComment(lines: readonly string[]): CommentParts {
  if (lines.length === 0) return NO_COMMENT;
  const textLines: string[] = [];
  const tags: string[] = [];
  const links: string[] = [];
  const metadata: Record<string, string> = {};
  for (const line of lines) {
    const scanned = scanCommentTags(line);
    if (!scanned.onlyTags) textLines.push(line.trim());
    for (const [name, value] of scanned.tags) {
      if (value !== '') metadata[name] = value;
      else if (name.startsWith('^') && name.length > 1) pushUnique(links, name.slice(1));
      else pushUnique(tags, name);
    }
  }
  const comment = textLines.join('\n');
  return comment.trim() === '' ? { tags, links, metadata } : { comment, tags, links, metadata };
}

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}
