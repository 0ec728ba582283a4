import Type, { type Static } from 'typebox';
import type { Config } from '../../../services/core/index.ts';

/**
 * `Operations.<vo>.Example`: what the example reads from the configuration. gridbox checks
 * each VO's section against this schema at start-up; a VO may leave it out.
 */
export const ExampleSectionSchema = Type.Object(
  {
    /** Users of the VO who may no longer submit jobs (the changed wms policy refuses them). */
    FrozenUsers: Type.Optional(Type.Array(Type.String())),
    /** At most this many tags on one job. */
    MaxTagsPerJob: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Executables the VO's jobs may not run (the submission hook refuses such a job). */
    BannedExecutables: Type.Optional(Type.Array(Type.String())),
    /** The JobGroup the submission hook gives a job that names none (none when empty). */
    DefaultJobGroup: Type.Optional(Type.String({ maxLength: 32 })),
    /** Record the VO's jobs as they end, in LollygagDB (the status observer). */
    RecordEndedJobs: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type ExampleSection = Static<typeof ExampleSectionSchema>;

// Everything off by default: a VO without the section runs as gridbox alone does.
const DEFAULTS: Required<ExampleSection> = {
  FrozenUsers: [],
  MaxTagsPerJob: 5,
  BannedExecutables: [],
  DefaultJobGroup: '',
  RecordEndedJobs: false,
};

/** The section of `vo` (checked at start-up), with defaults for what it leaves out. */
export function exampleSettings(config: Config | undefined, vo: string): Required<ExampleSection> {
  const section = (config?.Operations[vo] as Record<string, unknown> | undefined)?.Example;
  return { ...DEFAULTS, ...(section as ExampleSection | undefined) };
}
