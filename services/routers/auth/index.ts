import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { PilotAgentsDB } from '../../db/index.ts';
import formBody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { InvalidRequestError } from '../../core/index.ts';
import {
  DEVICE_CODE_GRANT,
  finishAuthorizationFlow,
  finishDeviceFlowLogin,
  initiateDeviceFlow,
  legacyExchange,
  pilotToken,
  listRefreshTokens,
  proxyExchange,
  redeemAuthorizationCode,
  redeemDeviceCode,
  redeemRefreshToken,
  revokeRefreshTokenById,
  revokeToken,
  startAuthorizationFlow,
  startDeviceFlowLogin,
} from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import { authenticate, currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';
import { authDeps, baseUrl } from './deps.ts';
import {
  DeviceAuthorizationSchema,
  OAuthErrorSchema,
  RedirectSchema,
  RefreshTokenRowSchema,
  TokenRequestSchema,
  TokenResponseSchema,
  UserInfoSchema,
} from './schemas.ts';

const FINISHED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gridbox: signed in</title></head>
<body><h1>You are signed in</h1><p>You can close this window and go back to your terminal.</p></body></html>
`;

/** DiracX answers some routes with a bare JSON string; Fastify would send a string as text. */
const jsonString = (reply: FastifyReply, text: string) =>
  reply.type('application/json; charset=utf-8').send(JSON.stringify(text));

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, s === 422 ? ValidationErrorSchema : ErrorSchema]));
const security = [{ OpenIDConnect: [] }];

/** DiracX's auth system. Its routes check tokens one by one: the login flows cannot. */
const plugin: FastifyPluginAsync = async (fastify) => {
  await fastify.register(formBody);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');
  const tags = ['auth'];

  app.post(
    '/device',
    {
      schema: {
        operationId: 'auth_initiate_device_flow',
        tags,
        summary: 'Start a device flow (`dirac login`); client_id and scope are query parameters.',
        querystring: Type.Object({ client_id: Type.String(), scope: Type.String() }),
        response: { 200: DeviceAuthorizationSchema, ...errors(400, 422) },
      },
    },
    async (request) => {
      await policy.check(request, 'create');
      return initiateDeviceFlow(authDeps(app), {
        clientId: request.query.client_id,
        scope: request.query.scope,
        verificationUri: `${baseUrl(request)}/api/auth/device`,
      });
    },
  );

  app.get(
    '/device',
    {
      schema: {
        operationId: 'auth_do_device_flow',
        tags,
        summary: "The device flow's verification link: redirects to the VO's identity provider.",
        querystring: Type.Object({ user_code: Type.String() }),
        response: { 307: RedirectSchema, ...errors(400, 422, 502) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const location = await startDeviceFlowLogin(authDeps(app), {
        userCode: request.query.user_code,
        redirectUri: `${baseUrl(request)}/api/auth/device/complete`,
      });
      return reply.redirect(location, 307);
    },
  );

  app.get(
    '/device/complete',
    {
      schema: {
        operationId: 'auth_finish_device_flow',
        tags,
        summary: 'Where the identity provider sends the browser back in a device flow.',
        querystring: Type.Object({ code: Type.String(), state: Type.String() }),
        response: { 307: RedirectSchema, ...errors(400, 401, 422, 502) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      await finishDeviceFlowLogin(authDeps(app), {
        code: request.query.code,
        state: request.query.state,
        redirectUri: `${baseUrl(request)}/api/auth/device/complete`,
      });
      return reply.redirect(`${baseUrl(request)}/api/auth/device/complete/finished`, 307);
    },
  );

  app.get(
    '/device/complete/finished',
    {
      schema: {
        operationId: 'auth_finished',
        tags,
        summary: 'The page telling the user to go back to their terminal.',
        response: { 200: { type: 'string', description: 'HTML page.' } },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      return reply.type('text/html; charset=utf-8').send(FINISHED_PAGE);
    },
  );

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
        ownRedirects: [`${baseUrl(request)}/api/docs/oauth2-redirect`],
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

  app.post(
    '/token',
    {
      schema: {
        operationId: 'auth_token',
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
        body: Type.Object({
          token: Type.String(),
          token_type_hint: Type.Optional(Type.String()),
          client_id: Type.String({ default: 'myDIRACClientID' }),
        }),
        response: { 200: Type.String(), 400: OAuthErrorSchema, ...errors(401, 422) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage');
      const message = await revokeToken(authDeps(app), {
        token: request.body.token,
        tokenTypeHint: request.body.token_type_hint,
        clientId: request.body.client_id,
      });
      return jsonString(reply, message);
    },
  );

  app.get(
    '/refresh-tokens',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'auth_get_refresh_tokens',
        tags,
        security,
        summary: "The caller's refresh tokens (everyone's, revoked too, with ProxyManagement).",
        response: { 200: Type.Array(RefreshTokenRowSchema), ...errors(400, 401) },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      const user = currentUser(request);
      return listRefreshTokens(authDeps(app), { sub: user.sub, properties: user.dirac_properties });
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
        summary: 'Revoke one of the caller’s refresh tokens (anyone’s with ProxyManagement).',
        params: Type.Object({ jti: Type.String() }),
        response: { 200: Type.String(), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage');
      const user = currentUser(request);
      const message = await revokeRefreshTokenById(
        authDeps(app),
        { sub: user.sub, properties: user.dirac_properties },
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
        body: Type.Object(
          {
            pilot_stamp: Type.String({ maxLength: 32 }),
            pilot_secret: Type.String({ maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            access_token: Type.String(),
            expires_in: Type.Integer(),
            token_type: Type.Literal('Bearer'),
          }),
          ...errors(401, 403, 422),
        },
      },
    },
    async (request) => {
      await policy.check(request, 'create');
      return pilotToken(
        { ...authDeps(app), pilotAgentsDb: app.dbs.get('PilotAgentsDB') as PilotAgentsDB },
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
};

export const authRouter: RouterDefinition = {
  name: 'auth',
  prefix: '/api/auth',
  requiresAuth: false,
  plugin,
};
