import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { matchRoutes } from './match.ts';
import { queryRoutes } from './query.ts';
import { sandboxRoutes } from './sandboxes.ts';
import { statusRoutes } from './status.ts';
import { submissionRoutes } from './submission.ts';

/**
 * DiracX's jobs system, one file per concern as DiracX splits it; every route needs a token.
 * The order of registration is the order of the OpenAPI document, and the sandbox routes
 * come before the /{job_id}/… ones, as in DiracX.
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'wms');
  queryRoutes(app, policy);
  statusRoutes(app, policy);
  sandboxRoutes(app, policy, policyNamed(app, 'sandbox'));
  matchRoutes(app, policy);
  submissionRoutes(app, policy);
};

export const jobsRouter: RouterDefinition = {
  name: 'jobs',
  prefix: '/api/jobs',
  requiresAuth: true,
  needs: {
    dbs: [
      'JobDB',
      'JobLoggingDB',
      'JobParametersDB',
      'PilotAgentsDB',
      'ResourceStatusDB',
      'SandboxMetadataDB',
      'TaskQueueDB',
    ],
    policies: ['wms', 'sandbox'],
  },
  plugin,
};
