import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { checkDatabases, requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { UnavailableSchema } from '../schemas.ts';

const statusBody = (status: string) => Type.Object({ status: Type.Literal(status) });

/** Kubernetes-style probes, as DiracX serves them (no token needed). */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');

  app.get(
    '/live',
    {
      schema: {
        operationId: 'health_liveness',
        tags: ['health'],
        summary: 'Answers once the configuration is loaded.',
        response: { 200: statusBody('live'), 503: UnavailableSchema },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      requireConfig(app.configSource);
      return { status: 'live' as const };
    },
  );

  app.get(
    '/ready',
    {
      schema: {
        operationId: 'health_readiness',
        tags: ['health'],
        summary: 'Answers when the configuration is loaded and every DB answers a ping.',
        response: { 200: statusBody('ready'), 503: UnavailableSchema },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      requireConfig(app.configSource);
      await checkDatabases(app.dbs.values());
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/startup',
    {
      schema: {
        operationId: 'health_startup',
        tags: ['health'],
        summary: 'Answers once start-up is complete (configuration loaded, DBs reachable).',
        response: { 200: statusBody('startup complete'), 503: UnavailableSchema },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      requireConfig(app.configSource);
      await checkDatabases(app.dbs.values());
      return { status: 'startup complete' as const };
    },
  );
};

export const healthRouter: RouterDefinition = { name: 'health', prefix: '/api/health', plugin };
