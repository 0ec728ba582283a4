import {
  CatalogFailure,
  ForbiddenError,
  InvalidRequestError,
  lfnProblem,
} from '../../core/index.ts';

/**
 * Why a caller of `vo` may not use `path` as a file (`/vo/…/name`) or a directory (`/vo`
 * and below), or undefined when it may: the path must be a valid LFN (`lfnProblem` in core,
 * the rules the storage elements apply too) and its first directory must be the caller's VO.
 */
export function pathProblem(
  path: string,
  vo: string,
  kind: 'file' | 'directory',
): string | undefined {
  if (lfnProblem(path, kind) !== undefined) return CatalogFailure.invalidLfn;
  if (path.slice(1).split('/', 1)[0] !== vo) return CatalogFailure.permissionDenied;
  return undefined;
}

/** `pathProblem` for routes that take one path: 400 when it is invalid, 403 when foreign. */
export function requirePath(path: string, vo: string, kind: 'file' | 'directory'): void {
  const problem = pathProblem(path, vo, kind);
  if (problem === CatalogFailure.permissionDenied) throw new ForbiddenError(problem);
  if (problem !== undefined) throw new InvalidRequestError(problem);
}
