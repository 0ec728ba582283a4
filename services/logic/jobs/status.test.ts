import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { InvalidRequestError, JOB_STATUSES, type JobStatus, nextStatus } from '../../core/index.ts';
import type { StartedDatabases } from '../../db/index.ts';
import { type JobDbs, openJobDbs } from './jobs.testkit.ts';
import { setJobStatuses } from './status.ts';
import { submitJdlJobs } from './submit.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const submitter = { preferred_username: 'alice', dirac_group: `${vo}_user`, vo };
const T0 = Date.UTC(2026, 5, 1, 12);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

let databases: StartedDatabases;
let deps: JobDbs['deps'];
let jobId: number;

beforeEach(async () => {
  ({ databases, deps } = await openJobDbs(T0));
  [{ JobID: jobId }] = (await submitJdlJobs({ ...deps, config }, submitter, [
    'Executable = "x"',
  ])) as unknown as [{ JobID: number }];
});
afterEach(() => databases.close());

const row = async () =>
  await databases.sql.kysely
    .selectFrom('Jobs')
    .selectAll()
    .where('JobID', '=', jobId)
    .executeTakeFirstOrThrow();

describe('setJobStatuses', () => {
  it('follows a job from Waiting to Done, setting start and end times and logging each report', async () => {
    const result = await setJobStatuses(
      deps,
      {
        [jobId]: {
          [at(10)]: { Status: 'Matched', MinorStatus: 'Assigned', Source: 'Matcher' },
          [at(20)]: { Status: 'Running', MinorStatus: 'Application', Source: 'JobWrapper' },
          [at(30)]: {
            Status: 'Done',
            MinorStatus: 'Execution Complete',
            ApplicationStatus: 'exit 0',
            Source: 'JobWrapper',
          },
        },
      },
      false,
    );
    expect(result.failed).toEqual({});
    expect(result.success[jobId]).toEqual({
      Status: 'Done',
      MinorStatus: 'Execution Complete',
      ApplicationStatus: 'exit 0',
      HeartBeatTime: '2026-06-01T12:00:30Z',
      StartExecTime: '2026-06-01T12:00:20Z',
      EndExecTime: '2026-06-01T12:00:30Z',
      LastUpdateTime: '2026-06-01T12:00:00Z',
    });
    expect(await row()).toMatchObject({
      Status: 'Done',
      StartExecTime: '2026-06-01 12:00:20',
      EndExecTime: '2026-06-01 12:00:30',
    });
    const history = (await deps.jobLoggingDb.getRecords(jobId)).slice(-3);
    expect(history.map((r) => [r.Status, r.StatusSource])).toEqual([
      ['Matched', 'Matcher'],
      ['Running', 'JobWrapper'],
      ['Done', 'JobWrapper'],
    ]);
  });

  it('leaves the status alone when the state machine refuses, marking the report (SM)', async () => {
    const result = await setJobStatuses(
      deps,
      { [jobId]: { [at(10)]: { Status: 'Done', Source: 'User' } } },
      false,
    );
    expect(result.success[jobId]!.Status).toBe('Waiting');
    expect((await row()).Status).toBe('Waiting');
    expect((await deps.jobLoggingDb.getRecords(jobId)).at(-1)).toMatchObject({
      Status: 'Done',
      StatusSource: 'User(SM)',
    });
  });

  it('applies a refused move when forced', async () => {
    await setJobStatuses(deps, { [jobId]: { [at(10)]: { Status: 'Done' } } }, true);
    expect((await row()).Status).toBe('Done');
  });

  it('keeps reports older than the latest status in the history only', async () => {
    await setJobStatuses(deps, { [jobId]: { [at(10)]: { Status: 'Matched' } } }, false);
    await setJobStatuses(
      deps,
      { [jobId]: { [at(-60)]: { Status: 'Killed', MinorStatus: 'late' } } },
      false,
    );
    expect(await row()).toMatchObject({ Status: 'Matched' });
    expect((await deps.jobLoggingDb.getRecords(jobId)).at(-1)).toMatchObject({
      Status: 'Killed',
      MinorStatus: 'late',
    });
  });

  it('treats Stalled as Running, so a stalled job can still finish', async () => {
    await setJobStatuses(deps, { [jobId]: { [at(10)]: { Status: 'Stalled' } } }, true);
    await setJobStatuses(deps, { [jobId]: { [at(20)]: { Status: 'Done' } } }, false);
    expect((await row()).Status).toBe('Done');
  });

  it("gives a group's whole share to the queues left when killing a job empties another owner's", async () => {
    const group = `${vo}_user`; // JobShare 1000, split between owners
    const [{ JobID: bobsJob }] = (await submitJdlJobs(
      { ...deps, config },
      { ...submitter, preferred_username: 'bob' },
      ['Executable = "x"'],
    )) as unknown as [{ JobID: number }];
    const priorities = async () =>
      Object.fromEntries(
        (
          await databases.sql.kysely
            .selectFrom('tq_TaskQueues')
            .select(['Owner', 'Priority'])
            .where('OwnerGroup', '=', group)
            .execute()
        ).map((queue) => [queue.Owner, Number(queue.Priority)]),
      );
    expect(await priorities()).toEqual({ alice: 500, bob: 500 });
    await setJobStatuses(
      { ...deps, config },
      { [bobsJob]: { [at(10)]: { Status: 'Killed', Source: 'User' } } },
      false,
    );
    expect(await priorities()).toEqual({ alice: 1000 });
  });

  it('takes a killed job out of its task queue and queues one Kill command for it', async () => {
    expect(await deps.taskQueueDb.taskQueueOf(jobId)).toBeDefined();
    await setJobStatuses(
      deps,
      {
        [jobId]: {
          [at(10)]: { Status: 'Killed', MinorStatus: 'Marked as killed', Source: 'User' },
        },
      },
      false,
    );
    await setJobStatuses(
      deps,
      { [jobId]: { [at(20)]: { Status: 'Deleted', Source: 'User' } } },
      false,
    );
    expect(await deps.taskQueueDb.taskQueueOf(jobId)).toBeUndefined();
    expect(await databases.sql.kysely.selectFrom('tq_TaskQueues').selectAll().execute()).toEqual(
      [],
    );
    const commands = await databases.sql.kysely.selectFrom('JobCommands').selectAll().execute();
    expect(commands).toEqual([
      expect.objectContaining({ JobID: jobId, Command: 'Kill', Status: 'Received' }),
    ]);
    expect((await row()).Status).toBe('Deleted');
  });

  it('reports unknown jobs as failed and knows nothing of them', async () => {
    const result = await setJobStatuses(deps, { '999': { [at(1)]: { Status: 'Killed' } } }, false);
    expect(result).toEqual({ success: {}, failed: { 999: { detail: 'Not found' } } });
  });

  it.each(['2026-06-01T12:00:00', '2026-06-01 12:00', 'yesterday'])(
    'refuses the timestamp %j without a time zone',
    async (time) => {
      await expect(
        setJobStatuses(deps, { [jobId]: { [time]: { Status: 'Killed' } } }, false),
      ).rejects.toThrow(InvalidRequestError);
    },
  );

  it('moves a job exactly as the state machine says, for any sequence of requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...JOB_STATUSES), { minLength: 1, maxLength: 8 }),
        async (requests) => {
          const [{ JobID: id }] = (await submitJdlJobs({ ...deps, config }, submitter, [
            'Executable = "x"',
          ])) as unknown as [{ JobID: number }];
          let model: string = 'Waiting';
          for (const [i, requested] of requests.entries()) {
            await setJobStatuses(
              deps,
              { [id]: { [at(100 + i)]: { Status: requested as JobStatus } } },
              false,
            );
            model = nextStatus(model === 'Stalled' ? 'Running' : model, requested as JobStatus);
            const stored = await databases.sql.kysely
              .selectFrom('Jobs')
              .select('Status')
              .where('JobID', '=', id)
              .executeTakeFirstOrThrow();
            expect(stored.Status).toBe(model);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
