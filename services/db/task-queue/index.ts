import { defineSqlDb } from '../database.ts';
import { type TaskQueueDBTables, taskQueueDBMigrations } from './schema.ts';

export type { TaskQueueDBTables } from './schema.ts';
export const taskQueueDb = defineSqlDb<TaskQueueDBTables>('TaskQueueDB', taskQueueDBMigrations);
