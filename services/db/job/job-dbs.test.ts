import { describe, expect, it } from 'vitest';
import { openDatabases } from '../open-databases.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { type JobLoggingDB, jobLoggingDb } from '../job-logging/index.ts';
import {
  MAX_JOBS_PER_TASK_QUEUE,
  type TaskQueueDB,
  type TaskQueueKey,
  cpuTimeBucket,
  realPriority,
  taskQueueDb,
} from '../task-queue/index.ts';
import type { SearchSpec } from '../../core/index.ts';
import { type JobDB, type JobSearch, jobDb } from './index.ts';
import { newJob } from './new-job.testkit.ts';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

async function open(url: string) {
  const databases = await openDatabases(url, [jobDb, jobLoggingDb, taskQueueDb]);
  return {
    jobs: databases.dbs.get('JobDB') as JobDB,
    logging: databases.dbs.get('JobLoggingDB') as JobLoggingDB,
    queues: databases.dbs.get('TaskQueueDB') as TaskQueueDB,
    sql: databases.sql,
    [Symbol.asyncDispose]: () => databases.close(),
  };
}

const key = (overrides: Partial<TaskQueueKey> = {}): TaskQueueKey => ({
  owner: 'alice',
  ownerGroup: 'lhcb_user',
  vo: 'lhcb',
  cpuTime: 3000,
  sites: [],
  gridCEs: [],
  bannedSites: [],
  platforms: ['x86_64-el9'],
  jobTypes: ['User'],
  tags: [],
  ...overrides,
});

describe.each(sqlBackends)('job DBs on %s', (_backend, url) => {
  it('gives jobs consecutive ids and stores their JDL with the id in place of %j', async () => {
    await using db = await open(await url());
    const ids = await db.jobs.insertJobs([
      newJob('a', ['LFN:/lhcb/f1', 'LFN:/lhcb/f1']),
      newJob('b'),
    ]);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect(await db.jobs.getJdl(ids[0]!)).toBe(
      `[ Executable = "run.sh"; JobName = "a"; Arguments = "${ids[0]}" ]`,
    );
    const inputData = await db.sql.kysely.selectFrom('InputData').selectAll().execute();
    expect(inputData).toEqual([{ JobID: ids[0], LFN: 'LFN:/lhcb/f1', Status: 'AprioriGood' }]);
  });

  it('numbers each job’s logging records in the order they were written', async () => {
    await using db = await open(await url());
    const [id] = await db.jobs.insertJobs([newJob('a')]);
    await db.logging.insertRecords([
      {
        jobId: id!,
        status: 'Received',
        minorStatus: 'Job accepted',
        applicationStatus: 'Unknown',
        timeMs: T0,
        source: 'JobManager',
      },
      {
        jobId: id!,
        status: 'Checking',
        minorStatus: 'JobSanity',
        timeMs: T0 + 1500,
        source: 'x'.repeat(40),
      },
    ]);
    await db.logging.insertRecords([
      { jobId: id!, status: 'Waiting', timeMs: T0 + 2000, source: 'JobScheduling' },
    ]);
    const records = await db.logging.getRecords(id!);
    expect(records.map((r) => [r.SeqNum, r.Status, r.MinorStatus, r.ApplicationStatus])).toEqual([
      [1, 'Received', 'Job accepted', 'Unknown'],
      [2, 'Checking', 'JobSanity', 'idem'],
      [3, 'Waiting', 'idem', 'idem'],
    ]);
    expect(Number(records[1]!.StatusTimeOrder)).toBeCloseTo(T0 / 1000 + 1.5 - 1270000000, 3);
    expect(records[1]!.StatusSource).toHaveLength(32);
  });

  it('changes a job from an expected status once, however many callers try at the same time', async () => {
    await using db = await open(await url());
    const [id] = await db.jobs.insertJobs([newJob('a')]);
    const matched = { Status: 'Matched', MinorStatus: 'Assigned', Site: 'LCG.CERN.cern' };
    expect(await db.jobs.setAttributesIfStatus(id!, 'Waiting', matched)).toBe(false);
    await db.jobs.setAttributes([id!], { Status: 'Waiting' });
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => db.jobs.setAttributesIfStatus(id!, 'Waiting', matched)),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
    const row = await db.sql.kysely
      .selectFrom('Jobs')
      .select(['Status', 'MinorStatus', 'Site'])
      .where('JobID', '=', id!)
      .executeTakeFirst();
    expect(row).toEqual(matched);
    expect(await db.jobs.getOwnerAndJdl(id!)).toEqual({
      owner: 'alice',
      ownerGroup: 'lhcb_user',
      vo: 'lhcb',
      jdl: `[ Executable = "run.sh"; JobName = "a"; Arguments = "${id}" ]`,
    });
    expect(await db.jobs.getOwnerAndJdl(id! + 1)).toBeUndefined();
  });

  it('groups jobs with equal requirements into one task queue, and others apart', async () => {
    await using db = await open(await url());
    const same1 = (
      await db.queues.insertJobs(
        [{ jobId: 1, userPriority: 1 }],
        key({ cpuTime: 3000, sites: ['B', 'A'] }),
      )
    )[0];
    const same2 = (
      await db.queues.insertJobs(
        [{ jobId: 2, userPriority: 5 }],
        key({ cpuTime: 3600, sites: ['A', 'B'] }),
      )
    )[0];
    const otherSites = (
      await db.queues.insertJobs([{ jobId: 3, userPriority: 1 }], key({ sites: ['A'] }))
    )[0];
    const otherBucket = (
      await db.queues.insertJobs([{ jobId: 4, userPriority: 1 }], key({ cpuTime: 3601 }))
    )[0];
    const otherOwner = (
      await db.queues.insertJobs([{ jobId: 5, userPriority: 1 }], key({ owner: 'bob' }))
    )[0];
    expect(same2).toBe(same1);
    expect(new Set([same1, otherSites, otherBucket, otherOwner]).size).toBe(4);
    expect(await db.queues.taskQueueOf(2)).toBe(same1);
    const rows = await db.sql.kysely
      .selectFrom('tq_Jobs')
      .selectAll()
      .where('JobId', '=', 2)
      .execute();
    expect(rows).toEqual([{ TQId: same1, JobId: 2, Priority: 5, RealPriority: 5 }]);
  });

  it(`opens a new queue once one holds ${MAX_JOBS_PER_TASK_QUEUE} jobs, within a batch too`, async () => {
    await using db = await open(await url());
    const first = (await db.queues.insertJobs([{ jobId: 1, userPriority: 1 }], key()))[0];
    const jobs = Array.from({ length: MAX_JOBS_PER_TASK_QUEUE - 2 }, (_, i) => ({
      TQId: first,
      JobId: i + 2,
      Priority: 1,
      RealPriority: 1,
    }));
    for (let i = 0; i < jobs.length; i += 1000) {
      await db.sql.kysely
        .insertInto('tq_Jobs')
        .values(jobs.slice(i, i + 1000))
        .execute();
    }
    const ids = [1, 2, 3].map((i) => ({ jobId: MAX_JOBS_PER_TASK_QUEUE + i, userPriority: 1 }));
    const [last, next, afterNext] = await db.queues.insertJobs(ids, key());
    expect(last).toBe(first);
    expect(next).not.toBe(first);
    expect(afterNext).toBe(next);
  });
});

describe.each(sqlBackends)('job search on %s', (_backend, url) => {
  it('filters, sorts, pages, counts and groups the same way', async () => {
    await using db = await open(await url());
    const ids = await db.jobs.insertJobs([newJob('alpha'), newJob('beta'), newJob('gamma')]);
    await db.jobs.setAttributes([ids[2]!], {
      SubmissionTime: '2026-06-02 08:30:00',
      Status: 'Done',
    });
    const search = (filters: SearchSpec[], extra: Partial<JobSearch> = {}) =>
      db.jobs.search({
        filters,
        sorts: [{ parameter: 'JobID', direction: 'asc' }],
        distinct: false,
        offset: 0,
        limit: 10,
        parameters: ['JobName'],
        ...extra,
      });
    const names = async (filters: SearchSpec[]) =>
      (await search(filters)).rows.map((r) => r.JobName);

    expect(await names([{ parameter: 'JobName', operator: 'regex', value: '^(al|ga)' }])).toEqual([
      'alpha',
      'gamma',
    ]);
    expect(await names([{ parameter: 'JobName', operator: 'like', value: '%et%' }])).toEqual([
      'beta',
    ]);
    expect(
      await names([{ parameter: 'SubmissionTime', operator: 'eq', value: '2026-06-02' }]),
    ).toEqual(['gamma']);
    expect(
      await names([{ parameter: 'SubmissionTime', operator: 'lt', value: '2026-06-02' }]),
    ).toEqual(['alpha', 'beta']);
    expect(
      await names([{ parameter: 'SubmissionTime', operator: 'not in', values: ['2026-06-02'] }]),
    ).toEqual(['alpha', 'beta']);
    expect(await names([{ parameter: 'VerifiedFlag', operator: 'eq', value: 'true' }])).toEqual([
      'alpha',
      'beta',
      'gamma',
    ]);

    const page = await search([], { offset: 1, limit: 1 });
    expect(page).toEqual({ total: 3, rows: [{ JobName: 'beta' }] });
    expect((await search([], { parameters: ['Owner'], distinct: true })).total).toBe(1);

    const summary = await db.jobs.summary(['Status'], []);
    expect(summary.sort((a, b) => String(a.Status).localeCompare(String(b.Status)))).toEqual([
      { Status: 'Done', count: 1 },
      { Status: 'Received', count: 2 },
    ]);
  });
});

describe.each(sqlBackends)(
  'id lists longer than SQLite binds in one statement on %s',
  (_backend, url) => {
    it('reads, updates, logs and deletes 35,000 jobs at once', async () => {
      await using db = await open(await url());
      const real = await db.jobs.insertJobs([newJob('a'), newJob('b'), newJob('c')]);
      const ids = [...real, ...Array.from({ length: 35_000 }, (_, i) => 1_000_000 + i)];

      expect((await db.jobs.getStates(ids)).size).toBe(3);
      await db.jobs.setAttributes(ids, { MinorStatus: 'bulk' });
      const { rows } = await db.jobs.search({
        filters: [{ parameter: 'JobID', operator: 'in', values: ids }],
        sorts: [{ parameter: 'JobID', direction: 'asc' }],
        distinct: false,
        offset: 0,
        limit: 10,
        parameters: ['MinorStatus'],
      });
      expect(rows).toEqual(real.map(() => ({ MinorStatus: 'bulk' })));
      await db.jobs.addCommands(real, 'Kill', '', '2026-06-01 12:00:00');
      expect(await db.jobs.takeCommands(ids, '2026-06-01 12:01:00')).toHaveLength(3);

      await db.logging.insertRecords(
        ids.map((jobId) => ({ jobId, status: 'Running', timeMs: T0, source: 'test' })),
      );
      expect((await db.logging.lastStatusTimes(ids)).size).toBe(ids.length);
      expect((await db.logging.getHistories(ids)).get(ids.at(-1)!)).toHaveLength(1);

      await db.queues.insertJobs(
        real.map((jobId) => ({ jobId, userPriority: 1 })),
        key(),
      );
      await db.queues.deleteJobs(ids);
      expect(await db.queues.taskQueueOf(real[0]!)).toBeUndefined();
    });
  },
);

describe.each(sqlBackends)('regex search on %s', (_backend, url) => {
  it('gives the same answers on every backend, catastrophic patterns included', async () => {
    await using db = await open(await url());
    const stuck = `${'a'.repeat(40)}!`;
    await db.jobs.insertJobs(
      ['alpha', 'Beta', stuck, 'a'.repeat(40), 'x\u00fc\u00e9'].map((n) => newJob(n)),
    );
    const names = async (pattern: string) =>
      (
        await db.jobs.search({
          filters: [{ parameter: 'JobName', operator: 'regex', value: pattern }],
          sorts: [{ parameter: 'JobID', direction: 'asc' }],
          distinct: false,
          offset: 0,
          limit: 10,
          parameters: ['JobName'],
        })
      ).rows.map((r) => r.JobName);

    // A backtracking engine needs about 2^40 steps for the third job.
    expect(await names('^(a+)+$')).toEqual(['a'.repeat(40)]);
    expect(await names('^(a|aa)+!$')).toEqual([stuck]);
    expect(await names('^b')).toEqual([]);
    expect(await names('^B')).toEqual(['Beta']);
    expect(await names('(?i)^b')).toEqual(['Beta']);
    expect(await names('^x\u00fc.$')).toEqual(['x\u00fc\u00e9']);
    expect(await names('ph|et')).toEqual(['alpha', 'Beta']);
    await expect(names('(?<=a)b')).rejects.toThrow(/^Invalid regex/);
  });
});

describe('task-queue arithmetic', () => {
  it.each([
    [1, 360],
    [360, 360],
    [361, 1800],
    [86400, 86400],
    [2_000_000, 1080000],
  ])('puts CPUTime %i in the %i s bucket', (cpu, bucket) => {
    expect(cpuTimeBucket(cpu)).toBe(bucket);
  });

  it.each([
    [0, 1e-5],
    [1, 1],
    [9, 9],
    [10, 1e6],
  ])('gives priority %i the real priority %d', (priority, real) => {
    expect(realPriority(priority)).toBe(real);
  });
});
