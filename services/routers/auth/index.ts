import type { FastifyPluginAsync } from 'fastify';
import formBody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { authorizeFlowRoutes } from './authorize-flow.ts';
import { deviceFlowRoutes } from './device-flow.ts';
import { managementRoutes } from './management.ts';
import { tokenRoutes } from './token.ts';

/**
 * DiracX's auth system, one file per part as DiracX splits it. Routes check tokens one by
 * one: the login flows cannot.
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  await fastify.register(formBody);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');
  deviceFlowRoutes(app, policy);
  authorizeFlowRoutes(app, policy);
  tokenRoutes(app, policy);
  managementRoutes(app, policy);
};

export const authRouter: RouterDefinition = {
  name: 'auth',
  prefix: '/api/auth',
  requiresAuth: false,
  needs: { dbs: ['AuthDB', 'PilotAgentsDB'], policies: ['open'] },
  plugin,
};
