export type { AuthDeps, AuthSettings } from './deps.ts';
export {
  DEVICE_CODE_GRANT,
  listRefreshTokens,
  redeemAuthorizationCode,
  redeemDeviceCode,
  redeemRefreshToken,
  revokeRefreshTokenById,
  revokeToken,
} from './grants.ts';
export { IdpClient, type IdpMetadata, pkcePair, s256 } from './idp-client.ts';
export { type IssueRequest, issueTokens } from './issue-tokens.ts';
export { VERIFIED_TOKEN_TTL_MS, VerifiedTokens } from './verified-tokens.ts';
export {
  ACCEPTED_ALGORITHMS,
  type Keystore,
  type TokenAlgorithm,
  generateKeystore,
  publicJwks,
  signingKey,
} from './keystore.ts';
export {
  finishAuthorizationFlow,
  finishDeviceFlowLogin,
  initiateDeviceFlow,
  startAuthorizationFlow,
  startDeviceFlowLogin,
} from './login-flows.ts';
export { type GrantedIdentity, type ScopeInfo, grantScope, parseScope } from './scope.ts';
export { decryptState, encryptState } from './state.ts';
export {
  type AccessTokenClaims,
  InvalidTokenError,
  type TokenDeps,
  issueAccessToken,
  sign,
  verifyAccessToken,
  verifyToken,
} from './tokens.ts';
export { legacyExchange, proxyExchange } from './legacy-exchange.ts';
export { type TokenIdentity, mintAccessToken } from './mint.ts';
export { pilotStampOf, pilotToken } from './pilot-token.ts';
