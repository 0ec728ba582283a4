import { UsageError } from '../../core/index.ts';

/** The variable DiracX reads a SQL DB's URL from: `DIRACX_DB_URL_JOBDB` for JobDB. */
export function diracxDbUrlVariable(dbName: string): string {
  return `DIRACX_DB_URL_${dbName.toUpperCase()}`;
}

/**
 * The URL of each named SQL DB, read from DiracX's variables (`DIRACX_DB_URL_<NAME>`,
 * SQLAlchemy's form) and given in gridbox's (`mysql://…`, `sqlite:…`), ready for
 * `buildApp({ dbUrls })`:
 *
 *   mysql+aiomysql://user:pass@host:3306/JobDB  →  mysql://user:pass@host:3306/JobDB
 *   sqlite+aiosqlite:///relative/path.db       →  sqlite:relative/path.db
 *   sqlite+aiosqlite:////absolute/path.db      →  sqlite:/absolute/path.db
 *   sqlite+aiosqlite:///:memory:               →  sqlite::memory:
 *
 * Every name needs its variable, gridbox's own DBs (FileCatalogDB…) included, as DiracX
 * asks of an extension's DBs. A missing or unusable one is a UsageError naming it.
 */
export function dbUrlsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  dbNames: Iterable<string>,
): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const name of dbNames) {
    const variable = diracxDbUrlVariable(name);
    const value = env[variable]?.trim();
    if (value === undefined || value === '')
      throw new UsageError(
        `${variable} is not set: give ${name}'s database as mysql+aiomysql://user:password@host:3306/${name}`,
      );
    urls[name] = gridboxDbUrl(variable, value);
  }
  return urls;
}

const MYSQL_SCHEMES = new Set(['mysql', 'mysql+aiomysql', 'mysql+pymysql', 'mysql+mysqldb']);
const SQLITE_SCHEMES = new Set(['sqlite', 'sqlite+aiosqlite', 'sqlite+pysqlite']);

/** One variable's SQLAlchemy URL in gridbox's form; `variable` names it in errors. */
function gridboxDbUrl(variable: string, value: string): string {
  const scheme = /^([a-z][a-z0-9+_.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined)
    throw new UsageError(
      `${variable} is not a database URL: expected mysql+aiomysql://user:password@host:port/database`,
    );
  if (SQLITE_SCHEMES.has(scheme)) return sqliteUrl(variable, value.slice(scheme.length + 3));
  if (!MYSQL_SCHEMES.has(scheme))
    throw new UsageError(
      `${variable} uses ${scheme}, but gridbox runs on MySQL/MariaDB (mysql+aiomysql://) or SQLite (sqlite+aiosqlite://) only`,
    );
  let url: URL;
  try {
    url = new URL(`mysql://${value.slice(scheme.length + 3)}`);
  } catch {
    throw new UsageError(`${variable} is not a valid URL`);
  }
  if (url.hostname === '') throw new UsageError(`${variable} names no host`);
  const database = url.pathname.slice(1);
  if (database === '' || database.includes('/'))
    throw new UsageError(`${variable} must name one database after the host, as in …/JobDB`);
  for (const [key, parameter] of url.searchParams)
    // gridbox always talks utf8mb4; other SQLAlchemy driver options mean nothing to it.
    if (!(key === 'charset' && /^utf8(mb4)?$/i.test(parameter)))
      throw new UsageError(`${variable} has the option ${key}, which gridbox does not support`);
  url.search = '';
  return url.toString();
}

/** SQLAlchemy's `sqlite:///path` (three slashes, then the path) as `sqlite:path`. */
function sqliteUrl(variable: string, rest: string): string {
  const path = rest.slice(1);
  if (!rest.startsWith('/') || path === '' || path.includes('?'))
    throw new UsageError(
      `${variable} must name a file after three slashes, as in sqlite+aiosqlite:///path.db`,
    );
  return `sqlite:${path}`;
}
