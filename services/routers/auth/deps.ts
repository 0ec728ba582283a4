import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AuthDeps, requireConfig } from '../../logic/index.ts';

/** The auth logic's dependencies for one request: the DBs and the configuration of now. */
export function authDeps(app: FastifyInstance): AuthDeps {
  return {
    authDb: app.dbs.get('AuthDB'),
    config: requireConfig(app.configSource).config,
    tokens: app.auth,
    idp: app.auth.idp,
    settings: app.auth.settings,
  };
}

/** This server's own base URL as the client reached it, for links and IdP callbacks. */
export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
