import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  JobSandboxesSchema,
  PfnListSchema,
  PfnSchema,
  SandboxDownloadResponseSchema,
  SandboxInfoSchema,
  SandboxUploadResponseSchema,
  UnassignSandboxesBodySchema,
} from '../../core/index.ts';
import {
  assignOutputSandbox,
  initiateSandboxUpload,
  parsePfn,
  sandboxDownloadUrl,
} from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import type { WmsAction } from './access-policy.ts';
import type { SandboxAction } from './sandbox-policy.ts';
import { currentUser } from '../authenticate.ts';
import { ErrorSchema } from '../schemas.ts';
import { type JobsApp, errors, security, tags } from './common.ts';
import { jobsDeps } from './deps.ts';
import { JobIdParamsSchema, JobSandboxParamsSchema, PfnQuerySchema } from './schemas.ts';

const storeUrl = (request: FastifyRequest) =>
  `${request.protocol}://${request.host}/api/sandbox-store`;

/**
 * Sandboxes: uploads, downloads and their links to jobs (DiracX's sandboxes.py). Uploads and
 * downloads go by the `sandbox` policy; what touches a job goes by the jobs policy too.
 */
export function sandboxRoutes(
  app: JobsApp,
  policy: AccessPolicy<WmsAction>,
  sandboxPolicy: AccessPolicy<SandboxAction>,
): void {
  const sandboxDeps = () => jobsDeps(app).sandbox();

  app.post(
    '/sandbox',
    {
      schema: {
        operationId: 'jobs_initiate_sandbox_upload',
        tags,
        security,
        summary: 'Where to upload a sandbox (url null when the same tarball is already stored).',
        body: SandboxInfoSchema,
        response: { 200: SandboxUploadResponseSchema, ...errors },
      },
    },
    async (request) => {
      await sandboxPolicy.check(request, 'create');
      return initiateSandboxUpload(
        sandboxDeps(),
        currentUser(request),
        request.body,
        storeUrl(request),
      );
    },
  );

  app.get(
    '/sandbox',
    {
      schema: {
        operationId: 'jobs_get_sandbox_file',
        tags,
        security,
        summary:
          'A signed URL to download a sandbox (JSON, not a redirect, so the token stays here).',
        querystring: PfnQuerySchema,
        response: { 200: SandboxDownloadResponseSchema, 404: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const owner = parsePfn(request.query.pfn, app.sandboxes.settings);
      await sandboxPolicy.check(request, 'read', owner);
      return sandboxDownloadUrl(
        sandboxDeps(),
        currentUser(request),
        request.query.pfn,
        storeUrl(request),
      );
    },
  );

  app.post(
    '/sandbox/unassign',
    {
      schema: {
        operationId: 'jobs_unassign_bulk_jobs_sandboxes',
        tags,
        security,
        summary: 'Unlink the sandboxes of jobs (the sandboxes are cleaned later).',
        body: UnassignSandboxesBodySchema,
        response: { 204: { type: 'null', description: 'Done.' }, ...errors },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', request.body.job_ids);
      await sandboxDeps().sandboxDb.unassignJobs(request.body.job_ids);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/:job_id/sandbox',
    {
      schema: {
        operationId: 'jobs_get_job_sandboxes',
        tags,
        security,
        summary: "The job's input and output sandboxes, as stored PFNs.",
        params: JobIdParamsSchema,
        response: { 200: JobSandboxesSchema, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'read', [request.params.job_id]);
      return sandboxDeps().sandboxDb.getJobSandboxes(request.params.job_id);
    },
  );

  app.get(
    '/:job_id/sandbox/:sandbox_type',
    {
      schema: {
        operationId: 'jobs_get_job_sandbox',
        tags,
        security,
        summary: "One type of the job's sandboxes, as stored PFNs.",
        params: JobSandboxParamsSchema,
        response: { 200: PfnListSchema, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'read', [request.params.job_id]);
      const sandboxes = await sandboxDeps().sandboxDb.getJobSandboxes(request.params.job_id);
      return request.params.sandbox_type === 'input' ? sandboxes.Input : sandboxes.Output;
    },
  );

  app.patch(
    '/:job_id/sandbox/output',
    {
      schema: {
        operationId: 'jobs_assign_sandbox_to_job',
        tags,
        security,
        summary: 'Link an uploaded sandbox to the job as its output.',
        params: JobIdParamsSchema,
        body: PfnSchema,
        response: { 200: Type.Null(), ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'manage', [request.params.job_id]);
      await sandboxPolicy.check(request, 'assign', parsePfn(request.body, app.sandboxes.settings));
      await assignOutputSandbox(sandboxDeps(), request.params.job_id, request.body);
      return null;
    },
  );

  app.delete(
    '/:job_id/sandbox',
    {
      schema: {
        operationId: 'jobs_unassign_job_sandboxes',
        tags,
        security,
        summary: "Unlink the job's sandboxes.",
        params: JobIdParamsSchema,
        response: { 200: Type.Null(), ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'manage', [request.params.job_id]);
      await sandboxDeps().sandboxDb.unassignJobs([request.params.job_id]);
      return null;
    },
  );
}
