import {
  type ExpressionBuilder,
  type ExpressionWrapper,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
  SqliteAdapter,
  sql,
} from 'kysely';
import { InvalidRequestError, type SearchSpec, type SortSpec } from '../../core/index.ts';
import { sqlDateTimeToIso, toSqlDateTime } from './datetime.ts';
import { sqlRegexPattern } from './regex.ts';

/** How a searchable column is compared and shown. */
export type ColumnKind = 'string' | 'integer' | 'number' | 'datetime' | 'flag';

/** A table's searchable columns; nothing else can be named in a query. */
export type SearchableColumns = Readonly<Record<string, ColumnKind>>;

// The datetime shapes DiracX accepts, from a year to a fraction of a second (dropped).
const PERIOD =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[ T](\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d{1,6}Z?)?)?)?)?)?)?$/;

/**
 * The period a datetime value names, as DiracX reads it: "2026" is the whole year,
 * "2026-06-01 12" that hour, and so on down to the second. Start inclusive, end exclusive,
 * as SQL DATETIME text.
 */
export function periodOf(value: string): { start: string; end: string } | undefined {
  const m = PERIOD.exec(value);
  if (m === null) return undefined;
  const parts = m.slice(1).map((p) => (p === undefined ? undefined : Number(p)));
  const depth = parts.findIndex((p) => p === undefined);
  const given = depth < 0 ? 6 : depth;
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0] = parts as number[];
  const start = Date.UTC(year!, month - 1, day, hour, minute, second);
  const checked = new Date(start);
  if (
    checked.getUTCMonth() !== month - 1 ||
    checked.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const next = [
    () => Date.UTC(year! + 1, 0),
    () => Date.UTC(year!, month, 1),
    () => start + 86_400_000,
    () => start + 3_600_000,
    () => start + 60_000,
    () => start + 1000,
  ][given - 1]!();
  return { start: toSqlDateTime(start), end: toSqlDateTime(next) };
}

/** Longer `in` lists are bound as one JSON array on SQLite. */
const LONG_IN_LIST = 1000;

const isSqliteDb = (kysely: Kysely<Record<string, Record<string, unknown>>>) =>
  kysely.getExecutor().adapter instanceof SqliteAdapter;

function columnOf(columns: SearchableColumns, name: string): ColumnKind {
  const kind = columns[name];
  if (kind === undefined) throw new InvalidRequestError(`Unknown column ${name}`);
  return kind;
}

/** The SQL form of a value for a column: flags are stored as 'True'/'False' text. */
function stored(kind: ColumnKind, value: string | number): string | number {
  if (kind !== 'flag') return value;
  if ([1, '1', 'true', 'True'].includes(value)) return 'True';
  if ([0, '0', 'false', 'False'].includes(value)) return 'False';
  return value;
}

/**
 * Applies DiracX's search filters (ANDed) to a query over whitelisted columns. Values are
 * always bound parameters; column names come from the whitelist only.
 */
export function applySearch<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: SearchableColumns,
  filters: readonly SearchSpec[],
  isSqlite = false,
): SelectQueryBuilder<DB, TB, O> {
  let result = query;
  for (const filter of filters) {
    const kind = columnOf(columns, filter.parameter);
    result = result.where((eb) =>
      condition(
        eb as unknown as ExpressionBuilder<Record<string, Record<string, unknown>>, string>,
        filter,
        kind,
        isSqlite,
      ),
    );
  }
  return result;
}

function condition(
  eb: ExpressionBuilder<Record<string, Record<string, unknown>>, string>,
  filter: SearchSpec,
  kind: ColumnKind,
  isSqlite: boolean,
): ExpressionWrapper<Record<string, Record<string, unknown>>, string, SqlBool> {
  const column = eb.ref(filter.parameter);
  if ('values' in filter) {
    const values = filter.values;
    if (kind === 'datetime' && values.some((v) => typeof v === 'string')) {
      const periods = values.map((v) => {
        const period = typeof v === 'string' ? periodOf(v) : undefined;
        if (period === undefined)
          throw new InvalidRequestError(`Cannot parse value=${JSON.stringify(v)} as a date`);
        return period;
      });
      const resolution = new Set(values.map((v) => String(v).length));
      if (resolution.size > 1)
        throw new InvalidRequestError('Cannot mix different time resolutions in one filter');
      const inside = periods.map((p) =>
        eb.and([eb(column, '>=', p.start), eb(column, '<', p.end)]),
      );
      return filter.operator === 'in' ? eb.or(inside) : eb.not(eb.or(inside));
    }
    // `IN ()` is not SQL: nothing is in an empty list, everything is outside it.
    if (values.length === 0) return eb.lit(filter.operator !== 'in');
    const operator = filter.operator === 'in' ? 'in' : 'not in';
    const list = values.map((v) => stored(kind, v));
    // SQLite binds at most 32,766 values a statement; a long list goes as one JSON text.
    // (MySQL's driver inlines values, so it has no such bound.)
    if (isSqlite && list.length > LONG_IN_LIST)
      return eb(
        column,
        operator,
        sql<never>`(select value from json_each(${JSON.stringify(list)}))`,
      );
    return eb(column, operator, list);
  }
  const value = filter.value;
  if (kind === 'datetime' && typeof value === 'string') {
    if (
      filter.operator === 'like' ||
      filter.operator === 'not like' ||
      filter.operator === 'regex'
    ) {
      throw new InvalidRequestError(
        `Cannot use ${filter.operator} on the date column ${filter.parameter}`,
      );
    }
    const period = periodOf(value);
    if (period === undefined)
      throw new InvalidRequestError(`Cannot parse value=${JSON.stringify(value)} as a date`);
    switch (filter.operator) {
      case 'eq':
        return eb.and([eb(column, '>=', period.start), eb(column, '<', period.end)]);
      case 'neq':
        return eb.or([eb(column, '<', period.start), eb(column, '>=', period.end)]);
      case 'gt':
        return eb(column, '>=', period.end);
      case 'lt':
        return eb(column, '<', period.start);
    }
  }
  switch (filter.operator) {
    case 'eq':
      return eb(column, '=', stored(kind, value));
    case 'neq':
      return eb(column, '!=', stored(kind, value));
    case 'gt':
      return eb(column, '>', value);
    case 'lt':
      return eb(column, '<', value);
    case 'like':
      return eb(column, 'like', String(value));
    case 'not like':
      return eb(column, 'not like', String(value));
    case 'regex':
      return eb(column, 'regexp', sqlRegexPattern(String(value)));
  }
}

export function applySort<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: SearchableColumns,
  sorts: readonly SortSpec[],
): SelectQueryBuilder<DB, TB, O> {
  let result = query;
  for (const sort of sorts) {
    if (columns[sort.parameter] === undefined)
      throw new InvalidRequestError(`Cannot sort by ${sort.parameter}: unknown column`);
    result = result.orderBy(sort.parameter as never, sort.direction);
  }
  return result;
}

/** A row as the API shows it: datetimes in ISO 8601 with Z, flags as booleans. */
export function presentRow(
  columns: SearchableColumns,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    const kind = columns[name];
    if (value === null || value === undefined) shown[name] = null;
    else if (kind === 'datetime') shown[name] = sqlDateTimeToIso(value as string);
    else if (kind === 'flag')
      shown[name] = value === 'True' ? true : value === 'False' ? false : value;
    else if (kind === 'integer' || kind === 'number') shown[name] = Number(value);
    else shown[name] = value;
  }
  return shown;
}

/** One page of a search over a table: which columns, which rows, in what order. */
export interface TableSearch {
  /** Columns to return; undefined or empty returns them all. */
  parameters?: readonly string[] | undefined;
  filters: readonly SearchSpec[];
  sorts: readonly SortSpec[];
  distinct: boolean;
  offset: number;
  limit: number;
  /**
   * False when the caller needs no total (a lookup by ids): the count of every matching
   * row is then not run, and `total` is the number of rows returned.
   */
  withTotal?: boolean;
}

function checkedColumns(
  columns: SearchableColumns,
  requested: readonly string[] | undefined,
): string[] {
  const chosen =
    requested === undefined || requested.length === 0 ? Object.keys(columns) : [...requested];
  const unknown = chosen.filter((c) => columns[c] === undefined);
  if (unknown.length > 0)
    throw new InvalidRequestError(`Unrecognised parameters requested ${unknown.join(', ')}`);
  return chosen;
}

/**
 * DiracX's search over one table: the page asked for, and how many rows match in all
 * (what Content-Range reports).
 */
export async function searchTable(
  kysely: Kysely<Record<string, Record<string, unknown>>>,
  table: string,
  columns: SearchableColumns,
  query: TableSearch,
): Promise<{ total: number; rows: Record<string, unknown>[] }> {
  const chosen = checkedColumns(columns, query.parameters);
  let base = applySearch(
    kysely.selectFrom(table),
    columns,
    query.filters,
    isSqliteDb(kysely),
  ).select(chosen as never[]);
  if (query.distinct) base = base.distinct();
  const counted =
    query.withTotal === false
      ? undefined
      : await kysely
          .selectFrom(base.as('matching'))
          .select((eb) => eb.fn.countAll<number>().as('total'))
          .executeTakeFirstOrThrow();
  const rows = await applySort(base, columns, query.sorts)
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return {
    total: counted === undefined ? rows.length : Number(counted.total),
    rows: rows.map((row) => presentRow(columns, row as Record<string, unknown>)),
  };
}

/** DiracX's summary over one table: counts grouped by `grouping` (every column when empty). */
export async function summarizeTable(
  kysely: Kysely<Record<string, Record<string, unknown>>>,
  table: string,
  columns: SearchableColumns,
  grouping: readonly string[],
  filters: readonly SearchSpec[],
): Promise<Record<string, unknown>[]> {
  const chosen = checkedColumns(columns, grouping);
  const rows = await applySearch(kysely.selectFrom(table), columns, filters, isSqliteDb(kysely))
    .select(chosen as never[])
    .select(sql<number>`count(*)`.as('count'))
    .groupBy(chosen as never[])
    .execute();
  return rows.map((row) => ({
    ...presentRow(columns, row as Record<string, unknown>),
    count: Number((row as { count: unknown }).count),
  }));
}
