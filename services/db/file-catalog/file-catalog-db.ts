import type { Insertable, Kysely } from 'kysely';
import {
  CATALOG_DEFAULT_MODE,
  CatalogFailure,
  type CatalogMetadata,
  type DirectoryListing,
  type FileMetadata,
} from '../../core/index.ts';
import { type Database, SqlDatabase } from '../database.ts';
import { sqlDateTimeToIso, toSqlDateTime } from '../sql/datetime.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';
import { findFilesByMetadata } from './metadata-search.ts';
import { CommittedNameIds, type NameIds, TransactionNameIds } from './name-ids.ts';
import { chunked, derivedGuid, selfAndAncestors, splitLfn } from './paths.ts';
import type { FileCatalogDBTables } from './schema.ts';

type Db = Kysely<FileCatalogDBTables>;

/** The ids of users, groups and storage elements, as a transaction sees them. */
interface CatalogNames {
  users: NameIds;
  groups: NameIds;
  storageElements: NameIds;
}

/**
 * Rows per statement: well below SQLite's 32766 bound parameters and MySQL's 65535 even
 * for the widest insert, large enough that a 10000-LFN request is a handful of statements.
 */
const CHUNK = 1000;

/** Who registers: stored as the owner and group of new files and directories. */
export interface CatalogUser {
  owner: string;
  group: string;
}

/** Who owns a file or directory and what its mode lets others do: DIRAC's UID, GID, Mode. */
export interface PathPermissions {
  kind: 'file' | 'directory';
  owner: string;
  group: string;
  /** POSIX permission bits (0o775 by default). */
  mode: number;
}

export interface FileEntry {
  lfn: string;
  pfn: string;
  se: string;
  size: number;
  /** Adler32, lower case. */
  checksum: string;
  /** Upper case; derived from the LFN, size and checksum when not given. */
  guid?: string | undefined;
}

export interface ReplicaEntry {
  lfn: string;
  se: string;
  pfn: string;
}

/**
 * DIRAC's file catalog: directories, files, their replicas and metadata. Every method
 * takes LFNs that are absolute and normalised (the logic checks them); bulk methods run
 * a few statements per thousand LFNs, not one per LFN, and each write is one transaction.
 * Methods returning `Map<lfn, reason>` list the LFNs that failed; the others succeeded.
 */
export interface FileCatalogDB extends Database {
  /**
   * Registers files with one replica each, creating missing parent directories. An LFN
   * already registered succeeds when its size, checksum (and GUID, when given) match and it
   * has a replica at that SE; otherwise it fails with DIRAC's reason. An LFN that is a
   * directory, or below a file, fails too.
   */
  addFiles(
    files: readonly FileEntry[],
    user: CatalogUser,
    timeMs: number,
  ): Promise<Map<string, string>>;
  /** Removes files with their replicas and metadata; missing files are ignored. */
  removeFiles(lfns: readonly string[]): Promise<void>;
  /** The files among `lfns` that exist. */
  getFileMetadata(lfns: readonly string[]): Promise<Map<string, FileMetadata>>;
  /** Adds replicas to existing files; the same replica again (same PFN) succeeds. */
  addReplicas(replicas: readonly ReplicaEntry[], timeMs: number): Promise<Map<string, string>>;
  /** Removes replicas; a file or replica that is not there is ignored. */
  removeReplicas(replicas: readonly { lfn: string; se: string }[]): Promise<void>;
  /** Sets replicas' statuses (one of REPLICA_STATUSES); missing replicas fail. */
  setReplicaStatus(
    replicas: readonly { lfn: string; se: string; status: string }[],
    timeMs: number,
  ): Promise<Map<string, string>>;
  /**
   * SE → PFN for each existing file among `lfns` (an empty record when it has none), only
   * replicas in one of `statuses`, or all of them when undefined.
   */
  getReplicas(
    lfns: readonly string[],
    statuses: readonly string[] | undefined,
  ): Promise<Map<string, Record<string, string>>>;
  /** Creates a directory and its parents; idempotent. A reason when a file is in the way. */
  createDirectory(path: string, user: CatalogUser, timeMs: number): Promise<string | undefined>;
  /**
   * The owner, group and mode of the paths among `paths` that exist, as a directory or a
   * file (a path is never both).
   */
  getPathPermissions(paths: readonly string[]): Promise<Map<string, PathPermissions>>;
  /** A directory's subdirectories (sorted) and files; undefined when it does not exist. */
  listDirectory(path: string): Promise<DirectoryListing | undefined>;
  /** Sets metadata on a directory or a file, replacing the same keys; false when missing. */
  setMetadata(path: string, metadata: CatalogMetadata): Promise<boolean>;
  /**
   * The files at or below directory `path` whose metadata equals `metadata` on every key,
   * sorted. A file's own value for a key wins; otherwise the nearest directory defining it,
   * its own or an ancestor's, gives the value.
   */
  findFilesByMetadata(path: string, metadata: CatalogMetadata): Promise<string[]>;
}

interface FileRow {
  FileID: number;
  Size: number;
  Checksum: string;
  GUID: string;
  Owner: string;
  OwnerGroup: string;
  Mode: number;
  Status: string;
  CreationDate: string;
  ModificationDate: string;
}

interface ReplicaRow {
  FileID: number;
  SEName: string;
  PFN: string;
  Status: string;
}

const metadataOf = (row: FileRow): FileMetadata => ({
  Size: Number(row.Size),
  Checksum: row.Checksum,
  GUID: row.GUID,
  Owner: row.Owner,
  OwnerGroup: row.OwnerGroup,
  Mode: Number(row.Mode),
  Status: row.Status,
  CreationDate: sqlDateTimeToIso(row.CreationDate),
  ModificationDate: sqlDateTimeToIso(row.ModificationDate),
});

const groupBy = <T, K>(items: readonly T[], key: (item: T) => K) => {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
};

export class SqlFileCatalogDB extends SqlDatabase<FileCatalogDBTables> implements FileCatalogDB {
  /** Status name → id; the statuses are written by the migration and never change. */
  #statusIds: Map<string, number> | undefined;
  readonly #queries = catalogQueries(this.db);
  readonly #names = {
    users: new CommittedNameIds(),
    groups: new CommittedNameIds(),
    storageElements: new CommittedNameIds(),
  };

  /** A transaction whose name ids are remembered once it committed (CommittedNameIds). */
  async #transaction<T>(work: (tx: Db, names: CatalogNames) => Promise<T>): Promise<T> {
    const names = {
      users: new TransactionNameIds(this.#names.users),
      groups: new TransactionNameIds(this.#names.groups),
      storageElements: new TransactionNameIds(this.#names.storageElements),
    };
    const result = await transaction(this.db, (tx) => work(tx, names));
    names.users.commit();
    names.groups.commit();
    names.storageElements.commit();
    return result;
  }

  async addFiles(files: readonly FileEntry[], user: CatalogUser, timeMs: number) {
    const now = toSqlDateTime(timeMs);
    return this.#transaction(async (tx, names) => {
      const failed = new Map<string, string>();
      // 1. Paths that must be directories: an LFN cannot be one, nor lie below a file.
      const needed = new Set(files.flatMap((f) => selfAndAncestors(splitLfn(f.lfn)[0])));
      const asked = [...needed, ...files.map((f) => f.lfn)];
      const dirs = await directoryIds(this.#queries, tx, asked);
      // Read once: the transaction's later lookups of these paths take them from here.
      const known: KnownDirectories = { asked: new Set(asked), ids: dirs };
      for (const { lfn } of files)
        if (dirs.has(lfn) || needed.has(lfn)) failed.set(lfn, CatalogFailure.isDirectory);
      const blocking = await findFiles(
        this.#queries,
        tx,
        [...needed].filter((d) => !dirs.has(d)),
        known,
      );
      for (const { lfn } of files) {
        if (!failed.has(lfn) && selfAndAncestors(splitLfn(lfn)[0]).some((d) => blocking.has(d)))
          failed.set(lfn, CatalogFailure.notDirectory);
      }
      // 2. DIRAC's rules for files registered already.
      const candidates = files.filter((f) => !failed.has(f.lfn));
      const existing = await findFiles(
        this.#queries,
        tx,
        candidates.map((f) => f.lfn),
        known,
      );
      const replicas = await replicasByFile(tx, existing);
      for (const file of candidates) {
        const row = existing.get(file.lfn);
        if (row === undefined) continue;
        const seNames = (replicas.get(row.FileID) ?? []).map((r) => r.SEName);
        if (
          Number(row.Size) !== file.size ||
          row.Checksum !== file.checksum ||
          (file.guid !== undefined && row.GUID !== file.guid)
        )
          failed.set(file.lfn, CatalogFailure.alternativeMetadata);
        else if (seNames.length === 0) failed.set(file.lfn, CatalogFailure.noReplicas);
        else if (!seNames.includes(file.se))
          failed.set(file.lfn, CatalogFailure.alternativeReplicas);
      }
      const fresh = candidates.filter((f) => !existing.has(f.lfn));
      if (fresh.length === 0) return failed;

      // 3. New files, then their replicas (which need the files' ids).
      const uid = await userId(this.#queries, tx, user.owner, names.users);
      const gid = await groupId(this.#queries, tx, user.group, names.groups);
      const good = (await this.statusIds(tx)).get('AprioriGood')!;
      const dirIds = await ensureDirectories(
        this.#queries,
        tx,
        fresh.map((f) => splitLfn(f.lfn)[0]),
        uid,
        gid,
        now,
        known,
      );
      for (const piece of chunked(fresh, CHUNK)) {
        await this.#queries.insertFiles.execute(
          tx,
          piece.map((f) => {
            const [dir, name] = splitLfn(f.lfn);
            return {
              DirID: dirIds.get(dir)!,
              FileName: name,
              Size: f.size,
              UID: uid,
              GID: gid,
              Status: good,
              GUID: f.guid ?? derivedGuid(f.lfn, f.size, f.checksum),
              Checksum: f.checksum,
              Mode: CATALOG_DEFAULT_MODE,
              CreationDate: now,
              ModificationDate: now,
            };
          }),
        );
      }
      const created = await findFiles(
        this.#queries,
        tx,
        fresh.map((f) => f.lfn),
        { asked: new Set(dirIds.keys()), ids: dirIds },
      );
      await insertReplicas(this.#queries, tx, names.storageElements, fresh, created, {
        status: good,
        repType: 'Master',
        now,
      });
      return failed;
    });
  }

  async removeFiles(lfns: readonly string[]) {
    await transaction(this.db, async (tx) => {
      const ids = [...(await findFiles(this.#queries, tx, lfns)).values()].map((row) => row.FileID);
      for (const piece of chunked(ids, CHUNK)) {
        await tx.deleteFrom('FC_Replicas').where('FileID', 'in', piece).execute();
        await tx.deleteFrom('FC_FileMeta').where('FileID', 'in', piece).execute();
        await tx.deleteFrom('FC_Files').where('FileID', 'in', piece).execute();
      }
    });
  }

  async getFileMetadata(lfns: readonly string[]) {
    const rows = await findFiles(this.#queries, this.db, lfns);
    return new Map([...rows].map(([lfn, row]) => [lfn, metadataOf(row)]));
  }

  async addReplicas(entries: readonly ReplicaEntry[], timeMs: number) {
    const now = toSqlDateTime(timeMs);
    return this.#transaction(async (tx, names) => {
      const failed = new Map<string, string>();
      const files = await findFiles(
        this.#queries,
        tx,
        entries.map((e) => e.lfn),
      );
      const present = await replicasByFile(tx, files);
      const fresh: ReplicaEntry[] = [];
      for (const entry of entries) {
        const file = files.get(entry.lfn);
        if (file === undefined) {
          failed.set(entry.lfn, CatalogFailure.noSuchFile);
          continue;
        }
        const same = present.get(file.FileID)?.find((r) => r.SEName === entry.se);
        if (same === undefined) fresh.push(entry);
        else if (same.PFN !== entry.pfn) failed.set(entry.lfn, CatalogFailure.alternativePfn);
      }
      if (fresh.length === 0) return failed;
      const good = (await this.statusIds(tx)).get('AprioriGood')!;
      await insertReplicas(this.#queries, tx, names.storageElements, fresh, files, {
        status: good,
        repType: 'Replica',
        now,
      });
      return failed;
    });
  }

  async removeReplicas(entries: readonly { lfn: string; se: string }[]) {
    await this.#transaction(async (tx, names) => {
      const files = await findFiles(
        this.#queries,
        tx,
        entries.map((e) => e.lfn),
      );
      const seIds = await storageElementIds(
        this.#queries,
        tx,
        names.storageElements,
        entries.map((e) => e.se),
        false,
      );
      const known = entries.filter((e) => files.has(e.lfn) && seIds.has(e.se));
      for (const [se, group] of groupBy(known, (e) => e.se)) {
        for (const piece of chunked(group, CHUNK)) {
          await tx
            .deleteFrom('FC_Replicas')
            .where('SEID', '=', seIds.get(se)!)
            .where(
              'FileID',
              'in',
              piece.map((e) => files.get(e.lfn)!.FileID),
            )
            .execute();
        }
      }
    });
  }

  async setReplicaStatus(
    entries: readonly { lfn: string; se: string; status: string }[],
    timeMs: number,
  ) {
    const now = toSqlDateTime(timeMs);
    return this.#transaction(async (tx, names) => {
      const failed = new Map<string, string>();
      const statusIds = await this.statusIds(tx);
      const files = await findFiles(
        this.#queries,
        tx,
        entries.map((e) => e.lfn),
      );
      const present = await replicasByFile(tx, files);
      const seIds = await storageElementIds(
        this.#queries,
        tx,
        names.storageElements,
        entries.map((e) => e.se),
        false,
      );
      const changes: { fileId: number; seId: number; statusId: number }[] = [];
      for (const entry of entries) {
        const file = files.get(entry.lfn);
        const statusId = statusIds.get(entry.status);
        if (file === undefined) failed.set(entry.lfn, CatalogFailure.noSuchFile);
        else if (statusId === undefined) failed.set(entry.lfn, `Invalid status ${entry.status}`);
        else if (!present.get(file.FileID)?.some((r) => r.SEName === entry.se))
          failed.set(entry.lfn, `No replica at ${entry.se}`);
        else changes.push({ fileId: file.FileID, seId: seIds.get(entry.se)!, statusId });
      }
      for (const [key, group] of groupBy(changes, (c) => `${c.seId}:${c.statusId}`)) {
        const [seId, statusId] = key.split(':').map(Number) as [number, number];
        for (const piece of chunked(group, CHUNK)) {
          await tx
            .updateTable('FC_Replicas')
            .set({ Status: statusId, ModificationDate: now })
            .where('SEID', '=', seId)
            .where(
              'FileID',
              'in',
              piece.map((c) => c.fileId),
            )
            .execute();
        }
      }
      return failed;
    });
  }

  async getReplicas(lfns: readonly string[], statuses: readonly string[] | undefined) {
    const files = await findFiles(this.#queries, this.db, lfns);
    const replicas = await replicasByFile(this.db, files);
    const result = new Map<string, Record<string, string>>();
    for (const [lfn, file] of files) {
      const visible = (replicas.get(file.FileID) ?? []).filter(
        (r) => statuses === undefined || statuses.includes(r.Status),
      );
      result.set(lfn, Object.fromEntries(visible.map((r) => [r.SEName, r.PFN])));
    }
    return result;
  }

  async createDirectory(path: string, user: CatalogUser, timeMs: number) {
    return this.#transaction(async (tx, names) => {
      const wanted = selfAndAncestors(path);
      const dirs = await directoryIds(this.#queries, tx, wanted);
      const blocking = await findFiles(
        this.#queries,
        tx,
        wanted.filter((d) => !dirs.has(d)),
      );
      if (blocking.size > 0) return CatalogFailure.notDirectory;
      const uid = await userId(this.#queries, tx, user.owner, names.users);
      const gid = await groupId(this.#queries, tx, user.group, names.groups);
      await ensureDirectories(this.#queries, tx, [path], uid, gid, toSqlDateTime(timeMs));
      return undefined;
    });
  }

  async getPathPermissions(paths: readonly string[]) {
    const found = new Map<string, PathPermissions>();
    for (const piece of chunked([...new Set(paths)], CHUNK)) {
      const rows = await this.#queries.pathPermissions.rows(this.db, piece);
      for (const row of rows) {
        found.set(row.DirName, {
          kind: 'directory',
          owner: row.UserName,
          group: row.GroupName,
          mode: Number(row.Mode),
        });
      }
    }
    const files = await findFiles(
      this.#queries,
      this.db,
      paths.filter((path) => !found.has(path) && path.lastIndexOf('/') > 0),
    );
    for (const [lfn, row] of files) {
      found.set(lfn, {
        kind: 'file',
        owner: row.Owner,
        group: row.OwnerGroup,
        mode: Number(row.Mode),
      });
    }
    return found;
  }

  async listDirectory(path: string): Promise<DirectoryListing | undefined> {
    const dir = await this.db
      .selectFrom('FC_DirectoryTree')
      .select('DirID')
      .where('DirName', '=', path)
      .executeTakeFirst();
    if (dir === undefined) return undefined;
    const subDirs = await this.db
      .selectFrom('FC_DirectoryTree')
      .select('DirName')
      .where('Parent', '=', dir.DirID)
      .execute();
    const files = await selectFiles(this.db).where('f.DirID', '=', dir.DirID).execute();
    return {
      Path: path,
      SubDirs: subDirs.map((d) => d.DirName).sort(),
      Files: Object.fromEntries(
        files
          .map((row) => [`${path}/${row.FileName}`, metadataOf(row)] as const)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
    };
  }

  async setMetadata(path: string, metadata: CatalogMetadata) {
    return transaction(this.db, async (tx) => {
      const keys = Object.keys(metadata);
      const dirId = (await directoryIds(this.#queries, tx, [path])).get(path);
      const fileId =
        dirId === undefined
          ? (await findFiles(this.#queries, tx, [path])).get(path)?.FileID
          : undefined;
      if (dirId === undefined && fileId === undefined) return false;
      if (keys.length === 0) return true;
      const rows = Object.entries(metadata).map(([MetaKey, value]) => ({
        MetaKey,
        MetaValue: JSON.stringify(value),
      }));
      if (dirId !== undefined) {
        await tx
          .deleteFrom('FC_DirMeta')
          .where('DirID', '=', dirId)
          .where('MetaKey', 'in', keys)
          .execute();
        await tx
          .insertInto('FC_DirMeta')
          .values(rows.map((row) => ({ DirID: dirId, ...row })))
          .execute();
      } else {
        await tx
          .deleteFrom('FC_FileMeta')
          .where('FileID', '=', fileId!)
          .where('MetaKey', 'in', keys)
          .execute();
        await tx
          .insertInto('FC_FileMeta')
          .values(rows.map((row) => ({ FileID: fileId!, ...row })))
          .execute();
      }
      return true;
    });
  }

  findFilesByMetadata(path: string, metadata: CatalogMetadata) {
    return findFilesByMetadata(this.db, path, metadata);
  }

  private async statusIds(db: Db): Promise<Map<string, number>> {
    this.#statusIds ??= new Map(
      (await db.selectFrom('FC_Statuses').select(['Status', 'StatusID']).execute()).map((row) => [
        row.Status,
        row.StatusID,
      ]),
    );
    return this.#statusIds;
  }
}

/** The catalog's most frequent reads, compiled once for the DB's connection (PreparedQuery). */
function catalogQueries(db: Db) {
  return {
    directoryIds: new PreparedQuery(db, (k, paths: readonly string[]) =>
      k.selectFrom('FC_DirectoryTree').select(['DirID', 'DirName']).where('DirName', 'in', paths),
    ),
    files: new PreparedQuery(db, (k, dirIds: readonly number[], names: readonly string[]) =>
      selectFiles(k).where('f.DirID', 'in', dirIds).where('f.FileName', 'in', names),
    ),
    addUser: new PreparedQuery(db, (k, name: string) =>
      k.insertInto('FC_Users').orIgnore().values({ UserName: name }),
    ),
    userId: new PreparedQuery(db, (k, name: string) =>
      k.selectFrom('FC_Users').select('UID').where('UserName', '=', name),
    ),
    addGroup: new PreparedQuery(db, (k, name: string) =>
      k.insertInto('FC_Groups').orIgnore().values({ GroupName: name }),
    ),
    groupId: new PreparedQuery(db, (k, name: string) =>
      k.selectFrom('FC_Groups').select('GID').where('GroupName', '=', name),
    ),
    addStorageElements: new PreparedQuery(db, (k, names: readonly string[]) =>
      k
        .insertInto('FC_StorageElements')
        .orIgnore()
        .values(names.map((SEName) => ({ SEName }))),
    ),
    storageElementIds: new PreparedQuery(db, (k, names: readonly string[]) =>
      k.selectFrom('FC_StorageElements').select(['SEID', 'SEName']).where('SEName', 'in', names),
    ),
    insertFiles: new PreparedQuery(
      db,
      (k, rows: readonly Insertable<FileCatalogDBTables['FC_Files']>[]) =>
        k.insertInto('FC_Files').values(rows),
    ),
    insertReplicas: new PreparedQuery(
      db,
      (k, rows: readonly Insertable<FileCatalogDBTables['FC_Replicas']>[]) =>
        k.insertInto('FC_Replicas').values(rows),
    ),
    insertDirectories: new PreparedQuery(
      db,
      (k, rows: readonly Insertable<FileCatalogDBTables['FC_DirectoryTree']>[]) =>
        k.insertInto('FC_DirectoryTree').orIgnore().values(rows),
    ),
    pathPermissions: new PreparedQuery(db, (k, paths: readonly string[]) =>
      k
        .selectFrom('FC_DirectoryTree as d')
        .innerJoin('FC_Users as u', 'u.UID', 'd.UID')
        .innerJoin('FC_Groups as g', 'g.GID', 'd.GID')
        .select(['d.DirName', 'u.UserName', 'g.GroupName', 'd.Mode'])
        .where('d.DirName', 'in', paths),
    ),
  };
}
type CatalogQueries = ReturnType<typeof catalogQueries>;

/** Files with their owner, group and status names, ready for `metadataOf`. */
function selectFiles(db: Db) {
  return db
    .selectFrom('FC_Files as f')
    .innerJoin('FC_Users as u', 'u.UID', 'f.UID')
    .innerJoin('FC_Groups as g', 'g.GID', 'f.GID')
    .innerJoin('FC_Statuses as s', 's.StatusID', 'f.Status')
    .select([
      'f.FileID',
      'f.DirID',
      'f.FileName',
      'f.Size',
      'f.Checksum',
      'f.GUID',
      'u.UserName as Owner',
      'g.GroupName as OwnerGroup',
      'f.Mode',
      's.Status',
      'f.CreationDate',
      'f.ModificationDate',
    ]);
}

/**
 * Directories a transaction has looked up already: each path of `asked` exists if and only
 * if it is in `ids`. Only for the transaction that read them, which alone changes them.
 */
interface KnownDirectories {
  readonly asked: ReadonlySet<string>;
  readonly ids: ReadonlyMap<string, number>;
}

/** The ids of the directories among `paths` that exist; `known` ones are not read again. */
async function directoryIds(
  queries: CatalogQueries,
  db: Db,
  paths: readonly string[],
  known?: KnownDirectories,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const unknown: string[] = [];
  for (const path of new Set(paths)) {
    if (known?.asked.has(path) !== true) unknown.push(path);
    else if (known.ids.has(path)) ids.set(path, known.ids.get(path)!);
  }
  for (const piece of chunked(unknown, CHUNK)) {
    const rows = await queries.directoryIds.rows(db, piece);
    for (const row of rows) ids.set(row.DirName, row.DirID);
  }
  return ids;
}

/** The files among `lfns` that exist, by LFN: directories first, then names within them. */
async function findFiles(
  queries: CatalogQueries,
  db: Db,
  lfns: readonly string[],
  known?: KnownDirectories,
): Promise<Map<string, FileRow>> {
  const found = new Map<string, FileRow>();
  if (lfns.length === 0) return found;
  const wanted = new Set(lfns);
  const dirIds = await directoryIds(
    queries,
    db,
    lfns.map((lfn) => splitLfn(lfn)[0]),
    known,
  );
  const dirNames = new Map([...dirIds].map(([name, id]) => [id, name]));
  const inKnownDirs = [...wanted].filter((lfn) => dirIds.has(splitLfn(lfn)[0]));
  for (const piece of chunked(inKnownDirs, CHUNK)) {
    const split = piece.map(splitLfn);
    const rows = await queries.files.rows(
      db,
      [...new Set(split.map(([dir]) => dirIds.get(dir)!))],
      [...new Set(split.map(([, name]) => name))],
    );
    // Directories × names may pair a name with the wrong directory: keep exact LFNs only.
    for (const row of rows) {
      const lfn = `${dirNames.get(row.DirID)}/${row.FileName}`;
      if (wanted.has(lfn)) found.set(lfn, row);
    }
  }
  return found;
}

/** The replicas of these files, by file id. */
async function replicasByFile(
  db: Db,
  files: ReadonlyMap<string, FileRow>,
): Promise<Map<number, ReplicaRow[]>> {
  const fileIds = [...files.values()].map((row) => row.FileID);
  const rows: ReplicaRow[] = [];
  for (const piece of chunked(fileIds, CHUNK)) {
    rows.push(
      ...(await db
        .selectFrom('FC_Replicas as r')
        .innerJoin('FC_StorageElements as se', 'se.SEID', 'r.SEID')
        .innerJoin('FC_Statuses as s', 's.StatusID', 'r.Status')
        .select(['r.FileID', 'se.SEName', 'r.PFN', 's.Status'])
        .where('r.FileID', 'in', piece)
        .execute()),
    );
  }
  return groupBy(rows, (r) => r.FileID);
}

/** Inserts replicas of files already in `files`, numbering their SEs as needed. */
async function insertReplicas(
  queries: CatalogQueries,
  db: Db,
  known: NameIds,
  replicas: readonly { lfn: string; se: string; pfn: string }[],
  files: ReadonlyMap<string, FileRow>,
  row: { status: number; repType: 'Master' | 'Replica'; now: string },
): Promise<void> {
  const seIds = await storageElementIds(
    queries,
    db,
    known,
    replicas.map((r) => r.se),
  );
  for (const piece of chunked(replicas, CHUNK)) {
    await queries.insertReplicas.execute(
      db,
      piece.map((r) => ({
        FileID: files.get(r.lfn)!.FileID,
        SEID: seIds.get(r.se)!,
        Status: row.status,
        RepType: row.repType,
        PFN: r.pfn,
        CreationDate: row.now,
        ModificationDate: row.now,
      })),
    );
  }
}

/**
 * Ids of storage elements by name, numbering new ones when `create`. Concurrent requests
 * may number the same SE: the unique name makes one insert win and the other do nothing.
 */
async function storageElementIds(
  queries: CatalogQueries,
  db: Db,
  known: NameIds,
  names: readonly string[],
  create = true,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const unknown: string[] = [];
  for (const name of new Set(names)) {
    const id = known.get(name);
    if (id === undefined) unknown.push(name);
    else ids.set(name, id);
  }
  if (unknown.length === 0) return ids;
  if (create) await queries.addStorageElements.execute(db, unknown);
  for (const row of await queries.storageElementIds.rows(db, unknown)) {
    ids.set(row.SEName, row.SEID);
    known.learn(row.SEName, row.SEID);
  }
  return ids;
}

const userId = (queries: CatalogQueries, db: Db, name: string, known: NameIds) =>
  nameId(
    known,
    name,
    'FC_Users',
    () => queries.addUser.execute(db, name),
    async () => (await queries.userId.rows(db, name))[0]?.UID,
  );

const groupId = (queries: CatalogQueries, db: Db, name: string, known: NameIds) =>
  nameId(
    known,
    name,
    'FC_Groups',
    () => queries.addGroup.execute(db, name),
    async () => (await queries.groupId.rows(db, name))[0]?.GID,
  );

/** The id of a user or group: known already, or numbered when new and read back. */
async function nameId(
  known: NameIds,
  name: string,
  table: string,
  add: () => Promise<unknown>,
  read: () => Promise<number | undefined>,
): Promise<number> {
  let id = known.get(name);
  if (id !== undefined) return id;
  await add();
  id = await read();
  if (id === undefined) throw new Error(`${name} not in ${table} after its insert`);
  known.learn(name, id);
  return id;
}

/**
 * Creates the directories `paths` and their missing ancestors, one level at a time since a
 * directory needs its parent's id; returns the ids of all of them. The caller has checked
 * that no file is in the way.
 */
async function ensureDirectories(
  queries: CatalogQueries,
  db: Db,
  paths: readonly string[],
  uid: number,
  gid: number,
  now: string,
  known?: KnownDirectories,
): Promise<Map<string, number>> {
  const all = [...new Set(paths.flatMap(selfAndAncestors))];
  const ids = await directoryIds(queries, db, all, known);
  const missing = all.filter((path) => !ids.has(path));
  const levels = groupBy(missing, (path) => selfAndAncestors(path).length);
  for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
    const level = levels.get(depth)!;
    for (const piece of chunked(level, CHUNK)) {
      await queries.insertDirectories.execute(
        db,
        piece.map((path) => {
          const [parent] = splitLfn(path);
          return {
            DirName: path,
            Parent: parent === '' ? 0 : ids.get(parent)!,
            UID: uid,
            GID: gid,
            Mode: CATALOG_DEFAULT_MODE,
            CreationDate: now,
            ModificationDate: now,
          };
        }),
      );
    }
    for (const [path, id] of await directoryIds(queries, db, level)) ids.set(path, id);
  }
  return ids;
}
