import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabases, openSql } from '../db/index.ts';
import { type ProxyMode, startTcpProxy } from '../db/sql/tcp-proxy.testkit.ts';
import { builtinRegistry } from './registry.ts';
import { type TestBox, testBox } from './test-box.testkit.ts';
import { mysqlServerUrl } from '../db/sql-backends.testkit.ts';

const mysqlUrl = mysqlServerUrl;

// The API while its MySQL server is out of reach, staged by a proxy in front of the test
// server: 503 with a detail, never a hang or a 500, and back to normal once it returns.
describe.runIf(mysqlUrl !== undefined)('the API when MySQL goes away', () => {
  const database = `gridbox_outage_${crypto.randomUUID().replaceAll('-', '')}`;
  const server = new URL(mysqlUrl ?? 'mysql://unused');

  beforeAll(async () => {
    const admin = await openSql(mysqlUrl!);
    await sql`create database ${sql.id(database)}`.execute(admin.kysely);
    await admin.close();
    // Tables made first, so the short timeout below never bounds DDL on a busy machine.
    const url = new URL(mysqlUrl ?? 'mysql://unused');
    url.pathname = `/${database}`;
    await (await openDatabases(url.toString(), builtinRegistry.dbs.values())).close();
  });
  afterAll(async () => {
    const admin = await openSql(mysqlUrl!);
    await sql`drop database if exists ${sql.id(database)}`.execute(admin.kysely);
    await admin.close();
  });

  it.each<ProxyMode>(['hold', 'refuse', 'reset'])(
    'answers 503 with a detail while the network does "%s", then serves and keeps every acknowledged job',
    async (mode) => {
      await using proxy = await startTcpProxy(Number(server.port));
      const url = new URL(mysqlUrl ?? 'mysql://unused');
      url.port = String(proxy.port);
      url.pathname = `/${database}`;
      const box: TestBox = await testBox({ dbUrl: url.toString(), dbTimeoutMs: 2000 });
      try {
        const alice = await box.token({ user: 'alice' });
        const submit = (name: string) =>
          box.inject('POST', '/api/jobs/jdl', alice, [`Executable = "a"; JobName = "${name}"`]);
        const search = (name: string) =>
          box.inject('POST', '/api/jobs/search', alice, {
            parameters: ['JobID'],
            search: [{ parameter: 'JobName', operator: 'eq', value: name }],
          });
        const name = `${mode}-${crypto.randomUUID()}`;
        const acknowledged: number[] = [];
        const before = await submit(name);
        expect(before.statusCode, before.body).toBe(201);
        acknowledged.push(before.json()[0].JobID);

        await proxy.setMode(mode);
        for (const response of [
          await submit(name),
          await search(name),
          await box.app.inject('/api/health/ready'),
        ]) {
          expect(response.statusCode, response.body).toBe(503);
          expect(response.headers['retry-after']).toBe('10');
          expect(response.json().detail).toMatch(/^\w+DB is unavailable: \w/);
        }

        await proxy.setMode('forward');
        // A connection the outage dropped may still be in the pool; it is noticed and replaced
        // by the first call at the latest, so the second of each kind is the check.
        const first = await box.app.inject('/api/health/ready');
        expect(first.statusCode, first.body).toBe(200);
        const after = await submit(name);
        expect(after.statusCode, after.body).toBe(201);
        acknowledged.push(after.json()[0].JobID);
        const found = await search(name);
        expect(found.statusCode, found.body).toBe(200);
        expect(found.json().map((row: { JobID: number }) => row.JobID)).toEqual(
          expect.arrayContaining(acknowledged),
        );
      } finally {
        await box.close();
      }
    },
  );
});
