import {
  CatalogFailure,
  FILE_NAME_MAX_LENGTH,
  ForbiddenError,
  InvalidRequestError,
  LFN_MAX_LENGTH,
} from '../../core/index.ts';

// C0 and C1 control characters (NUL, newlines, escape sequences…) have no place in a name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * Why a caller of `vo` may not use `path` as a file (`/vo/…/name`) or a directory (`/vo`
 * and below), or undefined when it may. A path must be absolute and normalised (no empty,
 * `.` or `..` segment, no trailing slash), at most 255 characters with a file name of at
 * most 128, and its first directory must be the caller's VO.
 */
export function pathProblem(
  path: string,
  vo: string,
  kind: 'file' | 'directory',
): string | undefined {
  if (
    !path.startsWith('/') ||
    path.length > LFN_MAX_LENGTH ||
    !path.isWellFormed() ||
    CONTROL.test(path)
  ) {
    return CatalogFailure.invalidLfn;
  }
  const segments = path.slice(1).split('/');
  const malformed = segments.some(
    // MySQL ignores trailing spaces when comparing names: `a` and `a ` would be one path.
    (s) => s === '' || s === '.' || s === '..' || s.endsWith(' '),
  );
  if (malformed) return CatalogFailure.invalidLfn;
  if (kind === 'file' && (segments.length < 2 || segments.at(-1)!.length > FILE_NAME_MAX_LENGTH))
    return CatalogFailure.invalidLfn;
  if (segments[0] !== vo) return CatalogFailure.permissionDenied;
  return undefined;
}

/** `pathProblem` for routes that take one path: 400 when it is invalid, 403 when foreign. */
export function requirePath(path: string, vo: string, kind: 'file' | 'directory'): void {
  const problem = pathProblem(path, vo, kind);
  if (problem === CatalogFailure.permissionDenied) throw new ForbiddenError(problem);
  if (problem !== undefined) throw new InvalidRequestError(problem);
}
