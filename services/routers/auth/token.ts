import Type from 'typebox';
import {
  InvalidRequestError,
  PilotTokenRequestSchema,
  PilotTokenResponseSchema,
} from '../../core/index.ts';
import {
  DEVICE_CODE_GRANT,
  legacyExchange,
  pilotToken,
  proxyExchange,
  redeemAuthorizationCode,
  redeemDeviceCode,
  redeemRefreshToken,
  revokeToken,
} from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';
import { type AuthApp, errors, jsonString, tags } from './common.ts';
import { authDeps } from './deps.ts';
import { OAuthErrorSchema, TokenRequestSchema, TokenResponseSchema } from './schemas.ts';

/** The token endpoint and the other ways to obtain tokens: revocation, legacy, proxy and pilot exchanges. */
export function tokenRoutes(app: AuthApp, policy: AccessPolicy): void {
  app.post(
    '/token',
    {
      schema: {
        operationId: 'auth_get_oidc_token',
        tags,
        summary: 'Tokens for a device code, an authorization code, or a refresh token (form body).',
        consumes: ['application/x-www-form-urlencoded'],
        body: TokenRequestSchema,
        response: {
          200: TokenResponseSchema,
          400: OAuthErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          422: ValidationErrorSchema,
        },
      },
    },
    async (request) => {
      await policy.check(request, 'create');
      const body = request.body;
      const need = (value: string | undefined, name: string) => {
        if (value === undefined)
          throw new InvalidRequestError(
            `${name} is required for grant_type ${body.grant_type}`,
            'invalid_request',
          );
        return value;
      };
      const deps = authDeps(app);
      if (body.grant_type === DEVICE_CODE_GRANT) {
        return redeemDeviceCode(deps, {
          deviceCode: need(body.device_code, 'device_code'),
          clientId: body.client_id,
        });
      }
      if (body.grant_type === 'authorization_code') {
        return redeemAuthorizationCode(deps, {
          code: need(body.code, 'code'),
          clientId: body.client_id,
          redirectUri: need(body.redirect_uri, 'redirect_uri'),
          codeVerifier: need(body.code_verifier, 'code_verifier'),
        });
      }
      return redeemRefreshToken(deps, { refreshToken: need(body.refresh_token, 'refresh_token') });
    },
  );

  app.post(
    '/revoke',
    {
      schema: {
        operationId: 'auth_revoke_refresh_token_by_refresh_token',
        tags,
        summary: 'Revoke a refresh token (RFC 7009; form body).',
        consumes: ['application/x-www-form-urlencoded'],
        body: Type.Object(
          {
            token: Type.String(),
            token_type_hint: Type.Optional(Type.String()),
            client_id: Type.Optional(Type.String({ default: 'myDIRACClientID' })),
          },
          { title: 'Body_auth_revoke_refresh_token_by_refresh_token' },
        ),
        response: { 200: Type.String(), 400: OAuthErrorSchema, ...errors(401, 422) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage');
      const message = await revokeToken(authDeps(app), {
        token: request.body.token,
        tokenTypeHint: request.body.token_type_hint,
        clientId: request.body.client_id ?? 'myDIRACClientID',
      });
      return jsonString(reply, message);
    },
  );

  app.get(
    '/legacy-exchange',
    {
      schema: {
        operationId: 'auth_perform_legacy_exchange',
        tags,
        summary: 'DIRAC servers trade the shared API key for a named user’s tokens.',
        querystring: Type.Object({
          preferred_username: Type.String(),
          scope: Type.String(),
          expires_minutes: Type.Optional(Type.Integer({ minimum: 1 })),
        }),
        response: { 200: TokenResponseSchema, ...errors(400, 401, 403, 422, 503) },
      },
    },
    async (request) => {
      await policy.check(request, 'create');
      return legacyExchange(authDeps(app), {
        authorization: request.headers.authorization,
        preferredUsername: request.query.preferred_username,
        scope: request.query.scope,
        ...(request.query.expires_minutes === undefined
          ? {}
          : { expiresMinutes: request.query.expires_minutes }),
      });
    },
  );

  app.post(
    '/pilot-token',
    {
      schema: {
        operationId: 'auth_pilot_token',
        tags,
        summary: 'gridbox: a registered pilot trades its stamp and secret for an access token.',
        body: PilotTokenRequestSchema,
        response: {
          200: PilotTokenResponseSchema,
          ...errors(401, 403, 422),
        },
      },
    },
    async (request) => {
      await policy.check(request, 'create');
      return pilotToken(
        { ...authDeps(app), pilotAgentsDb: app.dbs.get('PilotAgentsDB') },
        { stamp: request.body.pilot_stamp, secret: request.body.pilot_secret },
      );
    },
  );

  app.post(
    '/proxy-exchange',
    {
      schema: {
        operationId: 'auth_proxy_exchange',
        tags,
        summary:
          'gridbox: trade an RFC 3820 proxy of the box’s CA for tokens of the group it carries.',
        body: Type.Object({ proxy: Type.String({ maxLength: 65536 }) }),
        response: { 200: TokenResponseSchema, ...errors(400, 401, 403, 422, 503) },
      },
    },
    async (request) => {
      await policy.check(request, 'create');
      const caCertPem = app.auth.caCertPem;
      if (caCertPem === undefined)
        throw new InvalidRequestError('This box has no CA to check proxies against');
      return proxyExchange({ ...authDeps(app), caCertPem }, { proxy: request.body.proxy });
    },
  );
}
