import Type from 'typebox';
import { JobStatusesSchema, SearchParamsSchema, SummaryParamsSchema } from '../../core/index.ts';
import { jobStatuses, searchJobs, summarizeJobs } from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import type { WmsAction } from './access-policy.ts';
import { currentUser } from '../authenticate.ts';
import {
  PageQuerySchema,
  RowsSchema,
  SearchResponses,
  emptySearchBodyIfMissing,
} from '../schemas.ts';
import { sendPage } from '../send-page.ts';
import { type JobsApp, errors, security, tags } from './common.ts';
import { jobsDeps } from './deps.ts';
import { JobIdsQuerySchema } from './schemas.ts';

/** Reading jobs: search, summary and the earlier bulk status route (DiracX's query.py). */
export function queryRoutes(app: JobsApp, policy: AccessPolicy<WmsAction>): void {
  app.post(
    '/search',
    {
      schema: {
        operationId: 'jobs_search',
        tags,
        security,
        summary:
          'Jobs matching the filters, one page at a time (206 with Content-Range when partial).',
        querystring: PageQuerySchema,
        body: Type.Optional(SearchParamsSchema),
        response: { ...SearchResponses, ...errors },
      },
      preValidation: emptySearchBodyIfMissing,
    },
    async (request, reply) => {
      await policy.check(request, 'query');
      const result = await searchJobs(
        jobsDeps(app).query(),
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
        tags,
        security,
        summary: 'Counts of matching jobs, grouped by the given columns.',
        body: SummaryParamsSchema,
        response: { 200: RowsSchema, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'query');
      return summarizeJobs(jobsDeps(app).query(), currentUser(request), request.body);
    },
  );

  app.get(
    '/status',
    {
      schema: {
        operationId: 'jobs_get_job_status_bulk',
        tags,
        security,
        summary: 'Status, minor status and application status of jobs (earlier DiracX route).',
        querystring: JobIdsQuerySchema,
        response: { 200: JobStatusesSchema, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'read', request.query.job_ids);
      return jobStatuses(jobsDeps(app).query(), currentUser(request), request.query.job_ids);
    },
  );
}
