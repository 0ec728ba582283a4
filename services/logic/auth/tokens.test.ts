import { createHmac } from 'node:crypto';
import { type JWK, SignJWT, decodeProtectedHeader, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { generateKeystore, publicJwks, signingKey } from './keystore.ts';
import { InvalidTokenError, issueAccessToken, sign, verifyAccessToken } from './tokens.ts';
import { ALICE as alice } from './claims.testkit.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const ISSUER = 'https://box.example';
const clock = new ManualClock(NOW);
const keystore = await generateKeystore(clock);
const deps = { keystore, clock, issuer: ISSUER };
const { token, claims } = await issueAccessToken(deps, alice, 20);
const otherKeystore = await generateKeystore(clock);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const [header, payload, signature] = token.split('.') as [string, string, string];
/** Flips one character of a base64url segment. */
const flip = (segment: string, at: number) =>
  segment.slice(0, at) + (segment[at] === 'A' ? 'B' : 'A') + segment.slice(at + 1);

describe('access tokens', () => {
  it('carry the DiracX claims, an Ed25519 header and a kid published in the JWKS', async () => {
    expect(claims).toEqual({
      ...alice,
      iss: ISSUER,
      jti: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      exp: NOW / 1000 + 20 * 60,
      dirac_policies: {},
    });
    const protectedHeader = decodeProtectedHeader(token);
    expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'Ed25519', kid: expect.any(String) });
    expect(publicJwks(keystore).keys.map((k) => k.kid)).toContain(protectedHeader.kid);
    expect(publicJwks(keystore).keys[0]).not.toHaveProperty('d');
    await expect(verifyAccessToken(deps, token)).resolves.toEqual(claims);
  });

  it('verify when signed with the EdDSA header too', async () => {
    const eddsa = await generateKeystore(clock, 'EdDSA');
    const signed = await issueAccessToken({ ...deps, keystore: eddsa }, alice, 20);
    expect(decodeProtectedHeader(signed.token).alg).toBe('EdDSA');
    await expect(
      verifyAccessToken({ ...deps, keystore: eddsa }, signed.token),
    ).resolves.toMatchObject(alice);
  });

  it('are signed byte for byte as jose signs them, for either header', async () => {
    for (const store of [keystore, await generateKeystore(clock, 'EdDSA')]) {
      const key = signingKey(store);
      const { key_ops: _uses, ...privateJwk } = key as JWK;
      const byJose = await new SignJWT({ ...claims })
        .setProtectedHeader({ typ: 'JWT', alg: key.alg, kid: key.kid })
        .sign(await importJWK(privateJwk, key.alg));
      expect(sign(store, { ...claims })).toBe(byJose);
    }
  });

  const forgeries: [string, () => Promise<string>, Partial<typeof deps>?][] = [
    ['that has expired', async () => token, { clock: new ManualClock(NOW + 21 * 60_000) }],
    ['whose signature was changed', async () => `${header}.${payload}.${flip(signature, 10)}`],
    ['whose claims were changed', async () => `${header}.${flip(payload, 12)}.${signature}`],
    ['with alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`],
    [
      'signed HS256 with the public key as secret',
      async () => {
        const forgedHeader = b64({
          alg: 'HS256',
          typ: 'JWT',
          kid: decodeProtectedHeader(token).kid,
        });
        const secret = JSON.stringify(publicJwks(keystore).keys[0]);
        const mac = createHmac('sha256', secret)
          .update(`${forgedHeader}.${payload}`)
          .digest('base64url');
        return `${forgedHeader}.${payload}.${mac}`;
      },
    ],
    [
      'signed with a key the box does not know',
      async () => (await issueAccessToken({ ...deps, keystore: otherKeystore }, alice, 20)).token,
    ],
    [
      'issued by another issuer',
      async () =>
        (await issueAccessToken({ ...deps, issuer: 'https://elsewhere' }, alice, 20)).token,
    ],
    [
      'that is not an access token',
      async () => sign(keystore, { jti: 'x', exp: NOW / 1000 + 60, legacy_exchange: false }),
    ],
    ['that is not a JWT', async () => 'not-a-jwt'],
    [
      'signed HS256 with the kid of a real key',
      async () =>
        new SignJWT({ ...claims })
          .setProtectedHeader({ alg: 'HS256', kid: decodeProtectedHeader(token).kid! })
          .sign(new TextEncoder().encode('guessable')),
    ],
  ];
  it.each(forgeries)('are refused when %s', async (_name, make, overrides = {}) => {
    await expect(verifyAccessToken({ ...deps, ...overrides }, await make())).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
  });
});
