import Type, { type Static } from 'typebox';

/** The statuses DIRAC's resource status system gives a site. */
export const SITE_STATUSES = [
  'Active',
  'Degraded',
  'Banned',
  'Probing',
  'Error',
  'Unknown',
] as const;

/** A site of the configuration, as a path parameter. */
export const SiteParamsSchema = Type.Object({ site: Type.String({ maxLength: 64 }) });

/** gridbox's change of a site's status for the caller's VO. */
export const SetSiteStatusBodySchema = Type.Object(
  {
    status: Type.Enum([...SITE_STATUSES]),
    reason: Type.Optional(Type.String({ maxLength: 512 })),
    vo: Type.Optional(
      Type.String({
        maxLength: 64,
        description: "The caller's VO (the default); any other, 'all' included, is refused.",
      }),
    ),
  },
  { additionalProperties: false },
);

export type SiteStatus = (typeof SITE_STATUSES)[number];
export type SetSiteStatusBody = Static<typeof SetSiteStatusBodySchema>;
