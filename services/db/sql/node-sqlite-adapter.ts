import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Kysely, QueryResult, SqliteDatabase, SqliteStatement, Transaction } from 'kysely';
import { GroupedCommits, type LossExplanation } from './grouped-commits.ts';
import { re2RegexpFunction } from './regex.ts';
import { type StatementTimings, statementKind } from './statement-timings.ts';

/** Statements prepared once and reused; the hot paths (matching) run the same few queries. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Presents Node's built-in `node:sqlite` as the better-sqlite3-shaped database that Kysely's
 * SqliteDialect drives, so the embedded backend needs no native add-on.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, Prepared>();
  #group: GroupedCommits | undefined;
  #timings: StatementTimings | undefined;

  constructor(location: string) {
    this.#db = new DatabaseSync(location);
    // SQLite parses `x REGEXP y` but leaves the function to the application.
    this.#db.function('regexp', { deterministic: true }, re2RegexpFunction());
  }

  /**
   * Whether a transaction is open on the connection. Kysely hands the one connection to a
   * transaction from its `begin` to its `commit`; a statement of anyone else must wait.
   */
  get inTransaction(): boolean {
    return this.#group === undefined ? this.#db.isTransaction : this.#group.inTransaction;
  }

  /**
   * Commits in groups of `size` statements and transactions from now on: only for a file
   * no other connection can open (GroupedCommits says why). Settings such as foreign keys
   * must be made before: SQLite ignores them inside a transaction. `explain` adds what the
   * user can do to the error that loses a group.
   */
  groupCommits(size: number, explain?: LossExplanation): void {
    this.#group ??= new GroupedCommits(this.#db, size, explain);
  }

  /**
   * From now on, adds the wall time of every statement, transaction control and grouped
   * commit to `timings`. Only the statements prepared through `prepare` (Kysely's and the
   * inline path's) are seen; `exec` is not timed.
   */
  timeStatements(timings: StatementTimings): void {
    this.#timings = timings;
    this.#group?.timeCommits((ms) => timings.record(GROUP_COMMIT, ms));
  }

  /** Bytes its pages take: read beside the app's statements, neither timed nor counted. */
  sizeBytes(): number {
    const pages = this.#db.prepare('PRAGMA page_count').get() as { page_count: number };
    const size = this.#db.prepare('PRAGMA page_size').get() as { page_size: number };
    return pages.page_count * size.page_size;
  }

  /** The error every statement fails with since a group of commits was lost, if one was. */
  get lost(): Error | undefined {
    return this.#group?.lost;
  }

  /** Runs a compiled statement now, with the result Kysely's SQLite driver gives. */
  executeNow<Row>(sql: string, parameters: readonly unknown[]): QueryResult<Row> {
    const statement = this.prepare(sql);
    if (statement.reader) return { rows: statement.all(parameters) as Row[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
  }

  /** Runs statements that take no parameters, such as PRAGMAs. */
  exec(sql: string): void {
    this.#db.exec(sql);
  }

  close(): void {
    this.#group?.close();
    this.#statements.clear();
    this.#db.close();
  }

  prepare(sql: string): SqliteStatement {
    // Preparing reads the schema, which fails in its own words once the group is lost.
    if (this.#group?.lost !== undefined) throw this.#group.lost;
    const control = this.#group?.control(sql);
    if (control !== undefined) return new ControlStatement(control, sql, this.#timings);
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      prepared = prepareRows(this.#db.prepare(sql));
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value as string;
        this.#statements.delete(oldest);
      }
      this.#statements.set(sql, prepared);
    }
    if (this.#timings !== undefined) prepared.kind ??= statementKind(sql);
    return new NodeSqliteStatement(prepared, this.#group, this.#timings);
  }
}

const inline = new WeakMap<object, NodeSqliteDatabase>();

/** Lets `inlineDatabaseOf(kysely)` find the database this Kysely instance drives. */
export function registerInline(kysely: Kysely<unknown>, database: NodeSqliteDatabase): void {
  inline.set(kysely, database);
}

/**
 * The embedded database behind `kysely` when a statement can run on it synchronously, at
 * once, rather than through Kysely's executor: no transaction is open on it, so nobody holds
 * the connection between two statements. A statement run so is atomic to the app (SQLite is
 * synchronous), and comes before any statement still queued for the connection, which is a
 * serial order. Kysely's path takes a lock, a connection provider and several promises per
 * statement, and was the larger part of a match's JavaScript time on the database.
 * Undefined for MySQL and while a transaction is open, but for that transaction's own
 * Kysely when `transaction` opened it.
 */
export function inlineDatabaseOf(kysely: object): NodeSqliteDatabase | undefined {
  const held = holding.get(kysely);
  if (held !== undefined) return held;
  const database = inline.get(kysely);
  return database === undefined || database.inTransaction ? undefined : database;
}

/** Open transactions (their own Kysely) that hold an embedded database's connection. */
const holding = new WeakMap<object, NodeSqliteDatabase>();

/**
 * `db.transaction().execute(work)`. On the embedded database the transaction holds the
 * connection from its `begin` to its `commit` (nobody else's statement runs in between), so
 * its own prepared statements run at once too, without Kysely's executor (per statement a
 * lock, a connection provider and several promises): a simulated job's calls took 5 % less.
 */
export async function transaction<Tables, T>(
  db: Kysely<Tables>,
  work: (tx: Transaction<Tables>) => Promise<T>,
): Promise<T> {
  const database = inline.get(db);
  if (database === undefined) return db.transaction().execute(work);
  return db.transaction().execute(async (tx) => {
    holding.set(tx, database);
    try {
      return await work(tx);
    } finally {
      holding.delete(tx);
    }
  });
}

interface Prepared {
  stmt: StatementSync;
  /** The result's column names; empty for a statement that returns no rows. */
  columns: readonly string[];
  /** Whether `stmt` returns arrays that `toRow` turns into objects. */
  arrays: boolean;
  /** Its {@link statementKind}, once statements are timed. */
  kind?: string;
}

/** What the commits of a group of statements are timed as. */
export const GROUP_COMMIT = 'COMMIT (a group of statements)';

/**
 * node:sqlite makes each row object in V8's old generation, as dictionary-mode objects: a
 * search page of 100 rows went straight to the space only a full collection frees, and
 * under `bench api-mix` those rows alone started a full collection every few seconds,
 * each stalling every request in flight. Rows fetched as arrays and made into objects here
 * are short-lived young objects, and ordinary fast ones. A column named `__proto__` would
 * set the prototype of such an object, so a statement with one keeps node:sqlite's objects.
 */
function prepareRows(stmt: StatementSync): Prepared {
  const columns = stmt.columns().map((column) => column.name);
  const arrays = columns.length > 0 && !columns.includes('__proto__');
  if (arrays) stmt.setReturnArrays(true);
  return { stmt, columns, arrays };
}

/** A row as node:sqlite's objects give it: a later column of the same name wins. */
function toRow(values: readonly unknown[], columns: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
  return row;
}

type RunResult = { changes: number | bigint; lastInsertRowid: number | bigint };

class NodeSqliteStatement implements SqliteStatement {
  readonly #prepared: Prepared;
  readonly #group: GroupedCommits | undefined;
  readonly #timings: StatementTimings | undefined;
  // Kysely asks on every execution; node:sqlite builds the column list anew each time.
  readonly reader: boolean;

  constructor(
    prepared: Prepared,
    group: GroupedCommits | undefined,
    timings: StatementTimings | undefined,
  ) {
    this.#prepared = prepared;
    this.#group = group;
    this.#timings = timings;
    this.reader = prepared.columns.length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    const { stmt, columns, arrays } = this.#prepared;
    const args = parameters.map(toSqlite);
    const rows: unknown[] = this.#run(() => stmt.all(...args));
    if (arrays)
      for (let i = 0; i < rows.length; i++) rows[i] = toRow(rows[i] as unknown[], columns);
    return rows;
  }

  run(parameters: ReadonlyArray<unknown>): RunResult {
    const { stmt } = this.#prepared;
    const args = parameters.map(toSqlite);
    return this.#run(() => stmt.run(...args));
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    const { stmt, columns, arrays, kind } = this.#prepared;
    const group = this.#group;
    const timings = this.#timings;
    let ms = 0;
    // Each step of the iteration is the statement's work; the caller's between steps is not.
    const step = <T>(work: () => T): T => {
      const start = timings === undefined ? 0 : performance.now();
      try {
        return group === undefined ? work() : group.run(work);
      } finally {
        if (timings !== undefined) ms += performance.now() - start;
      }
    };
    let rows: Iterator<unknown> | undefined;
    let done = false;
    try {
      const opened = step(() => stmt.iterate(...parameters.map(toSqlite)));
      rows = opened;
      while (!done) {
        const next = step(() => opened.next());
        done = next.done === true;
        if (!done) yield arrays ? toRow(next.value as unknown as unknown[], columns) : next.value;
      }
    } finally {
      // A caller that stopped early: the statement is reset for its next use.
      if (!done) rows?.return?.();
      timings?.record(kind!, ms);
    }
    group?.ran();
  }

  #run<T>(statement: () => T): T {
    const group = this.#group;
    const timings = this.#timings;
    if (timings === undefined) {
      if (group === undefined) return statement();
      const result = group.run(statement);
      group.ran();
      return result;
    }
    const start = performance.now();
    let result: T;
    try {
      result = group === undefined ? statement() : group.run(statement);
    } finally {
      timings.record(this.#prepared.kind!, performance.now() - start);
    }
    // The group's commit, when this statement fills it, is timed as a commit.
    group?.ran();
    return result;
  }
}

/** Kysely's `begin`, `commit` or `rollback` on a database that groups its commits. */
class ControlStatement implements SqliteStatement {
  readonly reader = false;
  readonly #control: () => void;

  constructor(control: () => void, sql: string, timings: StatementTimings | undefined) {
    this.#control =
      timings === undefined
        ? control
        : () => {
            // A `commit` that fills the group commits it too, timed as the group's commit.
            const nestedBefore = timings.ms;
            const start = performance.now();
            try {
              control();
            } finally {
              const nested = timings.ms - nestedBefore;
              timings.record(sql, performance.now() - start - nested);
            }
          };
  }

  all(): unknown[] {
    this.#control();
    return [];
  }

  run(): RunResult {
    this.#control();
    return { changes: 0, lastInsertRowid: 0 };
  }

  iterate(): IterableIterator<unknown> {
    this.#control();
    return [][Symbol.iterator]();
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
