import type { Config, SearchParams, SearchSpec, SummaryParams } from '../../core/index.ts';
import type { JobDB } from '../../db/index.ts';

export interface QueryDeps {
  jobDb: JobDB;
  config: Config;
  /**
   * DiracX applies no VO filter to job searches; gridbox does, unless this is set to
   * reproduce DiracX exactly.
   */
  searchAcrossVOs: boolean;
}

export interface Caller {
  preferred_username: string;
  vo: string;
  dirac_properties: readonly string[];
}

/** The filters the caller may not lift: their VO, and their own jobs when GlobalJobsInfo is off. */
function scope(deps: QueryDeps, caller: Caller): SearchSpec[] {
  const filters: SearchSpec[] = [];
  if (!deps.searchAcrossVOs) filters.push({ parameter: 'VO', operator: 'eq', value: caller.vo });
  const globalJobsInfo =
    deps.config.Operations[caller.vo]?.Services.JobMonitoring.GlobalJobsInfo ?? true;
  if (!globalJobsInfo && !caller.dirac_properties.includes('JobAdministrator')) {
    filters.push({ parameter: 'Owner', operator: 'eq', value: caller.preferred_username });
  }
  return filters;
}

/** A page of search results and how DiracX answers it: 200 whole, 206 partial, 416 past the end. */
export interface SearchPage {
  status: 200 | 206 | 416;
  contentRange: string | undefined;
  rows: Record<string, unknown>[];
}

export async function searchJobs(
  deps: QueryDeps,
  caller: Caller,
  params: SearchParams,
  page: number,
  perPage: number,
): Promise<SearchPage> {
  const offset = (page - 1) * perPage;
  const { total, rows } = await deps.jobDb.search({
    parameters: params.parameters ?? undefined,
    filters: [...scope(deps, caller), ...(params.search ?? [])],
    sorts: params.sort ?? [],
    distinct: params.distinct ?? false,
    offset,
    limit: perPage,
  });
  if (rows.length === total) return { status: 200, contentRange: undefined, rows };
  if (rows.length === 0) return { status: 416, contentRange: `jobs */${total}`, rows: [] };
  return { status: 206, contentRange: `jobs ${offset}-${offset + rows.length - 1}/${total}`, rows };
}

export async function summarizeJobs(deps: QueryDeps, caller: Caller, params: SummaryParams) {
  return deps.jobDb.summary(params.grouping, [...scope(deps, caller), ...(params.search ?? [])]);
}

/** Status, minor status and application status of jobs, keyed by id (earlier DiracX route). */
export async function jobStatuses(deps: QueryDeps, caller: Caller, jobIds: readonly number[]) {
  const { rows } = await deps.jobDb.search({
    parameters: ['JobID', 'Status', 'MinorStatus', 'ApplicationStatus'],
    filters: [...scope(deps, caller), { parameter: 'JobID', operator: 'in', values: [...jobIds] }],
    sorts: [],
    distinct: false,
    offset: 0,
    limit: jobIds.length,
  });
  return Object.fromEntries(
    rows.map(({ JobID, ...status }) => [
      String(JobID),
      status as { Status: string; MinorStatus: string; ApplicationStatus: string },
    ]),
  );
}
