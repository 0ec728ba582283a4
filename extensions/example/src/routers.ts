import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { InvalidRequestError, NotFoundError } from '../../../services/core/index.ts';
import {
  ErrorSchema,
  type RouterDefinition,
  ValidationErrorSchema,
  currentUser,
  policyFor,
  wmsPolicy,
} from '../../../services/routers/index.ts';
import { exampleSettings } from './example-section.ts';
import { ExampleJobDB } from './example-job-db.ts';
import { lollygagPolicy } from './policies.ts';

const security = [{ OpenIdConnect: [] }];
const errors = { 401: ErrorSchema, 403: ErrorSchema, 422: ValidationErrorSchema };
const JobParams = Type.Object({ job_id: Type.Integer({ minimum: 1 }) });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  description: 'Tags of a job, sorted.',
});

/**
 * A new system, `/api/lollygag` (as gubbins'): owners kept in the example's own LollygagDB,
 * and tags kept in the table the example adds to JobDB.
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyFor(app, lollygagPolicy);
  const wms = policyFor(app, wmsPolicy);
  // Typed through the DbInterfaces augmentation in lollygag-db.ts.
  const lollygagDb = app.dbs.get('LollygagDB');
  // JobDB is typed as gridbox's interface; the extended one is checked once, at start-up.
  const jobDb = app.dbs.get('JobDB');
  if (!(jobDb instanceof ExampleJobDB))
    throw new Error('the lollygag router needs the example JobDB, with its JobTags table');

  app.post(
    '/insert_owner/:owner_name',
    {
      schema: {
        operationId: 'lollygag_insert_owner',
        tags: ['lollygag'],
        security,
        summary: "Record an owner in the caller's VO; returns its id.",
        params: Type.Object({ owner_name: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ OwnerID: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'write');
      const vo = currentUser(request).vo;
      return { OwnerID: await lollygagDb.insertOwner(vo, request.params.owner_name) };
    },
  );

  app.get(
    '/get_owners',
    {
      schema: {
        operationId: 'lollygag_get_owners',
        tags: ['lollygag'],
        security,
        summary: "The owners recorded in the caller's VO, sorted.",
        response: { 200: Type.Array(Type.String()), ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return lollygagDb.owners(currentUser(request).vo);
    },
  );

  app.get(
    '/ended_jobs',
    {
      schema: {
        operationId: 'lollygag_get_ended_jobs',
        tags: ['lollygag'],
        security,
        summary:
          "The caller's VO's jobs that reached a final status, by JobID (recorded by the example's status observer when Operations.<vo>.Example.RecordEndedJobs is on).",
        response: {
          200: Type.Array(
            Type.Object({
              JobID: Type.Integer(),
              VO: Type.String(),
              Owner: Type.String(),
              Status: Type.String(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return lollygagDb.endedJobs(currentUser(request).vo);
    },
  );

  app.put(
    '/jobs/:job_id/tags',
    {
      schema: {
        operationId: 'lollygag_set_job_tags',
        tags: ['lollygag'],
        security,
        summary: "Replace a job's tags (at most Operations.<vo>.Example.MaxTagsPerJob).",
        params: JobParams,
        body: Tags,
        response: { 204: Type.Null(), 400: ErrorSchema, 404: ErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { job_id: jobId } = request.params;
      await wms.check(request, 'manage', [jobId]);
      if (!(await jobDb.getStates([jobId])).has(jobId))
        throw new NotFoundError(`Job ${jobId} not found`);
      const { MaxTagsPerJob } = exampleSettings(
        app.configSource.current()?.config,
        currentUser(request).vo,
      );
      if (new Set(request.body).size > MaxTagsPerJob)
        throw new InvalidRequestError(`A job carries at most ${MaxTagsPerJob} tags`);
      await jobDb.setTags(jobId, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/jobs/:job_id/tags',
    {
      schema: {
        operationId: 'lollygag_get_job_tags',
        tags: ['lollygag'],
        security,
        summary: "A job's tags, sorted.",
        params: JobParams,
        response: { 200: Tags, 404: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const { job_id: jobId } = request.params;
      await wms.check(request, 'read', [jobId]);
      if (!(await jobDb.getStates([jobId])).has(jobId))
        throw new NotFoundError(`Job ${jobId} not found`);
      return jobDb.tagsOf(jobId);
    },
  );
};

export const lollygagRouter: RouterDefinition = {
  name: 'lollygag',
  prefix: '/api/lollygag',
  requiresAuth: true,
  needs: { dbs: ['JobDB', 'LollygagDB'], policies: ['lollygag', 'wms'] },
  plugin,
};
