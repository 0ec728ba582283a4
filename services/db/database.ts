import { sql, type Kysely } from 'kysely';
import type { OpenSearchConnectionOptions } from './opensearch/connection.ts';
import type { SqlConnection } from './sql/connection.ts';
import type { Migrations } from './sql/migrate.ts';

/** What every DB offers, whatever its backend. */
export interface Database {
  /** The DiracX name (`JobDB`, `AuthDB`…), which is also its key in the registry. */
  readonly name: string;
  /** Resolves when the backend answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Releases what the DB holds of its own (a server connection); the app calls it on close. */
  close?(): Promise<void>;
}

/** A registry entry: how to create one DB's tables and open it on a connection. */
export interface SqlDbDefinition<D extends Database = Database> {
  readonly name: string;
  readonly migrations: Migrations;
  open(conn: SqlConnection): D;
}

/** What a store DB is opened with. */
export interface StoreDbContext {
  /** The OpenSearch server of the box's OpenSearch DBs; in-process DBs when undefined. */
  readonly openSearch?: OpenSearchConnectionOptions;
  /** Longest wait for one request to a server, in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * A registry entry for a DB that is not SQL (DiracX's OpenSearch DBs): how to open it,
 * including any start-up work (an index template). Each app opens its own, so two boxes
 * share nothing; the app calls the DB's `close` when it closes.
 */
export interface StoreDbDefinition<D extends Database = Database> {
  readonly name: string;
  open(context: StoreDbContext): D | Promise<D>;
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
