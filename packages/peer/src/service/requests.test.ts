import { ParseError, TallystickError } from '@tallystick/core';
import { describe, expect, it } from 'vitest';
import { describeFailure } from './requests.js';

describe('describeFailure', () => {
  it("puts the CLI's flags in the app's words and starts the sentence with a capital", () => {
    const failure = describeFailure(new TallystickError('unbalanced', 'the postings do not balance: --posting "Assets:Cash  10" is off by 10'));
    expect(failure).toEqual({ code: 'unbalanced', message: 'The postings do not balance: the posting "Assets:Cash  10" is off by 10' });
  });

  it('leaves a message that starts with a file name as written', () => {
    const failure = describeFailure(new ParseError({ file: 'bank.csv', line: 3, column: 7 }, 'x', 'a date'));
    expect(failure.message.startsWith('bank.csv:3:7')).toBe(true);
  });
});
