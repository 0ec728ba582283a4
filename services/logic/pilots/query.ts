import {
  type Clock,
  NotFoundError,
  type SearchParams,
  type SearchSpec,
  type SummaryParams,
} from '../../core/index.ts';
import { type PilotAgentsDB, toSqlDateTime } from '../../db/index.ts';
import {
  type SearchPage,
  pageOffset,
  resolvePseudoParameter,
  searchPage,
} from '../search/index.ts';

export interface PilotCaller {
  vo: string;
  dirac_properties: readonly string[];
}

/**
 * Everyone sees their own VO's pilots only; DiracX lets a ServiceAdministrator see every
 * VO's, gridbox keeps administrators within their VO too.
 */
function scope(caller: PilotCaller): SearchSpec[] {
  return [{ parameter: 'VO', operator: 'eq', value: caller.vo }];
}

/** DiracX's pseudo-parameter JobID: the pilots that ran those jobs, as a PilotID filter. */
const resolveJobIds = (db: PilotAgentsDB, filters: readonly SearchSpec[]) =>
  resolvePseudoParameter(filters, 'JobID', 'PilotID', (jobIds) =>
    db.pilotsOfJobs(jobIds.map(Number)),
  );

export async function searchPilots(
  db: PilotAgentsDB,
  caller: PilotCaller,
  params: SearchParams,
  page: number,
  perPage: number,
): Promise<SearchPage> {
  const offset = pageOffset(page, perPage);
  const { total, rows } = await db.search({
    parameters: params.parameters ?? undefined,
    filters: [...scope(caller), ...(await resolveJobIds(db, params.search ?? []))],
    sorts: params.sort ?? [],
    distinct: params.distinct ?? false,
    offset,
    limit: perPage,
  });
  return searchPage('pilots', offset, total, rows);
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
 * PATCH /api/pilots/metadata. Unknown stamps are a 404; who may change which record is the
 * `pilot` access policy's to decide, before this runs.
 */
export async function updatePilotMetadata(
  db: PilotAgentsDB,
  clock: Clock,
  updates: Readonly<Record<string, PilotMetadata>>,
): Promise<void> {
  const stamps = Object.keys(updates);
  const vos = await db.vosOf(stamps);
  const unknown = stamps.filter((stamp) => !vos.has(stamp));
  if (unknown.length > 0) throw new NotFoundError(`Unknown pilot ${unknown.join(', ')}`);
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
