import { FILE_NAME_MAX_LENGTH, LFN_MAX_LENGTH } from './models/catalog.ts';

// C0 and C1 control characters (NUL, newlines, DEL, escape sequences…) have no place in a name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * The one definition of a valid LFN, shared by the file catalog and the storage elements:
 * why `path` is not a valid file LFN (`/vo/…/name`) or directory path (`/vo` and below), or
 * undefined when it is. A path is absolute and normalised (no empty, `.` or `..` segment, no
 * trailing slash), well-formed Unicode without control characters, no segment ends with a
 * space (MySQL compares `a` and `a ` as one name), at most 255 characters, and a file's name
 * is at most 128 (DIRAC's catalog limits). The catalog is the authority on LFNs: an SE that
 * stored a name the catalog refuses would hold a file nobody can register.
 */
export function lfnProblem(path: string, kind: 'file' | 'directory'): string | undefined {
  if (path.length > LFN_MAX_LENGTH) return `longer than ${LFN_MAX_LENGTH} characters`;
  if (!path.startsWith('/')) return 'not absolute';
  if (!path.isWellFormed()) return 'not well-formed Unicode';
  if (CONTROL.test(path)) return 'contains a control character';
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return 'has an empty path segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
    if (segment.endsWith(' ')) return 'has a segment ending with a space';
  }
  if (kind === 'file' && segments.length < 2) return 'names no directory';
  if (kind === 'file' && segments.at(-1)!.length > FILE_NAME_MAX_LENGTH)
    return `has a file name longer than ${FILE_NAME_MAX_LENGTH} characters`;
  return undefined;
}
