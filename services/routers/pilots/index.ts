import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { PilotAgentsDB } from '../../db/index.ts';
import { registerPilot, requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

const PILOT_STATUSES = [
  'Submitted',
  'Waiting',
  'Running',
  'Done',
  'Failed',
  'Deleted',
  'Aborted',
  'Unknown',
];

const RegistrationSchema = Type.Object(
  {
    pilot_stamp: Type.String({ minLength: 1, maxLength: 32 }),
    vo: Type.String({ minLength: 1, maxLength: 128 }),
    grid_type: Type.String({ default: 'DIRAC', maxLength: 32 }),
    grid_site: Type.String({ default: 'Unknown', maxLength: 128 }),
    destination_site: Type.String({ default: 'NotAssigned', maxLength: 128 }),
    pilot_reference: Type.Optional(Type.String({ maxLength: 255 })),
    pilot_status: Type.Enum(PILOT_STATUSES, { default: 'Submitted' }),
  },
  { additionalProperties: false },
);

/** DiracX's pilots system; every route needs a token. More of it comes with the matcher. */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'pilot');

  app.post(
    '/',
    {
      schema: {
        operationId: 'pilots_register_new_pilot',
        tags: ['pilots'],
        security: [{ OpenIDConnect: [] }],
        summary:
          'Register a pilot. DiracX answers 201 null; gridbox also returns the secret the pilot trades for tokens at /api/auth/pilot-token.',
        body: RegistrationSchema,
        response: {
          201: Type.Object({
            pilot_stamp: Type.String(),
            pilot_secret: Type.String(),
            pilot_secret_expires_in: Type.Integer(),
          }),
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          409: ErrorSchema,
          422: ValidationErrorSchema,
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', request.body.vo);
      const registered = await registerPilot(
        {
          pilotAgentsDb: app.dbs.get('PilotAgentsDB') as PilotAgentsDB,
          config: requireConfig(app.configSource).config,
          clock: app.clock,
          secretLifetimeS: app.auth.settings.pilotSecretLifetimeS,
        },
        request.body,
      );
      return reply.code(201).send(registered);
    },
  );
};

export const pilotsRouter: RouterDefinition = {
  name: 'pilots',
  prefix: '/api/pilots',
  requiresAuth: true,
  plugin,
};
