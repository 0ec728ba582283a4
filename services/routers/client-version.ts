import { lt, valid } from '@renovatebot/pep440';
import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../core/index.ts';

/** DiracX 0.7.0's own minimum (its `diracx.min_client_version` entry point). */
export const DIRACX_MIN_CLIENT_VERSION = '0.0.1a1';

/**
 * DiracX's client-version check: a request that names its client in `DiracX-Client-Version`
 * (the DiracX client always does) is refused with 400 when that version is older than the
 * minimum or is not a PEP 440 version. Browsers and Swagger send no header and pass.
 */
export function checkClientVersion(minimum: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const version = request.headers['diracx-client-version'];
    if (typeof version !== 'string' || version === '') return;
    if (valid(version) === null)
      throw new InvalidRequestError(`Invalid version string: '${version}'`);
    if (lt(version, minimum))
      throw new InvalidRequestError(
        `Client version ${version} is not compatible with the server. Upgrade to a version >= ${minimum}.`,
      );
  };
}
