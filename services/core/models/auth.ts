import Type, { type Static } from 'typebox';

/** What the token endpoint answers (DiracX's TokenResponse). */
export const TokenResponseSchema = Type.Object(
  {
    access_token: Type.String(),
    expires_in: Type.Integer(),
    token_type: Type.Literal('Bearer'),
    refresh_token: Type.String(),
  },
  { title: 'TokenResponse' },
);

/** What starting a device flow answers (DiracX's InitiateDeviceFlowResponse). */
export const DeviceAuthorizationSchema = Type.Object(
  {
    user_code: Type.String(),
    device_code: Type.String(),
    verification_uri: Type.String(),
    verification_uri_complete: Type.String(),
    expires_in: Type.Integer(),
  },
  { title: 'InitiateDeviceFlowResponse' },
);

export type TokenResponse = Static<typeof TokenResponseSchema>;
export type DeviceAuthorization = Static<typeof DeviceAuthorizationSchema>;
