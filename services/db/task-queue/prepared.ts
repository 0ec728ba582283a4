import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';

/** Stands for the i-th argument while a query is built; replaced by its value at each run. */
const argument = (i: number) => `\u0000gridbox-argument-${i}\u0000`;

/**
 * A query built and compiled by Kysely once, then run with new values: building and
 * compiling the same few queries on every match was a good share of its CPU. `build`
 * receives placeholders for the arguments and must use each where a value goes; the
 * statement text stays the same, so the SQLite adapter reuses its prepared statement.
 */
export class PreparedQuery<Tables, Row, Args extends readonly unknown[]> {
  readonly #compiled: CompiledQuery<Row>;
  /** For each parameter of the compiled query: the argument it takes, or -1 for a constant. */
  readonly #slots: number[];

  constructor(
    db: Kysely<Tables>,
    arity: Args['length'],
    build: (db: Kysely<Tables>, ...args: Args) => Compilable<Row>,
  ) {
    const placeholders = Array.from({ length: arity }, (_, i) => argument(i));
    this.#compiled = build(db, ...(placeholders as unknown as Args)).compile();
    this.#slots = this.#compiled.parameters.map((p) =>
      typeof p === 'string' ? placeholders.indexOf(p) : -1,
    );
    const used = new Set(this.#slots);
    for (let i = 0; i < arity; i++)
      if (!used.has(i)) throw new Error(`argument ${i} is not used by ${this.#compiled.sql}`);
  }

  /** Runs the query on `db` (the connection or a transaction of it) with these values. */
  execute(db: Kysely<Tables>, ...args: Args): Promise<QueryResult<Row>> {
    const template = this.#compiled.parameters;
    const parameters = this.#slots.map((slot, i) => (slot < 0 ? template[i] : args[slot]));
    return db.executeQuery({ ...this.#compiled, parameters });
  }
}
