import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  NotFoundError,
  SITE_STATUSES,
  SetSiteStatusBodySchema,
  SiteParamsSchema,
} from '../../core/index.ts';
import { cacheHeaders, isNotModified, requireConfig } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

const Allowed = Type.Union([
  Type.Object(
    { allowed: Type.Literal(true), warnings: Type.Union([Type.String(), Type.Null()]) },
    { title: 'AllowedStatus' },
  ),
  Type.Object({ allowed: Type.Literal(false), reason: Type.String() }, { title: 'BannedStatus' }),
]);

const StorageStatus = Type.Object(
  {
    read: Allowed,
    write: Allowed,
    check: Allowed,
    remove: Allowed,
  },
  { title: 'StorageElementStatus' },
);

/** DiracX's mapping of an RSS status to what a client may do. */
function allowance(status: string, reason: string) {
  if (status === 'Active') return { allowed: true as const, warnings: null };
  if (status === 'Degraded') return { allowed: true as const, warnings: reason || 'Degraded' };
  if ((SITE_STATUSES as readonly string[]).includes(status))
    return { allowed: false as const, reason: reason || status };
  return { allowed: false as const, reason: `Unknown status: ${status}` };
}

/**
 * DiracX's resource status system, the sites part: read by anyone with a token, and
 * (gridbox) set by administrators, so scenarios can ban and unban sites.
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'rss');
  const db = () => app.dbs.get('ResourceStatusDB');
  const security = [{ OpenIdConnect: [] }];

  const CacheHeadersSchema = Type.Object({
    ETag: Type.String({ description: "Revision of the caller's VO view (unquoted)." }),
    'Last-Modified': Type.String({ description: 'When the newest status took effect.' }),
    Vary: Type.Literal('Authorization'),
  });
  const conditionalHeaders = Type.Object({
    'if-none-match': Type.Optional(Type.String()),
    'if-modified-since': Type.Optional(Type.String()),
  });

  /**
   * DiracX's conditional caching of an RSS view: the ETag names the content and the VO (the
   * same URL answers differently per token, hence `Vary: Authorization`); 304 under the
   * configuration's rules.
   */
  function sendView(
    request: FastifyRequest,
    reply: FastifyReply,
    view: Record<string, unknown>,
    modifiedMs: number,
  ) {
    const vo = currentUser(request).vo;
    const hexsha = createHash('sha256').update(JSON.stringify(view)).digest('hex');
    const versioned = { revision: `${hexsha}-${vo}`, modifiedMs };
    reply.headers({ ...cacheHeaders(versioned), Vary: 'Authorization' });
    const conditional = {
      ifNoneMatch: request.headers['if-none-match'],
      ifModifiedSince: request.headers['if-modified-since'],
    };
    if (isNotModified(versioned, conditional)) return reply.code(304).send(null);
    return view;
  }

  const cachedResponses = (view: object) => ({
    200: { ...view, headers: CacheHeadersSchema },
    304: { type: 'null', description: 'Not modified.', headers: CacheHeadersSchema },
    401: ErrorSchema,
    422: ValidationErrorSchema,
  });

  app.get(
    '/site',
    {
      schema: {
        operationId: 'rss_get_site_status',
        tags: ['rss'],
        security,
        summary: 'Whether each site with a recorded status may be used, for the caller’s VO.',
        headers: conditionalHeaders,
        response: cachedResponses(
          Type.Record(Type.String(), Type.Object({ all: Allowed }, { title: 'SiteStatus' })),
        ),
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const statuses = await db().siteStatuses(currentUser(request).vo);
      const view = Object.fromEntries(
        [...statuses].map(([site, row]) => [site, { all: allowance(row.status, row.reason) }]),
      );
      const modifiedMs = Math.max(0, ...[...statuses.values()].map((row) => row.effectiveMs));
      return sendView(request, reply, view, modifiedMs);
    },
  );

  // gridbox records no storage element, compute element or FTS status (DiracX keeps them in
  // the same DB, filled by DIRAC's RSS agents): every resource is unmentioned, which DiracX
  // clients read as "no recorded status", and the routes answer as DiracX's do.
  const unrecorded = [
    ['storage', 'rss_get_storage_status', 'storage element', StorageStatus],
    [
      'compute',
      'rss_get_compute_status',
      'compute element',
      Type.Object({ all: Allowed }, { title: 'ComputeElementStatus' }),
    ],
    [
      'fts',
      'rss_get_fts_status',
      'FTS server',
      Type.Object({ all: Allowed }, { title: 'FTSStatus' }),
    ],
  ] as const;
  for (const [path, operationId, what, status] of unrecorded) {
    app.get(
      `/${path}`,
      {
        schema: {
          operationId,
          tags: ['rss'],
          security,
          summary: `The status of each ${what} with a recorded status, for the caller’s VO (gridbox records none).`,
          headers: conditionalHeaders,
          response: cachedResponses(Type.Record(Type.String(), status)),
        },
      },
      async (request, reply) => {
        await policy.check(request, 'read');
        return sendView(request, reply, {}, 0);
      },
    );
  }

  app.put(
    '/site/:site',
    {
      schema: {
        operationId: 'rss_set_site_status',
        tags: ['rss'],
        security,
        summary:
          "gridbox: ban, degrade or reactivate a site for the caller's VO (ServiceAdministrator or SiteManager).",
        params: SiteParamsSchema,
        body: SetSiteStatusBodySchema,
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
  needs: { dbs: ['ResourceStatusDB'], policies: ['rss'] },
  plugin,
};
