import { rmSync } from 'node:fs';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import { UsageError } from '../../core/index.ts';
import { guardedPool } from './mysql-pool.ts';
import { NodeSqliteDatabase, registerInline } from './node-sqlite-adapter.ts';
import {
  PRIVATE_FILE_COMMIT_GROUP,
  fullFileSystemAdvice,
  openPrivateFile,
} from './private-file.ts';
import type { StatementTimings } from './statement-timings.ts';

export type SqlDialectName = 'sqlite' | 'mysql';

/**
 * An open SQL database. Every DB (JobDB, AuthDB…) runs its queries through the same Kysely
 * query builder, so the same code serves SQLite and MySQL/MariaDB.
 */
export interface SqlConnection {
  // The DBs type their own tables; the connection itself is schema-agnostic.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly kysely: Kysely<any>;
  readonly dialect: SqlDialectName;
  /** The URL it was opened from, with any password masked. */
  readonly displayUrl: string;
  /**
   * The same connection as one DB uses it: on MySQL its failures to reach the server name
   * the DB, and with `schema` its tables are those of that database on the server (each
   * statement is qualified, `JobDB.Jobs`), so DBs in several databases still share one pool
   * and one transaction. Closing the view does nothing; close the connection.
   */
  forDb(dbName: string, schema?: string): SqlConnection;
  /**
   * The error every statement fails with since the embedded database lost changes it had
   * accepted (a full file system under its private file), if it did. A service turns such
   * an error into a 500, so whoever drove the box asks here why it failed.
   */
  lost?(): Error | undefined;
  /**
   * From now on, adds the wall time of each statement to `timings`, by kind: the embedded
   * database only, where a statement's time is the database's work alone (in process, no
   * network, no pool).
   */
  timeStatements?(timings: StatementTimings): void;
  /** Bytes the embedded database takes (its pages), read without being timed or counted. */
  sizeBytes?(): number;
  close(): Promise<void>;
}

export interface SqlOptions {
  /**
   * The longest a statement, or the wait for a connection, may take on MySQL/MariaDB
   * before it fails with DatabaseUnavailableError (default 10 s). SQLite is in-process.
   */
  timeoutMs?: number;
}

export const DEFAULT_SQL_TIMEOUT_MS = 10_000;

/**
 * The character set and collation of every MySQL table and connection. DiracX's schema
 * declares none, so its tables take the server's default: MariaDB's utf8mb4 collation
 * sorts every emoji alike, and MySQL 8's (utf8mb4_0900_ai_ci) does not exist on MariaDB.
 * utf8mb4_unicode_520_ci exists on both, is case-insensitive as DiracX's defaults are, and
 * tells characters outside the Basic Multilingual Plane apart.
 */
export const MYSQL_CHARSET = 'utf8mb4';
export const MYSQL_COLLATION = 'utf8mb4_unicode_520_ci';

/**
 * Opens `sqlite::memory:`, `sqlite:PATH` or `mysql://user:pass@host:port/db` (the database
 * may be left out when every DB names its own through `forDb`).
 * An unusable URL is the user's mistake and throws a UsageError.
 */
export async function openSql(url: string, options: SqlOptions = {}): Promise<SqlConnection> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('mysql://'))
    return openMysql(url, options.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS);
  throw new UsageError(
    `Unsupported database URL ${url}: use sqlite::memory:, sqlite:PATH or mysql://….`,
  );
}

function openSqlite(location: string): SqlConnection {
  const isMemory = location === ':memory:';
  const privateFile = isMemory ? openPrivateFile() : undefined;
  let database: NodeSqliteDatabase;
  if (privateFile !== undefined) database = privateFile.database;
  else {
    try {
      database = new NodeSqliteDatabase(location);
    } catch (error) {
      throw new UsageError(
        `Cannot open the SQLite database ${location}: ${(error as Error).message}.`,
      );
    }
    // WAL keeps readers off the writer's back when the file is shared by several processes.
    if (!isMemory) database.exec('PRAGMA journal_mode = WAL');
  }
  // Foreign keys are off by default in SQLite and on in MySQL, and the schema relies on them.
  database.exec('PRAGMA foreign_keys = ON');
  database.exec('PRAGMA busy_timeout = 5000');
  if (privateFile !== undefined)
    database.groupCommits(PRIVATE_FILE_COMMIT_GROUP, fullFileSystemAdvice(privateFile.directory));
  const kysely = new Kysely({ dialect: new SqliteDialect({ database }) });
  registerInline(kysely, database);
  const displayUrl = `sqlite:${location}`;
  const connection: SqlConnection = {
    kysely,
    dialect: 'sqlite',
    displayUrl,
    lost: () => database.lost,
    timeStatements: (timings) => database.timeStatements(timings),
    sizeBytes: () => database.sizeBytes(),
    // One file holds every DB; openDatabases refuses per-DB SQLite URLs before asking.
    forDb: (_dbName, schema) => {
      if (schema !== undefined) throw new Error('SQLite keeps every DB in one database');
      return {
        kysely,
        dialect: 'sqlite',
        displayUrl,
        forDb: connection.forDb,
        lost: connection.lost,
        timeStatements: connection.timeStatements,
        sizeBytes: connection.sizeBytes,
        close: () => Promise.resolve(),
      };
    },
    close: async () => {
      await kysely.destroy();
      if (privateFile?.removeOnClose !== undefined)
        rmSync(privateFile.removeOnClose, { force: true });
    },
  };
  return connection;
}

async function openMysql(url: string, timeoutMs: number): Promise<SqlConnection> {
  // Loaded on demand: the embedded default should not pay for the MySQL driver at boot.
  const { createPool } = await import('mysql2');
  const pool = createPool({
    uri: url,
    timezone: 'Z',
    dateStrings: true,
    connectionLimit: 10,
    charset: MYSQL_COLLATION,
    // Bounds the TCP connect and the handshake: a server that accepts and never answers (a
    // paused container behind Docker's proxy) otherwise holds the caller forever.
    connectTimeout: timeoutMs,
  });
  const masked = new URL(url);
  if (masked.password) masked.password = '***';
  await new Promise<void>((resolve, reject) =>
    pool.getConnection((error, connection) => {
      if (error === null) {
        connection.release();
        resolve();
      } else pool.end(() => reject(mysqlUsageError(error, masked, timeoutMs)));
    }),
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const open = (dbName: string, schema: string | undefined): Kysely<any> => {
    const kysely = new Kysely({
      dialect: new MysqlDialect({ pool: guardedPool(pool, dbName, timeoutMs) }),
    });
    return schema === undefined ? kysely : kysely.withSchema(schema);
  };
  const displayUrl = masked.toString();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const view = (kysely: Kysely<any>): SqlConnection => ({
    kysely,
    dialect: 'mysql',
    displayUrl,
    forDb: (dbName, schema) => view(open(dbName, schema)),
    close: () => Promise.resolve(),
  });
  const base = view(open(`The database at ${masked.host}`, undefined));
  return {
    ...base,
    close: () => new Promise<void>((resolve) => pool.end(() => resolve())),
  };
}

/**
 * Says in one sentence why MySQL cannot be used, at boot: otherwise the first migration
 * fails and "migration … failed" hides the cause.
 */
function mysqlUsageError(error: NodeJS.ErrnoException, url: URL, timeoutMs: number): UsageError {
  const server = `MySQL at ${url.host}`;
  const database = decodeURIComponent(url.pathname.slice(1));
  const user = decodeURIComponent(url.username);
  switch (error.code) {
    case 'ER_ACCESS_DENIED_ERROR':
      return new UsageError(
        `${server} refused user ${user}: wrong password, or no access from here`,
      );
    case 'ER_DBACCESS_DENIED_ERROR':
      return new UsageError(`${server} does not let user ${user} use database ${database}`);
    case 'ER_BAD_DB_ERROR':
      return new UsageError(`${server} has no database ${database}: create it first`);
    case 'ECONNREFUSED':
      return new UsageError(`Cannot connect to ${server}: connection refused (is it running?)`);
    case 'ETIMEDOUT':
      return new UsageError(
        `Cannot connect to ${server}: no answer within ${timeoutMs / 1000} s (is it paused, or firewalled?)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UsageError(`Cannot connect to ${server}: unknown host ${url.hostname}`);
    default:
      return new UsageError(`Cannot use ${server}: ${error.message || error.code}`);
  }
}
