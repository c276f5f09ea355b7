/**
 * Errors a user can cause (bad input, a rule the books enforce) are `TallystickError`s with a stable
 * `code`; the message names the value, the rule and, where there is one, the fix.
 * Programmer errors are `AssertionError`s from `assert` and should crash loudly.
 */
export class TallystickError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'TallystickError';
  }
}

/** Where in a source text something was found. Lines and columns start at 1. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** A malformed input: prints as `file:line:column: found …, expected …`. */
export class ParseError extends TallystickError {
  readonly location: SourceLocation;
  readonly found: string;
  readonly expected: string;
  constructor(location: SourceLocation, found: string, expected: string, code = 'parse_error') {
    super(code, `${formatLocation(location)}: found ${found}, expected ${expected}`);
    this.name = 'ParseError';
    this.location = location;
    this.found = found;
    this.expected = expected;
  }
}

/** Several problems found at once (validators report all of them, not just the first). */
export class ValidationErrors extends TallystickError {
  readonly errors: readonly TallystickError[];
  constructor(errors: readonly TallystickError[]) {
    assert(errors.length > 0, 'ValidationErrors needs at least one error');
    super(
      errors.length === 1 ? errors[0]!.code : 'multiple_errors',
      errors.map((error) => error.message).join('\n'),
    );
    this.name = 'ValidationErrors';
    this.errors = errors;
  }
}

export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
