import { type Clock, type Config, parseJdl, serializeJdl } from '../../core/index.ts';
import { type JobDB, type JobLoggingDB, type TaskQueueDB, toSqlDateTime } from '../../db/index.ts';
import type { JobHooks } from './hooks.ts';
import { type PreparedJob, type Submitter, prepareJob } from './prepare-job.ts';
import { setJobStatuses } from './status.ts';
import { removeFromTaskQueues } from './shares.ts';
import { runOptimizers } from './submit.ts';

export interface RescheduleDeps {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  taskQueueDb: TaskQueueDB;
  config: Config;
  clock: Clock;
  /** Extensions' hooks: a rescheduled job goes through the submission hooks again. */
  hooks?: JobHooks | undefined;
}

export interface RescheduleResult {
  success: Record<string, Record<string, unknown>>;
  failed: Record<string, { detail: string }>;
}

const DEFAULT_MAX_RESCHEDULING = 3;

/**
 * DiracX's reschedule: each job's counter goes up (or back to 0 with `reset`); past the
 * VO's MaxRescheduling the job fails instead. The others are checked again from their
 * original JDL, and asked to go back to Received (through the state machine). gridbox then
 * runs the optimizers, so a rescheduled job waits in a task queue again.
 * Unlike DiracX, a job over the limit is failed even when no other job of the request survives.
 */
export async function rescheduleJobs(
  deps: RescheduleDeps,
  jobIds: readonly number[],
  reset: boolean,
): Promise<RescheduleResult> {
  const result: RescheduleResult = { success: {}, failed: {} };
  const nowMs = deps.clock.nowMs();
  const stamp = new Date(nowMs).toISOString();
  const { rows } = await deps.jobDb.search({
    parameters: ['JobID', 'Owner', 'OwnerGroup', 'VO', 'RescheduleCounter', 'VerifiedFlag'],
    filters: [{ parameter: 'JobID', operator: 'in', values: [...jobIds] }],
    sorts: [],
    distinct: false,
    offset: 0,
    limit: jobIds.length,
  });
  const jobs = new Map(rows.map((row) => [Number(row.JobID), row]));
  const tooMany: number[] = [];
  // 1. Every job checked again (gridbox's checks, then the extensions' hooks) before any is
  // written, so a check or hook that throws leaves the request's jobs as they were.
  const plans: { jobId: number; counter: number; submitter: Submitter; prepared: PreparedJob }[] =
    [];
  for (const jobId of jobIds) {
    const job = jobs.get(jobId);
    if (job === undefined) {
      result.failed[jobId] = { detail: 'Not found' };
      continue;
    }
    if (job.VerifiedFlag !== true) {
      result.failed[jobId] = { detail: 'Job is not verified' };
      continue;
    }
    const vo = String(job.VO);
    const max =
      deps.config.Operations[vo]?.Services.JobScheduling.MaxRescheduling ??
      DEFAULT_MAX_RESCHEDULING;
    const counter = reset ? 0 : Number(job.RescheduleCounter) + 1;
    if (counter > max) {
      result.failed[jobId] = { detail: `Maximum number of reschedules exceeded (${max})` };
      tooMany.push(jobId);
      continue;
    }
    const original = parseJdl(await deps.jobDb.getOriginalJdl(jobId));
    const submitter = {
      preferred_username: String(job.Owner),
      dirac_group: String(job.OwnerGroup),
      vo,
    };
    let prepared = prepareJob(original, submitter, deps.config);
    if (deps.hooks !== undefined) {
      const job = { jdl: original, submitter, reason: 'reschedule', jobId } as const;
      const verdict = await deps.hooks.review(job, deps.config);
      if ('refuse' in verdict) {
        result.failed[jobId] = { detail: verdict.refuse };
        continue;
      }
      if (verdict.jdl !== original) prepared = prepareJob(verdict.jdl, submitter, deps.config);
    }
    plans.push({ jobId, counter, submitter, prepared });
  }
  // 2. Then each job goes back to the queue.
  for (const { jobId, counter, submitter, prepared } of plans) {
    const checkedJdl = serializeJdl(prepared.jdl);
    await removeFromTaskQueues(deps, [jobId]);
    await deps.jobDb.updateJdl(jobId, checkedJdl.replaceAll('%j', String(jobId)));
    await deps.jobDb.setAttributes([jobId], {
      Site: prepared.site,
      UserPriority: prepared.priority,
      RescheduleTime: toSqlDateTime(nowMs),
      RescheduleCounter: counter,
    });
    const statuses = await setJobStatuses(
      deps,
      {
        [jobId]: {
          [stamp]: {
            Status: 'Received',
            MinorStatus: 'Job Rescheduled',
            ApplicationStatus: 'Unknown',
            Source: 'JobManager',
          },
        },
      },
      false,
    );
    const written = statuses.success[jobId]!;
    if (written.Status === 'Received')
      await runOptimizers(deps, submitter, [jobId], [prepared], false);
    result.success[jobId] = {
      // DiracX names the checked JDL (before %j is replaced) InputData in its results.
      InputData: checkedJdl,
      Site: prepared.site,
      UserPriority: prepared.priority,
      RescheduleTime: stamp.replace('.000Z', 'Z'),
      RescheduleCounter: counter,
      ...written,
    };
  }
  if (tooMany.length > 0) {
    await setJobStatuses(
      deps,
      Object.fromEntries(
        tooMany.map((id) => [
          String(id),
          {
            [stamp]: {
              Status: 'Failed' as const,
              MinorStatus: 'Maximum of reschedulings reached',
              Source: 'JobManager',
            },
          },
        ]),
      ),
      false,
    );
  }
  return result;
}
