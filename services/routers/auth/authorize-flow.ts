import Type from 'typebox';
import { finishAuthorizationFlow, startAuthorizationFlow } from '../../logic/index.ts';
import type { AccessPolicy, OpenAction } from '../access-policy.ts';
import { type AuthApp, errors, tags } from './common.ts';
import { authDeps, baseUrl } from './deps.ts';
import { RedirectSchema } from './schemas.ts';

/** The authorization-code flow with PKCE: start, and the identity provider's callback. */
export function authorizeFlowRoutes(app: AuthApp, policy: AccessPolicy<OpenAction>): void {
  app.get(
    '/authorize',
    {
      schema: {
        operationId: 'auth_initiate_authorization_flow',
        tags,
        summary: 'Start the authorization-code flow with PKCE: redirects to the identity provider.',
        querystring: Type.Object({
          response_type: Type.Literal('code'),
          code_challenge: Type.String(),
          code_challenge_method: Type.Literal('S256'),
          client_id: Type.String(),
          redirect_uri: Type.String(),
          scope: Type.String(),
          state: Type.String(),
        }),
        response: { 307: RedirectSchema, ...errors(400, 422, 502) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'create');
      const location = await startAuthorizationFlow(authDeps(app), {
        clientId: request.query.client_id,
        redirectUri: request.query.redirect_uri,
        scope: request.query.scope,
        codeChallenge: request.query.code_challenge,
        state: request.query.state,
        callbackUri: `${baseUrl(request)}/api/auth/authorize/complete`,
        // DiracX's docs page, and the one @fastify/swagger-ui serves (its Authorize button
        // sends the page's folder + static/oauth2-redirect.html).
        ownRedirects: [
          `${baseUrl(request)}/api/docs/oauth2-redirect`,
          `${baseUrl(request)}/api/docs/static/oauth2-redirect.html`,
        ],
      });
      return reply.redirect(location, 307);
    },
  );

  app.get(
    '/authorize/complete',
    {
      schema: {
        operationId: 'auth_complete_authorization_flow',
        tags,
        summary:
          "Where the identity provider sends the browser back: redirects to the client's redirect_uri with a code.",
        querystring: Type.Object({ code: Type.String(), state: Type.String() }),
        response: { 307: RedirectSchema, ...errors(400, 401, 422, 502) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const location = await finishAuthorizationFlow(authDeps(app), {
        code: request.query.code,
        state: request.query.state,
        redirectUri: `${baseUrl(request)}/api/auth/authorize/complete`,
      });
      return reply.redirect(location, 307);
    },
  );
}
