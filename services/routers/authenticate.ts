import type { FastifyRequest } from 'fastify';
import { InvalidRequestError, UnauthorizedError } from '../core/index.ts';
import { type AccessTokenClaims, InvalidTokenError } from '../logic/index.ts';

const BEARER = /^Bearer (.+)$/;

/**
 * The bearer-token check of every protected route, answering as DiracX does: no header is
 * 401 with a challenge, a header that is not `Bearer <token>` is 400, and any token that
 * fails verification is 401 "Invalid JWT", whatever the reason.
 */
export async function authenticate(request: FastifyRequest): Promise<void> {
  const header = request.headers.authorization;
  if (header === undefined) throw new UnauthorizedError('Authorization header is missing', true);
  const match = BEARER.exec(header);
  if (match === null) throw new InvalidRequestError('Invalid authorization header');
  try {
    request.user = await request.server.auth.verified.verify(request.server.auth, match[1]!);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new UnauthorizedError('Invalid JWT');
    throw error;
  }
}

/** The caller of a protected route; calling it on an open route is a wiring mistake. */
export function currentUser(request: FastifyRequest): AccessTokenClaims {
  if (request.user === null) throw new Error(`${request.url} is served without authentication`);
  return request.user;
}
