import { RE2JS, RE2JSException } from 're2js';
import { InvalidRequestError } from '../../core/index.ts';

/**
 * Longest `regex` search pattern accepted. DiracX sets none; a bound keeps the compiled
 * automaton (and MySQL's work per row) small whatever a client sends.
 */
export const MAX_REGEX_LENGTH = 1000;

/**
 * Compiles a search pattern with RE2 semantics: matching time is linear in the input, so
 * no pattern can stall the event loop as a backtracking RegExp would (`^(a+)+$`).
 * Throws InvalidRequestError (400) for an over-long or malformed pattern, and for Perl
 * constructs RE2 leaves out (backreferences, lookaround), so every backend refuses them.
 */
export function compileRegex(pattern: string): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH)
    throw new InvalidRequestError(`Invalid regex: longer than ${MAX_REGEX_LENGTH} characters`);
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    if (error instanceof RE2JSException)
      throw new InvalidRequestError(`Invalid regex ${pattern}: ${error.message}`);
    throw error;
  }
}

/**
 * The pattern as handed to SQL `REGEXP`, checked first. MySQL/MariaDB match
 * case-insensitively under the usual `_ci` collations; the inline flag makes every backend
 * case-sensitive, as RE2 (and DiracX on SQLite) is, while an explicit `(?i)` inside still wins.
 */
export function sqlRegexPattern(pattern: string): string {
  compileRegex(pattern);
  return `(?-i:${pattern})`;
}

/**
 * The `regexp(pattern, value)` function SQLite leaves to the application, on RE2, with a
 * small cache of compiled patterns (a search evaluates the same one on every row).
 */
export function re2RegexpFunction(): (pattern: unknown, value: unknown) => number {
  const compiled = new Map<string, RE2JS>();
  return (pattern, value) => {
    if (value === null || value === undefined) return 0;
    const text = String(pattern);
    let regex = compiled.get(text);
    if (regex === undefined) {
      regex = compileRegex(text);
      if (compiled.size >= 100) compiled.delete(compiled.keys().next().value as string);
      compiled.set(text, regex);
    }
    return regex.test(String(value)) ? 1 : 0;
  };
}
