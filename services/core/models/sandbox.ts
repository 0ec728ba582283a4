import Type, { type Static } from 'typebox';
import { JobIdsSchema } from './job.ts';

export const SANDBOX_FORMATS = ['tar.bz2', 'tar.zst'] as const;

/** What a client says of the sandbox it wants to upload (DiracX's SandboxInfo). */
export const SandboxInfoSchema = Type.Object(
  {
    checksum_algorithm: Type.Literal('sha256', { title: 'ChecksumAlgorithm' }),
    checksum: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
    size: Type.Integer({ minimum: 1 }),
    format: Type.Enum([...SANDBOX_FORMATS], { title: 'SandboxFormat' }),
  },
  { additionalProperties: false, title: 'SandboxInfo' },
);

export const SandboxUploadResponseSchema = Type.Object(
  {
    pfn: Type.String(),
    url: Type.Union([Type.String(), Type.Null()]),
    fields: Type.Record(Type.String(), Type.String()),
  },
  { title: 'SandboxUploadResponse' },
);

export const SandboxDownloadResponseSchema = Type.Object(
  { url: Type.String(), expires_in: Type.Integer() },
  { title: 'SandboxDownloadResponse' },
);

/** A sandbox PFN as routes take it, in a query string or a body. */
export const PfnSchema = Type.String({ maxLength: 256 });

/** One type of a job's sandboxes, as stored PFNs. */
export const PfnListSchema = Type.Array(Type.String());

/** A job's sandboxes, as stored PFNs. */
export const JobSandboxesSchema = Type.Object({ Input: PfnListSchema, Output: PfnListSchema });

/** Which of a job's sandboxes. */
export const SandboxTypeSchema = Type.Enum(['input', 'output'], { title: 'SandboxType' });

/** The jobs whose sandboxes to unlink. */
export const UnassignSandboxesBodySchema = Type.Object(
  { job_ids: JobIdsSchema },
  { additionalProperties: false, title: 'Body_jobs_unassign_bulk_jobs_sandboxes' },
);

/**
 * A sandbox PFN, with or without its `SB:<SE>|` prefix:
 * `/S3/<bucket>/<vo>/<group>/<user>/sha256:<hex>.<format>`. Every part is a plain name, so
 * a PFN can never reach outside the store.
 */
export const SANDBOX_PFN =
  /^(?:SB:([A-Za-z0-9_.-]+)\|)?\/S3\/([a-z0-9.-]+)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/(sha256):([0-9a-f]{64})\.(tar\.bz2|tar\.zst)$/;

export type SandboxInfo = Static<typeof SandboxInfoSchema>;
export type SandboxFormat = (typeof SANDBOX_FORMATS)[number];
export type SandboxType = Static<typeof SandboxTypeSchema>;
export type PfnList = Static<typeof PfnListSchema>;
export type SandboxUploadResponse = Static<typeof SandboxUploadResponseSchema>;
export type SandboxDownloadResponse = Static<typeof SandboxDownloadResponseSchema>;
