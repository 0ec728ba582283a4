import type { SqlDbDefinition } from '../database.ts';
import { type JobDB, SqlJobDB } from './job-db.ts';
import { jobDBMigrations } from './schema.ts';

export type { JobDBTables } from './schema.ts';
export {
  type JobDB,
  type JobState,
  type JobSearch,
  type NewJob,
  SqlJobDB,
  compressJdl,
  decompressJdl,
} from './job-db.ts';
export { JOB_COLUMNS } from './search.ts';
export const jobDb: SqlDbDefinition<JobDB> = {
  name: 'JobDB',
  migrations: jobDBMigrations,
  open: (conn) => new SqlJobDB('JobDB', conn),
};
