import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlBackends } from './sql-backends.testkit.ts';
import { PRIVATE_FILE_MMAP_BYTES } from './sql/private-file.ts';
import {
  authDb,
  jobDb,
  jobLoggingDb,
  pilotAgentsDb,
  sandboxMetadataDb,
  taskQueueDb,
  openDatabases,
} from './index.ts';

/** DiracX's tables and columns, by DB: what a DiracX sharing the database expects to find. */
const LEGACY_SCHEMA: Record<string, Record<string, string[]>> = {
  JobDB: {
    JobJDLs: ['JobID', 'JDL', 'JobRequirements', 'OriginalJDL'],
    Jobs: [
      'JobID',
      'JobType',
      'JobGroup',
      'Site',
      'JobName',
      'Owner',
      'OwnerGroup',
      'VO',
      'SubmissionTime',
      'RescheduleTime',
      'LastUpdateTime',
      'StartExecTime',
      'HeartBeatTime',
      'EndExecTime',
      'Status',
      'MinorStatus',
      'ApplicationStatus',
      'UserPriority',
      'RescheduleCounter',
      'VerifiedFlag',
      'AccountedFlag',
    ],
    InputData: ['JobID', 'LFN', 'Status'],
    JobParameters: ['JobID', 'Name', 'Value'],
    OptimizerParameters: ['JobID', 'Name', 'Value'],
    AtticJobParameters: ['JobID', 'Name', 'Value', 'RescheduleCycle'],
    HeartBeatLoggingInfo: ['JobID', 'Name', 'Value', 'HeartBeatTime'],
    JobCommands: ['JobID', 'Command', 'Arguments', 'Status', 'ReceptionTime', 'ExecutionTime'],
  },
  JobLoggingDB: {
    LoggingInfo: [
      'JobID',
      'SeqNum',
      'Status',
      'MinorStatus',
      'ApplicationStatus',
      'StatusTime',
      'StatusTimeOrder',
      'StatusSource',
    ],
  },
  TaskQueueDB: {
    tq_TaskQueues: ['TQId', 'Owner', 'OwnerGroup', 'VO', 'CPUTime', 'Priority', 'Enabled'],
    tq_Jobs: ['TQId', 'JobId', 'Priority', 'RealPriority'],
    tq_TQToSites: ['TQId', 'Value'],
    tq_TQToGridCEs: ['TQId', 'Value'],
    tq_TQToBannedSites: ['TQId', 'Value'],
    tq_TQToPlatforms: ['TQId', 'Value'],
    tq_TQToJobTypes: ['TQId', 'Value'],
    tq_TQToTags: ['TQId', 'Value'],
  },
  PilotAgentsDB: {
    PilotAgents: [
      'PilotID',
      'InitialJobID',
      'CurrentJobID',
      'PilotJobReference',
      'PilotStamp',
      'DestinationSite',
      'Queue',
      'GridSite',
      'VO',
      'GridType',
      'BenchMark',
      'SubmissionTime',
      'LastUpdateTime',
      'Status',
      'StatusReason',
      'AccountingSent',
    ],
    JobToPilotMapping: ['PilotID', 'JobID', 'StartTime'],
    PilotOutput: ['PilotID', 'StdOutput', 'StdError'],
  },
  SandboxMetadataDB: {
    sb_Owners: ['OwnerID', 'Owner', 'OwnerGroup', 'VO'],
    sb_SandBoxes: [
      'SBId',
      'OwnerId',
      'SEName',
      'SEPFN',
      'Bytes',
      'RegistrationTime',
      'LastAccessTime',
      'Assigned',
    ],
    sb_EntityMapping: ['SBId', 'EntityId', 'Type'],
  },
  AuthDB: {
    DeviceFlows: [
      'UserCode',
      'Status',
      'CreationTime',
      'ClientID',
      'Scope',
      'DeviceCode',
      'IDToken',
    ],
    AuthorizationFlows: [
      'UUID',
      'Status',
      'ClientID',
      'CreationTime',
      'Scope',
      'CodeChallenge',
      'CodeChallengeMethod',
      'RedirectURI',
      'Code',
      'IDToken',
    ],
    RefreshTokens: ['JTI', 'Status', 'Scope', 'Sub'],
  },
};

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-db-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const definitions = () => [
  authDb,
  jobDb,
  jobLoggingDb,
  pilotAgentsDb,
  sandboxMetadataDb,
  taskQueueDb,
];

describe.each(sqlBackends)('SQL DBs on %s', (_backend, url) => {
  it('creates every DiracX table with its legacy column names', async () => {
    await using databases = await openDatabases(await url(), definitions());
    const tables = await databases.sql.kysely.introspection.getTables();
    const columnsOf = new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
    for (const [db, expected] of Object.entries(LEGACY_SCHEMA)) {
      expect(databases.dbs.has(db)).toBe(true);
      for (const [table, columns] of Object.entries(expected)) {
        expect(columnsOf.get(table), `${db}.${table}`).toEqual(columns);
      }
    }
  });

  it('answers a ping from every DB while open, and not once closed', async () => {
    const databases = await openDatabases(await url(), definitions());
    for (const db of databases.dbs.values()) await expect(db.ping()).resolves.toBeUndefined();
    await databases.close();
    for (const db of databases.dbs.values()) await expect(db.ping()).rejects.toThrow();
  });

  it('opens an up-to-date database again without migrating twice', async () => {
    const target = await url();
    await (await openDatabases(target, definitions())).close();
    await using again = await openDatabases(target, definitions());
    expect(again.dbs.size).toBe(definitions().length);
  });
});

describe('the embedded backend', () => {
  it('keeps rows across restarts when given a file', async () => {
    const url = `sqlite:${join(scratch, 'restart.db')}`;
    {
      await using first = await openDatabases(url, definitions());
      await sql`insert into JobJDLs (JDL, JobRequirements, OriginalJDL) values ('[]', '[]', '[]')`.execute(
        first.sql.kysely,
      );
    }
    await using second = await openDatabases(url, definitions());
    const { rows } = await sql<{ n: number }>`select count(*) as n from JobJDLs`.execute(
      second.sql.kysely,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('gives each in-memory box its own state', async () => {
    await using a = await openDatabases('sqlite::memory:', definitions());
    await using b = await openDatabases('sqlite::memory:', definitions());
    await sql`insert into JobJDLs (JDL, JobRequirements, OriginalJDL) values ('[]', '[]', '[]')`.execute(
      a.sql.kysely,
    );
    const { rows } = await sql<{ n: number }>`select count(*) as n from JobJDLs`.execute(
      b.sql.kysely,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it.each([
    [
      'in a private temporary file that no directory shows',
      () => mkdtempSync(join(scratch, 'tmp-')),
    ],
    ['in SQLite’s memory when there is no temporary directory', () => join(scratch, 'missing')],
  ])('keeps an in-memory box %s', async (_how, temporaryDirectory) => {
    const directory = temporaryDirectory();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = directory;
    try {
      await using box = await openDatabases('sqlite::memory:', definitions());
      for (let i = 0; i < 200; i++)
        await sql`insert into JobJDLs (JDL, JobRequirements, OriginalJDL) values ('[]', '[]', '[]')`.execute(
          box.sql.kysely,
        );
      await sql`delete from JobJDLs where JobID % 2 = 0`.execute(box.sql.kysely);
      const { rows } = await sql<{ n: number }>`select count(*) as n from JobJDLs`.execute(
        box.sql.kysely,
      );
      expect(rows[0]!.n).toBe(100);
      expect(existsSync(directory) ? readdirSync(directory) : []).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('maps at most PRIVATE_FILE_MMAP_BYTES of an in-memory box into the process', async () => {
    await using box = await openDatabases('sqlite::memory:', definitions());
    const { rows } = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(box.sql.kysely);
    expect(rows[0]!.mmap_size).toBeGreaterThan(0);
    expect(rows[0]!.mmap_size).toBeLessThanOrEqual(PRIVATE_FILE_MMAP_BYTES);
  });

  it('rejects a database it cannot open with one sentence', async () => {
    await expect(openDatabases('sqlite:/nonexistent-dir/x.db', definitions())).rejects.toThrow(
      /^Cannot open the SQLite database \/nonexistent-dir\/x.db: /,
    );
  });
});
