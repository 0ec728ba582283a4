import { ManualClock } from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type StartedDatabases,
  type TaskQueueDB,
  type TaskQueueDefinition,
  type TaskQueueKey,
  jobDb,
  jobLoggingDb,
  openDatabases,
  taskQueueDb,
} from '../../db/index.ts';

// Test support for the jobs logic: the three job DBs in memory and a clock that stands still.

export interface JobDbs {
  databases: StartedDatabases;
  deps: { jobDb: JobDB; jobLoggingDb: JobLoggingDB; taskQueueDb: TaskQueueDB; clock: ManualClock };
}

export async function openJobDbs(startMs: number): Promise<JobDbs> {
  const databases = await openDatabases('sqlite::memory:', [jobDb, jobLoggingDb, taskQueueDb]);
  return {
    databases,
    deps: {
      jobDb: databases.dbs.get('JobDB') as JobDB,
      jobLoggingDb: databases.dbs.get('JobLoggingDB') as JobLoggingDB,
      taskQueueDb: databases.dbs.get('TaskQueueDB') as TaskQueueDB,
      clock: new ManualClock(startMs),
    },
  };
}

/** The key of a queue of alice's in lhcb_user for User jobs anywhere, with `overrides`. */
export const taskQueueKey = (overrides: Partial<TaskQueueKey> = {}): TaskQueueKey => ({
  owner: 'alice',
  ownerGroup: 'lhcb_user',
  vo: 'lhcb',
  cpuTime: 3600,
  sites: [],
  gridCEs: [],
  bannedSites: [],
  platforms: [],
  jobTypes: ['User'],
  tags: [],
  ...overrides,
});

/** A task queue of alice's in lhcb_user for User jobs anywhere, with `overrides`. */
export const taskQueue = (overrides: Partial<TaskQueueDefinition> = {}): TaskQueueDefinition => ({
  tqId: 1,
  priority: 1,
  ...taskQueueKey(),
  ...overrides,
});
