import { type BulkResult, CatalogFailure, type Clock, type Config } from '../../core/index.ts';
import type { FileCatalogDB } from '../../db/index.ts';
import { pathProblem } from './lfn.ts';
import { type WriteRule, deniedWrites } from './permissions.ts';

export interface CatalogDeps {
  fileCatalogDb: FileCatalogDB;
  config: Config;
  clock: Clock;
}

/**
 * Who calls, from the access token: the VO confines the paths, the name and group own what
 * the caller creates and are checked against owners' modes, the properties may bypass them.
 */
export interface CatalogCaller {
  vo: string;
  preferred_username: string;
  dirac_group: string;
  dirac_properties: readonly string[];
}

/** Who new files and directories belong to: the caller's name and group. */
export const ownerOf = (caller: CatalogCaller) => ({
  owner: caller.preferred_username,
  group: caller.dirac_group,
});

/**
 * The LFNs of a bulk request that may go to the DB, and the reasons of those that may not.
 * Object.fromEntries defines own keys, so an LFN such as `__proto__` stays a plain key.
 */
export function screen<T>(
  entries: Iterable<readonly [string, T]>,
  check: (lfn: string, value: T) => string | undefined,
): { accepted: [string, T][]; failed: Map<string, string> } {
  const accepted: [string, T][] = [];
  const failed = new Map<string, string>();
  for (const [lfn, value] of entries) {
    const problem = check(lfn, value);
    if (problem === undefined) accepted.push([lfn, value]);
    else failed.set(lfn, problem);
  }
  return { accepted, failed };
}

/** Screens LFNs for files of the caller's VO. */
export const screenFiles = <T>(caller: CatalogCaller, entries: Iterable<readonly [string, T]>) =>
  screen(entries, (lfn) => pathProblem(lfn, caller.vo, 'file'));

/**
 * Moves the accepted LFNs the caller may not write to under `rule` from `accepted` (which
 * it changes in place) to `failed`, with DIRAC's `Permission denied`.
 */
export async function screenPermissions<T>(
  deps: CatalogDeps,
  caller: CatalogCaller,
  accepted: [string, T][],
  failed: Map<string, string>,
  rule: WriteRule,
): Promise<void> {
  const denied = await deniedWrites(
    deps,
    caller,
    accepted.map(([lfn]) => lfn),
    rule,
  );
  if (denied.size === 0) return;
  for (const [lfn, reason] of denied) failed.set(lfn, reason);
  const kept = accepted.filter(([lfn]) => !denied.has(lfn));
  accepted.splice(0, accepted.length, ...kept);
}

/** A bulk answer: `value` for each accepted LFN that did not fail, in request order. */
export function bulkResult<T>(
  accepted: readonly string[],
  failed: ReadonlyMap<string, string>,
  value: (lfn: string) => T,
): BulkResult<T> {
  return {
    Successful: Object.fromEntries(
      accepted.filter((lfn) => !failed.has(lfn)).map((lfn) => [lfn, value(lfn)]),
    ),
    Failed: Object.fromEntries(failed),
  };
}

/**
 * Why files of `vo` may not be registered at storage element `se`: it must be configured,
 * and an SE restricted to some VOs refuses the others.
 */
export function storageElementProblem(config: Config, se: string, vo: string): string | undefined {
  const element = Object.hasOwn(config.Resources.StorageElements, se)
    ? config.Resources.StorageElements[se]
    : undefined;
  if (element === undefined) return CatalogFailure.unknownSE(se);
  if (element.VO.length > 0 && !element.VO.includes(vo)) return CatalogFailure.seNotForVo(se, vo);
  return undefined;
}
