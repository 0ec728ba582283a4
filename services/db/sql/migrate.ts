import {
  CreateTableNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  RawNode,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import type { ColumnTypes } from './column-types.ts';
import { columnTypes } from './column-types.ts';
import type { SqlConnection } from './connection.ts';

/** A DB's migrations by name; names sort in the order they must run. */
export type Migrations = (types: ColumnTypes) => Record<string, Migration>;

/**
 * Brings one DB's tables up to date. Each DB keeps its own migration table, so DBs can be
 * added by extensions, or live in separate databases, without knowing about each other.
 */
export async function migrateDb(
  conn: SqlConnection,
  dbName: string,
  migrations: Migrations,
): Promise<void> {
  const all = migrations(columnTypes(conn.dialect));
  const migrator = new Migrator({
    db: conn.dialect === 'mysql' ? conn.kysely.withPlugin(new Utf8mb4Tables()) : conn.kysely,
    provider: { getMigrations: () => Promise.resolve(all) },
    migrationTableName: `gridbox_migrations_${dbName}`,
    migrationLockTableName: `gridbox_migrations_${dbName}_lock`,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} of ${dbName} failed`, { cause: error });
  }
}

/**
 * Creates every MySQL table in utf8mb4, as DiracX's are, with the server's default collation
 * for it. Without it a table takes the database's default, often latin1, and an emoji or a
 * CJK job name fails to insert.
 */
class Utf8mb4Tables implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!CreateTableNode.is(node)) return node;
    return CreateTableNode.cloneWithEndModifier(
      node,
      RawNode.createWithSql('default character set utf8mb4'),
    );
  }

  transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(result);
  }
}
