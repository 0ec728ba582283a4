import { sql } from 'kysely';
import { UsageError } from '../core/index.ts';
import type { Database, SqlDbDefinition } from './database.ts';
import { MYSQL_CHARSET, MYSQL_COLLATION, type SqlConnection, openSql } from './sql/connection.ts';
import { migrateDb } from './sql/migrate.ts';

/** The DBs of one box, by name, and the connection they share. */
export interface StartedDatabases extends AsyncDisposable {
  readonly dbs: ReadonlyMap<string, Database>;
  /**
   * The connection the DBs share, for work that spans several of them in one transaction.
   * When the DBs have databases of their own (`dbUrls`), its statements must name them.
   */
  readonly sql: SqlConnection;
  readonly displayUrl: string;
  close(): Promise<void>;
}

export interface OpenDatabasesOptions {
  /**
   * Where some DBs keep their tables, by DB name, in place of the shared URL: DiracX's
   * layout puts each DB in a database of its own (`mysql://…/JobDB`, `mysql://…/JobLoggingDB`).
   * Every URL in use must reach the same server as the same user.
   */
  dbUrls?: Readonly<Record<string, string>>;
  /** How long a MySQL/MariaDB statement may take before it fails with a 503 (see SqlOptions). */
  timeoutMs?: number;
}

/**
 * Opens the database at `url` (or each DB's in `dbUrls`), brings every DB's tables up to
 * date, and returns the DBs. Each call opens its own connection, so two boxes in one process
 * share nothing.
 */
export async function openDatabases(
  url: string,
  definitions: Iterable<SqlDbDefinition>,
  options: OpenDatabasesOptions = {},
): Promise<StartedDatabases> {
  const all = [...definitions];
  const plan = planDatabases(
    url,
    all.map((definition) => definition.name),
    options.dbUrls ?? {},
  );
  const conn = await openSql(plan.url, { timeoutMs: options.timeoutMs });
  try {
    if (plan.schemas !== undefined) await createMissingDatabases(conn, plan.schemas);
    const dbs = new Map<string, Database>();
    for (const definition of all) {
      const schema = plan.schemas?.get(definition.name);
      const view = conn.forDb(definition.name, schema);
      await migrateDb(view, definition.name, definition.migrations, schema);
      dbs.set(definition.name, definition.open(view));
    }
    const close = () => conn.close();
    return { dbs, sql: conn, displayUrl: conn.displayUrl, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await conn.close();
    throw error;
  }
}

/**
 * What to open: the one URL when every DB uses the same, else the server the MySQL URLs
 * share (no default database) and each DB's database. All DBs must be on one server because
 * gridbox's logic may change several of them in one transaction, which needs one connection.
 */
export function planDatabases(
  url: string,
  names: readonly string[],
  dbUrls: Readonly<Record<string, string>>,
): { url: string; schemas: ReadonlyMap<string, string> | undefined } {
  for (const name of Object.keys(dbUrls))
    if (!names.includes(name))
      throw new UsageError(`A database URL is given for ${name}, which is not a DB gridbox opens`);
  const urls = new Map(names.map((name) => [name, dbUrls[name] ?? url]));
  const distinct = new Set(urls.values());
  if (distinct.size <= 1) return { url: [...distinct][0] ?? url, schemas: undefined };
  const [firstName, firstUrl] = [...urls][0]!;
  const server = serverOf(firstName, firstUrl);
  const schemas = new Map<string, string>();
  for (const [name, dbUrl] of urls) {
    const other = serverOf(name, dbUrl);
    if (other.key !== server.key)
      throw new UsageError(
        `${firstName} (${server.display}) and ${name} (${other.display}) must be in one SQLite file, or on one MySQL server as one user, because gridbox updates several DBs in one transaction`,
      );
  }
  for (const [name, dbUrl] of urls) {
    const other = serverOf(name, dbUrl);
    if (other.database === '')
      throw new UsageError(`The database URL of ${name} names no database: add /${name}`);
    schemas.set(name, other.database);
  }
  return { url: server.url, schemas };
}

/** The identity of the server behind a MySQL URL, with what it names as database. */
function serverOf(
  name: string,
  url: string,
): { key: string; display: string; url: string; database: string } {
  if (!url.startsWith('mysql://')) return { key: url, display: url, url, database: '' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`The database URL of ${name} is not a valid URL`);
  }
  const database = decodeURIComponent(parsed.pathname.slice(1));
  parsed.pathname = '/';
  if (parsed.port === '3306') parsed.port = '';
  parsed.searchParams.sort();
  const display = `mysql://${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}`;
  return { key: parsed.toString(), display, url: parsed.toString(), database };
}

/**
 * Creates the databases the DBs name that the server lacks, in utf8mb4: DiracX's own
 * deployments create them beforehand, and a database that exists is left as it is.
 */
async function createMissingDatabases(
  conn: SqlConnection,
  schemas: ReadonlyMap<string, string>,
): Promise<void> {
  const existing = new Set(
    (
      await sql<{
        name: string;
      }>`select schema_name as name from information_schema.schemata`.execute(conn.kysely)
    ).rows.map((row) => row.name),
  );
  for (const schema of new Set(schemas.values()))
    if (!existing.has(schema))
      await sql`create database if not exists ${sql.id(schema)} character set ${sql.raw(MYSQL_CHARSET)} collate ${sql.raw(MYSQL_COLLATION)}`.execute(
        conn.kysely,
      );
}
