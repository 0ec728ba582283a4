/** One kind of statement: its SQL with lists of values folded, how often it ran, how long. */
export interface StatementTiming {
  readonly sql: string;
  readonly calls: number;
  readonly ms: number;
}

/**
 * Distinct kinds kept apart. The services run a few dozen; a query built from user input
 * (a search's filters) makes a kind per combination, and those beyond this are summed.
 */
export const MAX_STATEMENT_KINDS = 1_000;

/** What the kinds beyond {@link MAX_STATEMENT_KINDS} are summed as. */
export const OTHER_STATEMENTS = '(other statements)';

/**
 * Wall time spent in the database, by kind of statement: what `gridbox sim --report` shows
 * as where the database time of a run goes. Statements that differ only in how many values
 * a list holds (`in (?, ?)`, a multi-row insert) are one kind, so chunked writes and reads
 * add up where their cost is.
 */
export class StatementTimings {
  readonly #kinds = new Map<string, { calls: number; ms: number }>();
  #calls = 0;
  #ms = 0;

  /** Adds one statement's time under `kind` (a {@link statementKind}). */
  record(kind: string, ms: number): void {
    this.#calls++;
    this.#ms += ms;
    let entry = this.#kinds.get(kind);
    if (entry === undefined) {
      const key = this.#kinds.size < MAX_STATEMENT_KINDS ? kind : OTHER_STATEMENTS;
      entry = this.#kinds.get(key);
      if (entry === undefined) this.#kinds.set(key, (entry = { calls: 0, ms: 0 }));
    }
    entry.calls++;
    entry.ms += ms;
  }

  /** Statements run so far. */
  get calls(): number {
    return this.#calls;
  }

  /** Their wall milliseconds so far. */
  get ms(): number {
    return this.#ms;
  }

  /** The `n` kinds that took the most time, most first; the others summed as one, last. */
  top(n: number): StatementTiming[] {
    let other = { calls: 0, ms: 0 };
    const kinds: StatementTiming[] = [];
    for (const [sql, { calls, ms }] of this.#kinds)
      if (sql === OTHER_STATEMENTS) other = { calls, ms };
      else kinds.push({ sql, calls, ms });
    kinds.sort((a, b) => b.ms - a.ms || a.sql.localeCompare(b.sql));
    for (const kind of kinds.slice(n)) {
      other.calls += kind.calls;
      other.ms += kind.ms;
    }
    const shown = kinds.slice(0, n);
    return other.calls === 0 ? shown : [...shown, { sql: OTHER_STATEMENTS, ...other }];
  }
}

/**
 * A statement's kind: its SQL on one line, with each parenthesised list of placeholders, or
 * run of such lists (the rows of an insert), written `(…)`, and each run of CASE branches
 * (`when ? then ?`) written as one and `…`.
 */
export function statementKind(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\((?:\?, )*\?\)(?:, \((?:\?, )*\?\))*/g, '(…)')
    .replace(/ when \? then \?(?: when \? then \?)+/g, ' when ? then ? …');
}
