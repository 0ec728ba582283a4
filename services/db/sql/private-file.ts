import { randomUUID } from 'node:crypto';
import { rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LossExplanation } from './grouped-commits.ts';
import { NodeSqliteDatabase } from './node-sqlite-adapter.ts';

/**
 * The app's statements and transactions committed at once on the private file, which no
 * other connection can read (GroupedCommits).
 */
export const PRIVATE_FILE_COMMIT_GROUP = 1000;

/** The most of the private file SQLite maps into memory (the first 256 MiB). */
export const PRIVATE_FILE_MMAP_BYTES = 256 * 1024 * 1024;

/** Linux's magic number for a tmpfs in statfs(2). */
const TMPFS_MAGIC = 0x01021994;

/** Where Linux mounts a tmpfs for every process to use. */
export const SHARED_MEMORY_DIRECTORY = '/dev/shm';

/**
 * The free space a memory file system needs to hold the private file: a million-job
 * simulation's passes 4 GB. A smaller one (Docker gives a container 64 MiB) would fill up
 * and fail the run where a disk would not.
 */
export const SHARED_MEMORY_MIN_FREE_BYTES = 6 * 1024 ** 3;

/** What the choice of a directory looks at: the machine's by default, a test's own. */
export interface DirectoryProbe {
  /** The temporary directory the user named (TMPDIR), if any. */
  named: string | undefined;
  statfs: (path: string) => { type: number; bavail: number; bsize: number };
  tmpdir: () => string;
}

const systemProbe = (): DirectoryProbe => ({
  // tmpdir() is TMPDIR when set, and /tmp on Linux when not.
  named: tmpdir() === '/tmp' ? undefined : tmpdir(),
  statfs: statfsSync,
  tmpdir,
});

/**
 * Where the private file goes. Its pages are written to the file at every commit; on a
 * disk the kernel then writes them out again, uselessly since the file is already deleted,
 * and at a million jobs those writes (36 GB) slowed the simulation down. A memory
 * file system with room for it has nothing to write out, so it is the first choice; the
 * user's TMPDIR, when set, is obeyed instead.
 */
export function privateFileDirectory(probe: DirectoryProbe = systemProbe()): string {
  if (probe.named !== undefined) return probe.tmpdir();
  try {
    const { type, bavail, bsize } = probe.statfs(SHARED_MEMORY_DIRECTORY);
    if (type === TMPFS_MAGIC && bavail * bsize >= SHARED_MEMORY_MIN_FREE_BYTES)
      return SHARED_MEMORY_DIRECTORY;
  } catch {
    // No such file system here (macOS, Windows): the temporary directory it is.
  }
  return probe.tmpdir();
}

/** SQLite's result code for a write that found no room (node:sqlite's `errcode`). */
const SQLITE_FULL = 13;

/**
 * What to do when the private file's file system fills up. SQLite says "database or disk is
 * full" without naming either; the directory was chosen for the user (privateFileDirectory),
 * so the user may not know where it is, nor that TMPDIR moves it.
 */
export function fullFileSystemAdvice(directory: string): LossExplanation {
  return (error) =>
    (error as { errcode?: unknown }).errcode === SQLITE_FULL
      ? `The private database's file is in ${directory}, whose file system is full: set TMPDIR to a directory with more room.`
      : undefined;
}

/**
 * What `sqlite::memory:` opens: a file nobody else can open, unlinked at once so nothing
 * outlives the process, with its journal in memory and no syncs. SQLite's own :memory:
 * database keeps every page in its page cache, and scans all of it on a commit after a
 * b-tree rebalance swapped pages (the swap leaves the cache's high-water mark at the
 * pending-byte page): at 100,000 jobs one status change in fifteen cost 2-3 ms. A file
 * keeps a small page cache and leaves its pages to the operating system's.
 * Undefined without a writable directory for it: SQLite's :memory: still works there.
 */
export function openPrivateFile():
  | { database: NodeSqliteDatabase; directory: string; removeOnClose: string | undefined }
  | undefined {
  const directory = privateFileDirectory();
  const path = join(directory, `gridbox-${randomUUID()}.db`);
  let database: NodeSqliteDatabase;
  try {
    database = new NodeSqliteDatabase(path);
  } catch {
    return undefined;
  }
  database.exec('PRAGMA journal_mode = MEMORY');
  database.exec('PRAGMA synchronous = OFF');
  database.exec('PRAGMA locking_mode = EXCLUSIVE');
  // Reads straight from the mapped file rather than through a read call per page. Mapped
  // pages a read touched count in the process's resident memory until the kernel wants
  // them back, so the map is bounded: a million-job simulation's file passes 4 GB.
  database.exec(`PRAGMA mmap_size = ${PRIVATE_FILE_MMAP_BYTES}`);
  try {
    rmSync(path);
    return { database, directory, removeOnClose: undefined };
  } catch {
    return { database, directory, removeOnClose: path }; // where an open file cannot be unlinked (Windows)
  }
}
