import {
  type Clock,
  type HeartbeatData,
  type JobCommand,
  NotFoundError,
} from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type JobParametersDB,
  type TaskQueueDB,
  toSqlDateTime,
} from '../../db/index.ts';
import { type StatusDeps, setJobStatuses } from './status.ts';

export interface HeartbeatDeps extends Pick<StatusDeps, 'hooks' | 'config'> {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  taskQueueDb: TaskQueueDB;
  jobParametersDb: JobParametersDB;
  clock: Clock;
}

/**
 * DiracX's heartbeat: a Matched or Stalled job becomes Running (source Heartbeat), any
 * other just gets its HeartBeatTime; numbers go to the heartbeat log, the standard output
 * to the job's parameters. The answer carries the commands queued for the jobs (Kill),
 * each delivered once. DiracX answers 500 for an unknown job; gridbox answers 404 and
 * changes nothing.
 */
export async function heartbeat(
  deps: HeartbeatDeps,
  beats: Readonly<Record<string, HeartbeatData>>,
): Promise<JobCommand[]> {
  const jobIds = Object.keys(beats).map(Number);
  const owners = await deps.jobDb.getStates(jobIds);
  const unknown = jobIds.filter((id) => !owners.has(id));
  if (unknown.length > 0) throw new NotFoundError(`Unknown job ${unknown.join(', ')}`);

  const nowMs = deps.clock.nowMs();
  const now = toSqlDateTime(nowMs);
  // The job parameters first: when their server is away the heartbeat is refused before
  // anything is written, and a retry writes the same values again (an upsert).
  for (const [id, { StandardOutput }] of Object.entries(beats))
    if (StandardOutput !== undefined)
      await deps.jobParametersDb.upsert(
        owners.get(Number(id))!.vo,
        Number(id),
        { StandardOutput },
        nowMs,
      );
  // The statuses read above: a heartbeat costs no second read of the jobs it names.
  const waking = jobIds.filter((id) => {
    const { status } = owners.get(id)!;
    return status === 'Matched' || status === 'Stalled';
  });
  const stamp = new Date(nowMs).toISOString();
  if (waking.length > 0) {
    await setJobStatuses(
      deps,
      Object.fromEntries(
        waking.map((id) => [
          String(id),
          { [stamp]: { Status: 'Running' as const, Source: 'Heartbeat' } },
        ]),
      ),
      false,
    );
  }
  const others = jobIds.filter((id) => !waking.includes(id));
  await deps.jobDb.setAttributes(others, { HeartBeatTime: now });

  for (const [id, beat] of Object.entries(beats)) {
    const { StandardOutput: _, ...measurements } = beat;
    await deps.jobDb.addHeartbeatRecords(Number(id), measurements as Record<string, number>, now);
  }
  const commands = await deps.jobDb.takeCommands(jobIds, now);
  return commands.map((c) => ({
    job_id: c.jobId,
    command: c.command,
    arguments: c.arguments === '' ? null : c.arguments,
  }));
}
