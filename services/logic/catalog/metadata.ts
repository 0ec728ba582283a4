import { type CatalogMetadata, NotFoundError } from '../../core/index.ts';
import type { CatalogCaller, CatalogDeps } from './bulk.ts';
import { requirePath } from './lfn.ts';
import { requireWrite } from './permissions.ts';

/** DIRAC's setMetadata on a directory (inherited below it) or a file; needs write on it. */
export async function setMetadata(
  deps: CatalogDeps,
  caller: CatalogCaller,
  path: string,
  metadata: CatalogMetadata,
): Promise<void> {
  requirePath(path, caller.vo, 'directory');
  await requireWrite(deps, caller, path, 'self');
  if (!(await deps.fileCatalogDb.setMetadata(path, metadata)))
    throw new NotFoundError(`No such file or directory ${path}`);
}

/**
 * DIRAC's findFilesByMetadata, equality on every key, below a directory of the caller's
 * VO; a directory that does not exist holds no files.
 */
export async function findFilesByMetadata(
  deps: CatalogDeps,
  caller: CatalogCaller,
  path: string,
  metadata: CatalogMetadata,
): Promise<string[]> {
  requirePath(path, caller.vo, 'directory');
  return deps.fileCatalogDb.findFilesByMetadata(path, metadata);
}
