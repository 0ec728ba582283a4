import {
  type Clock,
  type Config,
  FINAL_STATUSES,
  InvalidRequestError,
  type JobStatus,
  nextStatus,
} from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type JobLoggingRecord,
  type TaskQueueDB,
  isStorableTime,
  toSqlDateTime,
} from '../../db/index.ts';
import { type JobHooks, type StatusChange, noJobHooks } from './hooks.ts';
import { removeFromTaskQueues } from './shares.ts';

/** One status report: any of the three statuses, and who reports it. */
export interface JobStatusUpdate {
  Status?: JobStatus | undefined;
  MinorStatus?: string | undefined;
  ApplicationStatus?: string | undefined;
  Source?: string | undefined;
}

/** What was written to a job, as DiracX reports it (null where nothing was written). */
export interface WrittenAttributes {
  Status: string | null;
  MinorStatus: string | null;
  ApplicationStatus: string | null;
  HeartBeatTime: string | null;
  StartExecTime: string | null;
  EndExecTime: string | null;
  LastUpdateTime: string | null;
}

export interface SetStatusResult {
  success: Record<string, WrittenAttributes>;
  failed: Record<string, { detail: string }>;
}

export interface StatusDeps {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  taskQueueDb: TaskQueueDB;
  clock: Clock;
  /** Extensions' hooks (their status observers see the changes); none when not given. */
  hooks?: JobHooks | undefined;
  /** The configuration of now, for the hooks; status reports are taken without one. */
  config?: Config | undefined;
}

const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * DiracX's set_job_statuses. Per job, reports are taken in time order; those older than the
 * job's latest recorded status only go to the history. A status change goes through the
 * state machine unless `force`: a move it refuses keeps the status and marks the report's
 * source `(SM)`. Stalled counts as Running. Every report is logged. Killed or Deleted
 * takes the job out of its task queue and queues a Kill command for its next heartbeat.
 */
export async function setJobStatuses(
  deps: StatusDeps,
  changes: Readonly<Record<string, Readonly<Record<string, JobStatusUpdate>>>>,
  force: boolean,
): Promise<SetStatusResult> {
  const parsed = new Map<number, { timeMs: number; update: JobStatusUpdate }[]>();
  for (const [id, reports] of Object.entries(changes)) {
    const entries = Object.entries(reports).map(([time, update]) => {
      if (!ZONED.test(time) || Number.isNaN(Date.parse(time))) {
        throw new InvalidRequestError(`Timestamp ${time} is not timezone aware for job ${id}`);
      }
      if (!isStorableTime(Date.parse(time)))
        throw new InvalidRequestError(`Timestamp ${time} is outside the years 1 to 9999`);
      return { timeMs: Date.parse(time), update };
    });
    parsed.set(
      Number(id),
      entries.sort((a, b) => a.timeMs - b.timeMs),
    );
  }
  const jobIds = [...parsed.keys()];
  const current = await deps.jobDb.getStates(jobIds);
  const lastTimes = await deps.jobLoggingDb.lastStatusTimes([...current.keys()]);
  const result: SetStatusResult = { success: {}, failed: {} };
  const records: JobLoggingRecord[] = [];
  const stopped: number[] = [];
  const committed: StatusChange[] = [];
  const nowMs = deps.clock.nowMs();

  for (const [jobId, reports] of parsed) {
    const job = current.get(jobId);
    if (job === undefined) {
      result.failed[jobId] = { detail: 'Not found' };
      continue;
    }
    const written: WrittenAttributes = {
      Status: null,
      MinorStatus: null,
      ApplicationStatus: null,
      HeartBeatTime: null,
      StartExecTime: null,
      EndExecTime: null,
      LastUpdateTime: null,
    };
    let status = job.status === 'Stalled' ? 'Running' : job.status;
    let changed = false;
    // The report that set the status last: its source and time go to the status observers.
    let decisive = { source: '', timeMs: 0 };
    const lastMs = lastTimes.get(jobId) ?? 0;
    for (const { timeMs, update } of reports) {
      let source = update.Source ?? 'Unknown';
      if (timeMs >= lastMs) {
        if (update.Status !== undefined) {
          const next = force ? update.Status : nextStatus(status, update.Status);
          if (next !== update.Status) source = `${source}(SM)`;
          status = next;
          changed = true;
          decisive = { source, timeMs };
          if (next === 'Running' && job.startExecTime === null && written.StartExecTime === null)
            written.StartExecTime = iso(timeMs);
          if (
            FINAL_STATUSES.includes(next) &&
            job.endExecTime === null &&
            written.EndExecTime === null
          )
            written.EndExecTime = iso(timeMs);
        }
        if (update.MinorStatus !== undefined) written.MinorStatus = update.MinorStatus;
        if (update.ApplicationStatus !== undefined)
          written.ApplicationStatus = update.ApplicationStatus;
      }
      if (source.startsWith('Job') || source === 'Heartbeat') written.HeartBeatTime = iso(timeMs);
      records.push({
        jobId,
        ...(update.Status === undefined ? {} : { status: update.Status }),
        ...(update.MinorStatus === undefined ? {} : { minorStatus: update.MinorStatus }),
        ...(update.ApplicationStatus === undefined
          ? {}
          : { applicationStatus: update.ApplicationStatus }),
        source,
        timeMs,
      });
    }
    if (changed) {
      written.Status = status;
      written.LastUpdateTime = iso(nowMs);
      if ((status === 'Killed' || status === 'Deleted') && status !== job.status)
        stopped.push(jobId);
      if (status !== job.status)
        committed.push({
          JobID: jobId,
          Owner: job.owner,
          OwnerGroup: job.ownerGroup,
          VO: job.vo,
          from: job.status,
          to: status,
          MinorStatus: written.MinorStatus,
          Source: decisive.source,
          timeMs: decisive.timeMs,
        });
    }
    const sqlTime = (value: string | null) =>
      value === null ? undefined : toSqlDateTime(Date.parse(value));
    const attributes = Object.fromEntries(
      Object.entries({
        Status: written.Status ?? undefined,
        MinorStatus: written.MinorStatus ?? undefined,
        ApplicationStatus: written.ApplicationStatus ?? undefined,
        HeartBeatTime: sqlTime(written.HeartBeatTime),
        StartExecTime: sqlTime(written.StartExecTime),
        EndExecTime: sqlTime(written.EndExecTime),
        LastUpdateTime: sqlTime(written.LastUpdateTime),
      }).filter(([, value]) => value !== undefined),
    );
    if (Object.keys(attributes).length > 0) await deps.jobDb.setAttributes([jobId], attributes);
    result.success[jobId] = written;
  }
  await deps.jobLoggingDb.insertRecords(records);
  await removeFromTaskQueues(deps, stopped);
  await deps.jobDb.addCommands(stopped, 'Kill', '', toSqlDateTime(nowMs));
  await (deps.hooks ?? noJobHooks).statusChanged(committed, deps.config);
  return result;
}
