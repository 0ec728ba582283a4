import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';

/**
 * Most shapes of arguments (list lengths, record keys) one query keeps compiled; the least
 * recently used is compiled again when needed. Callers cut long lists into chunks
 * (chunks.ts), so a query sees a few lengths often and the rest rarely.
 */
export const MAX_COMPILED_SHAPES = 32;

/** Stands for item `item` of argument `arg` (-1: the argument itself) while a query is built. */
const placeholder = (arg: number, item: number) => `\u0000gridbox-argument-${arg}.${item}\u0000`;

/** A value a placeholder can stand for: what a statement binds. */
type Bindable = string | number | bigint | boolean | null;

/** One compilation: per parameter, which argument and which of its items it takes. */
interface Compiled<Row> {
  readonly query: CompiledQuery<Row>;
  /** The argument each parameter takes, or -1 for a constant of the query. */
  readonly args: Int32Array;
  /** The item of a list (its index) or record (its key) it takes, or -1 for the argument itself. */
  readonly items: (number | string)[];
}

/**
 * A query built and compiled by Kysely once per shape of its arguments, then run with new
 * values: building and compiling the same few queries on every call was a good share of the
 * services' CPU. The statement text stays the same, so the SQLite adapter reuses its
 * prepared statement too.
 *
 * `build` receives placeholders for its arguments and must put each where a value goes:
 * - a single value (string, number…) is one placeholder;
 * - a list (`where x in (…)`, the rows of a multi-row insert as parallel lists) is a list of
 *   placeholders of the same length; the query is compiled once per length;
 * - a record of values (`set(attributes)`) is a record of placeholders with the same keys,
 *   those holding `undefined` left out as Kysely leaves them out; compiled once per key set.
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
      const arg = compiled.args[i]!;
      if (arg < 0) parameters[i] = template[i];
      else {
        const item = compiled.items[i]!;
        const value = args[arg];
        parameters[i] = item === -1 ? value : (value as Record<string | number, unknown>)[item];
      }
    }
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
    const where = new Map<string, [arg: number, item: number | string]>();
    const stand = (arg: number, item: number | string) => {
      const text = placeholder(arg, typeof item === 'number' ? item : where.size);
      where.set(text, [arg, item]);
      return text;
    };
    const placeholders = args.map((value, arg) => {
      if (Array.isArray(value)) return value.map((_, i) => stand(arg, i));
      if (isRecord(value))
        return Object.fromEntries(
          Object.entries(value)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => {
              if (v !== null && typeof v === 'object')
                throw new TypeError(`PreparedQuery binds plain values only, not ${k}'s object`);
              return [k, stand(arg, k)];
            }),
        );
      return stand(arg, -1);
    }) as unknown as Args;
    // 2. Built and compiled once; each parameter that is a placeholder takes its argument.
    const query = this.#build(this.#db, ...placeholders).compile();
    const argOf = new Int32Array(query.parameters.length);
    const items: (number | string)[] = [];
    const used = new Set<string>();
    query.parameters.forEach((p, i) => {
      const slot = typeof p === 'string' ? where.get(p) : undefined;
      argOf[i] = slot?.[0] ?? -1;
      items.push(slot?.[1] ?? -1);
      if (slot !== undefined) used.add(p as string);
    });
    // 3. A placeholder that went elsewhere (into the SQL text, or nowhere) would drop its value.
    for (const [text, [arg, item]] of where)
      if (!used.has(text))
        throw new Error(
          `argument ${arg}${item === -1 ? '' : `[${item}]`} is not a parameter of ${query.sql}`,
        );
    return { query, args: argOf, items };
  }
}

function isRecord(value: unknown): value is Record<string, Bindable | undefined> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** The shape of the arguments: a list's length, a record's keys; single values add nothing. */
function shapeKey(args: readonly unknown[]): string {
  let key = '';
  for (const value of args) {
    if (Array.isArray(value)) key += `${value.length},`;
    else if (isRecord(value)) {
      for (const k in value) if (value[k] !== undefined) key += `${k}\u0000`;
      key += ',';
    } else key += ',';
  }
  return key;
}
