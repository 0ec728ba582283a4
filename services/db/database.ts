import { sql, type Kysely } from 'kysely';
import type { SqlConnection } from './sql/connection.ts';
import type { Migrations } from './sql/migrate.ts';

/** What every DB offers, whatever its backend. */
export interface Database {
  /** The DiracX name (`JobDB`, `AuthDB`…), which is also its key in the registry. */
  readonly name: string;
  /** Resolves when the backend answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
}

/** A registry entry: how to create one DB's tables and open it on a connection. */
export interface SqlDbDefinition<D extends Database = Database> {
  readonly name: string;
  readonly migrations: Migrations;
  open(conn: SqlConnection): D;
}

/**
 * A registry entry for a DB that is not SQL (DiracX's OpenSearch DBs): how to open it.
 * Each app opens its own, so two boxes share nothing.
 */
export interface StoreDbDefinition<D extends Database = Database> {
  readonly name: string;
  open(): D;
}

/** A DB stored in SQL tables described by `Tables`. */
export class SqlDatabase<Tables> implements Database {
  readonly name: string;
  protected readonly conn: SqlConnection;

  constructor(name: string, conn: SqlConnection) {
    this.name = name;
    this.conn = conn;
  }

  protected get db(): Kysely<Tables> {
    return this.conn.kysely as Kysely<Tables>;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.conn.kysely);
  }
}

/** The definition of a DB whose interface is, so far, its tables and `ping`. */
export function defineSqlDb<Tables>(
  name: string,
  migrations: Migrations,
): SqlDbDefinition<SqlDatabase<Tables>> {
  return { name, migrations, open: (conn) => new SqlDatabase<Tables>(name, conn) };
}
