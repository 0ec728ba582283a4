import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.ts';
import { openSql } from '../db/index.ts';
import { builtinRegistry } from './registry.ts';
import { testBox } from './test-box.testkit.ts';
import { mysqlServerUrl } from '../db/sql-backends.testkit.ts';

const mysqlUrl = mysqlServerUrl;

// The box on DiracX's layout, each DB in a database of its own on one server, through the
// API: what a DiracX sharing those databases and gridbox both see.
describe.runIf(mysqlUrl !== undefined)('the API on a database per DB', () => {
  const prefix = `gbx_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}_`;
  const names = [...builtinRegistry.dbs.keys()];
  const dbUrls = Object.fromEntries(
    names.map((name) => {
      const url = new URL(mysqlUrl ?? 'mysql://unused');
      url.pathname = `/${prefix}${name}`;
      return [name, url.toString()];
    }),
  );
  afterAll(async () => {
    const admin = await openSql(mysqlUrl!);
    for (const name of names)
      await sql`drop database if exists ${sql.id(`${prefix}${name}`)}`.execute(admin.kysely);
    await admin.close();
  });

  it('submits, finds and updates jobs whose JDL holds emoji and CJK, each name kept apart', async () => {
    await using box = await testBox({
      dbUrls,
      dbTimeoutMs: 5000,
      clock: new ManualClock(Date.UTC(2026, 5, 1, 11)),
    });
    const alice = await box.token({ user: 'alice' });
    const names = ['\u{1F680} \u4F5C\u4E1A', '\u{1F389} \u4F5C\u4E1A'];
    const submitted = await box.inject(
      'POST',
      '/api/jobs/jdl',
      alice,
      names.map(
        (name) => `Executable = "a"; JobName = "${name}"; Arguments = "\u6570\u636E \u{1F4C1}"`,
      ),
    );
    expect(submitted.statusCode, submitted.body).toBe(201);
    const [rocket] = submitted.json().map((job: { JobID: number }) => job.JobID);
    const status = await box.inject('PATCH', '/api/jobs/status', alice, {
      [rocket]: { '2026-06-01T12:00:00Z': { MinorStatus: '\u{1F9EA} \u8BD5\u9A8C' } },
    });
    expect(status.statusCode, status.body).toBe(200);
    const found = await box.inject('POST', '/api/jobs/search', alice, {
      parameters: ['JobID', 'JobName', 'MinorStatus'],
      search: [{ parameter: 'JobName', operator: 'eq', value: names[0] }],
    });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json()).toEqual([
      { JobID: rocket, JobName: names[0], MinorStatus: '\u{1F9EA} \u8BD5\u9A8C' },
    ]);
    expect((await box.app.inject('/api/health/ready')).statusCode).toBe(200);
  });
});
