import { CatalogFailure, type Config, ForbiddenError } from '../../core/index.ts';
import type { PathPermissions } from '../../db/index.ts';
import type { CatalogCaller, CatalogDeps } from './bulk.ts';

/**
 * What a write needs, after the policies of DIRAC's VOMSSecurityManager (the catalog
 * security manager DIRAC ships for LHCb's catalog; its default, NoSecurityManager, checks
 * nothing):
 * - `parent`: creating a file or directory needs write on the nearest existing directory
 *   above it;
 * - `remove`: removing a file needs write on its directory; a file that is not there may
 *   always be removed;
 * - `file`: adding, removing or changing a replica needs write on the file itself;
 * - `self`: setting metadata needs write on the file or directory itself (DIRAC's policy
 *   for changing a path's mode; its VOMSSecurityManager has none for metadata).
 * Where the path a rule looks at does not exist, the operation itself answers.
 */
export type WriteRule = 'parent' | 'remove' | 'file' | 'self';

/** DIRAC's property that bypasses the catalog's permissions (FC_MANAGEMENT). */
const CATALOG_MANAGER = 'FileCatalogManagement';

const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/'));

/** `/vo/a/b` → `['/vo/a/b', '/vo/a', '/vo']`: the path, then its ancestors, nearest first. */
function selfAndAncestorsNearestFirst(path: string): string[] {
  const paths: string[] = [];
  for (let p = path; p !== ''; p = parentOf(p)) paths.push(p);
  return paths;
}

/**
 * The group a caller is checked as against an entry owned by `ownerGroup`: that group when
 * both groups carry the same VOMS role, as DIRAC's VOMSSecurityManager does; its own
 * otherwise.
 */
function effectiveGroup(config: Config, caller: CatalogCaller, ownerGroup: string): string {
  const groups = config.Registry[caller.vo]?.Groups;
  const role = (group: string) =>
    groups !== undefined && Object.hasOwn(groups, group) ? groups[group]!.VOMSRole : null;
  const mine = role(caller.dirac_group);
  return mine !== null && mine === role(ownerGroup) ? ownerGroup : caller.dirac_group;
}

/**
 * Whether the caller may write to an entry. As in DIRAC, a directory grants write when any
 * class the caller belongs to has the bit (owner, group, others), while a file looks only at
 * the caller's own class: owner bits for its owner, else group bits, else the others' bits.
 */
function canWrite(config: Config, caller: CatalogCaller, entry: PathPermissions): boolean {
  const isOwner = entry.owner === caller.preferred_username;
  const inGroup = effectiveGroup(config, caller, entry.group) === entry.group;
  const owner = (entry.mode & 0o200) !== 0;
  const group = (entry.mode & 0o020) !== 0;
  const others = (entry.mode & 0o002) !== 0;
  if (entry.kind === 'directory') return (isOwner && owner) || (inGroup && group) || others;
  return isOwner ? owner : inGroup ? group : others;
}

/**
 * The paths among `paths` the caller may not write to under `rule`, each with DIRAC's
 * `Permission denied`. Paths must be valid and in the caller's VO (the callers screen them
 * first). Reads are not checked: DIRAC's GlobalReadAccess, on by default, opens them to all.
 *
 * gridbox has no administrator who creates each VO's top directories, as DIRAC's do: the VO
 * directory `/<vo>` stands for DIRAC's `/` before it exists, open to every caller of the VO,
 * whoever created it. Callers with FileCatalogManagement bypass every check (DIRAC's admin
 * access), within their VO like everyone else.
 */
export async function deniedWrites(
  deps: CatalogDeps,
  caller: CatalogCaller,
  paths: readonly string[],
  rule: WriteRule,
): Promise<Map<string, string>> {
  const denied = new Map<string, string>();
  if (paths.length === 0 || caller.dirac_properties.includes(CATALOG_MANAGER)) return denied;
  const voRoot = `/${caller.vo}`;
  const wanted = new Set<string>();
  for (const path of paths) {
    if (rule === 'parent') {
      for (const dir of selfAndAncestorsNearestFirst(parentOf(path))) wanted.add(dir);
    } else {
      wanted.add(path);
      if (rule === 'remove') wanted.add(parentOf(path));
    }
  }
  const entries = await deps.fileCatalogDb.getPathPermissions([...wanted]);
  const allowed = (entry: PathPermissions | undefined, path: string) =>
    entry === undefined || path === voRoot || canWrite(deps.config, caller, entry);
  for (const path of paths) {
    let ok: boolean;
    if (rule === 'file' || rule === 'self') {
      const entry = entries.get(path);
      ok = (rule === 'file' && entry?.kind === 'directory') || allowed(entry, path);
    } else if (rule === 'remove') {
      ok =
        entries.get(path)?.kind !== 'file' || allowed(entries.get(parentOf(path)), parentOf(path));
    } else {
      const nearest = selfAndAncestorsNearestFirst(parentOf(path)).find(
        (dir) => entries.get(dir)?.kind === 'directory',
      );
      ok = nearest === undefined || allowed(entries.get(nearest), nearest);
    }
    if (!ok) denied.set(path, CatalogFailure.permissionDenied);
  }
  return denied;
}

/** `deniedWrites` for routes that take one path: 403 when the caller may not write to it. */
export async function requireWrite(
  deps: CatalogDeps,
  caller: CatalogCaller,
  path: string,
  rule: WriteRule,
): Promise<void> {
  if ((await deniedWrites(deps, caller, [path], rule)).size > 0)
    throw new ForbiddenError(CatalogFailure.permissionDenied);
}
