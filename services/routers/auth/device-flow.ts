import Type from 'typebox';
import {
  finishDeviceFlowLogin,
  initiateDeviceFlow,
  startDeviceFlowLogin,
} from '../../logic/index.ts';
import type { AccessPolicy, OpenAction } from '../access-policy.ts';
import { type AuthApp, errors, tags } from './common.ts';
import { authDeps, baseUrl } from './deps.ts';
import { DeviceAuthorizationSchema, RedirectSchema } from './schemas.ts';

const FINISHED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gridbox: signed in</title></head>
<body><h1>You are signed in</h1><p>You can close this window and go back to your terminal.</p></body></html>
`;

/** The device flow (`dirac login`): start, verification link, IdP callback, closing page. */
export function deviceFlowRoutes(app: AuthApp, policy: AccessPolicy<OpenAction>): void {
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
        response: {
          200: {
            description: 'HTML page.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      return reply.type('text/html; charset=utf-8').send(FINISHED_PAGE);
    },
  );
}
