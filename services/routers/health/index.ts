import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { checkDatabases, requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { UnavailableSchema } from '../schemas.ts';

/** The probes, as DiracX serves them: what each checks and what it answers when all is well. */
const PROBES = [
  {
    path: '/live',
    operationId: 'health_liveness',
    summary: 'Answers once the configuration is loaded.',
    status: 'live',
    pingsDatabases: false,
  },
  {
    path: '/ready',
    operationId: 'health_readiness',
    summary: 'Answers when the configuration is loaded and every DB answers a ping.',
    status: 'ready',
    pingsDatabases: true,
  },
  {
    path: '/startup',
    operationId: 'health_startup',
    summary: 'Answers once start-up is complete (configuration loaded, DBs reachable).',
    status: 'startup complete',
    pingsDatabases: true,
  },
] as const;

/** Kubernetes-style probes; no token needed. */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');

  for (const probe of PROBES) {
    app.get(
      probe.path,
      {
        schema: {
          operationId: probe.operationId,
          tags: ['health'],
          summary: probe.summary,
          response: {
            200: Type.Object({ status: Type.Literal(probe.status) }),
            503: UnavailableSchema,
          },
        },
      },
      async (request) => {
        await policy.check(request, 'read');
        requireConfig(app.configSource);
        if (probe.pingsDatabases) await checkDatabases(app.dbs.values());
        return { status: probe.status };
      },
    );
  }
};

export const healthRouter: RouterDefinition = {
  name: 'health',
  prefix: '/api/health',
  requiresAuth: false,
  needs: { dbs: [], policies: ['open'] },
  plugin,
};
