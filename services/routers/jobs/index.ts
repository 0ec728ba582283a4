import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { InsertedJobSchema } from '../../core/index.ts';
import type { JobDB, JobLoggingDB, TaskQueueDB } from '../../db/index.ts';
import { requireConfig, submitJdlJobs } from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

const submissionSchema = (operationId: string, summary: string) => ({
  operationId,
  tags: ['jobs'],
  security: [{ OpenIDConnect: [] }],
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
