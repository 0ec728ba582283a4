import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { UsageError } from './errors.ts';

const MAX_REPORTED = 5;

/**
 * Checks untrusted data against a schema and returns it typed, or throws a UsageError that
 * names where (`what`) and the first few offending paths.
 */
export function validateAgainst<T>(schema: TSchema, data: unknown, what: string): T {
  if (Value.Check(schema, data)) return data as T;
  const problems = [...Value.Errors(schema, data)]
    .slice(0, MAX_REPORTED)
    .map((e) => `${e.instancePath || '/'} ${e.message}`);
  throw new UsageError(`${what} is not valid: ${problems.join('; ')}.`);
}
