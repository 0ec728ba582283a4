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
  },
  { additionalProperties: false },
);

export type ExampleSection = Static<typeof ExampleSectionSchema>;

const DEFAULTS: Required<ExampleSection> = { FrozenUsers: [], MaxTagsPerJob: 5 };

/** The section of `vo` (checked at start-up), with defaults for what it leaves out. */
export function exampleSettings(config: Config | undefined, vo: string): Required<ExampleSection> {
  const section = (config?.Operations[vo] as Record<string, unknown> | undefined)?.Example;
  return { ...DEFAULTS, ...(section as ExampleSection | undefined) };
}
