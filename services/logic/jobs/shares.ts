import type { Config } from '../../core/index.ts';
import type { TaskQueueDB } from '../../db/index.ts';

/** DIRAC's floor for a task queue's priority, so none is starved completely. */
const MIN_PRIORITY = 0.001;
const DEFAULT_JOB_SHARE = 1000;

/**
 * DIRAC's share calculation for one group: the group's JobShare goes to the group as a
 * whole when it has JobSharing, and is otherwise split equally between the owners with
 * queues in it. Within each share, a queue gets share × (mean RealPriority of its jobs) /
 * (the sum of those means). The matcher then draws queues by priority. Returns the
 * priorities that changed, which are the only ones written.
 */
export async function recalculateShares(
  db: TaskQueueDB,
  config: Config,
  vo: string,
  group: string,
): Promise<ReadonlyMap<number, number>> {
  const groupInfo = config.Registry[vo]?.Groups[group];
  const share = groupInfo?.JobShare ?? DEFAULT_JOB_SHARE;
  const stats = await db.queueStats(vo, group);
  if (stats.length === 0) return new Map();
  const isShared = groupInfo?.Properties.includes('JobSharing') === true;
  // Runs whenever the matcher empties a queue, over every queue of the group: each entity's
  // list grows in place (copying it per queue made the work grow with the square of queues).
  const entities = new Map<string, (typeof stats)[number][]>();
  for (const queue of stats) {
    const entity = isShared ? group : queue.owner;
    const queues = entities.get(entity);
    if (queues === undefined) entities.set(entity, [queue]);
    else queues.push(queue);
  }
  const entityShare = share / entities.size;
  // Only the priorities that change are written: most submissions to a queue that exists
  // change none, and a write tells the matcher's cache to read the VO's queues again.
  const priorities = new Map<number, number>();
  for (const queues of entities.values()) {
    const total = queues.reduce((sum, q) => sum + q.meanRealPriority, 0);
    for (const queue of queues) {
      const priority = Math.max((entityShare * queue.meanRealPriority) / total, MIN_PRIORITY);
      if (priority !== queue.priority) priorities.set(queue.tqId, priority);
    }
  }
  await db.setPriorities(priorities);
  return priorities;
}

/**
 * Takes jobs out of their task queues, and splits a group's share again among the queues it
 * has left when it lost one, as DiracX's remove_jobs_from_task_queue does. Without a
 * configuration (a status report taken before one is loaded) the split waits for the group's
 * next new queue.
 */
export async function removeFromTaskQueues(
  deps: { taskQueueDb: TaskQueueDB; config?: Config | undefined },
  jobIds: readonly number[],
): Promise<void> {
  const groups = await deps.taskQueueDb.deleteJobs(jobIds);
  if (deps.config === undefined) return;
  for (const { vo, ownerGroup } of groups)
    await recalculateShares(deps.taskQueueDb, deps.config, vo, ownerGroup);
}
