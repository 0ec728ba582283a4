import {
  type Clock,
  type Config,
  type InsertedJob,
  InvalidRequestError,
  type JdlRecord,
  JdlSyntaxError,
  parseJdl,
  serializeJdl,
} from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type JobLoggingRecord,
  type TaskQueueDB,
  toSqlDateTime,
} from '../../db/index.ts';
import { type JobHooks, type StatusChange, noJobHooks } from './hooks.ts';
import { expandParametric, isParametric } from './parametric.ts';
import { type PreparedJob, type Submitter, prepareJob } from './prepare-job.ts';
import { recalculateShares } from './shares.ts';

/** DiracX's limit on jobs created by one request (its MAX_PARAMETRIC_JOBS). */
export const MAX_JOBS_PER_SUBMISSION = 20;

export interface SubmissionDeps {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  taskQueueDb: TaskQueueDB;
  config: Config;
  clock: Clock;
  /** Extensions' hooks; none when not given. */
  hooks?: JobHooks | undefined;
}

function parse(text: string, index: number, count: number): JdlRecord {
  try {
    // Not trimmed (DiracX strips): positions in errors must match the text as sent.
    return parseJdl(text);
  } catch (error) {
    if (error instanceof JdlSyntaxError) {
      throw new InvalidRequestError(
        count > 1 ? `JDL ${index + 1}: ${error.message}` : error.message,
      );
    }
    throw error;
  }
}

/**
 * DiracX's submission: one JDL (expanded if parametric) or several plain ones, at most 20
 * jobs, each validated; all are created or none. The answer gives each job's initial
 * status (Received, or Submitting for parametric children), as DiracX's does. gridbox then
 * runs DIRAC's optimizer chain at once, so the jobs wait in the task queues for the matcher.
 */
export async function submitJdlJobs(
  deps: SubmissionDeps,
  submitter: Submitter,
  jdls: readonly string[],
): Promise<InsertedJob[]> {
  if (jdls.length === 0) throw new InvalidRequestError('No JDL given');
  const records = jdls.map((text, i) => parse(text, i, jdls.length));
  let descriptions: JdlRecord[];
  let initial: { status: string; minor: string };
  if (records.length === 1 && isParametric(records[0]!)) {
    descriptions = expandParametric(records[0]!, MAX_JOBS_PER_SUBMISSION);
    initial = { status: 'Submitting', minor: 'Bulk transaction confirmation' };
  } else {
    if (records.some(isParametric))
      throw new InvalidRequestError('You cannot submit parametric jobs in a bulk fashion');
    if (records.length > MAX_JOBS_PER_SUBMISSION) {
      throw new InvalidRequestError(
        `Normal user cannot submit more than ${MAX_JOBS_PER_SUBMISSION} jobs at once`,
      );
    }
    descriptions = records;
    initial = { status: 'Received', minor: 'Job accepted' };
  }
  const prepared = await reviewJobs(deps, submitter, descriptions, records.length > 1);

  const nowMs = deps.clock.nowMs();
  const now = toSqlDateTime(nowMs);
  const ids = await deps.jobDb.insertJobs(
    prepared.map((job, i) => {
      const text = serializeJdl(job.jdl);
      return {
        originalJdl: serializeJdl(descriptions[i]!),
        jdl: (jobId: number) => text.replaceAll('%j', String(jobId)),
        jobRequirements: serializeJdl(
          (job.jdl.attributes.find(([n]) => n === 'JobRequirements')![1] as { record: JdlRecord })
            .record,
        ),
        attributes: {
          JobType: job.jobType,
          JobGroup: job.jobGroup,
          Site: job.site,
          JobName: job.jobName,
          Owner: submitter.preferred_username,
          OwnerGroup: submitter.dirac_group,
          VO: submitter.vo,
          SubmissionTime: now,
          LastUpdateTime: now,
          Status: initial.status,
          MinorStatus: initial.minor,
          ApplicationStatus: 'Unknown',
          UserPriority: job.priority,
          VerifiedFlag: 'True',
        },
        inputData: job.inputData,
      };
    }),
  );
  await deps.jobLoggingDb.insertRecords(
    ids.map((jobId) => ({
      jobId,
      status: initial.status,
      minorStatus: initial.minor,
      applicationStatus: 'Unknown',
      timeMs: nowMs,
      source: 'JobManager',
    })),
  );
  await (deps.hooks ?? noJobHooks).statusChanged(
    ids.map((JobID) => ({
      ...owned(JobID, submitter),
      from: null,
      to: initial.status,
      MinorStatus: initial.minor,
      Source: 'JobManager',
      timeMs: nowMs,
    })),
    deps.config,
  );
  await runOptimizers(deps, submitter, ids, prepared, initial.status === 'Submitting');
  const timeStamp = new Date(nowMs).toISOString();
  return ids.map((JobID) => ({
    JobID,
    Status: initial.status,
    MinorStatus: initial.minor,
    TimeStamp: timeStamp,
  }));
}

/**
 * Checks each job as gridbox does, then lets the extensions' submission hooks see it and
 * checks again what they return: all before anything is written, so a hook that refuses or
 * fails leaves nothing behind. A refusal is a 400 with the hook's reason (`JDL n: ` first in
 * a bulk submission, as for syntax errors).
 */
async function reviewJobs(
  deps: Pick<SubmissionDeps, 'config' | 'hooks'>,
  submitter: Submitter,
  descriptions: readonly JdlRecord[],
  isBulk: boolean,
): Promise<PreparedJob[]> {
  const prepared = descriptions.map((record) => prepareJob(record, submitter, deps.config));
  if (deps.hooks === undefined || deps.hooks === noJobHooks) return prepared;
  for (const [i, record] of descriptions.entries()) {
    const job = { jdl: record, submitter, reason: 'submit', jobId: undefined } as const;
    const verdict = await deps.hooks.review(job, deps.config);
    if ('refuse' in verdict)
      throw new InvalidRequestError(isBulk ? `JDL ${i + 1}: ${verdict.refuse}` : verdict.refuse);
    if (verdict.jdl !== record) prepared[i] = prepareJob(verdict.jdl, submitter, deps.config);
  }
  return prepared;
}

/** The owner fields of a status change, from the submitter. */
function owned(JobID: number, submitter: Submitter) {
  return {
    JobID,
    Owner: submitter.preferred_username,
    OwnerGroup: submitter.dirac_group,
    VO: submitter.vo,
  };
}

/**
 * What DIRAC's optimizers (JobPath, JobSanity, InputData, JobScheduling) do to a new job,
 * done at once: each step is logged, then the job is Waiting in its task queue.
 * Parametric children are confirmed first (DiracX has no confirmation route).
 * InputData only logs its step: the replicas in the file catalog do not restrict the
 * candidate sites.
 */
export async function runOptimizers(
  deps: Pick<
    SubmissionDeps,
    'jobDb' | 'jobLoggingDb' | 'taskQueueDb' | 'clock' | 'config' | 'hooks'
  >,
  submitter: Submitter,
  ids: readonly number[],
  jobs: readonly PreparedJob[],
  confirmFirst: boolean,
): Promise<void> {
  const nowMs = deps.clock.nowMs();
  const records: JobLoggingRecord[] = [];
  ids.forEach((jobId, i) => {
    const step = (status: string, minorStatus: string, source: string) =>
      records.push({
        jobId,
        status,
        minorStatus,
        applicationStatus: 'Unknown',
        timeMs: nowMs,
        source,
      });
    if (confirmFirst) step('Received', 'Job accepted', 'JobManager');
    step('Checking', 'JobSanity', 'JobPath');
    if (jobs[i]!.inputData.length > 0) step('Checking', 'InputData', 'JobSanity');
    step('Checking', 'JobScheduling', jobs[i]!.inputData.length > 0 ? 'InputData' : 'JobSanity');
    step('Waiting', 'Pilot Agent Submission', 'JobScheduling');
  });
  await deps.jobLoggingDb.insertRecords(records);
  // Waiting before queued: the matcher gives out only Waiting jobs, and drops any other it
  // claims, so a job queued first could be lost to a pilot asking in between.
  await deps.jobDb.setAttributes(ids, {
    Status: 'Waiting',
    MinorStatus: 'Pilot Agent Submission',
    LastUpdateTime: toSqlDateTime(nowMs),
  });
  await queueJobs(deps, submitter, ids, jobs);
  const changes: StatusChange[] = ids.map((JobID) => ({
    ...owned(JobID, submitter),
    from: confirmFirst ? 'Submitting' : 'Received',
    to: 'Waiting',
    MinorStatus: 'Pilot Agent Submission',
    Source: 'JobScheduling',
    timeMs: nowMs,
  }));
  await (deps.hooks ?? noJobHooks).statusChanged(changes, deps.config);
}

/** Puts Waiting jobs of one submitter in the task queues of their requirements. */
export async function queueJobs(
  deps: Pick<SubmissionDeps, 'taskQueueDb' | 'config'>,
  submitter: Submitter,
  ids: readonly number[],
  jobs: readonly PreparedJob[],
): Promise<void> {
  // Jobs with equal requirements (a parametric job's, usually) find their queue in one go.
  const byRequirements = new Map<string, { jobId: number; job: PreparedJob }[]>();
  ids.forEach((jobId, i) => {
    const job = jobs[i]!;
    const same = JSON.stringify(job.requirements);
    const group = byRequirements.get(same);
    if (group === undefined) byRequirements.set(same, [{ jobId, job }]);
    else group.push({ jobId, job });
  });
  let hasNewQueue = false;
  for (const group of byRequirements.values()) {
    const { newTqIds } = await deps.taskQueueDb.insertJobsReportingNewQueues(
      group.map(({ jobId, job }) => ({ jobId, userPriority: job.priority })),
      {
        owner: submitter.preferred_username,
        ownerGroup: submitter.dirac_group,
        vo: submitter.vo,
        ...group[0]!.job.requirements,
      },
    );
    if (newTqIds.length > 0) hasNewQueue = true;
  }
  // DIRAC's TaskQueueDB.insertJob splits the group's shares again only when it created a
  // queue: the split reads every job of the group, so doing it for each submission made a
  // request's cost grow with the backlog. A job joining an existing queue with another
  // priority shifts that queue's mean only at the next split, as in DIRAC.
  if (hasNewQueue)
    await recalculateShares(deps.taskQueueDb, deps.config, submitter.vo, submitter.dirac_group);
}
