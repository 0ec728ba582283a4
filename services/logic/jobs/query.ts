import {
  type Config,
  type SearchParams,
  type SearchSpec,
  type SummaryParams,
} from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type PilotAgentsDB,
  sqlDateTimeToIso,
} from '../../db/index.ts';
import {
  type SearchPage,
  pageOffset,
  resolvePseudoParameter,
  searchPage,
} from '../search/index.ts';

export interface QueryDeps {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  pilotAgentsDb: PilotAgentsDB;
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

/** DiracX's pseudo-parameter PilotStamp: the jobs those pilots ran, as a JobID filter. */
const resolvePilotStamps = (deps: QueryDeps, filters: readonly SearchSpec[]) =>
  resolvePseudoParameter(filters, 'PilotStamp', 'JobID', (stamps) =>
    deps.pilotAgentsDb.jobsOfPilots(stamps.map(String)),
  );

interface HistoryEntry {
  Status: string;
  MinorStatus: string;
  ApplicationStatus: string;
  StatusTime: string;
  Source: string;
}

/** A job's history with DIRAC's `idem` placeholders resolved from the record before. */
function history(
  records: {
    Status: string;
    MinorStatus: string;
    ApplicationStatus: string;
    StatusTime: string;
    StatusSource: string;
  }[],
): HistoryEntry[] {
  const last = { Status: '', MinorStatus: '', ApplicationStatus: '' };
  return records.map((record) => {
    for (const field of ['Status', 'MinorStatus', 'ApplicationStatus'] as const) {
      if (record[field] !== 'idem') last[field] = record[field];
    }
    return {
      ...last,
      StatusTime: sqlDateTimeToIso(record.StatusTime),
      Source: record.StatusSource,
    };
  });
}

export async function searchJobs(
  deps: QueryDeps,
  caller: Caller,
  params: SearchParams,
  page: number,
  perPage: number,
): Promise<SearchPage> {
  const offset = pageOffset(page, perPage);
  // DiracX's pseudo-parameter LoggingInfo: each row gains the job's history.
  const requested = params.parameters ?? [];
  const withHistory = requested.includes('LoggingInfo');
  let parameters = requested.filter((p) => p !== 'LoggingInfo');
  if (withHistory && parameters.length > 0 && !parameters.includes('JobID'))
    parameters = ['JobID', ...parameters];
  const { total, rows } = await deps.jobDb.search({
    parameters: parameters.length === 0 ? undefined : parameters,
    filters: [...scope(deps, caller), ...(await resolvePilotStamps(deps, params.search ?? []))],
    sorts: params.sort ?? [],
    distinct: params.distinct ?? false,
    offset,
    limit: perPage,
  });
  if (withHistory) {
    const histories = await deps.jobLoggingDb.getHistories(rows.map((row) => Number(row.JobID)));
    for (const row of rows) row.LoggingInfo = history(histories.get(Number(row.JobID)) ?? []);
  }
  return searchPage('jobs', offset, total, rows);
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
    withTotal: false,
  });
  return Object.fromEntries(
    rows.map(({ JobID, ...status }) => [
      String(JobID),
      status as { Status: string; MinorStatus: string; ApplicationStatus: string },
    ]),
  );
}
