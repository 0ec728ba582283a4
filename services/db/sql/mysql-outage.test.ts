import { createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, UsageError } from '../../core/index.ts';
import { type JobDB, jobDb } from '../job/index.ts';
import { jobLoggingDb } from '../job-logging/index.ts';
import { openDatabases, type StartedDatabases } from '../open-databases.ts';
import { openSql } from './connection.ts';
import { type StartedMariadb, canRunMariadb, startMariadb } from './mariadb-server.testkit.ts';
import { type ProxyMode, startTcpProxy } from './tcp-proxy.testkit.ts';
import { newJob } from '../job/new-job.ts';

// Each DB call must fail within the timeout while the server is out of reach, and the next
// ones succeed once it is back, without reopening anything. Real time is unavoidable here:
// the timeout is short and the bound is vitest's per-test deadline, far above it.
const TIMEOUT_MS = 2000;

/** What a caller sees: the 503 error naming the DB, or the rejection as it is. */
async function failure(call: Promise<unknown>): Promise<DatabaseUnavailableError> {
  const error = await call.then(
    () => new Error('the call succeeded'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DatabaseUnavailableError);
  return error as DatabaseUnavailableError;
}

/** Calls that must all succeed: more at once than the pool has connections, so a leak shows. */
async function expectHealthy(databases: StartedDatabases): Promise<number> {
  const jobs = databases.dbs.get('JobDB') as JobDB;
  await Promise.all(Array.from({ length: 25 }, () => jobs.ping()));
  const [id] = await jobs.insertJobs([newJob('after')]);
  expect(await jobs.getJdl(id!)).toContain('after');
  // What was written in a transaction the outage cut short was rolled back.
  const during = await jobs.search({
    filters: [{ parameter: 'JobName', operator: 'eq', value: 'during' }],
    sorts: [],
    distinct: false,
    offset: 0,
    limit: 10,
  });
  expect(during.total).toBe(0);
  return id!;
}

describe.runIf(canRunMariadb)('a MySQL server out of reach', () => {
  let server: StartedMariadb;
  beforeAll(async () => {
    server = await startMariadb();
  }, 120_000);
  afterAll(() => server?.close());

  /** A database with the DBs' tables made, so the short timeout never bounds DDL. */
  const databaseUrl = async (port: number, name: string) => {
    const admin = await openSql(server.url);
    await sql`create database if not exists ${sql.id(name)}`.execute(admin.kysely);
    await admin.close();
    await (await openDatabases(`${server.url}${name}`, [jobDb, jobLoggingDb])).close();
    return `mysql://root@127.0.0.1:${port}/${name}`;
  };

  it.each<{ mode: ProxyMode; reason: RegExp }>([
    { mode: 'hold', reason: /^JobDB is unavailable: no (answer|connection)/ },
    { mode: 'reset', reason: /^JobDB is unavailable: connection (reset|lost)/ },
    { mode: 'refuse', reason: /^JobDB is unavailable: connection (refused|lost)/ },
  ])(
    'fails each call with a 503 while the network does "$mode", and recovers',
    async ({ mode, reason }) => {
      await using proxy = await startTcpProxy(server.port);
      await using databases = await openDatabases(
        await databaseUrl(proxy.port, `outage_${mode}`),
        [jobDb, jobLoggingDb],
        { timeoutMs: TIMEOUT_MS },
      );
      const jobs = databases.dbs.get('JobDB') as JobDB;
      const before = await expectHealthy(databases);

      await proxy.setMode(mode);
      // 1. Idle pooled connections, a transaction, new connections: every kind of call fails.
      for (const call of [
        () => jobs.ping(),
        () => jobs.insertJobs([newJob('during')]),
        () => jobs.getJdl(before),
        () => jobs.ping(),
      ])
        expect((await failure(call())).message).toMatch(reason);
      // 2. As many at once as the pool and its queue can hold.
      const concurrent = await Promise.allSettled(Array.from({ length: 25 }, () => jobs.ping()));
      for (const result of concurrent) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailableError);
      }

      await proxy.setMode('forward');
      // 3. The first calls after succeed, and nothing acknowledged was lost.
      await expectHealthy(databases);
      expect(await jobs.getJdl(before)).toContain('after');
    },
  );

  it('fails with a 503 while the server is stopped (SIGSTOP) and recovers on SIGCONT', async () => {
    await using databases = await openDatabases(
      await databaseUrl(server.port, 'outage_sigstop'),
      [jobDb, jobLoggingDb],
      { timeoutMs: TIMEOUT_MS },
    );
    const jobs = databases.dbs.get('JobDB') as JobDB;
    const before = await expectHealthy(databases);
    server.pause();
    try {
      expect((await failure(jobs.insertJobs([newJob('during')]))).message).toMatch(
        /^JobDB is unavailable: no (answer|connection)/,
      );
      expect((await failure(jobs.ping())).message).toMatch(/^JobDB is unavailable: /);
    } finally {
      server.resume();
    }
    await expectHealthy(databases);
    expect(await jobs.getJdl(before)).toContain('after');
  });

  it.each(['kill', 'shutdown'] as const)(
    'fails with a 503 after a %s and recovers when the server restarts on its port',
    async (stop) => {
      await using databases = await openDatabases(
        await databaseUrl(server.port, `outage_${stop}`),
        [jobDb, jobLoggingDb],
        { timeoutMs: TIMEOUT_MS },
      );
      const jobs = databases.dbs.get('JobDB') as JobDB;
      const before = await expectHealthy(databases);
      // A statement running when the server goes: it must fail too, not hang.
      const running = sql`select sleep(30)`.execute(databases.sql.forDb('JobDB').kysely);
      const failed = failure(running);
      await server[stop]();
      try {
        expect((await failed).message).toMatch(/^JobDB is unavailable: /);
        expect((await failure(jobs.ping())).message).toMatch(
          /^JobDB is unavailable: connection (refused|lost)/,
        );
        expect((await failure(jobs.insertJobs([newJob('during')]))).message).toMatch(
          /^JobDB is unavailable: /,
        );
      } finally {
        await server.restart();
      }
      await expectHealthy(databases);
      expect(await jobs.getJdl(before)).toContain('after');
    },
  );
});

describe('a MySQL server that cannot be reached at start-up', () => {
  it('is refused with one sentence when it accepts connections and never answers', async () => {
    const held = new Set<Socket>();
    const silent = createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await expect(
        openSql(`mysql://u:p@127.0.0.1:${port}/JobDB`, { timeoutMs: TIMEOUT_MS }),
      ).rejects.toThrow(
        new UsageError(
          `Cannot connect to MySQL at 127.0.0.1:${port}: no answer within 2 s (is it paused, or firewalled?)`,
        ),
      );
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('is refused with one sentence when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      openSql(`mysql://u:p@127.0.0.1:${port}/JobDB`, { timeoutMs: TIMEOUT_MS }),
    ).rejects.toThrow(
      `Cannot connect to MySQL at 127.0.0.1:${port}: connection refused (is it running?)`,
    );
  });
});
