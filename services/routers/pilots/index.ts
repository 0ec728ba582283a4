import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  PilotCredentialsSchema,
  PilotMetadataBodySchema,
  PilotRegistrationSchema,
  SearchParamsSchema,
  SummaryParamsSchema,
} from '../../core/index.ts';
import {
  registerPilot,
  requireConfig,
  searchPilots,
  summarizePilots,
  updatePilotMetadata,
} from '../../logic/index.ts';
import { currentUser } from '../authenticate.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { sendPage } from '../send-page.ts';
import {
  ErrorSchema,
  PageQuerySchema,
  RowsSchema,
  SearchResponses,
  emptySearchBodyIfMissing,
  ValidationErrorSchema,
} from '../schemas.ts';

/** DiracX's pilots system; every route needs a token. More of it comes with the matcher. */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'pilot');

  app.post(
    '/',
    {
      schema: {
        operationId: 'pilots_register_pilot',
        tags: ['pilots'],
        security: [{ OpenIdConnect: [] }],
        summary:
          'Register a pilot. DiracX answers 201 null; gridbox also returns the secret the pilot trades for tokens at /api/auth/pilot-token.',
        body: PilotRegistrationSchema,
        response: {
          201: PilotCredentialsSchema,
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          409: ErrorSchema,
          422: ValidationErrorSchema,
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'register', request.body.vo);
      const registered = await registerPilot(
        {
          pilotAgentsDb: app.dbs.get('PilotAgentsDB'),
          config: requireConfig(app.configSource).config,
          clock: app.clock,
          secretLifetimeS: app.auth.settings.pilotSecretLifetimeS,
        },
        {
          ...request.body,
          grid_type: request.body.grid_type ?? 'DIRAC',
          grid_site: request.body.grid_site ?? 'Unknown',
          destination_site: request.body.destination_site ?? 'NotAssigned',
          pilot_status: request.body.pilot_status ?? 'Submitted',
        },
      );
      return reply.code(201).send(registered);
    },
  );

  const db = () => app.dbs.get('PilotAgentsDB');
  const security = [{ OpenIdConnect: [] }];
  const errors = {
    400: ErrorSchema,
    401: ErrorSchema,
    403: ErrorSchema,
    422: ValidationErrorSchema,
  };

  app.patch(
    '/metadata',
    {
      schema: {
        operationId: 'pilots_update_pilot_metadata',
        tags: ['pilots'],
        security,
        summary: 'Change fields of pilots, by stamp (a pilot may change its own record only).',
        body: PilotMetadataBodySchema,
        response: { 204: { type: 'null', description: 'Done.' }, 404: ErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', Object.keys(request.body));
      await updatePilotMetadata(db(), app.clock, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/search',
    {
      schema: {
        operationId: 'pilots_search',
        tags: ['pilots'],
        security,
        summary:
          'Pilots matching the filters, a page at a time (206 with Content-Range when partial).',
        querystring: PageQuerySchema,
        body: Type.Optional(SearchParamsSchema),
        response: { ...SearchResponses, ...errors },
      },
      preValidation: emptySearchBodyIfMissing,
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const result = await searchPilots(
        db(),
        currentUser(request),
        request.body ?? {},
        request.query.page ?? 1,
        request.query.per_page ?? 100,
      );
      return sendPage(reply, result);
    },
  );

  app.post(
    '/summary',
    {
      schema: {
        operationId: 'pilots_summary',
        tags: ['pilots'],
        security,
        summary: 'Counts of matching pilots, grouped by the given columns.',
        body: SummaryParamsSchema,
        response: { 200: RowsSchema, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return summarizePilots(db(), currentUser(request), request.body);
    },
  );
};

export const pilotsRouter: RouterDefinition = {
  name: 'pilots',
  prefix: '/api/pilots',
  requiresAuth: true,
  needs: { dbs: ['PilotAgentsDB'], policies: ['pilot'] },
  plugin,
};
