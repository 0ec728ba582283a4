import {
  type Clock,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  type SearchParams,
  type SearchSpec,
  type SummaryParams,
} from '../../core/index.ts';
import { type PilotAgentsDB, toSqlDateTime } from '../../db/index.ts';

export interface PilotCaller {
  vo: string;
  dirac_properties: readonly string[];
}

/** Non-administrators see their own VO's pilots only, as DiracX scopes them. */
function scope(caller: PilotCaller): SearchSpec[] {
  return caller.dirac_properties.includes('ServiceAdministrator')
    ? []
    : [{ parameter: 'VO', operator: 'eq', value: caller.vo }];
}

/** DiracX's pseudo-parameter JobID: the pilots that ran those jobs, as a PilotID filter. */
async function resolveJobIds(
  db: PilotAgentsDB,
  filters: readonly SearchSpec[],
): Promise<SearchSpec[]> {
  const byJob = filters.filter((f) => f.parameter === 'JobID');
  if (byJob.length === 0) return [...filters];
  if (filters.some((f) => f.parameter === 'PilotID'))
    throw new InvalidRequestError('JobID cannot be combined with a PilotID filter');
  const rest = filters.filter((f) => f.parameter !== 'JobID');
  for (const filter of byJob) {
    if (filter.operator !== 'eq' && filter.operator !== 'in')
      throw new InvalidRequestError('JobID can only be searched with eq or in');
    const jobIds = ('values' in filter ? filter.values : [filter.value]).map(Number);
    rest.push({ parameter: 'PilotID', operator: 'in', values: await db.pilotsOfJobs(jobIds) });
  }
  return rest;
}

export async function searchPilots(
  db: PilotAgentsDB,
  caller: PilotCaller,
  params: SearchParams,
  page: number,
  perPage: number,
) {
  const offset = (page - 1) * perPage;
  const { total, rows } = await db.search({
    parameters: params.parameters ?? undefined,
    filters: [...scope(caller), ...(await resolveJobIds(db, params.search ?? []))],
    sorts: params.sort ?? [],
    distinct: params.distinct ?? false,
    offset,
    limit: perPage,
  });
  if (rows.length === total) return { status: 200 as const, contentRange: undefined, rows };
  if (rows.length === 0)
    return { status: 416 as const, contentRange: `pilots */${total}`, rows: [] };
  return {
    status: 206 as const,
    contentRange: `pilots ${offset}-${offset + rows.length - 1}/${total}`,
    rows,
  };
}

export async function summarizePilots(
  db: PilotAgentsDB,
  caller: PilotCaller,
  params: SummaryParams,
) {
  return db.summary(params.grouping, [...scope(caller), ...(params.search ?? [])]);
}

/** The fields a pilot's record may be changed in, as DiracX's PilotFieldsMapping. */
export interface PilotMetadata {
  StatusReason?: string;
  Status?: string;
  BenchMark?: number;
  DestinationSite?: string;
  Queue?: string;
  GridSite?: string;
  GridType?: string;
  AccountingSent?: boolean;
  CurrentJobID?: number;
}

/**
 * PATCH /api/pilots/metadata. Unknown stamps are a 404; a pilot (GenericPilot) may only
 * update its own record, one stamp, in its own VO; an administrator, any.
 */
export async function updatePilotMetadata(
  db: PilotAgentsDB,
  clock: Clock,
  caller: PilotCaller,
  updates: Readonly<Record<string, PilotMetadata>>,
): Promise<void> {
  const stamps = Object.keys(updates);
  const vos = await db.vosOf(stamps);
  const unknown = stamps.filter((stamp) => !vos.has(stamp));
  if (unknown.length > 0) throw new NotFoundError(`Unknown pilot ${unknown.join(', ')}`);
  if (!caller.dirac_properties.includes('ServiceAdministrator')) {
    const ownVo = stamps.every((stamp) => vos.get(stamp) === caller.vo);
    if (!caller.dirac_properties.includes('GenericPilot') || stamps.length > 1 || !ownVo)
      throw new ForbiddenError('Forbidden');
  }
  const changes = new Map(
    Object.entries(updates).map(([stamp, { AccountingSent, ...fields }]) => [
      stamp,
      {
        ...fields,
        ...(AccountingSent === undefined
          ? {}
          : { AccountingSent: AccountingSent ? ('True' as const) : ('False' as const) }),
      },
    ]),
  );
  await db.updatePilots(changes, toSqlDateTime(clock.nowMs()));
}
