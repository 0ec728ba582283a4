import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { policyNamed } from '../access-policy.ts';
import { authenticate, currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema } from '../schemas.ts';

const UserInfoSchema = Type.Object({
  sub: Type.String(),
  vo: Type.String(),
  dirac_group: Type.String(),
  properties: Type.Array(Type.String()),
  policies: Type.Record(Type.String(), Type.Unknown()),
  preferred_username: Type.String(),
});

/** DiracX's auth system. Its routes check tokens one by one: the login flows cannot. */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');

  app.get(
    '/userinfo',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'auth_userinfo',
        tags: ['auth'],
        summary: 'Who the bearer of the access token is, as the token says.',
        security: [{ OpenIDConnect: [] }],
        response: { 200: UserInfoSchema, 400: ErrorSchema, 401: ErrorSchema },
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
};

export const authRouter: RouterDefinition = {
  name: 'auth',
  prefix: '/api/auth',
  requiresAuth: false,
  plugin,
};
