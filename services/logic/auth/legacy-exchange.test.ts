import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa, issueProxy, issueUserCertificate } from '../../../ca/index.ts';
import { generateFixtures } from '../../../fixtures/index.ts';
import { ManualClock, SECURITY_PROPERTIES } from '../../core/index.ts';
import { type AuthDB, authDb, openDatabases } from '../../db/index.ts';
import type { AuthDeps } from './deps.ts';
import type { IdpClient } from './idp-client.ts';
import { generateKeystore } from './keystore.ts';
import { redeemRefreshToken, revokeToken } from './grants.ts';
import { legacyExchange, proxyExchange } from './legacy-exchange.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(NOW);
const fixtureSet = generateFixtures({ seed: 1, size: 'small' });
const user = fixtureSet.users[0]!;
const REFRESH_MINUTES = 60;
const API_KEY = randomBytes(32);
const ca = createCa(clock);
const userCert = issueUserCertificate(ca, user.dn, clock);
const databases = await openDatabases('sqlite::memory:', [authDb]);
afterAll(() => databases.close());

const deps: AuthDeps & { caCertPem: string } = {
  authDb: databases.dbs.get('AuthDB') as AuthDB,
  config: fixtureSet.config,
  tokens: { keystore: await generateKeystore(clock), clock, issuer: 'gridbox' },
  // Neither exchange talks to an identity provider.
  idp: {} as IdpClient,
  settings: {
    clientId: 'myDIRACClientID',
    allowedRedirects: [],
    deviceFlowExpirationS: 600,
    authorizationFlowExpirationS: 300,
    accessTokenExpireMinutes: 20,
    refreshTokenExpireMinutes: REFRESH_MINUTES,
    stateKey: randomBytes(32),
    availableProperties: SECURITY_PROPERTIES,
    pilotSecretLifetimeS: 86400,
    legacyExchangeHashedApiKey: createHash('sha256').update(API_KEY).digest('hex'),
  },
  caCertPem: ca.certPem,
};

/** Seconds from now until the refresh token of an exchange expires. */
const refreshLifetimeS = (tokens: { refresh_token: string }) =>
  decodeJwt(tokens.refresh_token).exp! - NOW / 1000;

describe('refresh tokens from exchanges', () => {
  const group = user.groups[0]!;
  const proxy = (hours: number) =>
    issueProxy(userCert, { vo: user.vo, group }, clock, Math.round(hours * 3600));

  it.each([
    ['a proxy of a year', 8760, REFRESH_MINUTES * 60],
    ['a proxy of a day', 24, REFRESH_MINUTES * 60],
    ['a proxy of half an hour', 0.5, 1800],
  ])('last at most the configured lifetime, for %s', async (_name, hours, lifetimeS) => {
    const tokens = await proxyExchange(deps, { proxy: proxy(hours) });
    expect(refreshLifetimeS(tokens)).toBe(lifetimeS);
  });

  it.each([
    ['a year', 525600, REFRESH_MINUTES * 60],
    ['ten minutes', 10, 600],
  ])(
    'last at most the configured lifetime when a legacy exchange asks for %s',
    async (_name, minutes, lifetimeS) => {
      const tokens = await legacyExchange(deps, {
        authorization: `Bearer diracx:legacy:${API_KEY.toString('base64url')}`,
        preferredUsername: user.username,
        scope: `vo:${user.vo}`,
        expiresMinutes: minutes,
      });
      expect(refreshLifetimeS(tokens)).toBe(lifetimeS);
    },
  );
});

describe('a legacy-exchange refresh token', () => {
  const exchange = () =>
    legacyExchange(deps, {
      authorization: `Bearer diracx:legacy:${API_KEY.toString('base64url')}`,
      preferredUsername: user.username,
      scope: `vo:${user.vo}`,
    });

  it('is not rotated by a refresh', async () => {
    const tokens = await exchange();
    const refreshed = await redeemRefreshToken(deps, { refreshToken: tokens.refresh_token! });
    expect(refreshed.refresh_token).toBe(tokens.refresh_token);
    await redeemRefreshToken(deps, { refreshToken: tokens.refresh_token! });
  });

  it('is refused once revoked, and other sessions of the user go on', async () => {
    const revoked = await exchange();
    const other = await exchange();
    await revokeToken(deps, {
      token: revoked.refresh_token!,
      tokenTypeHint: undefined,
      clientId: 'myDIRACClientID',
    });
    await expect(
      redeemRefreshToken(deps, { refreshToken: revoked.refresh_token! }),
    ).rejects.toThrow('Refresh token revoked');
    const refreshed = await redeemRefreshToken(deps, { refreshToken: other.refresh_token! });
    expect(refreshed.access_token).toBeTruthy();
  });
});
