import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/index.ts';
import {
  type JobDB,
  authDb,
  fileCatalogDb,
  jobDb,
  jobLoggingDb,
  openDatabases,
  openSql,
  pilotAgentsDb,
  resourceStatusDb,
  sandboxMetadataDb,
  taskQueueDb,
} from './index.ts';
import { planDatabases } from './open-databases.ts';
import { mysqlServerUrl } from './sql-backends.testkit.ts';
import { newJob } from './job/new-job.ts';

const NAMES = ['JobDB', 'JobLoggingDB', 'TaskQueueDB'];

describe('where each DB is opened', () => {
  const server = 'mysql://diracx:secret@db.example.org:3306';
  const valid: {
    title: string;
    url: string;
    dbUrls: Record<string, string>;
    plan: { url: string; schemas: Record<string, string> | undefined };
  }[] = [
    {
      title: 'one URL for all',
      url: 'sqlite::memory:',
      dbUrls: {},
      plan: { url: 'sqlite::memory:', schemas: undefined },
    },
    {
      title: 'the same URL given for each',
      url: 'sqlite::memory:',
      dbUrls: Object.fromEntries(NAMES.map((name) => [name, `${server}/gridbox`])),
      plan: { url: `${server}/gridbox`, schemas: undefined },
    },
    {
      title: "DiracX's layout: a database per DB on one server",
      url: 'sqlite::memory:',
      dbUrls: Object.fromEntries(NAMES.map((name) => [name, `${server}/${name}`])),
      plan: {
        url: 'mysql://diracx:secret@db.example.org/',
        schemas: { JobDB: 'JobDB', JobLoggingDB: 'JobLoggingDB', TaskQueueDB: 'TaskQueueDB' },
      },
    },
    {
      title: 'some DBs in their own database, the others in the shared one',
      url: 'mysql://diracx:secret@db.example.org/gridbox',
      dbUrls: { JobDB: 'mysql://diracx:secret@db.example.org:3306/JobDB' },
      plan: {
        url: 'mysql://diracx:secret@db.example.org/',
        schemas: { JobDB: 'JobDB', JobLoggingDB: 'gridbox', TaskQueueDB: 'gridbox' },
      },
    },
  ];
  it.each(valid)('opens $title', ({ url, dbUrls, plan }) => {
    const planned = planDatabases(url, NAMES, dbUrls);
    expect({
      url: planned.url,
      schemas: planned.schemas && Object.fromEntries(planned.schemas),
    }).toEqual(plan);
  });

  const invalid: { title: string; url: string; dbUrls: Record<string, string>; error: string }[] = [
    {
      title: 'DBs on two servers',
      url: `${server}/JobDB`,
      dbUrls: { TaskQueueDB: 'mysql://diracx:secret@other.example.org/TaskQueueDB' },
      error:
        'JobDB (mysql://diracx@db.example.org) and TaskQueueDB (mysql://diracx@other.example.org) must be in one SQLite file, or on one MySQL server as one user, because gridbox updates several DBs in one transaction',
    },
    {
      title: 'DBs reached as two users',
      url: `${server}/JobDB`,
      dbUrls: { TaskQueueDB: 'mysql://tq:secret@db.example.org/TaskQueueDB' },
      error: '(mysql://diracx@db.example.org) and TaskQueueDB (mysql://tq@db.example.org) must',
    },
    {
      title: 'DBs reached with two passwords',
      url: `${server}/JobDB`,
      dbUrls: { TaskQueueDB: 'mysql://diracx:other@db.example.org/TaskQueueDB' },
      error: 'must be in one SQLite file, or on one MySQL server as one user',
    },
    {
      title: 'a DB on SQLite and others on MySQL',
      url: `${server}/gridbox`,
      dbUrls: { JobLoggingDB: 'sqlite:/var/lib/gridbox/logging.db' },
      error:
        'JobDB (mysql://diracx@db.example.org) and JobLoggingDB (sqlite:/var/lib/gridbox/logging.db) must be in one SQLite file',
    },
    {
      title: 'two SQLite files',
      url: 'sqlite:/a.db',
      dbUrls: { TaskQueueDB: 'sqlite:/b.db' },
      error: 'JobDB (sqlite:/a.db) and TaskQueueDB (sqlite:/b.db) must be in one SQLite file',
    },
    {
      title: 'a URL for a DB gridbox does not open',
      url: 'sqlite::memory:',
      dbUrls: { JobsDB: `${server}/JobsDB` },
      error: 'A database URL is given for JobsDB, which is not a DB gridbox opens',
    },
    {
      title: 'a MySQL URL without a database',
      url: `${server}/JobDB`,
      dbUrls: { TaskQueueDB: server },
      error: 'The database URL of TaskQueueDB names no database: add /TaskQueueDB',
    },
  ];
  it.each(invalid)('refuses $title with one sentence', ({ url, dbUrls, error }) => {
    const plan = () => planDatabases(url, NAMES, dbUrls);
    expect(plan).toThrow(UsageError);
    expect(plan).toThrow(error);
  });
});

const mysqlUrl = mysqlServerUrl;
const ALL = [
  authDb,
  fileCatalogDb,
  jobDb,
  jobLoggingDb,
  pilotAgentsDb,
  resourceStatusDb,
  sandboxMetadataDb,
  taskQueueDb,
];

describe.runIf(mysqlUrl !== undefined)("DiracX's layout on MySQL: a database per DB", () => {
  const prefix = `gbx_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}_`;
  const databaseOf = (name: string) => `${prefix}${name}`;
  const dbUrls = Object.fromEntries(
    ALL.map(({ name }) => {
      const url = new URL(mysqlUrl ?? 'mysql://unused');
      url.pathname = `/${databaseOf(name)}`;
      return [name, url.toString()];
    }),
  );
  const open = () => openDatabases('sqlite::memory:', ALL, { dbUrls, timeoutMs: 5000 });
  afterAll(async () => {
    const admin = await openSql(mysqlUrl!);
    for (const { name } of ALL)
      await sql`drop database if exists ${sql.id(databaseOf(name))}`.execute(admin.kysely);
    await admin.close();
  });

  it("creates each DB's tables and migration table in its own database, in utf8mb4", async () => {
    await using databases = await open();
    const tables = await sql<{ schema: string; name: string; collation: string }>`
      select table_schema as \`schema\`, table_name as name, table_collation as collation
      from information_schema.tables where table_schema like ${`${prefix}%`}`.execute(
      databases.sql.kysely,
    );
    const bySchema = new Map<string, string[]>();
    for (const row of tables.rows)
      bySchema.set(row.schema, [...(bySchema.get(row.schema) ?? []), row.name]);
    expect(bySchema.get(databaseOf('JobDB'))).toEqual(
      expect.arrayContaining(['Jobs', 'JobJDLs', 'InputData', 'gridbox_migrations_JobDB']),
    );
    expect(bySchema.get(databaseOf('JobLoggingDB'))).toEqual(
      expect.arrayContaining(['LoggingInfo', 'gridbox_migrations_JobLoggingDB']),
    );
    expect(bySchema.get(databaseOf('JobDB'))).not.toContain('LoggingInfo');
    expect([...bySchema.keys()].sort()).toEqual(ALL.map(({ name }) => databaseOf(name)).sort());
    expect(new Set(tables.rows.map((row) => row.collation))).toEqual(
      new Set(['utf8mb4_unicode_520_ci']),
    );
  });

  it('serves the DBs, reopens them without migrating again, and keeps their rows', async () => {
    let id: number;
    {
      await using databases = await open();
      const jobs = databases.dbs.get('JobDB') as JobDB;
      [id] = (await jobs.insertJobs([newJob('\u{1F680} \u4F5C\u4E1A')])) as [number];
    }
    await using databases = await open();
    const jobs = databases.dbs.get('JobDB') as JobDB;
    expect(await jobs.getJdl(id)).toBe(
      `[ Executable = "run.sh"; JobName = "\u{1F680} \u4F5C\u4E1A"; Arguments = "${id}" ]`,
    );
    const migrations = await sql<{ count: number }>`select count(*) as count from ${sql.id(
      databaseOf('JobDB'),
      'gridbox_migrations_JobDB',
    )}`.execute(databases.sql.kysely);
    const [{ count }] = migrations.rows as [{ count: number }];
    expect(Number(count)).toBeGreaterThan(0);
    for (const db of databases.dbs.values()) await db.ping();
  });

  it('changes tables of several databases in one transaction, all or nothing', async () => {
    await using databases = await open();
    const insertBoth = (tx: typeof databases.sql.kysely, jobId: number) =>
      Promise.all([
        tx
          .withSchema(databaseOf('JobLoggingDB'))
          .insertInto('LoggingInfo')
          .values({
            JobID: jobId,
            SeqNum: 1,
            Status: 'Received',
            MinorStatus: 'Job accepted',
            ApplicationStatus: 'Unknown',
            StatusTime: '2026-06-01 12:00:00',
            StatusTimeOrder: 0,
            StatusSource: 'test',
          })
          .execute(),
        tx
          .withSchema(databaseOf('TaskQueueDB'))
          .insertInto('tq_TaskQueues')
          .values({
            Owner: 'alice',
            OwnerGroup: 'lhcb_user',
            VO: 'lhcb',
            CPUTime: jobId,
            Priority: 1,
            Enabled: 1,
          })
          .execute(),
      ]);
    await expect(
      databases.sql.kysely.transaction().execute(async (tx) => {
        await insertBoth(tx, 1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await databases.sql.kysely.transaction().execute((tx) => insertBoth(tx, 2));
    const count = async (schema: string, table: string) =>
      (
        await databases.sql.kysely
          .withSchema(schema)
          .selectFrom(table)
          .select(({ fn }) => fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow()
      ).count;
    expect(Number(await count(databaseOf('JobLoggingDB'), 'LoggingInfo'))).toBe(1);
    expect(Number(await count(databaseOf('TaskQueueDB'), 'tq_TaskQueues'))).toBe(1);
  });
});
