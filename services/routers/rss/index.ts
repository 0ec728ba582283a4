import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NotFoundError } from '../../core/index.ts';
import type { ResourceStatusDB } from '../../db/index.ts';
import { requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

const SITE_STATUSES = ['Active', 'Degraded', 'Banned', 'Probing', 'Error', 'Unknown'];

const Allowed = Type.Union([
  Type.Object({ allowed: Type.Literal(true), warnings: Type.Union([Type.String(), Type.Null()]) }),
  Type.Object({ allowed: Type.Literal(false), reason: Type.String() }),
]);

/** DiracX's mapping of an RSS status to what a client may do. */
function allowance(status: string, reason: string) {
  if (status === 'Active') return { allowed: true as const, warnings: null };
  if (status === 'Degraded') return { allowed: true as const, warnings: reason || 'Degraded' };
  if (SITE_STATUSES.includes(status)) return { allowed: false as const, reason: reason || status };
  return { allowed: false as const, reason: `Unknown status: ${status}` };
}

/**
 * DiracX's resource status system, the sites part: read by anyone with a token, and
 * (gridbox) set by administrators, so scenarios can ban and unban sites.
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'rss');
  const db = () => app.dbs.get('ResourceStatusDB') as ResourceStatusDB;
  const security = [{ OpenIDConnect: [] }];

  app.get(
    '/site',
    {
      schema: {
        operationId: 'rss_get_site_status',
        tags: ['rss'],
        security,
        summary: 'Whether each site with a recorded status may be used, for the caller’s VO.',
        response: {
          200: Type.Record(Type.String(), Type.Object({ all: Allowed })),
          401: ErrorSchema,
        },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      const statuses = await db().siteStatuses(currentUser(request).vo);
      return Object.fromEntries(
        [...statuses].map(([site, row]) => [site, { all: allowance(row.status, row.reason) }]),
      );
    },
  );

  app.put(
    '/site/:site',
    {
      schema: {
        operationId: 'rss_set_site_status',
        tags: ['rss'],
        security,
        summary:
          "gridbox: ban, degrade or reactivate a site for the caller's VO (ServiceAdministrator or SiteManager).",
        params: Type.Object({ site: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          {
            status: Type.Enum(SITE_STATUSES),
            reason: Type.Optional(Type.String({ maxLength: 512 })),
            vo: Type.Optional(
              Type.String({
                maxLength: 64,
                description:
                  "The caller's VO (the default); any other, 'all' included, is refused.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          204: { type: 'null', description: 'Done.' },
          401: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
          422: ValidationErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const vo = request.body.vo ?? currentUser(request).vo;
      await policy.check(request, 'manage', vo);
      const config = requireConfig(app.configSource).config;
      const known = Object.values(config.Resources.Sites).some(
        (sites) => request.params.site in sites,
      );
      if (!known) throw new NotFoundError(`Unknown site ${request.params.site}`);
      await db().setSiteStatus(
        {
          name: request.params.site,
          vo,
          status: request.body.status,
          reason: request.body.reason ?? '',
        },
        app.clock.nowMs(),
      );
      return reply.code(204).send(null);
    },
  );
};

export const rssRouter: RouterDefinition = {
  name: 'rss',
  prefix: '/api/rss',
  requiresAuth: true,
  plugin,
};
