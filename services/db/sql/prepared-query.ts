import { inlineDatabaseOf } from './node-sqlite-adapter.ts';
import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';

/**
 * Most shapes of arguments (list lengths, record keys) one query keeps compiled; the least
 * recently used is compiled again when needed. Callers cut long lists into chunks
 * (chunks.ts), so a query sees a few lengths often and the rest rarely.
 */
export const MAX_COMPILED_SHAPES = 32;

/** Stands for the n-th value of the arguments while a query is built. */
const placeholder = (n: number) => `\u0000gridbox-argument-${n}\u0000`;

/** A value a placeholder can stand for: what a statement binds. */
type Bindable = string | number | bigint | boolean | null | Date | ArrayBufferView;

/** Where a value is among the arguments: the argument's index, then an item's index or key. */
type Path = readonly [arg: number, item?: number | string, key?: string];

/** One compilation: per parameter, where its value is (undefined for a constant of the query). */
interface Compiled<Row> {
  readonly query: CompiledQuery<Row>;
  readonly paths: (Path | undefined)[];
}

/**
 * A query built and compiled by Kysely once per shape of its arguments, then run with new
 * values: building and compiling the same few queries on every call was a good share of the
 * services' CPU. The statement text stays the same, so the SQLite adapter reuses its
 * prepared statement too.
 *
 * `build` receives placeholders for its arguments and must put each where a value goes:
 * - a single value (string, number…) is one placeholder;
 * - a record of values (`set(attributes)`, one row to insert) is a record of placeholders
 *   with the same keys, those holding `undefined` left out as Kysely leaves them out;
 *   compiled once per set of keys;
 * - a list of values (`where x in (…)`) or of records (the rows of a multi-row insert) is a
 *   list of such placeholders of the same length; compiled once per length (and keys).
 *
 * So `build` must not look at the values, only pass them on: a query whose form depends on
 * a value (an optional filter, an empty list) is chosen by the caller, as different
 * PreparedQuery objects. An empty list compiles to `in ()`, which SQL refuses, as with Kysely.
 * It compiles against the `db` it is given, so the SQL is that dialect's (and schema's).
 */
export class PreparedQuery<Tables, Row, Args extends readonly unknown[]> {
  readonly #db: Kysely<Tables>;
  readonly #build: (db: Kysely<Tables>, ...args: Args) => Compilable<Row>;
  /** By shape key, least recently used first. */
  readonly #compiled = new Map<string, Compiled<Row>>();

  constructor(db: Kysely<Tables>, build: (db: Kysely<Tables>, ...args: Args) => Compilable<Row>) {
    this.#db = db;
    this.#build = build;
  }

  /** How many shapes are compiled now (for tests). */
  get compiledShapes(): number {
    return this.#compiled.size;
  }

  /** The SQL it runs for arguments of this shape, compiling it if need be. */
  sqlFor(...args: Args): string {
    return this.#compiledFor(args).query.sql;
  }

  /** Runs the query on `db` (the connection or a transaction of it) with these values. */
  async execute(db: Kysely<Tables>, ...args: Args): Promise<QueryResult<Row>> {
    const compiled = this.#compiledFor(args);
    const template = compiled.query.parameters;
    const parameters = new Array<unknown>(template.length);
    for (let i = 0; i < template.length; i++) {
      const path = compiled.paths[i];
      if (path === undefined) parameters[i] = template[i];
      else {
        let value: unknown = args[path[0]];
        if (path[1] !== undefined) value = (value as Record<string | number, unknown>)[path[1]];
        if (path[2] !== undefined) value = (value as Record<string, unknown>)[path[2]];
        parameters[i] = value;
      }
    }
    const inline = inlineDatabaseOf(db);
    if (inline !== undefined) return inline.executeNow<Row>(compiled.query.sql, parameters);
    return db.executeQuery({ ...compiled.query, parameters });
  }

  /** Runs the query and returns its rows. */
  async rows(db: Kysely<Tables>, ...args: Args): Promise<Row[]> {
    return (await this.execute(db, ...args)).rows;
  }

  #compiledFor(args: Args): Compiled<Row> {
    const key = shapeKey(args);
    const found = this.#compiled.get(key);
    if (found !== undefined) {
      if (this.#compiled.size > 1) {
        this.#compiled.delete(key);
        this.#compiled.set(key, found);
      }
      return found;
    }
    const compiled = this.#compile(args);
    if (this.#compiled.size >= MAX_COMPILED_SHAPES)
      this.#compiled.delete(this.#compiled.keys().next().value!);
    this.#compiled.set(key, compiled);
    return compiled;
  }

  #compile(args: Args): Compiled<Row> {
    // 1. Placeholders of the same shape as the arguments.
    const where = new Map<string, Path>();
    const stand = (path: Path) => {
      const text = placeholder(where.size);
      where.set(text, path);
      return text;
    };
    const record = (value: Record<string, unknown>, at: (key: string) => Path) =>
      Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => {
            // An expression (sql`…`) or a nested object would be built into the SQL, not bound.
            if (typeof v === 'object' && v !== null && !isBoundAsIs(v))
              throw new TypeError(`PreparedQuery binds values only, not the object in ${k}`);
            return [k, stand(at(k))];
          }),
      );
    const placeholders = args.map((value, arg) => {
      if (Array.isArray(value))
        return value.map((item: unknown, i) =>
          isRecord(item) ? record(item, (k) => [arg, i, k]) : stand([arg, i]),
        );
      if (isRecord(value)) return record(value, (k) => [arg, k]);
      return stand([arg]);
    }) as unknown as Args;
    // 2. Built and compiled once; each parameter that is a placeholder takes its value.
    const query = this.#build(this.#db, ...placeholders).compile();
    const paths = query.parameters.map((p) => (typeof p === 'string' ? where.get(p) : undefined));
    // 3. A placeholder that went elsewhere (into the SQL text, or nowhere) would drop its value.
    const used = new Set(query.parameters);
    for (const [text, path] of where)
      if (!used.has(text))
        throw new Error(
          `argument ${path.map((step, i) => (i === 0 ? step : `[${JSON.stringify(step)}]`)).join('')} is not a parameter of ${query.sql}`,
        );
    return { query, paths };
  }
}

/** Objects that the drivers bind as one value. */
const isBoundAsIs = (value: object) => value instanceof Date || ArrayBuffer.isView(value);

function isRecord(value: unknown): value is Record<string, Bindable | undefined> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** The shape of the arguments: lists' lengths, records' keys; single values add nothing. */
function shapeKey(args: readonly unknown[]): string {
  let key = '';
  for (const value of args) {
    if (Array.isArray(value)) {
      key += `${value.length}`;
      for (const item of value) if (isRecord(item)) key = recordKey(key, item);
    } else if (isRecord(value)) key = recordKey(key, value);
    key += ',';
  }
  return key;
}

function recordKey(key: string, value: Record<string, unknown>): string {
  key += '{';
  for (const k in value) if (value[k] !== undefined) key += `${k}\u0000`;
  return key;
}
