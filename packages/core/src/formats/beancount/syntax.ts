/**
 * Lexical rules of beancount 2.x that the parser and the writer share: which names are valid commodity
 * symbols and account names, how strings are escaped, and the metadata keys Tallystick reserves to carry
 * what beancount syntax cannot say (so that a written file reads back to the same transactions).
 */

/** beancount's CURRENCY_RE: 2 to 24 characters, a capital first, a capital or digit last. */
const COMMODITY_PATTERN = /^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$/u;

export function isBeancountCommodity(symbol: string): boolean {
  return COMMODITY_PATTERN.test(symbol);
}

/** A non-root account segment (ACC_COMP_NAME_RE): a capital letter or digit, then letters, digits, "-". */
const SEGMENT_PATTERN = /^[\p{Lu}\p{Nd}][\p{L}\p{Nd}-]*$/u;
/** A root name as set by `option "name_assets"` etc. (ACC_COMP_TYPE_RE). */
const ROOT_PATTERN = /^\p{Lu}[\p{L}\p{Nd}-]*$/u;

export function isBeancountSegment(segment: string): boolean {
  return SEGMENT_PATTERN.test(segment) && !hasAsciiOutsideAccountSet(segment);
}

export function isBeancountRootName(name: string): boolean {
  return ROOT_PATTERN.test(name) && !hasAsciiOutsideAccountSet(name);
}

/** The lexer only lets ASCII letters, digits and "-" (and any non-ASCII character) into a name. */
function hasAsciiOutsideAccountSet(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 128 && !isAsciiAccountCharacter(code)) return true;
  }
  return false;
}

export function isAsciiAccountCharacter(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45;
}

/** Tags and links: `#name`, `^name` with ASCII letters, digits and `-_/.`. */
export function isTagCharacter(code: number): boolean {
  return isAsciiAccountCharacter(code) || code === 95 || code === 47 || code === 46;
}

export function isBeancountTag(tag: string): boolean {
  if (tag.length === 0) return false;
  for (let index = 0; index < tag.length; index += 1) if (!isTagCharacter(tag.charCodeAt(index))) return false;
  return true;
}

/** Metadata keys: a lowercase letter, then letters, digits, `-` and `_`. */
const METADATA_KEY_PATTERN = /^[a-z][a-zA-Z0-9_-]*$/u;

export function isBeancountMetadataKey(key: string): boolean {
  return METADATA_KEY_PATTERN.test(key);
}

/** Transaction flags besides `*` and `!` that beancount's lexer accepts (P is the one pads produce). */
export const OTHER_FLAGS = new Set(['&', '#', '?', '%', 'P', 'S', 'T', 'C', 'U', 'R', 'M']);

/** Writes a string literal the lexer reads back to the same text. */
export function quoteString(text: string): string {
  let result = '"';
  for (const character of text) {
    switch (character) {
      case '\\': result += '\\\\'; break;
      case '"': result += '\\"'; break;
      case '\n': result += '\\n'; break;
      case '\r': result += '\\r'; break;
      case '\t': result += '\\t'; break;
      case '\f': result += '\\f'; break;
      case '\b': result += '\\b'; break;
      default: result += character;
    }
  }
  return `${result}"`;
}

/** The lexer's unescaping: `\n \t \r \f \b` are control characters, any other escaped character stands for itself. */
export function unescapeString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let result = '';
  for (let index = 0; index < raw.length; index += 1) {
    const character = raw[index]!;
    if (character !== '\\' || index === raw.length - 1) {
      result += character;
      continue;
    }
    index += 1;
    const escaped = raw[index]!;
    result += ESCAPES[escaped] ?? escaped;
  }
  return result;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', b: '\b' };

/**
 * Metadata keys Tallystick writes and reads back. They are valid beancount keys, so a written file stays
 * plain beancount; a hand-written file that happens to use them gets the same meaning.
 */
export const RESERVED_KEYS = {
  /** On `open`: the Tallystick account name this sanitized beancount name stands for. */
  account: 'tallystick-account',
  /** On `commodity`: the Tallystick commodity symbol this ticker stands for. */
  symbol: 'tallystick-symbol',
  /** On an account declaration: the `open` directive's booking method. */
  booking: 'tallystick-booking',
  /** On a transaction or posting: a beancount flag other than `*`, `!` and `txn`. */
  flag: 'tallystick-flag',
  /** On a transaction: the journal code, which beancount has no syntax for. */
  code: 'tallystick-code',
  /** JSON for what beancount cannot spell: tags or links with other characters, other metadata keys, posting tags. */
  extra: 'tallystick-extra',
  /** On a transaction made from a `pad` directive: that directive. */
  pad: 'tallystick-pad',
  /** On a posting added to absorb a residual beancount tolerates: the tolerance. */
  rounding: 'tallystick-rounding',
} as const;
