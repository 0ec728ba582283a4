import Type, { type Static } from 'typebox';

/** DiracX's pilot statuses (its PilotStatus enum). */
export const PILOT_STATUSES = [
  'Submitted',
  'Waiting',
  'Running',
  'Done',
  'Failed',
  'Deleted',
  'Aborted',
  'Unknown',
] as const;

/**
 * What registering a pilot takes (DiracX's PilotRegistrationParams). Defaults are optional,
 * as in DiracX's document; validation fills them in.
 */
export const PilotRegistrationSchema = Type.Object(
  {
    pilot_stamp: Type.String({ minLength: 1, maxLength: 32 }),
    vo: Type.String({ minLength: 1, maxLength: 128 }),
    grid_type: Type.Optional(Type.String({ default: 'DIRAC', maxLength: 32 })),
    grid_site: Type.Optional(Type.String({ default: 'Unknown', maxLength: 128 })),
    destination_site: Type.Optional(Type.String({ default: 'NotAssigned', maxLength: 128 })),
    pilot_reference: Type.Optional(Type.String({ maxLength: 255 })),
    pilot_status: Type.Optional(
      Type.Enum([...PILOT_STATUSES], { default: 'Submitted', title: 'PilotStatus' }),
    ),
  },
  { additionalProperties: false, title: 'PilotRegistrationParams' },
);

/** gridbox's answer to a registration: the secret the pilot trades for tokens. */
export const PilotCredentialsSchema = Type.Object({
  pilot_stamp: Type.String(),
  pilot_secret: Type.String(),
  pilot_secret_expires_in: Type.Integer(),
});

/** Fields of pilots to change, by stamp (DiracX's PilotMetadata). */
export const PilotMetadataBodySchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 32 }),
  Type.Object(
    {
      StatusReason: Type.Optional(Type.String({ maxLength: 255 })),
      Status: Type.Optional(Type.Enum([...PILOT_STATUSES], { title: 'PilotStatus' })),
      BenchMark: Type.Optional(Type.Number()),
      DestinationSite: Type.Optional(Type.String({ maxLength: 128 })),
      Queue: Type.Optional(Type.String({ maxLength: 128 })),
      GridSite: Type.Optional(Type.String({ maxLength: 128 })),
      GridType: Type.Optional(Type.String({ maxLength: 32 })),
      AccountingSent: Type.Optional(Type.Boolean()),
      CurrentJobID: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false, title: 'PilotMetadata' },
  ),
);

/** What a registered pilot trades for an access token (gridbox's pilot-token route). */
export const PilotTokenRequestSchema = Type.Object(
  {
    pilot_stamp: Type.String({ maxLength: 32 }),
    pilot_secret: Type.String({ maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const PilotTokenResponseSchema = Type.Object({
  access_token: Type.String(),
  expires_in: Type.Integer(),
  token_type: Type.Literal('Bearer'),
});

export type PilotStatus = (typeof PILOT_STATUSES)[number];
export type PilotRegistration = Static<typeof PilotRegistrationSchema>;
export type PilotCredentials = Static<typeof PilotCredentialsSchema>;
export type PilotMetadataBody = Static<typeof PilotMetadataBodySchema>;
export type PilotUpdate = PilotMetadataBody[string];
export type PilotTokenRequest = Static<typeof PilotTokenRequestSchema>;
export type PilotTokenResponse = Static<typeof PilotTokenResponseSchema>;
