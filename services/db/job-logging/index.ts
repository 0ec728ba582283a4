import type { SqlDbDefinition } from '../database.ts';
import { type JobLoggingDB, SqlJobLoggingDB } from './job-logging-db.ts';
import { jobLoggingDBMigrations } from './schema.ts';

export type { JobLoggingDBTables } from './schema.ts';
export { type JobLoggingDB, type JobLoggingRecord, SqlJobLoggingDB } from './job-logging-db.ts';
export const jobLoggingDb: SqlDbDefinition<JobLoggingDB> = {
  name: 'JobLoggingDB',
  migrations: jobLoggingDBMigrations,
  open: (conn) => new SqlJobLoggingDB('JobLoggingDB', conn),
};
