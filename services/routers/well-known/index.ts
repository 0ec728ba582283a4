import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  ACCEPTED_ALGORITHMS,
  installationMetadata,
  publicJwks,
  requireConfig,
  securityTxt,
} from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { UnavailableSchema } from '../schemas.ts';

const MetadataSchema = Type.Object(
  {
    virtual_organizations: Type.Record(
      Type.String(),
      Type.Object(
        {
          groups: Type.Record(
            Type.String(),
            Type.Object({ properties: Type.Array(Type.String()) }, { title: 'GroupInfo' }),
          ),
          support: Type.Object(
            {
              message: Type.String(),
              webpage: Type.Union([Type.String(), Type.Null()]),
              email: Type.Union([Type.String(), Type.Null()]),
            },
            { title: 'SupportInfo' },
          ),
          default_group: Type.String(),
        },
        { title: 'VOInfo' },
      ),
    ),
  },
  { title: 'Metadata' },
);

const OpenIdConfigurationSchema = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    userinfo_endpoint: Type.String(),
    authorization_endpoint: Type.String(),
    device_authorization_endpoint: Type.String(),
    revocation_endpoint: Type.String(),
    jwks_uri: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_signing_alg_values_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    code_challenge_methods_supported: Type.Array(Type.String()),
  },
  { title: 'OpenIDConfiguration' },
);

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
    '/.well-known/openid-configuration',
    {
      schema: {
        operationId: 'well_known_get_openid_configuration',
        tags: ['well-known'],
        summary: 'OpenID discovery: where the token, device and authorization endpoints are.',
        response: { 200: OpenIdConfigurationSchema, 503: UnavailableSchema },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      const { config } = requireConfig(app.configSource);
      const base = `${request.protocol}://${request.host}`;
      const scopes = Object.entries(config.Registry).flatMap(([vo, info]) => [
        `vo:${vo}`,
        ...Object.keys(info.Groups).map((group) => `group:${group}`),
      ]);
      return {
        issuer: app.auth.issuer,
        token_endpoint: `${base}/api/auth/token`,
        userinfo_endpoint: `${base}/api/auth/userinfo`,
        authorization_endpoint: `${base}/api/auth/authorize`,
        device_authorization_endpoint: `${base}/api/auth/device`,
        revocation_endpoint: `${base}/api/auth/revoke`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        grant_types_supported: [
          'authorization_code',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        scopes_supported: [
          ...scopes,
          ...app.auth.settings.availableProperties.map((p) => `property:${p}`),
        ],
        response_types_supported: ['code'],
        token_endpoint_auth_signing_alg_values_supported: [...ACCEPTED_ALGORITHMS],
        token_endpoint_auth_methods_supported: ['none'],
        code_challenge_methods_supported: ['S256'],
      };
    },
  );

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

  app.get(
    '/.well-known/security.txt',
    {
      schema: {
        operationId: 'well_known_get_security_txt',
        tags: ['well-known'],
        summary: "The installation's security contacts (RFC 9116), as a JSON string like DiracX's.",
        response: { 200: Type.String(), 503: UnavailableSchema },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const { config } = requireConfig(app.configSource);
      const base = `${request.protocol}://${request.host}`;
      const text = securityTxt(config, app.clock.nowMs(), `${base}/.well-known/dirac-metadata`);
      // Fastify sends a bare string as text/plain; DiracX's client decodes JSON.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(text));
    },
  );
};

export const wellKnownRouter: RouterDefinition = {
  name: '.well-known',
  prefix: '',
  requiresAuth: false,
  needs: { dbs: [], policies: ['open'] },
  plugin,
};
