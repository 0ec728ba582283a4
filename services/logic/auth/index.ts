export {
  ACCEPTED_ALGORITHMS,
  type Keystore,
  type TokenAlgorithm,
  generateKeystore,
  publicJwks,
  signingKey,
} from './keystore.ts';
export {
  type AccessTokenClaims,
  InvalidTokenError,
  type TokenDeps,
  issueAccessToken,
  sign,
  verifyAccessToken,
  verifyToken,
} from './tokens.ts';
export { type GrantedIdentity, type ScopeInfo, grantScope, parseScope } from './scope.ts';
