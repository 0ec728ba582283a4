import type { ExpressionBuilder, Kysely } from 'kysely';
import type { CatalogMetadata } from '../../core/index.ts';
import { chunked, selfAndAncestors, subtreeRange } from './paths.ts';
import type { FileCatalogDBTables } from './schema.ts';

type Db = Kysely<FileCatalogDBTables>;
const CHUNK = 1000;

/** Directories named `path` or below it. */
const inSubtree =
  (path: string) => (eb: ExpressionBuilder<FileCatalogDBTables, 'FC_DirectoryTree'>) => {
    const [from, to] = subtreeRange(path);
    return eb.or([
      eb('FC_DirectoryTree.DirName', '=', path),
      eb.and([eb('FC_DirectoryTree.DirName', '>=', from), eb('FC_DirectoryTree.DirName', '<', to)]),
    ]);
  };

/**
 * DIRAC's findFilesByMetadata over equality queries. The directories below `path` are few
 * next to the files, so directory metadata is resolved in memory (each directory inherits
 * from its parent and overrides it); files are then read only where they can match: all
 * files of the directories that satisfy the whole query, and the files that carry metadata
 * of their own for one of the keys (their values win over the directories').
 */
export async function findFilesByMetadata(
  db: Db,
  path: string,
  metadata: CatalogMetadata,
): Promise<string[]> {
  const keys = Object.keys(metadata);
  const wanted = new Map(Object.entries(metadata).map(([k, v]) => [k, JSON.stringify(v)]));
  // 1. The directories at and below the path, and those above it, from which it inherits.
  const subtree = await db
    .selectFrom('FC_DirectoryTree')
    .select(['DirID', 'DirName', 'Parent'])
    .where(inSubtree(path))
    .execute();
  if (subtree.length === 0) return [];
  const above = selfAndAncestors(path).slice(0, -1);
  const ancestors =
    above.length === 0
      ? []
      : await db
          .selectFrom('FC_DirectoryTree')
          .select(['DirID', 'DirName', 'Parent'])
          .where('DirName', 'in', above)
          .execute();

  // 2. Each directory's effective values, parents before children.
  const dirMeta = await db
    .selectFrom('FC_DirMeta')
    .innerJoin('FC_DirectoryTree', 'FC_DirectoryTree.DirID', 'FC_DirMeta.DirID')
    .select(['FC_DirMeta.DirID', 'FC_DirMeta.MetaKey', 'FC_DirMeta.MetaValue'])
    .where('FC_DirMeta.MetaKey', 'in', keys)
    .where((eb) =>
      above.length === 0
        ? inSubtree(path)(eb)
        : eb.or([inSubtree(path)(eb), eb('FC_DirectoryTree.DirName', 'in', above)]),
    )
    .execute();
  const own = new Map<number, Map<string, string>>();
  for (const row of dirMeta) {
    if (!own.has(row.DirID)) own.set(row.DirID, new Map());
    own.get(row.DirID)!.set(row.MetaKey, row.MetaValue);
  }
  const dirs = [...ancestors, ...subtree].sort((a, b) => a.DirName.length - b.DirName.length);
  const effective = new Map<number, Map<string, string>>();
  for (const dir of dirs) {
    effective.set(
      dir.DirID,
      new Map([...(effective.get(dir.Parent) ?? []), ...(own.get(dir.DirID) ?? [])]),
    );
  }
  const names = new Map(subtree.map((dir) => [dir.DirID, dir.DirName]));
  const matches = (dirId: number, fileValues: Map<string, string> | undefined) =>
    keys.every(
      (key) => (fileValues?.get(key) ?? effective.get(dirId)!.get(key)) === wanted.get(key),
    );

  // 3. Files with values of their own for the keys.
  const fileMeta = await db
    .selectFrom('FC_FileMeta')
    .innerJoin('FC_Files', 'FC_Files.FileID', 'FC_FileMeta.FileID')
    .innerJoin('FC_DirectoryTree', 'FC_DirectoryTree.DirID', 'FC_Files.DirID')
    .select([
      'FC_Files.FileID',
      'FC_Files.DirID',
      'FC_Files.FileName',
      'FC_FileMeta.MetaKey',
      'FC_FileMeta.MetaValue',
    ])
    .where('FC_FileMeta.MetaKey', 'in', keys)
    .where(inSubtree(path))
    .execute();
  const fileValues = new Map<number, Map<string, string>>();
  for (const row of fileMeta) {
    if (!fileValues.has(row.FileID)) fileValues.set(row.FileID, new Map());
    fileValues.get(row.FileID)!.set(row.MetaKey, row.MetaValue);
  }
  const found = new Set<string>();
  for (const row of fileMeta) {
    if (matches(row.DirID, fileValues.get(row.FileID)))
      found.add(`${names.get(row.DirID)}/${row.FileName}`);
  }

  // 4. Every other file of the directories that satisfy the query by themselves.
  const whole = subtree.filter((dir) => matches(dir.DirID, undefined)).map((dir) => dir.DirID);
  for (const piece of chunked(whole, CHUNK)) {
    const rows = await db
      .selectFrom('FC_Files')
      .select(['FileID', 'DirID', 'FileName'])
      .where('DirID', 'in', piece)
      .execute();
    for (const row of rows) {
      if (!fileValues.has(row.FileID)) found.add(`${names.get(row.DirID)}/${row.FileName}`);
    }
  }
  return [...found].sort();
}
