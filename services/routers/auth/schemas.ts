export { DeviceAuthorizationSchema, TokenResponseSchema } from '../../core/index.ts';
import Type from 'typebox';

export const UserInfoSchema = Type.Object(
  {
    sub: Type.String(),
    vo: Type.String(),
    dirac_group: Type.String(),
    properties: Type.Array(Type.String()),
    policies: Type.Record(Type.String(), Type.Unknown()),
    preferred_username: Type.String(),
  },
  { title: 'UserInfoResponse' },
);

export const RefreshTokenRowSchema = Type.Object({
  JTI: Type.String(),
  Status: Type.Integer({ description: "DiracX's RefreshTokenStatus value: 1 created, 2 revoked." }),
  Scope: Type.String(),
  Sub: Type.String(),
});

/** Errors of the token endpoint carry OAuth's `error` besides, or instead of, `detail`. */
export const OAuthErrorSchema = Type.Object({
  detail: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

export const RedirectSchema = { type: 'null', description: 'Redirect (see Location).' } as const;

export const TokenRequestSchema = Type.Object(
  {
    grant_type: Type.Enum([
      'authorization_code',
      'urn:ietf:params:oauth:grant-type:device_code',
      'refresh_token',
    ]),
    client_id: Type.String(),
    device_code: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    redirect_uri: Type.Optional(Type.String()),
    code_verifier: Type.Optional(Type.String()),
    refresh_token: Type.Optional(Type.String()),
  },
  { title: 'Body_auth_get_oidc_token' },
);
