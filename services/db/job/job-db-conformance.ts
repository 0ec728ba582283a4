import assert from 'node:assert/strict';
import type { SearchSpec } from '../../core/index.ts';
import type { ConformanceCheck, ConformanceSuite } from '../conformance.ts';
import type { SqlDbDefinition } from '../database.ts';
import type { JobLoggingDB } from '../job-logging/index.ts';
import { openDatabases } from '../open-databases.ts';
import type { SqlConnection } from '../sql/connection.ts';
import {
  MAX_JOBS_PER_TASK_QUEUE,
  type TaskQueueDB,
  type TaskQueueKey,
} from '../task-queue/index.ts';
import { type JobDB, type JobSearch, type NewJob, decompressJdl } from './job-db.ts';
import { newJob } from './new-job.ts';

/**
 * The job DBs of one box, fresh: JobDB, JobLoggingDB and TaskQueueDB, which the job
 * system uses together, and their shared connection (gridbox's tables, which a DB
 * registered in JobDB's place keeps, are read directly where no method shows them).
 */
export interface JobDBs extends AsyncDisposable {
  readonly jobs: JobDB;
  readonly logging: JobLoggingDB;
  readonly queues: TaskQueueDB;
  readonly sql: SqlConnection;
}

type JobCheck = ConformanceCheck<JobDBs>;

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

async function openJobDbs(
  url: string,
  definitionOf: (name: string) => SqlDbDefinition,
): Promise<JobDBs> {
  const databases = await openDatabases(url, [
    definitionOf('JobDB'),
    definitionOf('JobLoggingDB'),
    definitionOf('TaskQueueDB'),
  ]);
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

/** A search of `parameters` over every job matching `filters`, by JobID. */
const searchOf = (
  filters: SearchSpec[],
  parameters: string[],
  extra: Partial<JobSearch> = {},
): JobSearch => ({
  filters,
  sorts: [{ parameter: 'JobID', direction: 'asc' }],
  distinct: false,
  offset: 0,
  limit: 100,
  parameters,
  ...extra,
});

/** Rows read with Kysely as plain objects (node:sqlite gives them no prototype). */
const plain = (rows: readonly object[] | object | undefined) =>
  Array.isArray(rows) ? rows.map((row: object) => ({ ...row })) : rows && { ...rows };

/** A value as search gives it or as it was stored: SQL and ISO times, 'True' and true alike. */
const normal = (value: unknown) =>
  String(value)
    .toLowerCase()
    .replace(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/, '$1t$2z');

/** newJob, owned by someone else. */
const jobOf = (name: string, owner: string, vo: string): NewJob => {
  const job = newJob(name);
  return {
    ...job,
    attributes: { ...job.attributes, Owner: owner, OwnerGroup: `${vo}_user`, VO: vo },
  };
};

const jobDbChecks: JobCheck[] = [
  {
    name: 'gives jobs consecutive ids and stores their JDL with the id in place of %j',
    async run(open) {
      await using db = await open();
      const ids = await db.jobs.insertJobs([
        newJob('a', ['LFN:/lhcb/f1', 'LFN:/lhcb/f1']),
        newJob('b'),
      ]);
      assert.equal(ids[1], ids[0]! + 1, 'the second job of a batch has the next id');
      assert.equal(
        await db.jobs.getJdl(ids[0]!),
        `[ Executable = "run.sh"; JobName = "a"; Arguments = "${ids[0]}" ]`,
      );
      const inputData = await db.sql.kysely.selectFrom('InputData').selectAll().execute();
      assert.deepEqual(plain(inputData), [
        { JobID: ids[0], LFN: 'LFN:/lhcb/f1', Status: 'AprioriGood' },
      ]);
    },
  },
  {
    name: 'stores a batch of jobs exactly as it stores the same jobs inserted one at a time',
    async run(open) {
      // JDLs of different lengths, runs of jobs that give different attributes, and input
      // files repeated or shared.
      const jobs = Array.from({ length: 240 }, (_, i): NewJob => {
        const job = newJob(
          `bulk-${i}`,
          Array.from({ length: i % 4 }, (_, f) => `LFN:/lhcb/bulk/f${(i + f) % 50}`).concat(
            i % 7 === 0 ? ['LFN:/lhcb/bulk/f0'] : [],
          ),
        );
        const padding = (i * 7919).toString(36).repeat(i % 100 === 0 ? 2000 : 1);
        return {
          ...job,
          originalJdl: `[ Executable = "run.sh"; JobName = "bulk-${i}"; Arguments = "%j ${padding}" ]`,
          jdl: (id) =>
            `[ Executable = "run.sh"; JobName = "bulk-${i}"; Arguments = "${id} ${padding}" ]`,
          attributes:
            Math.floor(i / 25) % 3 === 1
              ? { ...job.attributes, JobType: 'MCSimulation', Site: 'LCG.CERN.cern' }
              : job.attributes,
        };
      });
      const dump = async (db: JobDBs) => ({
        jdls: (
          await db.sql.kysely.selectFrom('JobJDLs').selectAll().orderBy('JobID').execute()
        ).map((row) => ({
          ...row,
          JDL: decompressJdl(row.JDL),
          OriginalJDL: decompressJdl(row.OriginalJDL),
        })),
        jobs: plain(await db.sql.kysely.selectFrom('Jobs').selectAll().orderBy('JobID').execute()),
        inputData: plain(
          await db.sql.kysely
            .selectFrom('InputData')
            .selectAll()
            .orderBy('JobID')
            .orderBy('LFN')
            .execute(),
        ),
      });
      await using bulk = await open();
      await using single = await open();
      const bulkIds = await bulk.jobs.insertJobs(jobs);
      const singleIds: number[] = [];
      for (const job of jobs) singleIds.push(...(await single.jobs.insertJobs([job])));
      assert.deepEqual(bulkIds, singleIds);
      assert.deepEqual(await dump(bulk), await dump(single));
    },
  },
  {
    name: 'stores a batch of more jobs than one SQL statement takes',
    async run(open) {
      await using db = await open();
      const ids = await db.jobs.insertJobs(
        Array.from({ length: 900 }, (_, i) => newJob(`many-${i}`, [`LFN:/lhcb/many/f${i}`])),
      );
      assert.deepEqual(
        ids,
        ids.map((_, i) => ids[0]! + i),
      );
      const jdls = await db.sql.kysely
        .selectFrom('JobJDLs')
        .select(['JobID', 'JDL'])
        .orderBy('JobID')
        .execute();
      assert.deepEqual(
        jdls.map((row) => decompressJdl(row.JDL)),
        ids.map((id, i) => `[ Executable = "run.sh"; JobName = "many-${i}"; Arguments = "${id}" ]`),
      );
      const jobs = await db.sql.kysely
        .selectFrom('Jobs')
        .select(['JobID', 'JobName'])
        .orderBy('JobID')
        .execute();
      assert.deepEqual(
        plain(jobs),
        ids.map((JobID, i) => ({ JobID, JobName: `many-${i}` })),
      );
      const inputData = await db.sql.kysely
        .selectFrom('InputData')
        .select(['JobID', 'LFN'])
        .orderBy('JobID')
        .execute();
      assert.deepEqual(
        plain(inputData),
        ids.map((JobID, i) => ({ JobID, LFN: `LFN:/lhcb/many/f${i}` })),
      );
    },
  },
  {
    name: 'keeps every attribute a job is inserted with, and each one set later',
    async run(open) {
      await using db = await open();
      const job = newJob('kept');
      const [id] = await db.jobs.insertJobs([job]);
      const names = Object.keys(job.attributes);
      const read = async () =>
        (
          await db.jobs.search(
            searchOf([{ parameter: 'JobID', operator: 'eq', value: id! }], names),
          )
        ).rows[0];
      const inserted = await read();
      for (const name of names)
        assert.equal(
          normal(inserted?.[name]),
          normal(job.attributes[name as keyof typeof job.attributes]),
          `the job's ${name} after insertJobs`,
        );
      const changed = {
        Status: 'Running',
        MinorStatus: 'Application',
        ApplicationStatus: 'step 2',
        Site: 'LCG.CERN.cern',
        UserPriority: 3,
      };
      await db.jobs.setAttributes([id!], changed);
      const after = await db.jobs.search(
        searchOf([{ parameter: 'JobID', operator: 'eq', value: id! }], Object.keys(changed)),
      );
      assert.deepEqual(after.rows, [changed], "the job's attributes after setAttributes");
      const state = (await db.jobs.getStates([id!])).get(id!);
      assert.deepEqual(
        state && { owner: state.owner, ownerGroup: state.ownerGroup, vo: state.vo },
        { owner: 'alice', ownerGroup: 'lhcb_user', vo: 'lhcb' },
        "getStates gives the job's owner, group and VO",
      );
      assert.equal(state?.status, 'Running', 'getStates gives the status set');
    },
  },
  {
    name: 'keeps a search, a summary and a job’s owner to the VO and owner asked for',
    async run(open) {
      await using db = await open();
      const [a, b, c] = await db.jobs.insertJobs([
        jobOf('a', 'alice', 'lhcb'),
        jobOf('b', 'bob', 'lhcb'),
        jobOf('c', 'carol', 'dteam'),
      ]);
      const ids = async (filters: SearchSpec[]) =>
        (await db.jobs.search(searchOf(filters, ['JobID']))).rows.map((r) => Number(r.JobID));
      assert.deepEqual(
        await ids([{ parameter: 'VO', operator: 'eq', value: 'lhcb' }]),
        [a, b],
        "a search filtered on VO lhcb returns lhcb's jobs only",
      );
      assert.deepEqual(
        await ids([
          { parameter: 'VO', operator: 'eq', value: 'lhcb' },
          { parameter: 'Owner', operator: 'eq', value: 'bob' },
        ]),
        [b],
        "a search filtered on VO lhcb and Owner bob returns bob's job only",
      );
      assert.deepEqual(
        await ids([{ parameter: 'VO', operator: 'eq', value: 'dteam' }]),
        [c],
        "a search filtered on VO dteam returns dteam's job only",
      );
      const total = (
        await db.jobs.search(
          searchOf([{ parameter: 'VO', operator: 'eq', value: 'dteam' }], ['JobID']),
        )
      ).total;
      assert.equal(total, 1, 'the total of a search filtered on VO dteam');
      assert.deepEqual(
        await db.jobs.summary(['VO'], [{ parameter: 'VO', operator: 'eq', value: 'dteam' }]),
        [{ VO: 'dteam', count: 1 }],
        'a summary filtered on VO dteam counts its job only',
      );
      assert.equal(
        (await db.jobs.getOwnerAndJdl(c!))?.vo,
        'dteam',
        "getOwnerAndJdl gives the job's VO",
      );
    },
  },
  {
    name: 'changes a job from an expected status once, however many callers try at the same time',
    async run(open) {
      await using db = await open();
      const [id] = await db.jobs.insertJobs([newJob('a')]);
      const matched = { Status: 'Matched', MinorStatus: 'Assigned', Site: 'LCG.CERN.cern' };
      assert.equal(await db.jobs.setAttributesIfStatus(id!, 'Waiting', matched), false);
      await db.jobs.setAttributes([id!], { Status: 'Waiting' });
      const attempts = await Promise.all(
        Array.from({ length: 5 }, () => db.jobs.setAttributesIfStatus(id!, 'Waiting', matched)),
      );
      assert.equal(
        attempts.filter(Boolean).length,
        1,
        'of five simultaneous changes, one succeeds',
      );
      const row = await db.sql.kysely
        .selectFrom('Jobs')
        .select(['Status', 'MinorStatus', 'Site'])
        .where('JobID', '=', id!)
        .executeTakeFirst();
      assert.deepEqual(plain(row), matched);
      assert.deepEqual(await db.jobs.getOwnerAndJdl(id!), {
        owner: 'alice',
        ownerGroup: 'lhcb_user',
        vo: 'lhcb',
        jdl: `[ Executable = "run.sh"; JobName = "a"; Arguments = "${id}" ]`,
      });
      assert.equal(await db.jobs.getOwnerAndJdl(id! + 1), undefined);
    },
  },
  {
    name: 'filters, sorts, pages, counts and groups the same way',
    async run(open) {
      await using db = await open();
      const ids = await db.jobs.insertJobs([newJob('alpha'), newJob('beta'), newJob('gamma')]);
      await db.jobs.setAttributes([ids[2]!], {
        SubmissionTime: '2026-06-02 08:30:00',
        Status: 'Done',
      });
      const search = (filters: SearchSpec[], extra: Partial<JobSearch> = {}) =>
        db.jobs.search(searchOf(filters, ['JobName'], { limit: 10, ...extra }));
      const names = async (filters: SearchSpec[]) =>
        (await search(filters)).rows.map((r) => r.JobName);

      assert.deepEqual(
        await names([{ parameter: 'JobName', operator: 'regex', value: '^(al|ga)' }]),
        ['alpha', 'gamma'],
      );
      assert.deepEqual(await names([{ parameter: 'JobName', operator: 'like', value: '%et%' }]), [
        'beta',
      ]);
      assert.deepEqual(
        await names([{ parameter: 'SubmissionTime', operator: 'eq', value: '2026-06-02' }]),
        ['gamma'],
      );
      assert.deepEqual(
        await names([{ parameter: 'SubmissionTime', operator: 'lt', value: '2026-06-02' }]),
        ['alpha', 'beta'],
      );
      assert.deepEqual(
        await names([{ parameter: 'SubmissionTime', operator: 'not in', values: ['2026-06-02'] }]),
        ['alpha', 'beta'],
      );
      assert.deepEqual(
        await names([{ parameter: 'VerifiedFlag', operator: 'eq', value: 'true' }]),
        ['alpha', 'beta', 'gamma'],
      );

      const page = await search([], { offset: 1, limit: 1 });
      assert.deepEqual(page, { total: 3, rows: [{ JobName: 'beta' }] });
      // A lookup that needs no total gets the same rows and counts only those.
      assert.deepEqual(await search([], { offset: 1, limit: 1, withTotal: false }), {
        total: 1,
        rows: [{ JobName: 'beta' }],
      });
      assert.equal((await search([], { parameters: ['Owner'], distinct: true })).total, 1);

      const summary = await db.jobs.summary(['Status'], []);
      assert.deepEqual(
        summary.sort((a, b) => String(a.Status).localeCompare(String(b.Status))),
        [
          { Status: 'Done', count: 1 },
          { Status: 'Received', count: 2 },
        ],
      );
    },
  },
  {
    name: 'delivers each queued command once, with the first take after it was queued',
    async run(open) {
      await using db = await open();
      const [a, b] = await db.jobs.insertJobs([newJob('a'), newJob('b')]);
      assert.deepEqual(await db.jobs.takeCommands([a!, b!], '2026-06-01 12:00:00'), []);
      await db.jobs.addCommands([a!], 'Kill', 'now', '2026-06-01 12:00:01');
      assert.deepEqual(await db.jobs.takeCommands([b!], '2026-06-01 12:00:02'), []);
      assert.deepEqual(await db.jobs.takeCommands([a!, b!], '2026-06-01 12:00:03'), [
        { jobId: a, command: 'Kill', arguments: 'now' },
      ]);
      assert.deepEqual(await db.jobs.takeCommands([a!], '2026-06-01 12:00:04'), []);
    },
  },
  {
    name: 'reads, updates, logs and deletes 35,000 jobs at once (more ids than SQLite binds in one statement)',
    async run(open) {
      await using db = await open();
      const real = await db.jobs.insertJobs([newJob('a'), newJob('b'), newJob('c')]);
      const ids = [...real, ...Array.from({ length: 35_000 }, (_, i) => 1_000_000 + i)];

      assert.equal((await db.jobs.getStates(ids)).size, 3);
      await db.jobs.setAttributes(ids, { MinorStatus: 'bulk' });
      const { rows } = await db.jobs.search(
        searchOf([{ parameter: 'JobID', operator: 'in', values: ids }], ['MinorStatus'], {
          limit: 10,
        }),
      );
      assert.deepEqual(
        rows,
        real.map(() => ({ MinorStatus: 'bulk' })),
      );
      await db.jobs.addCommands(real, 'Kill', '', '2026-06-01 12:00:00');
      assert.equal((await db.jobs.takeCommands(ids, '2026-06-01 12:01:00')).length, 3);

      await db.logging.insertRecords(
        ids.map((jobId) => ({ jobId, status: 'Running', timeMs: T0, source: 'test' })),
      );
      assert.equal((await db.logging.lastStatusTimes(ids)).size, ids.length);
      assert.equal((await db.logging.getHistories(ids)).get(ids.at(-1)!)?.length, 1);

      await db.queues.insertJobs(
        real.map((jobId) => ({ jobId, userPriority: 1 })),
        key(),
      );
      await db.queues.deleteJobs(ids);
      assert.equal(await db.queues.taskQueueOf(real[0]!), undefined);
    },
  },
  {
    name: 'gives the same regex answers on every backend, catastrophic patterns included',
    async run(open) {
      await using db = await open();
      const stuck = `${'a'.repeat(40)}!`;
      await db.jobs.insertJobs(
        ['alpha', 'Beta', stuck, 'a'.repeat(40), 'x\u00fc\u00e9'].map((n) => newJob(n)),
      );
      const names = async (pattern: string) =>
        (
          await db.jobs.search(
            searchOf([{ parameter: 'JobName', operator: 'regex', value: pattern }], ['JobName'], {
              limit: 10,
            }),
          )
        ).rows.map((r) => r.JobName);

      // A backtracking engine needs about 2^40 steps for the third job.
      assert.deepEqual(await names('^(a+)+$'), ['a'.repeat(40)]);
      assert.deepEqual(await names('^(a|aa)+!$'), [stuck]);
      assert.deepEqual(await names('^b'), []);
      assert.deepEqual(await names('^B'), ['Beta']);
      assert.deepEqual(await names('(?i)^b'), ['Beta']);
      assert.deepEqual(await names('^x\u00fc.$'), ['x\u00fc\u00e9']);
      assert.deepEqual(await names('ph|et'), ['alpha', 'Beta']);
      await assert.rejects(names('(?<=a)b'), (error: Error) =>
        /^Invalid regex/.test(error.message),
      );
    },
  },
];

const jobLoggingDbChecks: JobCheck[] = [
  {
    name: 'numbers each job’s logging records in the order they were written',
    async run(open) {
      await using db = await open();
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
      assert.deepEqual(
        records.map((r) => [r.SeqNum, r.Status, r.MinorStatus, r.ApplicationStatus]),
        [
          [1, 'Received', 'Job accepted', 'Unknown'],
          [2, 'Checking', 'JobSanity', 'idem'],
          [3, 'Waiting', 'idem', 'idem'],
        ],
      );
      const order = Number(records[1]!.StatusTimeOrder);
      assert.ok(
        Math.abs(order - (T0 / 1000 + 1.5 - 1270000000)) < 0.0005,
        `StatusTimeOrder ${order} is the record's time in DIRAC's epoch`,
      );
      assert.equal(records[1]!.StatusSource.length, 32, 'a long source is cut to 32 characters');
    },
  },
  {
    name: 'keeps one heartbeat value per name and time: a retry writes over the first',
    async run(open) {
      await using db = await open();
      const [id] = await db.jobs.insertJobs([newJob('beating')]);
      const first = '2026-06-01 12:00:00';
      const second = '2026-06-01 12:30:00';
      await db.jobs.addHeartbeatRecords(id!, { LoadAverage: 1, CPUConsumed: 2 }, first);
      await db.jobs.addHeartbeatRecords(id!, { LoadAverage: 3, WallClockTime: 4 }, first);
      await db.jobs.addHeartbeatRecords(id!, { LoadAverage: 5 }, second);
      const rows = await db.sql.kysely
        .selectFrom('HeartBeatLoggingInfo')
        .select(['Name', 'Value', 'HeartBeatTime'])
        .where('JobID', '=', id!)
        .orderBy('HeartBeatTime')
        .orderBy('Name')
        .execute();
      assert.deepEqual(
        rows.map((r) => [String(r.HeartBeatTime).slice(0, 19).replace('T', ' '), r.Name, r.Value]),
        [
          [first, 'CPUConsumed', '2'],
          [first, 'LoadAverage', '3'],
          [first, 'WallClockTime', '4'],
          [second, 'LoadAverage', '5'],
        ],
      );
    },
  },
  {
    name: 'takes records and heartbeats of many jobs at the same time, none refused',
    async run(open) {
      await using db = await open();
      // New jobs are neighbours in every index: a write that locks the gap after the last
      // key (MySQL's next-key locks) deadlocks with the others' inserts into that gap.
      const ids = await db.jobs.insertJobs(Array.from({ length: 24 }, (_, i) => newJob(`j${i}`)));
      const time = '2026-06-01 12:00:00';
      const outcomes = await Promise.allSettled(
        ids.flatMap((id) => [
          db.logging.insertRecords([
            { jobId: id, status: 'Received', timeMs: T0, source: 'JobManager' },
          ]),
          db.jobs.addHeartbeatRecords(id, { LoadAverage: 1, CPUConsumed: 2 }, time),
        ]),
      );
      const refused = outcomes.filter((o) => o.status === 'rejected');
      assert.deepEqual(
        refused.map((o) => String((o as PromiseRejectedResult).reason)),
        [],
        'every write of every job lands',
      );
      for (const id of ids)
        assert.deepEqual(
          (await db.logging.getRecords(id)).map((r) => [r.SeqNum, r.Status]),
          [[1, 'Received']],
        );
    },
  },
];

const taskQueueDbChecks: JobCheck[] = [
  {
    name: 'groups jobs with equal requirements into one task queue, and others apart',
    async run(open) {
      await using db = await open();
      const queueOf = async (jobId: number, userPriority: number, tq: TaskQueueKey) =>
        (await db.queues.insertJobs([{ jobId, userPriority }], tq))[0];
      const same1 = await queueOf(1, 1, key({ cpuTime: 3000, sites: ['B', 'A'] }));
      const same2 = await queueOf(2, 5, key({ cpuTime: 3600, sites: ['A', 'B'] }));
      const otherSites = await queueOf(3, 1, key({ sites: ['A'] }));
      const otherBucket = await queueOf(4, 1, key({ cpuTime: 3601 }));
      const otherOwner = await queueOf(5, 1, key({ owner: 'bob' }));
      assert.equal(same2, same1);
      assert.equal(new Set([same1, otherSites, otherBucket, otherOwner]).size, 4);
      assert.equal(await db.queues.taskQueueOf(2), same1);
      const rows = await db.sql.kysely
        .selectFrom('tq_Jobs')
        .selectAll()
        .where('JobId', '=', 2)
        .execute();
      assert.deepEqual(plain(rows), [{ TQId: same1, JobId: 2, Priority: 5, RealPriority: 5 }]);
    },
  },
  {
    name: 'sets the priorities it is given, each to its queue, and leaves the others',
    async run(open) {
      await using db = await open();
      const [a, b, c] = await Promise.all(
        ['alice', 'bob', 'carol'].map(
          async (owner, i) =>
            (await db.queues.insertJobs([{ jobId: i + 1, userPriority: 1 }], key({ owner })))[0]!,
        ),
      );
      const priorities = async () =>
        new Map(
          (await db.queues.candidateQueues('lhcb')).map(({ tqId, priority }) => [tqId, priority]),
        );
      const untouched = (await priorities()).get(b!);
      const before = db.queues.changeCount('lhcb');
      await db.queues.setPriorities(
        new Map([
          [a!, 1000 / 3],
          [c!, 0.001],
        ]),
      );
      assert.ok(db.queues.changeCount('lhcb') > before);
      const after = await priorities();
      assert.deepEqual(
        [a, b, c].map((tqId) => after.get(tqId!)),
        [1000 / 3, untouched, 0.001],
      );
    },
  },
  {
    name: 'says which task queues an insertion created',
    async run(open) {
      await using db = await open();
      const insert = (jobIds: number[], tq: TaskQueueKey) =>
        db.queues.insertJobsReportingNewQueues(
          jobIds.map((jobId) => ({ jobId, userPriority: 1 })),
          tq,
        );
      const first = await insert([1, 2], key());
      assert.deepEqual(first.newTqIds, [first.tqIds[0]]);
      assert.deepEqual(first.tqIds, [first.tqIds[0], first.tqIds[0]]);
      assert.deepEqual(await insert([3], key()), { tqIds: first.tqIds.slice(0, 1), newTqIds: [] });
      const other = await insert([4], key({ owner: 'bob' }));
      assert.deepEqual(other.newTqIds, other.tqIds);
      assert.notEqual(other.tqIds[0], first.tqIds[0]);
    },
  },
  {
    name: `opens a new queue once one holds ${MAX_JOBS_PER_TASK_QUEUE} jobs, within a batch too`,
    async run(open) {
      await using db = await open();
      const first = (await db.queues.insertJobs([{ jobId: 1, userPriority: 1 }], key()))[0];
      const jobs = Array.from({ length: MAX_JOBS_PER_TASK_QUEUE - 2 }, (_, i) => ({
        TQId: first,
        JobId: i + 2,
        Priority: 1,
        RealPriority: 1,
      }));
      for (let i = 0; i < jobs.length; i += 1000)
        await db.sql.kysely
          .insertInto('tq_Jobs')
          .values(jobs.slice(i, i + 1000))
          .execute();
      const ids = [1, 2, 3].map((i) => ({ jobId: MAX_JOBS_PER_TASK_QUEUE + i, userPriority: 1 }));
      const [last, next, afterNext] = await db.queues.insertJobs(ids, key());
      assert.equal(last, first);
      assert.notEqual(next, first);
      assert.equal(afterNext, next);
    },
  },
  {
    name: "offers a queue's first jobs as it holds them, through claims, insertions and deletions",
    async run(open) {
      await using db = await open();
      const insert = (jobIds: number[]) =>
        db.queues.insertJobs(
          jobIds.map((jobId) => ({ jobId, userPriority: jobId % 4 })),
          key(),
        );
      const [tqId] = await insert(Array.from({ length: 150 }, (_, i) => 1000 + i));
      const held = async () =>
        (
          await db.sql.kysely
            .selectFrom('tq_Jobs')
            .select(['JobId', 'RealPriority'])
            .where('TQId', '=', tqId!)
            .orderBy('JobId')
            .limit(50)
            .execute()
        ).map((row) => ({ jobId: Number(row.JobId), realPriority: Number(row.RealPriority) }));
      let claimedLast = 0;
      for (let step = 0; step < 80; step++) {
        const offered = await db.queues.queueJobs(tqId!, 50);
        assert.deepEqual(plain(offered), await held(), `step ${step}`);
        if (step % 20 === 5) await insert([step]); // a rescheduled job: a low id, back in
        if (step % 20 === 15) await db.queues.deleteJobs([offered[1]!.jobId]);
        if (step % 20 === 10) assert.equal(await db.queues.claimJob(tqId!, claimedLast), false);
        claimedLast = offered[(step * 7) % offered.length]!.jobId;
        assert.equal(await db.queues.claimJob(tqId!, claimedLast), true);
      }
      for (const { jobId } of await db.queues.queueJobs(tqId!, 1000))
        assert.equal(await db.queues.claimJob(tqId!, jobId), true);
      assert.deepEqual(await db.queues.queueJobs(tqId!, 50), []);
    },
  },
  {
    name: "gives each queue's mean RealPriority as its jobs hold them, through claims, insertions and deletions",
    async run(open) {
      await using db = await open();
      const keys = [key(), key({ owner: 'bob' }), key({ sites: ['LCG.CERN.cern'] })];
      const insert = (jobIds: number[], k: number) =>
        db.queues.insertJobs(
          jobIds.map((jobId) => ({ jobId, userPriority: jobId % 7 })),
          keys[k]!,
        );
      const tqIds: number[] = [];
      for (let k = 0; k < keys.length; k++)
        tqIds.push(
          (
            await insert(
              Array.from({ length: 60 }, (_, i) => 1000 * (k + 1) + i),
              k,
            )
          )[0]!,
        );
      // What DIRAC's aggregate over the jobs gives.
      const held = async () =>
        (
          await db.sql.kysely
            .selectFrom('tq_Jobs')
            .select(['TQId', (eb) => eb.fn.avg<number>('RealPriority').as('mean')])
            .where('TQId', 'in', tqIds)
            .groupBy('TQId')
            .orderBy('TQId')
            .execute()
        ).map((row) => [Number(row.TQId), Number(row.mean)]);
      for (let step = 0; step < 60; step++) {
        const stats = await db.queues.queueStats('lhcb', 'lhcb_user');
        const expected = await held();
        assert.deepEqual(
          stats.map((q) => q.tqId),
          expected.map(([tqId]) => tqId),
          `step ${step}`,
        );
        for (const [i, [, mean]] of expected.entries())
          assert.ok(
            Math.abs(stats[i]!.meanRealPriority - mean!) <= 1e-9 * Math.abs(mean!),
            `step ${step}: queue ${expected[i]![0]} mean ${stats[i]!.meanRealPriority}, not ${mean}`,
          );
        const tqId = tqIds[step % tqIds.length]!;
        if (step % 10 === 3) await insert([step], step % keys.length);
        if (step % 10 === 7) {
          const [first] = await db.queues.queueJobs(tqId, 1);
          if (first !== undefined) await db.queues.deleteJobs([first.jobId]);
        }
        // Every fifth claim is of a job read from the table: after an insertion or a deletion
        // no job window holds it, and its priority is not at hand.
        const jobId =
          step % 5 === 4
            ? (
                await db.sql.kysely
                  .selectFrom('tq_Jobs')
                  .select('JobId')
                  .where('TQId', '=', tqId)
                  .orderBy('JobId', 'desc')
                  .executeTakeFirst()
              )?.JobId
            : (await db.queues.queueJobs(tqId, 50))[step % 3]?.jobId;
        if (jobId === undefined) continue;
        if (await db.queues.claimJob(tqId, Number(jobId))) await db.queues.dropIfEmpty(tqId);
      }
    },
  },
];

const suite = (db: string, checks: JobCheck[]): ConformanceSuite<JobDBs> => ({
  db,
  alongside: ['JobDB', 'JobLoggingDB', 'TaskQueueDB'].filter((name) => name !== db),
  checks,
  open: openJobDbs,
});

/** What a JobDB must do (its replacement runs with gridbox's JobLoggingDB and TaskQueueDB). */
export const jobDbConformance = suite('JobDB', jobDbChecks);
export const jobLoggingDbConformance = suite('JobLoggingDB', jobLoggingDbChecks);
export const taskQueueDbConformance = suite('TaskQueueDB', taskQueueDbChecks);
