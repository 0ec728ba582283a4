import type { Database, SqlDbDefinition } from './database.ts';
import { type SqlConnection, openSql } from './sql/connection.ts';
import { migrateDb } from './sql/migrate.ts';

/** The DBs of one box, by name, and the connection they share. */
export interface StartedDatabases extends AsyncDisposable {
  readonly dbs: ReadonlyMap<string, Database>;
  /** The connection the DBs share, for work that spans several of them in one transaction. */
  readonly sql: SqlConnection;
  readonly displayUrl: string;
  close(): Promise<void>;
}

/**
 * Opens the database at `url`, brings every DB's tables up to date, and returns the DBs.
 * Each call opens its own connection, so two boxes in one process share nothing.
 */
export async function openDatabases(
  url: string,
  definitions: Iterable<SqlDbDefinition>,
): Promise<StartedDatabases> {
  const conn = await openSql(url);
  try {
    const dbs = new Map<string, Database>();
    for (const definition of definitions) {
      await migrateDb(conn, definition.name, definition.migrations);
      dbs.set(definition.name, definition.open(conn));
    }
    const close = () => conn.close();
    return { dbs, sql: conn, displayUrl: conn.displayUrl, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await conn.close();
    throw error;
  }
}
