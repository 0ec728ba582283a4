import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ConfigSchema } from '../../core/index.ts';
import { cacheHeaders, isNotModified, requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema, UnavailableSchema, ValidationErrorSchema } from '../schemas.ts';

const CacheHeadersSchema = Type.Object({
  ETag: Type.String({ description: 'Revision of the configuration (unquoted).' }),
  'Last-Modified': Type.String({ description: 'When that revision was made.' }),
});

/**
 * GET /api/config/: the whole configuration, with DiracX's conditional-request rules, to
 * anyone with a valid token (DiracX's open_access behind require_auth).
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');

  app.get(
    '/',
    {
      schema: {
        operationId: 'config_serve_config',
        tags: ['config'],
        summary: 'The latest configuration; 304 when the client already has it.',
        security: [{ OpenIdConnect: [] }],
        headers: Type.Object({
          'if-none-match': Type.Optional(Type.String()),
          'if-modified-since': Type.Optional(Type.String()),
        }),
        response: {
          200: { ...ConfigSchema, headers: CacheHeadersSchema },
          304: { type: 'null', description: 'Not modified.', headers: CacheHeadersSchema },
          400: ErrorSchema,
          401: ErrorSchema,
          422: ValidationErrorSchema,
          503: UnavailableSchema,
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const snapshot = requireConfig(app.configSource);
      reply.headers(cacheHeaders(snapshot));
      const conditional = {
        ifNoneMatch: request.headers['if-none-match'],
        ifModifiedSince: request.headers['if-modified-since'],
      };
      if (isNotModified(snapshot, conditional)) return reply.code(304).send(null);
      return snapshot.config;
    },
  );
};

export const configRouter: RouterDefinition = {
  name: 'config',
  prefix: '/api/config',
  requiresAuth: true,
  needs: { dbs: [], policies: ['open'] },
  plugin,
};
