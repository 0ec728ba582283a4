import { type SEProtocol, lfnProblem } from '../../services/core/index.ts';
import { StorageError } from './storage-element.ts';

/**
 * Throws `StorageError('Invalid')` unless `lfn` is a valid LFN by the catalog's rules
 * (`lfnProblem` in core): an SE maps it onto a directory tree, so `..`, `.` or an empty
 * segment could name a file outside the tree or two names for one file, and a name the
 * catalog refuses could be stored but never registered.
 */
export function validateLfn(lfn: string, kind: 'file' | 'directory' = 'file'): void {
  const reason = lfnProblem(lfn, kind);
  if (reason !== undefined) {
    throw new StorageError('Invalid', `invalid LFN ${JSON.stringify(lfn)}: ${reason}`);
  }
}

/** `Path` without a trailing slash, so that appending an (absolute) LFN gives one slash. */
export function storageRoot(path: string): string {
  return path.replace(/\/+$/, '');
}

/** The PFN prefix of a protocol: `<proto>://<host>:<port><wsurl><Path>`. */
export function pfnPrefix(protocol: SEProtocol): string {
  return `${protocol.Protocol}://${protocol.Host}:${protocol.Port}${protocol.WSUrl}${storageRoot(protocol.Path)}`;
}
