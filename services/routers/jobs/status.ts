import Type from 'typebox';
import {
  HeartbeatBodySchema,
  JobCommandSchema,
  JobMetaDataBodySchema,
  RescheduleBodySchema,
  RescheduleReturnSchema,
  SetJobStatusBodySchema,
  SetJobStatusReturnSchema,
} from '../../core/index.ts';
import { heartbeat, rescheduleJobs, setJobMetadata, setJobStatuses } from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import type { WmsAction } from './access-policy.ts';
import { ErrorSchema } from '../schemas.ts';
import { type JobsApp, JobsReportError, errors, security, tags } from './common.ts';
import { jobsDeps } from './deps.ts';
import { ForceQuerySchema, ResetJobsQuerySchema } from './schemas.ts';

/** Changing jobs: status reports, heartbeats, reschedules, metadata (DiracX's status.py). */
export function statusRoutes(app: JobsApp, policy: AccessPolicy<WmsAction>): void {
  app.patch(
    '/status',
    {
      schema: {
        operationId: 'jobs_set_job_statuses',
        tags,
        security,
        summary:
          'Report job statuses, keyed by job id then by the (time-zoned) time of each report.',
        querystring: ForceQuerySchema,
        body: SetJobStatusBodySchema,
        response: {
          200: SetJobStatusReturnSchema,
          404: Type.Object({ detail: SetJobStatusReturnSchema }),
          ...errors,
        },
      },
    },
    async (request) => {
      const jobIds = Object.keys(request.body).map(Number);
      await policy.check(request, 'manage', jobIds);
      const result = await setJobStatuses(
        jobsDeps(app).jobs(),
        request.body,
        request.query.force ?? false,
      );
      // As DiracX: when no job at all could be updated, the same report comes back as a 404.
      if (Object.keys(result.success).length === 0)
        throw new JobsReportError('GBX_NOT_FOUND', 'No job could be updated', result);
      return result;
    },
  );

  app.patch(
    '/heartbeat',
    {
      schema: {
        operationId: 'jobs_add_heartbeat',
        tags,
        security,
        summary: "A running job's heartbeat; the answer carries the commands queued for it (Kill).",
        body: HeartbeatBodySchema,
        response: { 200: Type.Array(JobCommandSchema), 404: ErrorSchema, ...errors },
      },
    },
    async (request) => {
      const jobIds = Object.keys(request.body).map(Number);
      await policy.check(request, 'pilot', jobIds);
      return heartbeat(jobsDeps(app).jobs(), request.body);
    },
  );

  app.post(
    '/reschedule',
    {
      schema: {
        operationId: 'jobs_reschedule_jobs',
        tags,
        security,
        summary: 'Send jobs back to the queue, counting reschedules up to the VO’s limit.',
        querystring: ResetJobsQuerySchema,
        body: RescheduleBodySchema,
        response: {
          200: RescheduleReturnSchema,
          ...errors,
          // A message, or (when nothing could be rescheduled) the whole report, as DiracX.
          400: Type.Object({ detail: Type.Unknown() }),
        },
      },
    },
    async (request) => {
      await policy.check(request, 'manage', request.body.job_ids);
      const result = await rescheduleJobs(
        jobsDeps(app).reschedule(),
        request.body.job_ids,
        request.query.reset_jobs ?? false,
      );
      // As DiracX: when no job could be rescheduled, the report comes back as a 400.
      if (Object.keys(result.success).length === 0)
        throw new JobsReportError('GBX_INVALID_REQUEST', 'No job could be rescheduled', result);
      return result;
    },
  );

  app.patch(
    '/metadata',
    {
      schema: {
        operationId: 'jobs_patch_metadata',
        tags,
        security,
        summary: 'Set job attributes (written as they are, no state machine) and job parameters.',
        body: JobMetaDataBodySchema,
        response: { 204: { type: 'null', description: 'Done.' }, 404: ErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'manage', Object.keys(request.body).map(Number));
      await setJobMetadata(jobsDeps(app).jobs(), request.body);
      return reply.code(204).send(null);
    },
  );
}
