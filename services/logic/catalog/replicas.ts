import {
  type BulkResult,
  CatalogFailure,
  type NewReplica,
  VISIBLE_REPLICA_STATUSES,
} from '../../core/index.ts';
import {
  type CatalogCaller,
  type CatalogDeps,
  bulkResult,
  screen,
  screenPermissions,
  screenFiles,
  storageElementProblem,
} from './bulk.ts';
import { pathProblem } from './lfn.ts';

/**
 * DIRAC's addReplica: the file must exist, the SE be configured and open to the VO, and the
 * caller may write to the file.
 */
export async function addReplicas(
  deps: CatalogDeps,
  caller: CatalogCaller,
  replicas: Readonly<Record<string, NewReplica>>,
): Promise<BulkResult<true>> {
  const { accepted, failed } = screen(
    Object.entries(replicas),
    (lfn, replica) =>
      pathProblem(lfn, caller.vo, 'file') ??
      storageElementProblem(deps.config, replica.SE, caller.vo),
  );
  await screenPermissions(deps, caller, accepted, failed, 'file');
  const refused = await deps.fileCatalogDb.addReplicas(
    accepted.map(([lfn, replica]) => ({ lfn, se: replica.SE, pfn: replica.PFN })),
    deps.clock.nowMs(),
  );
  return bulkResult(
    accepted.map(([lfn]) => lfn),
    new Map([...failed, ...refused]),
    () => true as const,
  );
}

/**
 * DIRAC's removeReplica. A file or replica that is not there counts as removed, and the SE
 * need not be configured any more: a retired SE's replicas must still be removable. The
 * caller must be allowed to write to the file.
 */
export async function removeReplicas(
  deps: CatalogDeps,
  caller: CatalogCaller,
  replicas: Readonly<Record<string, { SE: string }>>,
): Promise<BulkResult<true>> {
  const { accepted, failed } = screenFiles(caller, Object.entries(replicas));
  await screenPermissions(deps, caller, accepted, failed, 'file');
  await deps.fileCatalogDb.removeReplicas(accepted.map(([lfn, { SE }]) => ({ lfn, se: SE })));
  return bulkResult(
    accepted.map(([lfn]) => lfn),
    failed,
    () => true as const,
  );
}

/**
 * DIRAC's getReplicas: SE → PFN per file, only replicas in a visible status (AprioriGood)
 * unless `allStatuses`. A missing file fails with `No such file or directory`.
 */
export async function getReplicas(
  deps: CatalogDeps,
  caller: CatalogCaller,
  lfns: readonly string[],
  allStatuses = false,
): Promise<BulkResult<Record<string, string>>> {
  const { accepted, failed } = screenFiles(
    caller,
    lfns.map((lfn) => [lfn, null] as const),
  );
  const valid = accepted.map(([lfn]) => lfn);
  const found = await deps.fileCatalogDb.getReplicas(
    valid,
    allStatuses ? undefined : VISIBLE_REPLICA_STATUSES,
  );
  for (const lfn of valid) if (!found.has(lfn)) failed.set(lfn, CatalogFailure.noSuchFile);
  return bulkResult(valid, failed, (lfn) => found.get(lfn)!);
}
