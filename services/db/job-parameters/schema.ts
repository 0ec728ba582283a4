/**
 * DiracX's JobParametersDB layout: the field mappings of its index template and how a job's
 * index is named. Kept identical so that gridbox and DiracX can share one OpenSearch.
 */

/** The template's name and the start of every index name; the template covers `job_parameters*`. */
export const JOB_PARAMETERS_INDEX_PREFIX = 'job_parameters';

/** The mapped fields; any other parameter is mapped dynamically by OpenSearch on first write. */
export const JOB_PARAMETERS_FIELDS = {
  JobID: { type: 'long' },
  timestamp: { type: 'date' },
  PilotAgent: { type: 'keyword' },
  Pilot_Reference: { type: 'keyword' },
  JobGroup: { type: 'keyword' },
  CPUNormalizationFactor: { type: 'long' },
  'NormCPUTime(s)': { type: 'long' },
  'Memory(MB)': { type: 'long' },
  LocalAccount: { type: 'keyword' },
  'TotalCPUTime(s)': { type: 'long' },
  PayloadPID: { type: 'long' },
  HostName: { type: 'text' },
  GridCE: { type: 'keyword' },
  CEQueue: { type: 'keyword' },
  BatchSystem: { type: 'keyword' },
  ModelName: { type: 'keyword' },
  Status: { type: 'keyword' },
  JobType: { type: 'keyword' },
} as const satisfies Record<string, { type: string }>;

/** The composable index template DiracX's `create_index_template` puts (no priority, no settings). */
export const JOB_PARAMETERS_TEMPLATE = {
  index_patterns: [`${JOB_PARAMETERS_INDEX_PREFIX}*`],
  template: { mappings: { properties: JOB_PARAMETERS_FIELDS } },
};

/**
 * The index of a job's parameters: one per VO and million job IDs, the VO lowercased because
 * OpenSearch refuses upper-case index names (`job_parameters_lhcb_12m` for job 12,345,678).
 */
export function jobParametersIndex(vo: string, jobId: number): string {
  return `${JOB_PARAMETERS_INDEX_PREFIX}_${vo.toLowerCase()}_${Math.floor(jobId / 1e6)}m`;
}
