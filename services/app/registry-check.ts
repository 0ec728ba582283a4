import { UsageError } from '../core/index.ts';
import { type Database, type DbSet, type SqlConnection, methodsOf } from '../db/index.ts';
import { type Registry, builtinRegistry } from './registry.ts';

/**
 * Refuses a registry that cannot serve: a router needing a DB or an access policy that no
 * entry provides, or a DB registered under a built-in name that lacks a method of the
 * built-in one (and so does not implement its interface). Each problem is one sentence.
 */
export function checkRegistry(registry: Registry, dbs: DbSet, conn: SqlConnection): void {
  for (const router of [...registry.routers.values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    for (const name of router.needs.dbs)
      if (!dbs.has(name))
        throw new UsageError(
          `The router "${router.name}" needs the DB ${name}, which no entry registers`,
        );
    for (const name of router.needs.policies)
      if (!registry.policies.has(name))
        throw new UsageError(
          `The router "${router.name}" needs the access policy "${name}", which no entry registers`,
        );
  }
  for (const name of dbs.names()) {
    const builtin = builtinDb(name, conn);
    const replacement = dbs.named(name)!;
    if (builtin === undefined || replacement === builtin) continue;
    const has = methodsOf(replacement);
    const missing = [...methodsOf(builtin)].filter((method) => !has.has(method)).sort();
    if (missing.length > 0)
      throw new UsageError(
        `The DB registered as ${name} does not implement its interface: it lacks ${missing.join(', ')}`,
      );
  }
}

/** A built-in DB of that name, opened without touching the database, to read its methods. */
function builtinDb(name: string, conn: SqlConnection): Database | undefined {
  const sql = builtinRegistry.dbs.get(name);
  if (sql !== undefined) return sql.open(conn);
  return builtinRegistry.storeDbs.get(name)?.open();
}
