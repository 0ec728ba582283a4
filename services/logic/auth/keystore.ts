import { type JWK, exportJWK, generateKeyPair } from 'jose';
import { type Clock, uuid7 } from '../../core/index.ts';

/** The JWS `alg` written in token headers: DiracX writes RFC 9864's `Ed25519`. */
export type TokenAlgorithm = 'Ed25519' | 'EdDSA';

/** Every algorithm a token may be signed with; anything else (none, HS256…) is refused. */
export const ACCEPTED_ALGORITHMS: readonly string[] = ['Ed25519', 'EdDSA'];

/**
 * A JSON Web Key Set with private keys, as DiracX's TOKEN_KEYSTORE: the first key whose
 * `key_ops` include `sign` signs; every key verifies, matched by `kid`.
 */
export interface Keystore {
  readonly keys: readonly JWK[];
}

export async function generateKeystore(
  clock: Clock,
  alg: TokenAlgorithm = 'Ed25519',
): Promise<Keystore> {
  const { privateKey } = await generateKeyPair('Ed25519', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    keys: [{ ...jwk, kid: uuid7(clock).replaceAll('-', ''), alg, key_ops: ['sign', 'verify'] }],
  };
}

export function signingKey(keystore: Keystore): JWK & { kid: string; alg: string } {
  const key = keystore.keys.find((k) => k.key_ops?.includes('sign'));
  if (key?.kid === undefined || key.alg === undefined) {
    throw new Error('the keystore has no signing key with a kid and an alg');
  }
  return key as JWK & { kid: string; alg: string };
}

/**
 * The keystore as published at /.well-known/jwks.json: private parts removed. DiracX keeps
 * the private key's `key_ops` (sign, verify), which WebCrypto-based verifiers (jose, browsers)
 * refuse to import as a public key; a public key can only verify, so it says so.
 */
export function publicJwks(keystore: Keystore): { keys: JWK[] } {
  return {
    keys: keystore.keys.map((key) => {
      const { d: _private, ...rest } = key;
      return { ...rest, key_ops: ['verify'] };
    }),
  };
}
