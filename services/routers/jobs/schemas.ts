import Type from 'typebox';
import { JobIdsSchema, PfnSchema, SandboxTypeSchema } from '../../core/index.ts';

// The query strings and path parameters of the jobs routes; bodies and answers are wire
// models, in services/core/models.

export const JobIdParamsSchema = Type.Object({ job_id: Type.Integer({ minimum: 1 }) });

export const JobSandboxParamsSchema = Type.Object({
  job_id: Type.Integer({ minimum: 1 }),
  sandbox_type: SandboxTypeSchema,
});

export const JobIdsQuerySchema = Type.Object({ job_ids: JobIdsSchema });

export const PfnQuerySchema = Type.Object({ pfn: PfnSchema });

export const ForceQuerySchema = Type.Object({
  force: Type.Optional(Type.Boolean({ default: false })),
});

export const ResetJobsQuerySchema = Type.Object({
  reset_jobs: Type.Optional(Type.Boolean({ default: false })),
});
