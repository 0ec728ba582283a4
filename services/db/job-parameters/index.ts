import type { StoreDbDefinition } from '../database.ts';
import { type JobParametersDB, MemoryJobParametersDB } from './job-parameters-db.ts';

export { type JobParametersDB, MemoryJobParametersDB } from './job-parameters-db.ts';
export const jobParametersDb: StoreDbDefinition<JobParametersDB> = {
  name: 'JobParametersDB',
  open: () => new MemoryJobParametersDB(),
};
