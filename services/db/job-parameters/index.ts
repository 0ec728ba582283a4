import type { StoreDbDefinition } from '../database.ts';
import { type JobParametersDB, MemoryJobParametersDB } from './job-parameters-db.ts';
import { OpenSearchJobParametersDB } from './opensearch-job-parameters-db.ts';

export { type JobParametersDB, MemoryJobParametersDB } from './job-parameters-db.ts';
export { OpenSearchJobParametersDB } from './opensearch-job-parameters-db.ts';
export {
  JOB_PARAMETERS_FIELDS,
  JOB_PARAMETERS_INDEX_PREFIX,
  JOB_PARAMETERS_TEMPLATE,
  jobParametersIndex,
} from './schema.ts';

/** In OpenSearch when the box has an OpenSearch server, in process otherwise. */
export const jobParametersDb: StoreDbDefinition<JobParametersDB> = {
  name: 'JobParametersDB',
  open: ({ openSearch, timeoutMs }) =>
    openSearch === undefined
      ? new MemoryJobParametersDB()
      : OpenSearchJobParametersDB.open(openSearch, timeoutMs),
};
