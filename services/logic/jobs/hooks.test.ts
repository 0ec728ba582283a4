import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import {
  ExtensionFailedError,
  ForbiddenError,
  InvalidRequestError,
  attribute,
  jdlString,
  parseJdl,
} from '../../core/index.ts';
import { DbSet, type StartedDatabases } from '../../db/index.ts';
import {
  type JobHookDefinition,
  type JobHooks,
  type StatusChange,
  composeJobHooks,
} from './hooks.ts';
import { type JobDbs, openJobDbs } from './jobs.testkit.ts';
import { rescheduleJobs } from './reschedule.ts';
import { setJobStatuses } from './status.ts';
import { type SubmissionDeps, submitJdlJobs } from './submit.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const submitter = { preferred_username: 'alice', dirac_group: `${vo}_user`, vo };
const NOW = Date.UTC(2026, 5, 1, 12);
const JDL = 'Executable = "run.sh";';

let databases: StartedDatabases;
let opened: JobDbs;
let logged: string[];
beforeEach(async () => {
  opened = await openJobDbs(NOW);
  databases = opened.databases;
  logged = [];
});
afterEach(() => databases.close());

/** The hooks composed over the test's DBs, each entry from the extension "ext-<name>". */
function compose(...definitions: JobHookDefinition[]): JobHooks {
  return composeJobHooks(
    definitions,
    new DbSet(databases.dbs),
    opened.deps.clock,
    (name) => `ext-${name}`,
    (error, message) => logged.push(`${message}: ${(error as Error).message}`),
  );
}

const deps = (hooks: JobHooks): SubmissionDeps => ({ ...opened.deps, config, hooks });
const jobCount = async () =>
  (await databases.sql.kysely.selectFrom('Jobs').select('JobID').execute()).length;
const storedText = async (jobId: number, name: string) => {
  const value = attribute(parseJdl((await opened.deps.jobDb.getJdl(jobId))!), name);
  return value?.type === 'string' ? value.value : undefined;
};

/** A hook entry adding attribute `name` = `value`, recording what it saw in `seen`. */
const adding = (name: string, value: string, seen: string[] = []): JobHookDefinition => ({
  name: `add-${name}`,
  needs: { dbs: [] },
  beforeSubmit: (job) => {
    seen.push(job.jdl.attributes.map(([n]) => n).join(','));
    return { jdl: { attributes: [...job.jdl.attributes, [name, jdlString(value)]] } };
  },
});

describe('submission hooks', () => {
  it('run in load order, each seeing what the ones before it returned', async () => {
    const seen: string[] = [];
    const hooks = compose(adding('First', 'a'), adding('Second', 'b', seen));
    const [job] = await submitJdlJobs(deps(hooks), submitter, [JDL]);
    expect(seen).toEqual(['Executable,First']);
    expect(await storedText(job!.JobID, 'First')).toBe('a');
    expect(await storedText(job!.JobID, 'Second')).toBe('b');
  });

  it("check what a hook returns as gridbox checks a user's JDL, owner attributes included", async () => {
    const hooks = compose(adding('Owner', 'mallory'), adding('JobGroup', 'prod'));
    const [job] = await submitJdlJobs(deps(hooks), submitter, [JDL]);
    expect(await storedText(job!.JobID, 'Owner')).toBe('alice');
    const [row] = await databases.sql.kysely.selectFrom('Jobs').select('JobGroup').execute();
    expect(row!.JobGroup).toBe('prod');

    const invalid = compose(adding('JobType', 'NotAllowed'));
    await expect(submitJdlJobs(deps(invalid), submitter, [JDL])).rejects.toThrow(
      InvalidRequestError,
    );
  });

  // Each case: the hook entries, then what submitting two plain JDLs throws. Nothing is written.
  const refused: [
    string,
    JobHookDefinition[],
    ErrorConstructor | typeof InvalidRequestError,
    string,
  ][] = [
    [
      'a refusal is a 400 naming the JDL, and later hooks do not run',
      [
        {
          name: 'quota',
          needs: { dbs: [] },
          beforeSubmit: (job) =>
            attribute(job.jdl, 'JobName')?.type === 'string' ? { refuse: 'over quota' } : undefined,
        },
        {
          name: 'never',
          needs: { dbs: [] },
          beforeSubmit: (job) => {
            if (attribute(job.jdl, 'JobName') !== undefined) throw new Error('ran after a refusal');
            return undefined;
          },
        },
      ],
      InvalidRequestError,
      'JDL 2: over quota',
    ],
    [
      "one of gridbox's errors is answered as it is",
      [
        {
          name: 'gate',
          needs: { dbs: [] },
          beforeSubmit: () => {
            throw new ForbiddenError('closed for maintenance');
          },
        },
      ],
      ForbiddenError as unknown as ErrorConstructor,
      'closed for maintenance',
    ],
    [
      'anything else is a 500 naming the extension and the hook, the cause only in the log',
      [
        {
          name: 'buggy',
          needs: { dbs: [] },
          beforeSubmit: () => {
            throw new TypeError('x is undefined');
          },
        },
      ],
      ExtensionFailedError as unknown as ErrorConstructor,
      'The submission hook of the buggy hooks of the extension "ext-buggy" failed; the job was not submitted',
    ],
  ];
  it.each(refused)('%s', async (_title, definitions, type, message) => {
    const error = await submitJdlJobs(deps(compose(...definitions)), submitter, [
      JDL,
      'Executable = "run.sh"; JobName = "second";',
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe(message);
    expect(await jobCount()).toBe(0);
    expect(await opened.deps.jobLoggingDb.getRecords(1)).toEqual([]);
  });

  it('logs what a failing hook threw, with the extension and hook', async () => {
    const hooks = compose({
      name: 'buggy',
      needs: { dbs: [] },
      beforeSubmit: () => {
        throw new TypeError('x is undefined');
      },
    });
    await expect(submitJdlJobs(deps(hooks), submitter, [JDL])).rejects.toThrow();
    expect(logged).toEqual([
      'The submission hook of the buggy hooks of the extension "ext-buggy" failed; the job was not submitted: x is undefined',
    ]);
  });

  it('run again on reschedule, where a refusal fails that job only', async () => {
    let refuse = false;
    const hooks = compose({
      name: 'gate',
      needs: { dbs: [] },
      beforeSubmit: (job) => (refuse && job.reason === 'reschedule' ? { refuse: 'no' } : undefined),
    });
    const [job] = await submitJdlJobs(deps(hooks), submitter, [JDL]);
    refuse = true;
    const result = await rescheduleJobs(deps(hooks), [job!.JobID], false);
    expect(result.failed).toEqual({ [job!.JobID]: { detail: 'no' } });
  });

  it('leave every job of a reschedule as it was when one fails on any of them', async () => {
    const failing = new Set<number>();
    const hooks = compose({
      name: 'flaky',
      needs: { dbs: [] },
      beforeSubmit: (job) => {
        if (job.jobId !== undefined && failing.has(job.jobId)) throw new Error('flaky');
        return undefined;
      },
    });
    const ids = (await submitJdlJobs(deps(hooks), submitter, [JDL, JDL])).map((j) => j.JobID);
    failing.add(ids[1]!);
    await expect(rescheduleJobs(deps(hooks), ids, false)).rejects.toThrow(ExtensionFailedError);
    const rows = await databases.sql.kysely
      .selectFrom('Jobs')
      .select(['JobID', 'RescheduleCounter', 'Status'])
      .orderBy('JobID')
      .execute();
    expect(rows).toEqual(ids.map((JobID) => ({ JobID, RescheduleCounter: 0, Status: 'Waiting' })));
  });

  it('get only the DBs they declare', async () => {
    const reads = compose({
      name: 'reader',
      needs: { dbs: ['JobDB'] },
      beforeSubmit: async (_job, { dbs }) => {
        await dbs.get('JobDB').getStates([1]);
        // Not declared: refused even though the app has it.
        (dbs as { get(name: string): unknown }).get('TaskQueueDB');
        return undefined;
      },
    });
    await expect(submitJdlJobs(deps(reads), submitter, [JDL])).rejects.toThrow(
      ExtensionFailedError,
    );
    expect(logged[0]).toMatch(
      /the hooks "reader" use the DB TaskQueueDB without declaring it in needs.dbs$/,
    );
  });
});

describe('status observers', () => {
  /** An observer entry appending what it sees to `seen`. */
  const observer = (name: string, seen: StatusChange[][]): JobHookDefinition => ({
    name,
    needs: { dbs: [] },
    afterStatusChange: (changes) => {
      seen.push([...changes]);
    },
  });

  it('see each committed change: creation, the optimizers, then reports', async () => {
    const seen: StatusChange[][] = [];
    const hooks = compose(observer('audit', seen));
    const [job] = await submitJdlJobs(deps(hooks), submitter, [JDL]);
    const jobId = job!.JobID;
    await setJobStatuses(
      { ...deps(hooks) },
      {
        [jobId]: {
          '2026-06-01T12:00:01Z': { Status: 'Killed', MinorStatus: 'by hand', Source: 'Admin' },
          '2026-06-01T12:00:02Z': { MinorStatus: 'later note' },
        },
      },
      true,
    );
    // A report that changes no status is not a change.
    await setJobStatuses(
      deps(hooks),
      { [jobId]: { '2026-06-01T12:00:03Z': { MinorStatus: 'x' } } },
      false,
    );
    const owner = { JobID: jobId, Owner: 'alice', OwnerGroup: `${vo}_user`, VO: vo };
    expect(seen).toEqual([
      [
        {
          ...owner,
          from: null,
          to: 'Received',
          MinorStatus: 'Job accepted',
          Source: 'JobManager',
          timeMs: NOW,
        },
      ],
      [
        {
          ...owner,
          from: 'Received',
          to: 'Waiting',
          MinorStatus: 'Pilot Agent Submission',
          Source: 'JobScheduling',
          timeMs: NOW,
        },
      ],
      [
        {
          ...owner,
          from: 'Waiting',
          to: 'Killed',
          MinorStatus: 'later note',
          Source: 'Admin',
          timeMs: Date.parse('2026-06-01T12:00:01Z'),
        },
      ],
    ]);
  });

  it('run in load order; one that throws is logged and neither stops the others nor undoes the change', async () => {
    const seen: StatusChange[][] = [];
    const hooks = compose(
      {
        name: 'broken',
        needs: { dbs: [] },
        afterStatusChange: () => Promise.reject(new Error('table is missing')),
      },
      observer('audit', seen),
    );
    const [job] = await submitJdlJobs(deps(hooks), submitter, [JDL]);
    expect((await opened.deps.jobDb.getStates([job!.JobID])).get(job!.JobID)?.status).toBe(
      'Waiting',
    );
    expect(seen).toHaveLength(2);
    expect(logged).toEqual([
      'The status observer of the broken hooks of the extension "ext-broken" failed; the changes stand: table is missing',
      'The status observer of the broken hooks of the extension "ext-broken" failed; the changes stand: table is missing',
    ]);
  });
});
