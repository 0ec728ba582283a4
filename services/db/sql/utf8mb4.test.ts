import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type JobDB, jobDb } from '../job/index.ts';
import { openDatabases } from '../open-databases.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { openSql } from './connection.ts';
import { newJob } from '../job/new-job.ts';

// Any text a user sends comes back as sent, and text that differs stays apart, on every
// backend: 4-byte emoji, CJK, accents, in job names, JDLs and LFNs.
const ROCKET = '\u{1F680} \u4F5C\u4E1A \u00FCn\u00EF';
const PARTY = '\u{1F389} \u4F5C\u4E1A \u00FCn\u00EF';
const LFN = '/lhcb/\u6570\u636E/\u{1F4C1}/f.root';

describe.each(sqlBackends)('text beyond Latin-1 on %s', (backend, dbUrl) => {
  const open = async () => {
    const url = await dbUrl();
    if (url.startsWith('mysql:')) {
      // Many servers still default to latin1: the tables must not depend on it.
      const admin = await openSql(url);
      await sql`alter database character set latin1`.execute(admin.kysely);
      await admin.close();
    }
    return openDatabases(url, [jobDb]);
  };

  it('stores and reads back emoji and CJK unchanged, and tells one emoji from another', async () => {
    await using databases = await open();
    const jobs = databases.dbs.get('JobDB') as JobDB;
    const [rocket, party] = (await jobs.insertJobs([
      newJob(ROCKET, [LFN], ROCKET),
      newJob(PARTY, [], PARTY),
    ])) as [number, number];
    expect(await jobs.getJdl(rocket)).toBe(
      `[ Executable = "run.sh"; JobName = "${ROCKET}"; Arguments = "${rocket}" ]`,
    );
    expect(await jobs.getOriginalJdl(party)).toBe(
      `[ Executable = "run.sh"; JobName = "${PARTY}"; Arguments = "%j" ]`,
    );
    const found = await jobs.search({
      parameters: ['JobID', 'JobName', 'MinorStatus'],
      filters: [{ parameter: 'JobName', operator: 'eq', value: ROCKET }],
      sorts: [],
      distinct: false,
      offset: 0,
      limit: 10,
    });
    expect(found.rows).toEqual([{ JobID: rocket, JobName: ROCKET, MinorStatus: ROCKET }]);
    const lfns = await databases.sql.kysely.selectFrom('InputData').select('LFN').execute();
    expect(lfns).toEqual([{ LFN }]);
  });

  it.runIf(backend.startsWith('MySQL'))(
    'creates every table and talks to the server in utf8mb4 with one collation MariaDB and MySQL 8 share',
    async () => {
      await using databases = await open();
      const tables = await sql<{ collation: string }>`
        select distinct table_collation as collation from information_schema.tables
        where table_schema = database()`.execute(databases.sql.kysely);
      expect(tables.rows).toEqual([{ collation: 'utf8mb4_unicode_520_ci' }]);
      const columns = await sql<{ charset: string }>`
        select distinct character_set_name as charset from information_schema.columns
        where table_schema = database() and character_set_name is not null`.execute(
        databases.sql.kysely,
      );
      expect(columns.rows).toEqual([{ charset: 'utf8mb4' }]);
      const session = await sql<{ charset: string; collation: string }>`
        select @@character_set_connection as charset, @@collation_connection as collation`.execute(
        databases.sql.kysely,
      );
      expect(session.rows).toEqual([{ charset: 'utf8mb4', collation: 'utf8mb4_unicode_520_ci' }]);
    },
  );
});
