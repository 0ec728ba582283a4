import {
  type BulkResult,
  CatalogFailure,
  type FileMetadata,
  type NewFile,
} from '../../core/index.ts';
import {
  type CatalogCaller,
  type CatalogDeps,
  bulkResult,
  ownerOf,
  screen,
  screenPermissions,
  screenFiles,
  storageElementProblem,
} from './bulk.ts';
import { pathProblem } from './lfn.ts';

/**
 * DIRAC's addFile: registers each LFN with its first replica, owned by the caller, after
 * checking its name, its VO, its storage element and write on its nearest directory. Checksums are kept in lower case and
 * GUIDs in upper case, so a re-registration compares equal whatever the case it uses.
 */
export async function addFiles(
  deps: CatalogDeps,
  caller: CatalogCaller,
  files: Readonly<Record<string, NewFile>>,
): Promise<BulkResult<true>> {
  const { accepted, failed } = screen(
    Object.entries(files),
    (lfn, file) =>
      pathProblem(lfn, caller.vo, 'file') ?? storageElementProblem(deps.config, file.SE, caller.vo),
  );
  await screenPermissions(deps, caller, accepted, failed, 'parent');
  const refused = await deps.fileCatalogDb.addFiles(
    accepted.map(([lfn, file]) => ({
      lfn,
      pfn: file.PFN,
      se: file.SE,
      size: file.Size,
      checksum: file.Checksum.toLowerCase(),
      guid: file.GUID?.toUpperCase(),
    })),
    ownerOf(caller),
    deps.clock.nowMs(),
  );
  return bulkResult(
    accepted.map(([lfn]) => lfn),
    new Map([...failed, ...refused]),
    () => true as const,
  );
}

/**
 * DIRAC's removeFile: the files go with their replicas; a missing file is a success. Needs
 * write on the file's directory.
 */
export async function removeFiles(
  deps: CatalogDeps,
  caller: CatalogCaller,
  lfns: readonly string[],
): Promise<BulkResult<true>> {
  const { accepted, failed } = screenFiles(
    caller,
    lfns.map((lfn) => [lfn, null] as const),
  );
  await screenPermissions(deps, caller, accepted, failed, 'remove');
  const valid = accepted.map(([lfn]) => lfn);
  await deps.fileCatalogDb.removeFiles(valid);
  return bulkResult(valid, failed, () => true as const);
}

/** DIRAC's getFileMetadata; a missing file fails with `No such file or directory`. */
export async function getFileMetadata(
  deps: CatalogDeps,
  caller: CatalogCaller,
  lfns: readonly string[],
): Promise<BulkResult<FileMetadata>> {
  const { accepted, failed } = screenFiles(
    caller,
    lfns.map((lfn) => [lfn, null] as const),
  );
  const valid = accepted.map(([lfn]) => lfn);
  const found = await deps.fileCatalogDb.getFileMetadata(valid);
  for (const lfn of valid) if (!found.has(lfn)) failed.set(lfn, CatalogFailure.noSuchFile);
  return bulkResult(valid, failed, (lfn) => found.get(lfn)!);
}
