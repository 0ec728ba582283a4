import { type TokenResponse, uuid7, uuid7TimeMs } from '../../core/index.ts';
import type { AuthDeps } from './deps.ts';
import { grantScope, parseScope } from './scope.ts';
import { issueAccessToken, sign } from './tokens.ts';

export interface IssueRequest {
  scope: string;
  /** The subject at the identity provider (without the VO prefix). */
  idpSub: string;
  /**
   * When the refresh token must expire, if sooner than the configured lifetime allows: a
   * rotation keeps its predecessor's, an exchanged proxy or a legacy exchange ask for theirs.
   */
  refreshExpiresAtS?: number;
  legacyExchange?: boolean;
}

/**
 * Maps the scope through the current Registry, records a refresh token and signs both
 * tokens, as DiracX's exchange_token does. Refusals are 400 (bad scope) or 403 (not allowed).
 */
export async function issueTokens(deps: AuthDeps, request: IssueRequest): Promise<TokenResponse> {
  const scope = parseScope(request.scope, deps.config, deps.settings.availableProperties);
  const identity = grantScope(deps.config, scope, request.idpSub);
  const refreshJti = uuid7(deps.tokens.clock);
  await deps.authDb.insertRefreshToken(refreshJti, identity.sub, request.scope);
  // No refresh token outlives the configured lifetime, whatever its source asks for: a
  // self-made proxy can claim a year.
  const longest = Math.floor(
    uuid7TimeMs(refreshJti) / 1000 + deps.settings.refreshTokenExpireMinutes * 60,
  );
  const refreshExp = Math.min(request.refreshExpiresAtS ?? longest, longest);
  const refreshToken = sign(deps.tokens.keystore, {
    jti: refreshJti,
    exp: refreshExp,
    legacy_exchange: request.legacyExchange ?? false,
    dirac_policies: {},
  });
  const access = await issueAccessToken(
    deps.tokens,
    {
      sub: identity.sub,
      vo: identity.vo,
      dirac_group: identity.group,
      preferred_username: identity.preferredUsername,
      dirac_properties: identity.properties,
    },
    deps.settings.accessTokenExpireMinutes,
  );
  return {
    access_token: access.token,
    expires_in: deps.settings.accessTokenExpireMinutes * 60,
    token_type: 'Bearer',
    refresh_token: refreshToken,
  };
}
