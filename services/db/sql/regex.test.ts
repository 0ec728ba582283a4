import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../core/index.ts';
import { MAX_REGEX_LENGTH, compileRegex, re2RegexpFunction, sqlRegexPattern } from './regex.ts';

describe('search regex engine', () => {
  it.each([
    // Each needs exponential time on a backtracking engine; RE2 answers in one pass.
    ['^(a+)+$', `${'a'.repeat(10_000)}!`, false],
    ['^(a|aa)+$', `${'a'.repeat(10_000)}!`, false],
    ['(x+x+)+y|b', `${'x'.repeat(10_000)}!b`, true],
    ['^(a+)+$', 'a'.repeat(10_000), true],
  ])('answers %s over a 10,000-character value without backtracking', (pattern, value, found) => {
    expect(re2RegexpFunction()(sqlRegexPattern(pattern), value)).toBe(found ? 1 : 0);
  });

  it.each([
    ['^t', 'two', 1],
    ['^T', 'two', 0],
    ['(?i)^T', 'two', 1],
    ['a|b', 'xb', 1],
    ['^ü.$', 'üé', 1],
    ['^x', null, 0],
  ])('matches %s against %j case-sensitively, as RE2 does: %i', (pattern, value, expected) => {
    expect(re2RegexpFunction()(sqlRegexPattern(pattern), value)).toBe(expected);
  });

  it.each([
    ['(', /^Invalid regex \(: .*missing closing \)/],
    ['[a-', /^Invalid regex \[a-: .*missing closing \]/],
    ['(?=a)', /^Invalid regex .*unsupported Perl syntax/],
    ['(a)\\1', /^Invalid regex .*invalid escape sequence/],
    ['a{1001}', /^Invalid regex .*invalid repeat count/],
    ['a'.repeat(MAX_REGEX_LENGTH + 1), /^Invalid regex: longer than 1000 characters/],
  ])('refuses %s with a 400 saying why', (pattern, detail) => {
    let thrown: unknown;
    try {
      compileRegex(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidRequestError);
    expect((thrown as InvalidRequestError).statusCode).toBe(400);
    expect((thrown as InvalidRequestError).message).toMatch(detail);
  });
});
