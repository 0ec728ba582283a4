import { Value } from 'typebox/value';
import { type Config, UsageError } from '../core/index.ts';
import { type Database, type DbSet, type SqlConnection, methodsOf } from '../db/index.ts';
import { type Registry, builtinRegistry } from './registry.ts';

/**
 * Refuses a registry that cannot serve: a router needing a DB or an access policy that no
 * entry provides, hooks needing a DB that no entry provides, a policy in place of a built-in one that does not decide all its actions,
 * or a DB registered under a built-in name that lacks a method of the built-in one (and so
 * does not implement its interface). Each problem is one sentence.
 */
export async function checkRegistry(
  registry: Registry,
  dbs: DbSet,
  conn: SqlConnection,
): Promise<void> {
  for (const router of [...registry.routers.values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    for (const name of router.needs.dbs)
      if (!dbs.has(name))
        throw new UsageError(
          `The router "${router.name}"${from(registry, 'router', router.name)} needs the DB ${name}, which no entry registers`,
        );
    for (const name of router.needs.policies)
      if (!registry.policies.has(name))
        throw new UsageError(
          `The router "${router.name}"${from(registry, 'router', router.name)} needs the access policy "${name}", which no entry registers`,
        );
  }
  for (const hooks of registry.hooks?.values() ?? [])
    for (const name of hooks.needs.dbs)
      if (!dbs.has(name))
        throw new UsageError(
          `The hooks "${hooks.name}"${from(registry, 'hooks', hooks.name)} need the DB ${name}, which no entry registers`,
        );
  for (const [name, policy] of registry.policies) {
    const builtin = builtinRegistry.policies.get(name);
    if (builtin === undefined || builtin === policy) continue;
    const decided = new Set(policy.actions ?? []);
    const missing = builtin.actions.filter((action) => !decided.has(action));
    if (missing.length > 0)
      throw new UsageError(
        `The access policy "${name}"${from(registry, 'policy', name)} registered in place of gridbox's does not decide ${missing.join(', ')}`,
      );
  }
  for (const name of dbs.names()) {
    const builtin = await builtinDb(name, conn);
    const replacement = dbs.named(name)!;
    if (builtin === undefined || replacement === builtin) continue;
    const has = methodsOf(replacement);
    const missing = [...methodsOf(builtin)].filter((method) => !has.has(method)).sort();
    if (missing.length > 0)
      throw new UsageError(
        `The DB registered as ${name}${from(registry, 'db', name)} does not implement its interface: it lacks ${missing.join(', ')}`,
      );
  }
}

/** ` by the extension "x"` when an extension registered the entry, else nothing. */
function from(
  registry: Registry,
  kind: 'db' | 'router' | 'policy' | 'hooks',
  name: string,
): string {
  const extension = registry.origins?.get(`${kind} ${name}`);
  return extension === undefined ? '' : ` (from the extension "${extension}")`;
}

/**
 * A built-in DB of that name, opened without touching any server (a store DB in its
 * in-process form), to read its methods.
 */
async function builtinDb(name: string, conn: SqlConnection): Promise<Database | undefined> {
  const sql = builtinRegistry.dbs.get(name);
  if (sql !== undefined) return sql.open(conn);
  return builtinRegistry.storeDbs.get(name)?.open({ timeoutMs: 1 });
}

/**
 * Refuses a configuration in which a VO's section added by an extension
 * (`Operations.<vo>.<name>`) does not match the extension's schema. A VO without the
 * section passes: extensions read it as optional.
 */
export function checkOperationsSections(registry: Registry, config: Config | undefined): void {
  if (config === undefined) return;
  for (const section of registry.operationsSections?.values() ?? [])
    for (const [vo, operations] of Object.entries(config.Operations)) {
      const value = (operations as Record<string, unknown>)[section.name];
      if (value === undefined) continue;
      const [first] = Value.Errors(section.schema, value);
      if (first !== undefined)
        throw new UsageError(
          `The configuration section Operations.${vo}.${section.name} does not match its extension's schema: ${first.instancePath || 'the section'} ${first.message}`,
        );
    }
}
