import type { SEProtocol } from '../../services/core/index.ts';
import { StorageError } from './storage-element.ts';

/** DIRAC's file catalogue limits an LFN to 255 characters. */
export const MAX_LFN_LENGTH = 255;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Throws `StorageError('Invalid')` unless `lfn` is an absolute, normalised path: an SE maps
 * it onto a directory tree, so `..`, `.` or an empty segment could name a file outside the
 * tree or two names for one file.
 */
export function validateLfn(lfn: string): void {
  const reason = lfnProblem(lfn);
  if (reason !== undefined) {
    throw new StorageError('Invalid', `invalid LFN ${JSON.stringify(lfn)}: ${reason}`);
  }
}

function lfnProblem(lfn: string): string | undefined {
  if (lfn.length > MAX_LFN_LENGTH) return `longer than ${MAX_LFN_LENGTH} characters`;
  if (!lfn.startsWith('/')) return 'not absolute';
  if (CONTROL_CHARACTER.test(lfn)) return 'contains a control character';
  for (const segment of lfn.slice(1).split('/')) {
    if (segment === '') return 'has an empty path segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return undefined;
}

/** `Path` without a trailing slash, so that appending an (absolute) LFN gives one slash. */
export function storageRoot(path: string): string {
  return path.replace(/\/+$/, '');
}

/** The PFN prefix of a protocol: `<proto>://<host>:<port><wsurl><Path>`. */
export function pfnPrefix(protocol: SEProtocol): string {
  return `${protocol.Protocol}://${protocol.Host}:${protocol.Port}${protocol.WSUrl}${storageRoot(protocol.Path)}`;
}
