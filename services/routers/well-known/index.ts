import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { installationMetadata, publicJwks, requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { UnavailableSchema } from '../schemas.ts';

const MetadataSchema = Type.Object({
  virtual_organizations: Type.Record(
    Type.String(),
    Type.Object({
      groups: Type.Record(Type.String(), Type.Object({ properties: Type.Array(Type.String()) })),
      support: Type.Object({
        message: Type.String(),
        webpage: Type.Union([Type.String(), Type.Null()]),
        email: Type.Union([Type.String(), Type.Null()]),
      }),
      default_group: Type.String(),
    }),
  ),
});

const JwksSchema = Type.Object({
  keys: Type.Array(
    Type.Object(
      { kty: Type.String(), kid: Type.String(), alg: Type.String() },
      { additionalProperties: true },
    ),
  ),
});

/** Discovery documents at the root, outside /api, as DiracX serves them. */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'well_known_get_jwks',
        tags: ['well-known'],
        summary: 'The public keys that verify the tokens this installation issues.',
        response: { 200: JwksSchema },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return publicJwks(app.auth.keystore) as { keys: { kty: string; kid: string; alg: string }[] };
    },
  );

  app.get(
    '/.well-known/dirac-metadata',
    {
      schema: {
        operationId: 'well_known_get_installation_metadata',
        tags: ['well-known'],
        summary: 'The VOs of this installation, their groups and where to get support.',
        response: { 200: MetadataSchema, 503: UnavailableSchema },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return installationMetadata(requireConfig(app.configSource).config);
    },
  );
};

export const wellKnownRouter: RouterDefinition = {
  name: '.well-known',
  prefix: '',
  requiresAuth: false,
  plugin,
};
