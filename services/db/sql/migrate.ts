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
import { MYSQL_CHARSET, MYSQL_COLLATION, type SqlConnection } from './connection.ts';

/** A DB's migrations by name; names sort in the order they must run. */
export type Migrations = (types: ColumnTypes) => Record<string, Migration>;

/**
 * Brings one DB's tables up to date. Each DB keeps its own migration table, so DBs can be
 * added by extensions, or live in separate databases, without knowing about each other.
 * `schema` is the MySQL database the DB's tables (and its migration table) live in, when
 * it has one of its own; `conn` is then the DB's view qualified with it (`forDb`).
 */
export async function migrateDb(
  conn: SqlConnection,
  dbName: string,
  migrations: Migrations,
  schema?: string,
): Promise<void> {
  const all = migrations(columnTypes(conn.dialect));
  const migrator = new Migrator({
    db: conn.dialect === 'mysql' ? conn.kysely.withPlugin(new Utf8mb4Tables()) : conn.kysely,
    provider: { getMigrations: () => Promise.resolve(all) },
    migrationTableName: `gridbox_migrations_${dbName}`,
    migrationLockTableName: `gridbox_migrations_${dbName}_lock`,
    // Kysely's MySQL introspection lists the tables of the connection's default database
    // only; naming the schema keeps a same-named table there from passing for this one.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} of ${dbName} failed`, { cause: error });
  }
}

/**
 * Creates every MySQL table in utf8mb4 with a collation MariaDB and MySQL 8 share (see
 * MYSQL_COLLATION). Without it a table takes the database's default, often latin1, and an
 * emoji or a CJK job name fails to insert.
 */
class Utf8mb4Tables implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!CreateTableNode.is(node)) return node;
    return CreateTableNode.cloneWithEndModifier(
      node,
      RawNode.createWithSql(`default character set ${MYSQL_CHARSET} collate ${MYSQL_COLLATION}`),
    );
  }

  transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(result);
  }
}
