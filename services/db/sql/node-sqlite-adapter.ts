import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { re2RegexpFunction } from './regex.ts';

/** Statements prepared once and reused; the hot paths (matching) run the same few queries. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Presents Node's built-in `node:sqlite` as the better-sqlite3-shaped database that Kysely's
 * SqliteDialect drives, so the embedded backend needs no native add-on.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, { stmt: StatementSync; reader: boolean }>();

  constructor(location: string) {
    this.#db = new DatabaseSync(location);
    // SQLite parses `x REGEXP y` but leaves the function to the application.
    this.#db.function('regexp', { deterministic: true }, re2RegexpFunction());
  }

  /** Runs statements that take no parameters, such as PRAGMAs. */
  exec(sql: string): void {
    this.#db.exec(sql);
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }

  prepare(sql: string): SqliteStatement {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      const stmt = this.#db.prepare(sql);
      prepared = { stmt, reader: stmt.columns().length > 0 };
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value as string;
        this.#statements.delete(oldest);
      }
      this.#statements.set(sql, prepared);
    }
    return new NodeSqliteStatement(prepared.stmt, prepared.reader);
  }
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #stmt: StatementSync;
  // Kysely asks on every execution; node:sqlite builds the column list anew each time.
  readonly reader: boolean;

  constructor(stmt: StatementSync, reader: boolean) {
    this.#stmt = stmt;
    this.reader = reader;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...parameters.map(toSqlite));
  }

  run(parameters: ReadonlyArray<unknown>): {
    changes: number | bigint;
    lastInsertRowid: number | bigint;
  } {
    return this.#stmt.run(...parameters.map(toSqlite));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...parameters.map(toSqlite));
  }
}

/** node:sqlite binds only null, numbers, bigints, strings and bytes. */
function toSqlite(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'string' ||
    ArrayBuffer.isView(value)
  ) {
    return value as SQLInputValue;
  }
  throw new TypeError(`cannot bind a ${typeof value} to an SQLite parameter`);
}
