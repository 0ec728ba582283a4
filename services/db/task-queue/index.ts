import type { SqlDbDefinition } from '../database.ts';
import { SqlTaskQueueDB, type TaskQueueDB } from './task-queue-db.ts';
import { taskQueueDBMigrations } from './schema.ts';

export type { TaskQueueDBTables } from './schema.ts';
export {
  CPU_TIME_BUCKETS_S,
  MAX_JOBS_PER_TASK_QUEUE,
  type QueueGroup,
  SqlTaskQueueDB,
  type TaskQueueDB,
  type TaskQueueKey,
  cpuTimeBucket,
  realPriority,
} from './task-queue-db.ts';
export type { TaskQueueDefinition } from './matching.ts';
export const taskQueueDb: SqlDbDefinition<TaskQueueDB> = {
  name: 'TaskQueueDB',
  migrations: taskQueueDBMigrations,
  open: (conn) => new SqlTaskQueueDB('TaskQueueDB', conn),
};
