import { defineSqlDb } from '../database.ts';
import { type JobDBTables, jobDBMigrations } from './schema.ts';

export type { JobDBTables } from './schema.ts';
export const jobDb = defineSqlDb<JobDBTables>('JobDB', jobDBMigrations);
