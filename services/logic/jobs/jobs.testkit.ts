import { ManualClock } from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type StartedDatabases,
  type TaskQueueDB,
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
