import Type from 'typebox';
import { InsertedJobSchema, JdlListSchema } from '../../core/index.ts';
import { submitJdlJobs } from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import type { WmsAction } from './access-policy.ts';
import { currentUser } from '../authenticate.ts';
import { type JobsApp, errors, security, tags } from './common.ts';
import { jobsDeps } from './deps.ts';

const submissionSchema = (operationId: string, summary: string) => ({
  operationId,
  tags,
  security,
  summary,
  body: JdlListSchema,
  response: { 201: Type.Array(InsertedJobSchema), ...errors },
});

/** Submitting jobs described in JDL (DiracX's submission.py). */
export function submissionRoutes(app: JobsApp, policy: AccessPolicy<WmsAction>): void {
  const routes = [
    ['/jdl', 'jobs_submit_jdl_jobs', 'Submit jobs described in JDL.'],
    // Earlier DiracX versions, and scripts written for them, submit here.
    ['/', 'jobs_submit_bulk_jobs', 'Submit jobs described in JDL (earlier DiracX path).'],
  ] as const;
  for (const [path, operationId, summary] of routes) {
    app.post(path, { schema: submissionSchema(operationId, summary) }, async (request, reply) => {
      await policy.check(request, 'create');
      const inserted = await submitJdlJobs(
        jobsDeps(app).submission(),
        currentUser(request),
        request.body,
      );
      return reply.code(201).send(inserted);
    });
  }
}
