import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/index.ts';
import { dbUrlsFromEnv } from './diracx-db-urls.ts';

const valid: { value: string; url: string }[] = [
  {
    value: 'mysql+aiomysql://diracx:secret@db.example.org:3306/JobDB',
    url: 'mysql://diracx:secret@db.example.org:3306/JobDB',
  },
  { value: 'mysql+aiomysql://u:p@127.0.0.1/JobDB', url: 'mysql://u:p@127.0.0.1/JobDB' },
  { value: 'mysql://u:p@host:3307/JobDB', url: 'mysql://u:p@host:3307/JobDB' },
  // An encoded password stays encoded: gridbox's URL is parsed the same way.
  { value: 'mysql+aiomysql://u:p%40ss%2F@host/JobDB', url: 'mysql://u:p%40ss%2F@host/JobDB' },
  {
    value: 'MYSQL+AIOMYSQL://u:p@host/JobDB?charset=utf8mb4',
    url: 'mysql://u:p@host/JobDB',
  },
  { value: '  mysql+aiomysql://u:p@host/JobDB\n', url: 'mysql://u:p@host/JobDB' },
  { value: 'sqlite+aiosqlite:///:memory:', url: 'sqlite::memory:' },
  { value: 'sqlite+aiosqlite:///relative/job.db', url: 'sqlite:relative/job.db' },
  { value: 'sqlite+aiosqlite:////var/lib/diracx/job.db', url: 'sqlite:/var/lib/diracx/job.db' },
  { value: 'sqlite:///job.db', url: 'sqlite:job.db' },
];

const invalid: { value: string | undefined; error: string }[] = [
  {
    value: undefined,
    error:
      "DIRACX_DB_URL_JOBDB is not set: give JobDB's database as mysql+aiomysql://user:password@host:3306/JobDB",
  },
  { value: '  ', error: 'DIRACX_DB_URL_JOBDB is not set' },
  { value: 'JobDB', error: 'DIRACX_DB_URL_JOBDB is not a database URL' },
  { value: 'host:3306/JobDB', error: 'DIRACX_DB_URL_JOBDB is not a database URL' },
  {
    value: 'postgresql+asyncpg://u:p@host/JobDB',
    error: 'DIRACX_DB_URL_JOBDB uses postgresql+asyncpg, but gridbox runs on MySQL/MariaDB',
  },
  {
    value: 'oracle+oracledb_async://u:p@host/JobDB',
    error: 'DIRACX_DB_URL_JOBDB uses oracle+oracledb_async',
  },
  {
    value: 'mysql+aiomysql://u:p@host:notaport/JobDB',
    error: 'DIRACX_DB_URL_JOBDB is not a valid URL',
  },
  { value: 'mysql+aiomysql:///JobDB', error: 'DIRACX_DB_URL_JOBDB names no host' },
  { value: 'mysql+aiomysql://u:p@host', error: 'DIRACX_DB_URL_JOBDB must name one database' },
  { value: 'mysql+aiomysql://u:p@host/', error: 'DIRACX_DB_URL_JOBDB must name one database' },
  { value: 'mysql+aiomysql://u:p@host/a/b', error: 'DIRACX_DB_URL_JOBDB must name one database' },
  {
    value: 'mysql+aiomysql://u:p@host/JobDB?ssl_ca=/ca.pem',
    error: 'DIRACX_DB_URL_JOBDB has the option ssl_ca, which gridbox does not support',
  },
  {
    value: 'mysql+aiomysql://u:p@host/JobDB?charset=latin1',
    error: 'DIRACX_DB_URL_JOBDB has the option charset',
  },
  {
    value: 'sqlite+aiosqlite://',
    error: 'DIRACX_DB_URL_JOBDB must name a file after three slashes',
  },
  {
    value: 'sqlite+aiosqlite:///',
    error: 'DIRACX_DB_URL_JOBDB must name a file after three slashes',
  },
  {
    value: 'sqlite+aiosqlite://host/job.db',
    error: 'DIRACX_DB_URL_JOBDB must name a file after three slashes',
  },
];

describe("DiracX's DB URL variables", () => {
  it.each(valid)('reads $value', ({ value, url }) => {
    expect(dbUrlsFromEnv({ DIRACX_DB_URL_JOBDB: value }, ['JobDB'])).toEqual({ JobDB: url });
  });

  it.each(invalid)('refuses $value with a sentence naming the variable', ({ value, error }) => {
    const read = () => dbUrlsFromEnv({ DIRACX_DB_URL_JOBDB: value }, ['JobDB']);
    expect(read).toThrow(UsageError);
    expect(read).toThrow(error);
  });

  it('reads one variable per DB, upper-cased as DiracX does, and no others', () => {
    const env = {
      DIRACX_DB_URL_JOBDB: 'mysql+aiomysql://u:p@db:3306/JobDB',
      DIRACX_DB_URL_JOBLOGGINGDB: 'mysql+aiomysql://u:p@db:3306/JobLoggingDB',
      DIRACX_DB_URL_AUTHDB: 'not even a URL',
    };
    expect(dbUrlsFromEnv(env, ['JobDB', 'JobLoggingDB'])).toEqual({
      JobDB: 'mysql://u:p@db:3306/JobDB',
      JobLoggingDB: 'mysql://u:p@db:3306/JobLoggingDB',
    });
    expect(() => dbUrlsFromEnv(env, ['JobDB', 'FileCatalogDB'])).toThrow(
      'DIRACX_DB_URL_FILECATALOGDB is not set',
    );
  });
});
