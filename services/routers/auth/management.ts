import Type from 'typebox';
import { listRefreshTokens, revokeRefreshTokenById } from '../../logic/index.ts';
import type { AccessPolicy, OpenAction } from '../access-policy.ts';
import { authenticate, currentUser } from '../authenticate.ts';
import { type AuthApp, errors, jsonString, security, tags } from './common.ts';
import { authDeps } from './deps.ts';
import { RefreshTokenRowSchema, UserInfoSchema } from './schemas.ts';

/** What a logged-in user can see and do about their own credentials. */
export function managementRoutes(app: AuthApp, policy: AccessPolicy<OpenAction>): void {
  app.get(
    '/refresh-tokens',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'auth_get_refresh_tokens',
        tags,
        security,
        summary:
          "The caller's refresh tokens (with ProxyManagement, all of the caller's VO, revoked too).",
        response: { 200: Type.Array(RefreshTokenRowSchema), ...errors(400, 401) },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      const user = currentUser(request);
      return listRefreshTokens(authDeps(app), {
        sub: user.sub,
        vo: user.vo,
        properties: user.dirac_properties,
      });
    },
  );

  app.delete(
    '/refresh-tokens/:jti',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'auth_revoke_refresh_token_by_jti',
        tags,
        security,
        summary:
          'Revoke one of the caller’s refresh tokens (anyone’s of the caller’s VO with ProxyManagement).',
        params: Type.Object({ jti: Type.String() }),
        response: { 200: Type.String(), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage');
      const user = currentUser(request);
      const message = await revokeRefreshTokenById(
        authDeps(app),
        { sub: user.sub, vo: user.vo, properties: user.dirac_properties },
        request.params.jti,
      );
      return jsonString(reply, message);
    },
  );

  app.get(
    '/userinfo',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'auth_userinfo',
        tags,
        security,
        summary: 'Who the bearer of the access token is, as the token says.',
        response: { 200: UserInfoSchema, ...errors(400, 401) },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      const user = currentUser(request);
      return {
        sub: user.sub,
        vo: user.vo,
        dirac_group: user.dirac_group,
        properties: user.dirac_properties,
        policies: user.dirac_policies,
        preferred_username: user.preferred_username,
      };
    },
  );
}
