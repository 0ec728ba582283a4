import { defineSqlDb } from '../database.ts';
import { type JobLoggingDBTables, jobLoggingDBMigrations } from './schema.ts';

export type { JobLoggingDBTables } from './schema.ts';
export const jobLoggingDb = defineSqlDb<JobLoggingDBTables>('JobLoggingDB', jobLoggingDBMigrations);
