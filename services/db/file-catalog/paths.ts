import { createHash } from 'node:crypto';

// Paths reaching the DB are already checked by the logic: absolute, normalised, no
// trailing slash.

/** The directory and the name of an LFN: `/vo/a/f` → `['/vo/a', 'f']`. */
export function splitLfn(lfn: string): [string, string] {
  const slash = lfn.lastIndexOf('/');
  return [lfn.slice(0, slash), lfn.slice(slash + 1)];
}

/** `/vo/a/b` → `['/vo', '/vo/a', '/vo/a/b']`: every directory down to the path, in order. */
export function selfAndAncestors(path: string): string[] {
  const paths: string[] = [];
  for (let slash = path.indexOf('/', 1); slash !== -1; slash = path.indexOf('/', slash + 1))
    paths.push(path.slice(0, slash));
  paths.push(path);
  return paths;
}

/**
 * The bounds of every path strictly below `path` in byte order: `path/` inclusive to
 * `path0` exclusive ('0' follows '/'), an index range scan instead of a LIKE whose
 * wildcards would have to be escaped.
 */
export function subtreeRange(path: string): [string, string] {
  return [`${path}/`, `${path}0`];
}

/**
 * The GUID of a file registered without one. DIRAC derives GUIDs from the file's content;
 * the catalog only sees the name, size and checksum, so it derives one from those: the
 * same registration always gets the same GUID, and no random draw is spent on it.
 */
export function derivedGuid(lfn: string, size: number, checksum: string): string {
  const hex = createHash('md5').update(`${lfn}\0${size}\0${checksum}`).digest('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Splits a list into pieces small enough for one statement's bound parameters. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const pieces: T[][] = [];
  for (let i = 0; i < items.length; i += size) pieces.push(items.slice(i, i + size));
  return pieces;
}
