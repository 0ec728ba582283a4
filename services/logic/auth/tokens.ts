import {
  type JsonWebKey,
  type KeyObject,
  createPrivateKey,
  sign as signEd25519,
} from 'node:crypto';
import {
  type JWK,
  type JWTPayload,
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { type Clock, uuid7, uuid7TimeMs } from '../../core/index.ts';
import { ACCEPTED_ALGORITHMS, type Keystore, publicJwks, signingKey } from './keystore.ts';

/** The claims of a DiracX access token. */
export interface AccessTokenClaims {
  /** `<vo>:<subject at the identity provider>` */
  sub: string;
  vo: string;
  iss: string;
  dirac_properties: string[];
  jti: string;
  preferred_username: string;
  dirac_group: string;
  exp: number;
  dirac_policies: Record<string, unknown>;
}

export interface TokenDeps {
  keystore: Keystore;
  clock: Clock;
  /** `iss` written into, and required of, every access token. */
  issuer: string;
  /**
   * Told of every access token signed here, so that its first use is not one more
   * signature check: every pilot trades its secret for a token and uses it at once.
   */
  verified?: { remember(token: string, claims: AccessTokenClaims): void };
}

/** Why a token was refused; callers answer 401 without saying which. */
export class InvalidTokenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidTokenError';
  }
}

type AccessTokenInput = Omit<AccessTokenClaims, 'jti' | 'exp' | 'iss' | 'dirac_policies'> & {
  dirac_policies?: Record<string, unknown>;
};

/** Signs an access token; its `exp` is the time inside its UUIDv7 `jti` plus the lifetime. */
export async function issueAccessToken(
  deps: TokenDeps,
  claims: AccessTokenInput,
  lifetimeMinutes: number,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const jti = uuid7(deps.clock);
  const full: AccessTokenClaims = {
    sub: claims.sub,
    vo: claims.vo,
    iss: deps.issuer,
    dirac_properties: claims.dirac_properties,
    jti,
    preferred_username: claims.preferred_username,
    dirac_group: claims.dirac_group,
    exp: Math.floor(uuid7TimeMs(jti) / 1000 + lifetimeMinutes * 60),
    dirac_policies: claims.dirac_policies ?? {},
  };
  const token = sign(deps.keystore, full as unknown as JWTPayload);
  deps.verified?.remember(token, full);
  return { token, claims: full };
}

/**
 * Signs `payload` with the keystore's signing key as a compact JWS; DiracX headers carry only
 * typ, alg, kid. Ed25519 is the only algorithm a keystore holds (keystore.ts), and it is
 * deterministic, so this is byte for byte what jose's SignJWT gives. jose signs through
 * WebCrypto, which hands every signature to the thread pool and back; node:crypto signs in
 * place, in a quarter of the time, and a pilot's token is signed on every pilot's first call.
 */
export function sign(keystore: Keystore, payload: JWTPayload): string {
  const key = signingKey(keystore);
  const header = { typ: 'JWT', alg: key.alg, kid: key.kid };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = signEd25519(null, Buffer.from(input), privateKeyOf(key));
  return `${input}.${signature.toString('base64url')}`;
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

const privateKeys = new WeakMap<JWK, KeyObject>();

/** Each signing key imported once. */
function privateKeyOf(key: ReturnType<typeof signingKey>): KeyObject {
  let imported = privateKeys.get(key);
  if (imported === undefined) {
    if (key.kty !== 'OKP' || key.crv !== 'Ed25519' || !ACCEPTED_ALGORITHMS.includes(key.alg))
      throw new Error(`the signing key is not an Ed25519 key (kty ${key.kty}, alg ${key.alg})`);
    const { key_ops: _uses, alg: _alg, kid: _kid, ...privateJwk } = key as JWK;
    imported = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
    privateKeys.set(key, imported);
  }
  return imported;
}

/**
 * Verifies a signature against the keystore (by `kid`, Ed25519 only), the expiry against
 * the injected clock, and, when given, the issuer. Returns the payload.
 */
export async function verifyToken(
  keystore: Keystore,
  token: string,
  clock: Clock,
  issuer?: string,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, verificationKeys(keystore), {
      algorithms: [...ACCEPTED_ALGORITHMS],
      currentDate: new Date(clock.nowMs()),
      clockTolerance: 0,
      ...(issuer === undefined ? {} : { issuer }),
      requiredClaims: ['exp', 'jti'],
    });
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) {
      throw new InvalidTokenError(error.message, { cause: error });
    }
    throw error;
  }
}

const verifiers = new WeakMap<Keystore, ReturnType<typeof createLocalJWKSet>>();

/** The public keys for jose, built once per keystore so imported keys are reused across requests. */
function verificationKeys(keystore: Keystore) {
  let keys = verifiers.get(keystore);
  if (keys === undefined) {
    keys = createLocalJWKSet(publicJwks(keystore));
    verifiers.set(keystore, keys);
  }
  return keys;
}

const REQUIRED_ACCESS_CLAIMS = [
  'sub',
  'vo',
  'dirac_group',
  'preferred_username',
  'dirac_properties',
  'iss',
];

/** Verifies an access token and checks it has every claim the services rely on. */
export async function verifyAccessToken(
  deps: TokenDeps,
  token: string,
): Promise<AccessTokenClaims> {
  const payload = await verifyToken(deps.keystore, token, deps.clock, deps.issuer);
  const missing = REQUIRED_ACCESS_CLAIMS.filter((claim) => payload[claim] === undefined);
  if (missing.length > 0 || !Array.isArray(payload.dirac_properties)) {
    throw new InvalidTokenError(
      `not an access token: missing ${missing.join(', ') || 'dirac_properties'}`,
    );
  }
  return { dirac_policies: {}, ...payload } as unknown as AccessTokenClaims;
}
