import { ConflictError, type DirectoryListing, NotFoundError } from '../../core/index.ts';
import { type CatalogCaller, type CatalogDeps, ownerOf } from './bulk.ts';
import { requirePath } from './lfn.ts';
import { requireWrite } from './permissions.ts';

/** DIRAC's listDirectory: the subdirectories and files of a directory of the caller's VO. */
export async function listDirectory(
  deps: CatalogDeps,
  caller: CatalogCaller,
  path: string,
): Promise<DirectoryListing> {
  requirePath(path, caller.vo, 'directory');
  const listing = await deps.fileCatalogDb.listDirectory(path);
  if (listing === undefined) throw new NotFoundError(`No such directory ${path}`);
  return listing;
}

/**
 * DIRAC's createDirectory, parents included; creating an existing directory is a no-op.
 * Needs write on the nearest existing directory above it.
 */
export async function createDirectory(
  deps: CatalogDeps,
  caller: CatalogCaller,
  path: string,
): Promise<void> {
  requirePath(path, caller.vo, 'directory');
  await requireWrite(deps, caller, path, 'parent');
  const problem = await deps.fileCatalogDb.createDirectory(
    path,
    ownerOf(caller),
    deps.clock.nowMs(),
  );
  if (problem !== undefined) throw new ConflictError(`Cannot create ${path}: a file is in the way`);
}
