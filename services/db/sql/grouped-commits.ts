import type { DatabaseSync } from 'node:sqlite';

/**
 * What the user can do about the error that lost a group (a full file system: where it is),
 * or undefined when there is nothing to add to SQLite's message.
 */
export type LossExplanation = (error: unknown) => string | undefined;

/** The savepoint that stands for one of the app's transactions inside a group. */
const SAVEPOINT = 'gridbox_app_transaction';

/**
 * Commits of a database file no other connection can read, made in groups: one real
 * transaction holds the app's next `size` statements and transactions, each of the app's
 * transactions a savepoint within it, so its rollback undoes its own statements and nothing
 * else, and a failed statement outside them undoes only itself, as in autocommit.
 *
 * Every commit writes the pages it changed to the file. A status change updates six of the
 * `Jobs` table's indexes, and each of a simulated job's dozens of statements committed on
 * its own, so the same index pages were written again and again. When those writes reach
 * the file changes nothing anybody can see when nobody else can open it (the private file
 * of `sqlite::memory:`, held with an exclusive lock, unlinked and gone with the process).
 *
 * The one difference: an error after which SQLite rolls back the whole transaction (disk
 * full, an I/O error) takes the group's earlier statements with it, where each would have
 * been committed. The database then refuses every statement with that error, rather than
 * go on without changes the app saw made; the error that lost the group is its cause.
 */
export class GroupedCommits {
  readonly #db: DatabaseSync;
  readonly #size: number;
  readonly #explain: LossExplanation;
  /** How many of the app's transactions are open: Kysely runs one at a time. */
  #depth = 0;
  /** The app's statements and transactions in the group so far. */
  #count = 0;
  #lost: Error | undefined;
  #timeCommit: ((ms: number) => void) | undefined;

  constructor(db: DatabaseSync, size: number, explain: LossExplanation = () => undefined) {
    this.#db = db;
    this.#size = size;
    this.#explain = explain;
    db.exec('BEGIN');
  }

  /** From now on, passes the wall time of each group's commit (and next begin) to `record`. */
  timeCommits(record: (ms: number) => void): void {
    this.#timeCommit = record;
  }

  /** The error every statement now fails with, once the group was lost. */
  get lost(): Error | undefined {
    return this.#lost;
  }

  /** Whether one of the app's transactions is open. */
  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  /** What Kysely's `begin`, `commit` and `rollback` do instead; undefined for other SQL. */
  control(sql: string): (() => void) | undefined {
    switch (sql) {
      case 'begin':
        return () => {
          this.#exec(`SAVEPOINT ${SAVEPOINT}`);
          this.#depth++;
        };
      case 'commit':
        return () => {
          this.#exec(`RELEASE ${SAVEPOINT}`);
          this.#depth--;
          this.ran();
        };
      case 'rollback':
        return () => {
          this.#depth--;
          this.#exec(`ROLLBACK TO ${SAVEPOINT}`);
          this.#exec(`RELEASE ${SAVEPOINT}`);
        };
      default:
        return undefined;
    }
  }

  /** Runs one of the app's statements, watching for the loss of the group. */
  run<T>(statement: () => T): T {
    if (this.#lost !== undefined) throw this.#lost;
    try {
      return statement();
    } catch (error) {
      // The statement that lost the group reports the loss too: its caller may be the
      // only one to see it, and SQLite's message alone ("database or disk is full") says
      // neither which disk nor that earlier changes went with it.
      throw this.#checkGroup(error) ?? error;
    }
  }

  /** Counts a statement or transaction that ended; commits the group when it is full. */
  ran(): void {
    if (this.#depth > 0 || ++this.#count < this.#size) return;
    this.#count = 0;
    const start = this.#timeCommit === undefined ? 0 : performance.now();
    this.#exec('COMMIT');
    this.#exec('BEGIN');
    this.#timeCommit?.(performance.now() - start);
  }

  /** Commits what the group holds, and begins no other. */
  close(): void {
    if (this.#lost === undefined && this.#db.isTransaction) this.#db.exec('COMMIT');
  }

  #exec(sql: string): void {
    this.run(() => this.#db.exec(sql));
  }

  #checkGroup(error: unknown): Error | undefined {
    if (this.#db.isTransaction) return undefined;
    const advice = this.#explain(error);
    this.#lost = new Error(
      `The embedded database lost its uncommitted changes: ${(error as Error).message}.` +
        (advice === undefined ? '' : ` ${advice}`),
      { cause: error },
    );
    return this.#lost;
  }
}
