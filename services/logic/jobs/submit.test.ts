import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLATFORM_LADDER, generateFixtures } from '../../../fixtures/index.ts';
import { InvalidRequestError, parseJdl } from '../../core/index.ts';
import type { StartedDatabases } from '../../db/index.ts';
import { type JobDbs, openJobDbs } from './jobs.testkit.ts';
import { prepareJob } from './prepare-job.ts';
import { type SubmissionDeps, submitJdlJobs } from './submit.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const submitter = { preferred_username: 'alice', dirac_group: `${vo}_user`, vo };
const [site, otherSite] = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s));
const platform = Object.keys(config.Resources.Computing.OSCompatibility)[0]!;
const NOW = Date.UTC(2026, 5, 1, 12);

let databases: StartedDatabases;
let deps: SubmissionDeps;
beforeEach(async () => {
  const opened: JobDbs = await openJobDbs(NOW);
  databases = opened.databases;
  deps = { ...opened.deps, config };
});
afterEach(() => databases.close());

const jobsRows = () =>
  databases.sql.kysely.selectFrom('Jobs').selectAll().orderBy('JobID').execute();

describe('submitJdlJobs', () => {
  it('creates a job owned by the submitter, whatever the JDL says, and leaves it Waiting in a task queue', async () => {
    const jdl = `Executable = "run.sh"; Arguments = "job %j"; JobName = "hello"; Owner = "mallory"; Site = "${site}"; MyOwnAttribute = "kept"`;
    const [inserted] = await submitJdlJobs(deps, submitter, [jdl]);
    expect(inserted).toEqual({
      JobID: 1,
      Status: 'Received',
      MinorStatus: 'Job accepted',
      TimeStamp: new Date(NOW).toISOString(),
    });

    const [row] = await jobsRows();
    expect(row).toMatchObject({
      JobID: 1,
      JobName: 'hello',
      Owner: 'alice',
      OwnerGroup: `${vo}_user`,
      VO: vo,
      Site: site,
      Status: 'Waiting',
      MinorStatus: 'Pilot Agent Submission',
      UserPriority: 1,
      VerifiedFlag: 'True',
      SubmissionTime: '2026-06-01 12:00:00',
    });
    const stored = parseJdl((await deps.jobDb.getJdl(1))!);
    const get = (name: string) => stored.attributes.find(([n]) => n === name)?.[1];
    expect(get('Arguments')).toEqual({ type: 'string', value: 'job 1' });
    expect(get('Owner')).toEqual({ type: 'string', value: 'alice' });
    expect(get('MyOwnAttribute')).toEqual({ type: 'string', value: 'kept' });
    expect(get('JobRequirements')?.type).toBe('record');

    const history = await deps.jobLoggingDb.getRecords(1);
    expect(history.map((r) => [r.Status, r.MinorStatus, r.StatusSource])).toEqual([
      ['Received', 'Job accepted', 'JobManager'],
      ['Checking', 'JobSanity', 'JobPath'],
      ['Checking', 'JobScheduling', 'JobSanity'],
      ['Waiting', 'Pilot Agent Submission', 'JobScheduling'],
    ]);
    expect(await deps.taskQueueDb.taskQueueOf(1)).toBeDefined();
  });

  it('stores SQL metacharacters in any string attribute as plain text', async () => {
    const nasty = `x'); DROP TABLE Jobs; -- "\\ % _`;
    const jdl = `Executable = "run.sh"; JobName = "${nasty.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"; JobGroup = "a' OR '1'='1"`;
    const [inserted] = await submitJdlJobs(deps, submitter, [jdl]);
    const [row] = await jobsRows();
    expect(row).toMatchObject({ JobID: inserted!.JobID, JobName: nasty, JobGroup: "a' OR '1'='1" });
  });

  it('puts jobs with the same requirements in the same task queue', async () => {
    const ids = (
      await submitJdlJobs(deps, submitter, [
        'Executable = "a"',
        'Executable = "b"; CPUTime = 86400',
      ])
    ).map((j) => j.JobID);
    expect(await deps.taskQueueDb.taskQueueOf(ids[0]!)).toBe(
      await deps.taskQueueDb.taskQueueOf(ids[1]!),
    );
    const [other] = await submitJdlJobs(deps, submitter, [`Executable = "c"; Site = "${site}"`]);
    expect(await deps.taskQueueDb.taskQueueOf(other!.JobID)).not.toBe(
      await deps.taskQueueDb.taskQueueOf(ids[0]!),
    );
  });

  it('splits the group’s shares again when a submission opens a task queue, not when it joins one', async () => {
    const queuePriorities = async () =>
      (
        await databases.sql.kysely
          .selectFrom('tq_TaskQueues')
          .select(['TQId', 'Priority'])
          .orderBy('TQId')
          .execute()
      ).map((row) => Number(row.Priority));
    await submitJdlJobs(deps, submitter, ['Executable = "a"; Priority = 1']);
    // A mark the split would overwrite: the queue's share is the group's.
    await databases.sql.kysely.updateTable('tq_TaskQueues').set({ Priority: 7 }).execute();

    await submitJdlJobs(deps, submitter, ['Executable = "b"; Priority = 5']);
    expect(await queuePriorities()).toEqual([7]);

    await submitJdlJobs(deps, submitter, [`Executable = "c"; Priority = 1; Site = "${site}"`]);
    // Two queues of one owner: the share goes by the mean RealPriority of each (3 and 1).
    const [first, second] = await queuePriorities();
    expect(first! / second!).toBeCloseTo(3);
  });

  it('expands a parametric job into children that start as Submitting', async () => {
    const jdl = '[ Executable = "run.sh"; Arguments = "%s-%n"; Parameters = {"a", "b", "c"} ]';
    const inserted = await submitJdlJobs(deps, submitter, [jdl]);
    expect(inserted.map((j) => [j.Status, j.MinorStatus])).toEqual(
      Array(3).fill(['Submitting', 'Bulk transaction confirmation']),
    );
    const children = await Promise.all(
      inserted.map(async (j) => parseJdl((await deps.jobDb.getJdl(j.JobID))!)),
    );
    const arg = (record: ReturnType<typeof parseJdl>, name: string) =>
      record.attributes.find(([n]) => n === name)?.[1];
    expect(children.map((c) => arg(c, 'Arguments'))).toEqual(
      ['a-0', 'b-1', 'c-2'].map((value) => ({ type: 'string', value })),
    );
    expect(children.map((c) => (arg(c, 'ParameterNumber') as { value: number }).value)).toEqual([
      0, 1, 2,
    ]);
    expect(children.every((c) => arg(c, 'Parameters') === undefined)).toBe(true);
    expect((await jobsRows()).every((row) => row.Status === 'Waiting')).toBe(true);
  });

  it('generates parameter values from Start, Step and Factor, padding %n', async () => {
    const jdl =
      '[ Executable = "x"; Arguments = "%n:%s"; Parameters = 11; ParameterStart = 2; ParameterStep = 1; ParameterFactor = 2 ]';
    const jobs = await submitJdlJobs(deps, submitter, [jdl]);
    expect(jobs).toHaveLength(11);
    const args = await Promise.all(
      jobs
        .slice(0, 3)
        .map(
          async (j) =>
            parseJdl((await deps.jobDb.getJdl(j.JobID))!).attributes.find(
              ([n]) => n === 'Arguments',
            )?.[1],
        ),
    );
    expect(args).toEqual(['00:2', '01:5', '02:11'].map((value) => ({ type: 'string', value })));
  });

  it.each([
    [
      'a JDL that does not parse',
      ['[ Executable = "x" '],
      /^Error in JDL syntax at line 1, column 20/,
    ],
    [
      'one bad JDL among several',
      ['Executable = "x"', 'Executable = '],
      /^JDL 2: Error in JDL syntax at line 1, column 14/,
    ],
    ['more than 20 jobs', Array(21).fill('Executable = "x"'), /more than 20 jobs at once/],
    [
      'a parametric job in a bulk',
      ['Executable = "x"', 'Executable = "y"; Parameters = {1, 2}'],
      /parametric jobs in a bulk/,
    ],
    [
      'a parametric job of more than 20',
      ['Executable = "x"; Parameters = 1000000000'],
      /more than 20 jobs at once/,
    ],
    [
      'sequences of different lengths',
      ['Executable = "x"; Parameters.a = {1, 2}; Parameters.b = {1}'],
      /different lengths/,
    ],
    ['nothing at all', [], /No JDL given/],
  ])('rejects %s with a 400 and creates nothing', async (_name, jdls, message) => {
    await expect(submitJdlJobs(deps, submitter, jdls)).rejects.toThrow(InvalidRequestError);
    await expect(submitJdlJobs(deps, submitter, jdls)).rejects.toThrow(message);
    expect(await jobsRows()).toEqual([]);
  });
});

describe('prepareJob', () => {
  const prepare = (jdl: string) => prepareJob(parseJdl(jdl), submitter, config);

  it('fills in DIRAC defaults from Operations', () => {
    expect(prepare('Executable = "x"')).toMatchObject({
      jobType: 'User',
      jobGroup: '00000000',
      jobName: 'Name',
      site: 'ANY',
      priority: 1,
      requirements: {
        cpuTime: 86400,
        sites: [],
        bannedSites: [],
        platforms: [],
        jobTypes: ['User'],
        tags: [],
      },
    });
  });

  it.each([
    ['NumberOfProcessors = 4', ['4Processors', 'MultiProcessor']],
    ['MinNumberOfProcessors = 1; MaxNumberOfProcessors = 4', ['MultiProcessor']],
    ['MinNumberOfProcessors = 2', ['2Processors', 'MultiProcessor']],
    ['NumberOfProcessors = 1', []],
    ['WholeNode = "yes"', ['MultiProcessor', 'WholeNode']],
    ['MaxRAM = 4; Tags = {"GPU"}', ['4GB', 'GPU']],
  ])('derives the tags of %s', (extra, tags) => {
    expect(prepare(`Executable = "x"; ${extra}`).requirements.tags).toEqual(tags);
  });

  // Characters, not UTF-16 units: an emoji is one character of a 128-character JobName.
  it.each([
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['\u{1F680}'.repeat(128), true],
    ['\u{1F680}'.repeat(129), false],
    ['\u{1F680}'.repeat(64) + 'x'.repeat(65), false],
  ])('takes a JobName of %j only if it has at most 128 characters (%s)', (name, isTaken) => {
    const check = () => prepare(`Executable = "x"; JobName = "${name}"`);
    if (isTaken) expect(check().jobName).toBe(name);
    else expect(check).toThrow('Invalid JDL: JobName is longer than 128 characters');
  });

  it.each([
    [`"${site}"`, undefined],
    [`{"${site}", "${otherSite}"}`, undefined],
    ['"ANY"', undefined],
    ['"Nowhere.org"', 'Site Nowhere.org is not a known site'],
    [`{"${site}", "toString"}`, 'Site toString is not a known site'],
  ])('checks Site = %s against the configured sites', (value, error) => {
    const check = () => prepare(`Executable = "x"; Site = ${value}`);
    if (error === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(`Invalid JDL: ${error}`);
  });

  it('expands the platform and subtracts banned sites', () => {
    const job = prepare(
      `Executable = "x"; Platform = "${platform}"; Site = {"${site}", "${otherSite}"}; BannedSites = {"${otherSite}"}`,
    );
    expect(job.requirements.platforms).toContain(platform);
    expect(job.requirements.sites).toEqual([site]);
    expect(job.site).toBe(site);
  });

  // DIRAC's getDIRACPlatform: every platform whose OSCompatibility list names the job's.
  it.each([
    ['x86_64-el7', ['x86_64-el7', 'x86_64-el8']],
    ['x86_64-el8', ['x86_64-el8', 'x86_64-el9']],
    ['x86_64-el9', ['x86_64-el9']],
    ['aarch64-el9', ['aarch64-el9']],
    ['{"x86_64-el7", "aarch64-el9"}', ['aarch64-el9', 'x86_64-el7', 'x86_64-el8']],
    ['"aNy"', []],
  ])('stores a job for platform %s as one for %j', (requested, platforms) => {
    const ladder = {
      ...config,
      Resources: {
        ...config.Resources,
        Computing: {
          OSCompatibility: Object.fromEntries(
            Object.entries(PLATFORM_LADDER).map(([name, runs]) => [name, [...runs]]),
          ),
        },
      },
    };
    const value =
      requested.startsWith('{') || requested.startsWith('"') ? requested : `"${requested}"`;
    const job = prepareJob(parseJdl(`Executable = "x"; Platform = ${value}`), submitter, ladder);
    expect(job.requirements.platforms).toEqual(platforms);
  });

  it.each(['ANY', 'Any', 'aNy', '', ' '])('takes Site = %j as no site restriction', (any) => {
    const job = prepare(`Executable = "x"; Site = {"${any}"}`);
    expect(job.requirements.sites).toEqual([]);
    expect(job.site).toBe('ANY');
  });

  it.each([
    ['no Executable', 'JobName = "x"', /Executable is missing/],
    ['an empty Executable', 'Executable = ""', /Executable is missing/],
    [
      'CPUTime below the minimum',
      'Executable = "x"; CPUTime = 10',
      /CPUTime 10 is outside \[100, 500000\]/,
    ],
    [
      'CPUTime that is not a number',
      'Executable = "x"; CPUTime = "lots"',
      /CPUTime must be an integer/,
    ],
    ['Priority above the maximum', 'Executable = "x"; Priority = 11', /Priority 11 is outside/],
    [
      'a JobType not allowed',
      'Executable = "x"; JobType = "Hacker"',
      /JobType Hacker is not allowed/,
    ],
    [
      'an unknown site',
      'Executable = "x"; Site = "LCG.Nowhere.xx"',
      /Site LCG.Nowhere.xx is not a known site/,
    ],
    [
      'every site banned',
      `Executable = "x"; Site = "${site}"; BannedSites = "${site}"`,
      /no candidate site is left/,
    ],
    [
      'an unknown platform',
      'Executable = "x"; Platform = "z80-cpm"',
      /Platform z80-cpm is not a known platform/,
    ],
    [
      'input data of another VO',
      'Executable = "x"; InputData = {"LFN:/othervo/f"}',
      /is not an LFN of VO/,
    ],
    ['input data with //', `Executable = "x"; InputData = {"/${vo}//f"}`, /is not an LFN of VO/],
    ['a log level that is not one', 'Executable = "x"; LogLevel = "LOUD"', /LogLevel LOUD/],
    ['too many processors', 'Executable = "x"; NumberOfProcessors = 2000', /from 1 to 1024/],
    [
      'a maximum below the minimum',
      'Executable = "x"; MinNumberOfProcessors = 4; MaxNumberOfProcessors = 2',
      /below MinNumberOfProcessors/,
    ],
    [
      'a list where one value is expected',
      'Executable = {"a", "b"}',
      /Executable must be a single value/,
    ],
  ])('rejects %s', (_name, jdl, message) => {
    expect(() => prepare(jdl)).toThrow(InvalidRequestError);
    expect(() => prepare(jdl)).toThrow(message);
  });
});
