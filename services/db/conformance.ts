import { AssertionError } from 'node:assert';
import type { SqlDbDefinition } from './database.ts';
import { openDatabases } from './open-databases.ts';

/**
 * A DB conformance kit: the behaviours a DB of one interface must have, as named async
 * checks that throw (node:assert) when the behaviour is missing. Framework-free, so the
 * same checks run in this repository's vitest suites (on every backend) and in
 * `gridbox validate-extension`, against an extension's DB registered under a built-in name.
 * Each check opens what it needs through `open`, a fresh, empty database per call, and
 * closes it (`await using`).
 */
export interface ConformanceCheck<T extends AsyncDisposable> {
  /** The behaviour, as a sentence ("gives jobs consecutive ids…"); also the test's title. */
  readonly name: string;
  run(open: () => Promise<T>): Promise<void>;
}

/** The checks of one DB interface, and how to open the DBs they need. */
export interface ConformanceSuite<T extends AsyncDisposable = AsyncDisposable> {
  /** The DB (by its registry name) whose replacement must pass the checks. */
  readonly db: string;
  /** The other DBs the checks use alongside it, by name. */
  readonly alongside: readonly string[];
  readonly checks: readonly ConformanceCheck<T>[];
  /** Opens the DBs on `url` (migrated), taking each DB's definition from `definitionOf`. */
  open(url: string, definitionOf: (name: string) => SqlDbDefinition): Promise<T>;
}

export interface ConformanceResult {
  /** The DB checked and the check, e.g. `JobDB` and `keeps every attribute…`. */
  readonly db: string;
  readonly check: string;
  readonly passed: boolean;
  /** Why it failed: the assertion's message, or the error a method threw. */
  readonly message?: string;
}

/**
 * Runs every check of `suite` on fresh databases at `url` (SQLite in memory by default),
 * the DBs taken from `definitionOf` (an extended registry's): one result per check, in order.
 */
export async function runConformanceSuite(
  suite: ConformanceSuite,
  definitionOf: (name: string) => SqlDbDefinition,
  url = 'sqlite::memory:',
): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const check of suite.checks) {
    try {
      await check.run(() => suite.open(url, definitionOf));
      results.push({ db: suite.db, check: check.name, passed: true });
    } catch (error) {
      results.push({ db: suite.db, check: check.name, passed: false, message: why(error) });
    }
  }
  return results;
}

/** An assertion's message (its diff cut to a dozen lines), or the thrown error's; no stack. */
function why(error: unknown): string {
  if (error instanceof AssertionError) return error.message.split('\n').slice(0, 12).join('\n');
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** One DB alone, fresh: what the kits of DBs used on their own open. */
export interface OneDb<T> extends AsyncDisposable {
  readonly db: T;
}

/** The suite of a DB whose checks need no other DB. */
export function singleDbSuite<T>(
  name: string,
  checks: readonly ConformanceCheck<OneDb<T>>[],
): ConformanceSuite<OneDb<T>> {
  return {
    db: name,
    alongside: [],
    checks,
    async open(url, definitionOf) {
      const databases = await openDatabases(url, [definitionOf(name)]);
      return { db: databases.dbs.get(name) as T, [Symbol.asyncDispose]: () => databases.close() };
    },
  };
}
