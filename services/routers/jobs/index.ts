import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  InsertedJobSchema,
  JOB_STATUSES,
  MatchedJobSchema,
  ResourceDescriptionSchema,
  SearchParamsSchema,
  SummaryParamsSchema,
  SandboxDownloadResponseSchema,
  SandboxInfoSchema,
  SandboxUploadResponseSchema,
} from '../../core/index.ts';
import type {
  JobDB,
  JobLoggingDB,
  JobParametersDB,
  PilotAgentsDB,
  ResourceStatusDB,
  SandboxMetadataDB,
  TaskQueueDB,
} from '../../db/index.ts';
import {
  type MatchDeps,
  type QueryDeps,
  jobStatuses,
  requireConfig,
  searchJobs,
  submitJdlJobs,
  summarizeJobs,
  setJobStatuses,
  heartbeat,
  rescheduleJobs,
  setJobMetadata,
  assignOutputSandbox,
  initiateSandboxUpload,
  parsePfn,
  sandboxDownloadUrl,
  type SandboxDeps,
  matchJob,
  matchingQueues,
  pilotStampOf,
} from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { sendPage } from '../send-page.ts';
import {
  ErrorSchema,
  PageQuerySchema,
  RowsSchema,
  SearchResponses,
  ValidationErrorSchema,
} from '../schemas.ts';

const submissionSchema = (operationId: string, summary: string) => ({
  operationId,
  tags: ['jobs'],
  security: [{ OpenIdConnect: [] }],
  summary,
  body: Type.Array(Type.String(), {
    description: 'JDLs; one parametric JDL, or several plain ones.',
  }),
  response: {
    201: Type.Array(InsertedJobSchema),
    400: ErrorSchema,
    401: ErrorSchema,
    403: ErrorSchema,
    422: ValidationErrorSchema,
  },
});

/** DiracX's jobs system; every route needs a token. */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'wms');
  const submit = async (jdls: string[], user: ReturnType<typeof currentUser>) =>
    submitJdlJobs(
      {
        jobDb: app.dbs.get('JobDB') as JobDB,
        jobLoggingDb: app.dbs.get('JobLoggingDB') as JobLoggingDB,
        taskQueueDb: app.dbs.get('TaskQueueDB') as TaskQueueDB,
        config: requireConfig(app.configSource).config,
        clock: app.clock,
      },
      user,
      jdls,
    );

  const queryDeps = (): QueryDeps => ({
    jobDb: app.dbs.get('JobDB') as JobDB,
    jobLoggingDb: app.dbs.get('JobLoggingDB') as JobLoggingDB,
    pilotAgentsDb: app.dbs.get('PilotAgentsDB') as PilotAgentsDB,
    config: requireConfig(app.configSource).config,
    searchAcrossVOs: app.jobsSettings.searchAcrossVOs,
  });
  const errors = {
    400: ErrorSchema,
    401: ErrorSchema,
    403: ErrorSchema,
    422: ValidationErrorSchema,
  };
  const security = [{ OpenIdConnect: [] }];

  app.post(
    '/search',
    {
      schema: {
        operationId: 'jobs_search',
        tags: ['jobs'],
        security,
        summary:
          'Jobs matching the filters, one page at a time (206 with Content-Range when partial).',
        querystring: PageQuerySchema,
        body: Type.Optional(SearchParamsSchema),
        response: { ...SearchResponses, ...errors },
      },
      // DiracX's body is optional (its client sends none for "everything"); validation
      // would refuse a missing body against the object schema.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      await policy.check(request, 'query');
      const result = await searchJobs(
        queryDeps(),
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
        operationId: 'jobs_summary',
        tags: ['jobs'],
        security,
        summary: 'Counts of matching jobs, grouped by the given columns.',
        body: SummaryParamsSchema,
        response: { 200: RowsSchema, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'query');
      return summarizeJobs(queryDeps(), currentUser(request), request.body);
    },
  );

  app.get(
    '/status',
    {
      schema: {
        operationId: 'jobs_get_job_status_bulk',
        tags: ['jobs'],
        security,
        summary: 'Status, minor status and application status of jobs (earlier DiracX route).',
        querystring: Type.Object({
          job_ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10000 }),
        }),
        response: {
          200: Type.Record(
            Type.String(),
            Type.Object({
              Status: Type.String(),
              MinorStatus: Type.String(),
              ApplicationStatus: Type.String(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (request) => {
      await policy.check(request, 'read', request.query.job_ids);
      return jobStatuses(queryDeps(), currentUser(request), request.query.job_ids);
    },
  );

  const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);
  const WrittenSchema = Type.Object(
    {
      Status: Nullable(Type.String()),
      MinorStatus: Nullable(Type.String()),
      ApplicationStatus: Nullable(Type.String()),
      HeartBeatTime: Nullable(Type.String()),
      StartExecTime: Nullable(Type.String()),
      EndExecTime: Nullable(Type.String()),
      LastUpdateTime: Nullable(Type.String()),
    },
    { title: 'SetJobStatusReturnSuccess' },
  );
  const SetStatusResultSchema = Type.Object(
    {
      success: Type.Record(Type.String(), WrittenSchema),
      failed: Type.Record(Type.String(), Type.Object({ detail: Type.String() })),
    },
    { title: 'SetJobStatusReturn' },
  );

  app.patch(
    '/status',
    {
      schema: {
        operationId: 'jobs_set_job_statuses',
        tags: ['jobs'],
        security,
        summary:
          'Report job statuses, keyed by job id then by the (time-zoned) time of each report.',
        querystring: Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) }),
        body: Type.Record(
          Type.String({ pattern: '^[0-9]+$' }),
          Type.Record(
            Type.String(),
            Type.Object(
              {
                Status: Type.Optional(Type.Enum([...JOB_STATUSES], { title: 'JobStatus' })),
                MinorStatus: Type.Optional(Type.String({ maxLength: 128 })),
                ApplicationStatus: Type.Optional(Type.String({ maxLength: 255 })),
                Source: Type.Optional(Type.String({ maxLength: 128 })),
              },
              { additionalProperties: false, title: 'JobStatusUpdate' },
            ),
          ),
          { additionalProperties: false },
        ),
        response: {
          200: SetStatusResultSchema,
          404: Type.Object({ detail: SetStatusResultSchema }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const jobIds = Object.keys(request.body).map(Number);
      await policy.check(request, 'manage', jobIds);
      const result = await setJobStatuses(
        {
          jobDb: app.dbs.get('JobDB') as JobDB,
          jobLoggingDb: app.dbs.get('JobLoggingDB') as JobLoggingDB,
          taskQueueDb: app.dbs.get('TaskQueueDB') as TaskQueueDB,
          clock: app.clock,
        },
        request.body,
        request.query.force ?? false,
      );
      // As DiracX: when no job at all could be updated, the same report comes back as a 404.
      if (Object.keys(result.success).length === 0) return reply.code(404).send({ detail: result });
      return result;
    },
  );

  const measurement = Type.Optional(Type.Number());
  app.patch(
    '/heartbeat',
    {
      schema: {
        operationId: 'jobs_add_heartbeat',
        tags: ['jobs'],
        security,
        summary: "A running job's heartbeat; the answer carries the commands queued for it (Kill).",
        body: Type.Record(
          Type.String({ pattern: '^[0-9]+$' }),
          Type.Object(
            {
              LoadAverage: measurement,
              MemoryUsed: measurement,
              Vsize: measurement,
              AvailableDiskSpace: measurement,
              CPUConsumed: measurement,
              WallClockTime: measurement,
              StandardOutput: Type.Optional(Type.String({ maxLength: 1_000_000 })),
            },
            { additionalProperties: false, title: 'HeartbeatData' },
          ),
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(
            Type.Object(
              {
                job_id: Type.Integer(),
                command: Type.String(),
                arguments: Type.Union([Type.String(), Type.Null()]),
              },
              { title: 'JobCommand' },
            ),
          ),
          404: ErrorSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      const jobIds = Object.keys(request.body).map(Number);
      await policy.check(request, 'pilot', jobIds);
      return heartbeat(
        {
          jobDb: app.dbs.get('JobDB') as JobDB,
          jobLoggingDb: app.dbs.get('JobLoggingDB') as JobLoggingDB,
          taskQueueDb: app.dbs.get('TaskQueueDB') as TaskQueueDB,
          jobParametersDb: app.dbs.get('JobParametersDB') as JobParametersDB,
          clock: app.clock,
        },
        request.body,
      );
    },
  );

  const jobDbs = () => ({
    jobDb: app.dbs.get('JobDB') as JobDB,
    jobLoggingDb: app.dbs.get('JobLoggingDB') as JobLoggingDB,
    taskQueueDb: app.dbs.get('TaskQueueDB') as TaskQueueDB,
    jobParametersDb: app.dbs.get('JobParametersDB') as JobParametersDB,
    clock: app.clock,
  });

  app.post(
    '/reschedule',
    {
      schema: {
        operationId: 'jobs_reschedule_jobs',
        tags: ['jobs'],
        security,
        summary: 'Send jobs back to the queue, counting reschedules up to the VO’s limit.',
        querystring: Type.Object({ reset_jobs: Type.Optional(Type.Boolean({ default: false })) }),
        body: Type.Object(
          { job_ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10000 }) },
          { additionalProperties: false, title: 'Body_jobs_reschedule_jobs' },
        ),
        response: {
          200: Type.Object({
            success: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
            failed: Type.Record(Type.String(), Type.Object({ detail: Type.String() })),
          }),
          ...errors,
          // A message, or (when nothing could be rescheduled) the whole report, as DiracX.
          400: Type.Object({ detail: Type.Unknown() }),
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', request.body.job_ids);
      const result = await rescheduleJobs(
        { ...jobDbs(), config: requireConfig(app.configSource).config },
        request.body.job_ids,
        request.query.reset_jobs ?? false,
      );
      // As DiracX: when no job could be rescheduled, the report comes back as a 400.
      if (Object.keys(result.success).length === 0) return reply.code(400).send({ detail: result });
      return result;
    },
  );

  app.patch(
    '/metadata',
    {
      schema: {
        operationId: 'jobs_patch_metadata',
        tags: ['jobs'],
        security,
        summary: 'Set job attributes (written as they are, no state machine) and job parameters.',
        body: Type.Record(
          Type.String({ pattern: '^[0-9]+$' }),
          Type.Record(Type.String(), Type.Unknown(), { title: 'JobMetaData' }),
          {
            additionalProperties: false,
          },
        ),
        response: { 204: { type: 'null', description: 'Done.' }, 404: ErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', Object.keys(request.body).map(Number));
      await setJobMetadata(jobDbs(), request.body);
      return reply.code(204).send(null);
    },
  );

  // Sandbox routes come before the /{job_id}/… ones, as in DiracX.
  const sandboxPolicy = policyNamed(app, 'sandbox');
  const sandboxDeps = (): SandboxDeps => ({
    sandboxDb: app.dbs.get('SandboxMetadataDB') as SandboxMetadataDB,
    store: app.sandboxes.store,
    settings: app.sandboxes.settings,
    clock: app.clock,
  });
  const storeUrl = (request: { protocol: string; host: string }) =>
    `${request.protocol}://${request.host}/api/sandbox-store`;
  const PfnList = Type.Array(Type.String());

  app.post(
    '/sandbox',
    {
      schema: {
        operationId: 'jobs_initiate_sandbox_upload',
        tags: ['jobs'],
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
        tags: ['jobs'],
        security,
        summary:
          'A signed URL to download a sandbox (JSON, not a redirect, so the token stays here).',
        querystring: Type.Object({ pfn: Type.String({ maxLength: 256 }) }),
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
        tags: ['jobs'],
        security,
        summary: 'Unlink the sandboxes of jobs (the sandboxes are cleaned later).',
        body: Type.Object(
          { job_ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10000 }) },
          { additionalProperties: false, title: 'Body_jobs_unassign_bulk_jobs_sandboxes' },
        ),
        response: { 204: { type: 'null', description: 'Done.' }, ...errors },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', request.body.job_ids);
      await sandboxDeps().sandboxDb.unassignJobs(request.body.job_ids);
      return reply.code(204).send(null);
    },
  );

  const JobIdParams = Type.Object({ job_id: Type.Integer({ minimum: 1 }) });

  app.get(
    '/:job_id/sandbox',
    {
      schema: {
        operationId: 'jobs_get_job_sandboxes',
        tags: ['jobs'],
        security,
        summary: "The job's input and output sandboxes, as stored PFNs.",
        params: JobIdParams,
        response: { 200: Type.Object({ Input: PfnList, Output: PfnList }), ...errors },
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
        tags: ['jobs'],
        security,
        summary: "One type of the job's sandboxes, as stored PFNs.",
        params: Type.Object({
          job_id: Type.Integer({ minimum: 1 }),
          sandbox_type: Type.Enum(['input', 'output'], { title: 'SandboxType' }),
        }),
        response: { 200: PfnList, ...errors },
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
        tags: ['jobs'],
        security,
        summary: 'Link an uploaded sandbox to the job as its output.',
        params: JobIdParams,
        body: Type.String({ maxLength: 256 }),
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
        tags: ['jobs'],
        security,
        summary: "Unlink the job's sandboxes.",
        params: JobIdParams,
        response: { 200: Type.Null(), ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'manage', [request.params.job_id]);
      await sandboxDeps().sandboxDb.unassignJobs([request.params.job_id]);
      return null;
    },
  );

  const matchDeps = (): MatchDeps => ({
    jobDb: app.dbs.get('JobDB') as JobDB,
    jobLoggingDb: app.dbs.get('JobLoggingDB') as JobLoggingDB,
    taskQueueDb: app.dbs.get('TaskQueueDB') as TaskQueueDB,
    pilotAgentsDb: app.dbs.get('PilotAgentsDB') as PilotAgentsDB,
    resourceStatusDb: app.dbs.get('ResourceStatusDB') as ResourceStatusDB,
    config: requireConfig(app.configSource).config,
    clock: app.clock,
    rng: app.rng,
    cache: app.matchCache,
  });

  app.post(
    '/match',
    {
      schema: {
        operationId: 'jobs_match',
        tags: ['jobs'],
        security,
        summary:
          "gridbox: a pilot asks for a job for its slot; 200 with the job, or 204 when none matches. DIRAC's Matcher.selectJob over TaskQueueDB.matchAndGetJob: the site mask applies, and a RequiredTag counts only when the description gives Tag (400 when it is not among the offered tags). Only VO and CPUTime are required; Site may be a list.",
        body: ResourceDescriptionSchema,
        response: {
          200: MatchedJobSchema,
          204: { type: 'null', description: 'No job matches.' },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { VO, PilotStamp } = request.body;
      await policy.check(request, 'match', { vo: VO, pilotStamp: PilotStamp });
      // A registered pilot's token says which pilot asks; the body need not repeat it.
      const pilotStamp = PilotStamp ?? pilotStampOf(currentUser(request));
      const matched = await matchJob(matchDeps(), { ...request.body, PilotStamp: pilotStamp });
      if (matched === undefined) return reply.code(204).send(null);
      return matched;
    },
  );

  app.post(
    '/match/queues',
    {
      schema: {
        operationId: 'jobs_matching_task_queues',
        tags: ['jobs'],
        security,
        summary:
          "gridbox: the task queues a slot could draw jobs from, with their job counts (DIRAC's TaskQueueDB.getMatchingTaskQueues, what a SiteDirector sizes its pilot submission by). Nothing is claimed. A RequiredTag is taken as given: 400 (Wrong conditions) when it is not among the offered tags. Only VO and CPUTime are required; Site may be a list.",
        body: ResourceDescriptionSchema,
        response: {
          200: Type.Array(
            Type.Object({
              TaskQueueID: Type.Integer(),
              Jobs: Type.Integer(),
              OwnerGroup: Type.String(),
              CPUTime: Type.Integer(),
              Priority: Type.Number(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (request) => {
      const { VO, PilotStamp } = request.body;
      await policy.check(request, 'match', { vo: VO, pilotStamp: PilotStamp });
      return matchingQueues(matchDeps(), request.body);
    },
  );

  app.post(
    '/jdl',
    { schema: submissionSchema('jobs_submit_jdl_jobs', 'Submit jobs described in JDL.') },
    async (request, reply) => {
      await policy.check(request, 'create');
      return reply.code(201).send(await submit(request.body, currentUser(request)));
    },
  );

  // Earlier DiracX versions, and scripts written for them, submit here.
  app.post(
    '/',
    {
      schema: submissionSchema(
        'jobs_submit_bulk_jobs',
        'Submit jobs described in JDL (earlier DiracX path).',
      ),
    },
    async (request, reply) => {
      await policy.check(request, 'create');
      return reply.code(201).send(await submit(request.body, currentUser(request)));
    },
  );
};

export const jobsRouter: RouterDefinition = {
  name: 'jobs',
  prefix: '/api/jobs',
  requiresAuth: true,
  plugin,
};
