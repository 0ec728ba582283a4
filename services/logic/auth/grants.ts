import {
  AuthorizationPendingError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  UnauthorizedError,
} from '../../core/index.ts';
import type { RefreshTokenRow } from '../../db/index.ts';
import type { AuthDeps } from './deps.ts';
import { s256 } from './idp-client.ts';
import { issueTokens } from './issue-tokens.ts';
import type { TokenResponse } from '../../core/index.ts';
import { InvalidTokenError, verifyToken } from './tokens.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The subject claim of the identity provider, stored with the flow. */
function idpSubOf(idToken: Record<string, unknown> | null): string {
  if (typeof idToken?.sub !== 'string')
    throw new InvalidRequestError('The flow has no identity', 'invalid_grant');
  return idToken.sub;
}

/** The device_code grant: polled by `dirac login` until the user has signed in. */
export async function redeemDeviceCode(
  deps: AuthDeps,
  request: { deviceCode: string; clientId: string },
): Promise<TokenResponse> {
  const flow = await deps.authDb.getDeviceFlowByDeviceCode(request.deviceCode);
  // DiracX answers 500 here (an unhandled lookup); an unknown code is the client's mistake.
  if (flow === undefined) throw new InvalidRequestError('Invalid device code', 'invalid_grant');
  if (deps.tokens.clock.nowMs() - flow.createdMs > deps.settings.deviceFlowExpirationS * 1000) {
    throw new UnauthorizedError('Device code expired');
  }
  if (flow.status === 'PENDING') throw new AuthorizationPendingError();
  if (flow.status !== 'READY' || !(await deps.authDb.redeemDeviceFlow(flow.userCode))) {
    throw new InvalidRequestError('Code was already used', 'invalid_grant');
  }
  if (flow.clientId !== request.clientId)
    throw new InvalidRequestError('Bad client_id', 'invalid_client');
  return issueTokens(deps, { scope: flow.scope, idpSub: idpSubOf(flow.idToken) });
}

/** The authorization_code grant, with the PKCE check. */
export async function redeemAuthorizationCode(
  deps: AuthDeps,
  request: { code: string; clientId: string; redirectUri: string; codeVerifier: string },
): Promise<TokenResponse> {
  const flow = await deps.authDb.getAuthorizationFlowByCode(request.code);
  const age = flow === undefined ? Infinity : deps.tokens.clock.nowMs() - flow.createdMs;
  if (flow === undefined || age > deps.settings.authorizationFlowExpirationS * 1000) {
    throw new InvalidRequestError('Invalid or expired code', 'invalid_grant');
  }
  if (flow.status !== 'READY' || !(await deps.authDb.redeemAuthorizationFlow(flow.uuid))) {
    throw new InvalidRequestError('Code was already used', 'invalid_grant');
  }
  if (flow.redirectUri !== request.redirectUri)
    throw new InvalidRequestError('Invalid redirect_uri', 'invalid_grant');
  if (flow.clientId !== request.clientId)
    throw new InvalidRequestError('Bad client_id', 'invalid_client');
  if (s256(request.codeVerifier) !== flow.codeChallenge) {
    throw new InvalidRequestError('Invalid code_challenge', 'invalid_grant');
  }
  return issueTokens(deps, { scope: flow.scope, idpSub: idpSubOf(flow.idToken) });
}

interface RefreshClaims {
  jti: string;
  exp: number;
  legacy: boolean;
}

async function readRefreshToken(deps: AuthDeps, token: string): Promise<RefreshClaims> {
  try {
    const payload = await verifyToken(deps.tokens.keystore, token, deps.tokens.clock);
    if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number')
      throw new InvalidTokenError('not a refresh token');
    return { jti: payload.jti, exp: payload.exp, legacy: payload.legacy_exchange === true };
  } catch (error) {
    if (error instanceof InvalidTokenError)
      throw new UnauthorizedError(`Invalid refresh token: ${error.message}`, true);
    throw error;
  }
}

/**
 * The refresh_token grant. Tokens rotate: the one presented is revoked and a new one keeps
 * its absolute expiry. Presenting a revoked token again means it was stolen or replayed,
 * so every refresh token of that user is revoked. Legacy-exchange tokens do not rotate, and
 * a revoked one is refused.
 */
export async function redeemRefreshToken(
  deps: AuthDeps,
  request: { refreshToken: string },
): Promise<TokenResponse> {
  const claims = await readRefreshToken(deps, request.refreshToken);
  const row = await deps.authDb.getRefreshToken(claims.jti);
  if (row === undefined)
    throw new InvalidRequestError(`Token ${claims.jti} not found`, 'invalid_grant');
  const idpSub = row.Sub.slice(row.Sub.indexOf(':') + 1);
  if (claims.legacy) {
    // Stricter than DiracX, which skips every check on legacy-exchange tokens: they do not
    // rotate, but one revoked (the user logged out, an administrator revoked it) is refused.
    if (row.Status === 'REVOKED') throw new UnauthorizedError('Refresh token revoked', true);
    const issued = await issueTokens(deps, {
      scope: row.Scope,
      idpSub,
      refreshExpiresAtS: claims.exp,
      legacyExchange: true,
    });
    return { ...issued, refresh_token: request.refreshToken };
  }
  // The compare-and-set decides between two racing refreshes: only one rotates.
  if (row.Status === 'REVOKED' || !(await deps.authDb.revokeRefreshToken(claims.jti))) {
    await deps.authDb.revokeUserRefreshTokens(row.Sub);
    throw new UnauthorizedError(
      'Revoked refresh token reused: potential attack detected. You must authenticate again',
      true,
    );
  }
  return issueTokens(deps, { scope: row.Scope, idpSub, refreshExpiresAtS: claims.exp });
}

/**
 * POST /api/auth/revoke (RFC 7009): revokes a refresh token. Like DiracX, a token that
 * cannot be read or is an access token is answered with success; unlike DiracX, an expired
 * or foreign one, or a refresh token never stored, is too, instead of a 500.
 */
export async function revokeToken(
  deps: AuthDeps,
  request: { token: string; tokenTypeHint: string | undefined; clientId: string },
): Promise<string> {
  if (request.clientId !== deps.settings.clientId)
    throw new UnauthorizedError('Unrecognised client_id');
  if (request.tokenTypeHint === 'access_token') {
    throw new InvalidRequestError('unsupported_token_type', 'unsupported_token_type');
  }
  let claims: RefreshClaims;
  try {
    claims = await readRefreshToken(deps, request.token);
  } catch (error) {
    if (error instanceof UnauthorizedError) return 'Refresh token revoked';
    throw error;
  }
  // An access token (or any token this installation never stored) is not revocable: RFC
  // 7009 and DiracX answer success, as for a token already revoked.
  if ((await deps.authDb.getRefreshToken(claims.jti)) === undefined) return 'Refresh token revoked';
  await deps.authDb.revokeRefreshToken(claims.jti);
  return 'Refresh token revoked';
}

/** Who manages refresh tokens: a user, their own; a ProxyManagement holder, their VO's. */
export interface RefreshTokenCaller {
  sub: string;
  vo: string;
  properties: readonly string[];
}

/** Subjects are `<vo>:<subject at the IdP>`: a token's VO is its subject's prefix. */
const ofVo = (sub: string, vo: string) => sub.startsWith(`${vo}:`);

/**
 * The caller's live refresh tokens; for ProxyManagement, every token of the caller's VO,
 * revoked ones too (DiracX shows every VO's; gridbox keeps administrators within their VO).
 */
export async function listRefreshTokens(
  deps: AuthDeps,
  caller: RefreshTokenCaller,
): Promise<ListedRefreshToken[]> {
  const rows = caller.properties.includes('ProxyManagement')
    ? (await deps.authDb.listRefreshTokens(undefined)).filter((row) => ofVo(row.Sub, caller.vo))
    : await deps.authDb.listRefreshTokens(caller.sub);
  return rows.map((row) => ({ ...row, Status: REFRESH_TOKEN_STATUS_NUMBER[row.Status] }));
}

/** DiracX 0.7.0 lists a refresh token's status as its Python enum's value (`auto()` from 1). */
const REFRESH_TOKEN_STATUS_NUMBER = { CREATED: 1, REVOKED: 2 } as const satisfies Record<
  RefreshTokenRow['Status'],
  number
>;

export type ListedRefreshToken = Omit<RefreshTokenRow, 'Status'> & {
  Status: (typeof REFRESH_TOKEN_STATUS_NUMBER)[RefreshTokenRow['Status']];
};

/**
 * DELETE /api/auth/refresh-tokens/{jti}: the owner, or a ProxyManagement holder of the
 * token's VO, may revoke.
 */
export async function revokeRefreshTokenById(
  deps: AuthDeps,
  caller: RefreshTokenCaller,
  jti: string,
): Promise<string> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(jti)) {
    throw new InvalidRequestError(`Invalid JTI: ${jti} is not a UUID`);
  }
  const row = await deps.authDb.getRefreshToken(jti);
  if (row === undefined) throw new NotFoundError(`Token ${jti} not found`);
  const manager = caller.properties.includes('ProxyManagement') && ofVo(row.Sub, caller.vo);
  if (row.Sub !== caller.sub && !manager) {
    throw new ForbiddenError('Cannot revoke a refresh token belonging to another user');
  }
  await deps.authDb.revokeRefreshToken(jti);
  return `Refresh token ${jti} revoked`;
}
