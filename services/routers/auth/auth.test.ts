import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry, extendRegistry } from '../../app/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';
import { ManualClock, uuid7 } from '../../core/index.ts';
import type { AuthDB } from '../../db/index.ts';
import { generateKeystore, issueAccessToken } from '../../logic/index.ts';
import { currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ALICE as alice } from '../../logic/auth/claims.testkit.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(NOW);
const keystore = await generateKeystore(clock);
const issuer = 'https://box.test';
const { token } = await issueAccessToken({ keystore, clock, issuer }, alice, 20);

/** A system that, like DiracX's jobs, needs a token on every route. */
const whoamiRouter: RouterDefinition = {
  name: 'whoami',
  prefix: '/api/whoami',
  requiresAuth: true,
  needs: { dbs: [], policies: [] },
  plugin: async (app) => {
    app.get(
      '/',
      { schema: { response: { 200: Type.Object({ user: Type.String() }) } } },
      (request) => ({
        user: currentUser(request).preferred_username,
      }),
    );
  },
};

const box = await testBox({
  configModifiedMs: NOW,
  registry: extendRegistry(builtinRegistry, { routers: [whoamiRouter] }),
  auth: { keystore, issuer },
  clock,
});
afterAll(() => box.close());
const { app } = box;

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
const changedByte = `${token.slice(0, -5)}${token.at(-5) === 'A' ? 'B' : 'A'}${token.slice(-4)}`;

describe('GET /api/auth/userinfo', () => {
  it('describes the bearer of a valid token', async () => {
    const response = await app.inject({ url: '/api/auth/userinfo', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      sub: 'lhcb:3f2a',
      vo: 'lhcb',
      dirac_group: 'lhcb_user',
      properties: ['NormalUser'],
      policies: {},
      preferred_username: 'alice',
    });
  });

  it.each([
    ['no Authorization header', {}, 401, 'Authorization header is missing'],
    [
      'a header that is not Bearer',
      { authorization: `Token ${token}` },
      400,
      'Invalid authorization header',
    ],
    ['the same token with one byte changed', bearer(changedByte), 401, 'Invalid JWT'],
    ['garbage', bearer('x.y.z'), 401, 'Invalid JWT'],
  ])('refuses %s', async (_name, headers, status, detail) => {
    const response = await app.inject({ url: '/api/auth/userinfo', headers });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ detail });
  });

  it('challenges a request that brought no token', async () => {
    const response = await app.inject('/api/auth/userinfo');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('time', () => {
  it('refuses an access token once it has expired', async () => {
    const later = new ManualClock(NOW);
    await using timed = await testBox({
      configModifiedMs: NOW,
      auth: { keystore, issuer },
      clock: later,
    });
    expect((await timed.inject('GET', '/api/auth/userinfo', token)).statusCode).toBe(200);
    later.advance(20 * 60_000 + 1000);
    const response = await timed.inject('GET', '/api/auth/userinfo', token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid JWT' });
  });

  it('answers a device-flow poll "authorization_pending", then "Device code expired" after ten minutes', async () => {
    const later = new ManualClock(NOW);
    await using timed = await testBox({
      configModifiedMs: NOW,
      auth: { keystore, issuer },
      clock: later,
    });
    const started = await timed.inject(
      'POST',
      `/api/auth/device?client_id=myDIRACClientID&scope=vo:${timed.vos[0]}`,
    );
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({
      expires_in: 600,
      verification_uri: 'http://localhost:80/api/auth/device',
    });
    const poll = () =>
      timed.app.inject({
        method: 'POST',
        url: '/api/auth/token',
        payload: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          client_id: 'myDIRACClientID',
          device_code: started.json().device_code,
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const pending = await poll();
    expect(pending.statusCode).toBe(400);
    expect(pending.json()).toEqual({ error: 'authorization_pending' });
    later.advance(601_000);
    const expired = await poll();
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toEqual({ detail: 'Device code expired' });
  });

  it.each([
    ['an unknown client id', 'client_id=someone&scope=vo:x', 'Unrecognised client ID'],
    [
      'a scope without a VO',
      'client_id=myDIRACClientID&scope=property:NormalUser',
      /^No vo scope requested/,
    ],
  ])('refuses to start a device flow for %s', async (_name, query, detail) => {
    const response = await app.inject({ method: 'POST', url: `/api/auth/device?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(detail);
  });
});

describe('GET /api/auth/legacy-exchange', () => {
  it('answers 503 when no API key is configured, as DiracX does', async () => {
    const response = await app.inject({
      url: '/api/auth/legacy-exchange?preferred_username=alice&scope=vo:lhcb',
      headers: { authorization: 'Bearer diracx:legacy:c2VjcmV0' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ detail: 'Legacy exchange is not enabled' });
  });
});

describe('systems that require authentication', () => {
  it('serve the holder of a valid token', async () => {
    const response = await app.inject({ url: '/api/whoami/', headers: bearer(token) });
    expect(response.json()).toEqual({ user: 'alice' });
  });

  it('refuse everyone else on every route, before the handler runs', async () => {
    expect((await app.inject('/api/whoami/')).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/api/whoami/', headers: bearer(changedByte) })).statusCode,
    ).toBe(401);
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes the verification keys and never a private part', async () => {
    const { keys } = (await app.inject('/.well-known/jwks.json')).json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'Ed25519',
      kid: keystore.keys[0]!.kid,
    });
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('refresh tokens under ProxyManagement', () => {
  const manager = (vo: string) =>
    box.token({
      vo,
      user: 'root',
      group: `${vo}_admin`,
      properties: ['NormalUser', 'ProxyManagement'],
      lifetimeMinutes: 20,
    });
  const jtis = { lhcb: uuid7(clock), atlas: uuid7(clock) };

  beforeAll(async () => {
    const db = app.dbs.get('AuthDB') as AuthDB;
    await db.insertRefreshToken(jtis.lhcb, 'lhcb:someone', 'vo:lhcb');
    await db.insertRefreshToken(jtis.atlas, 'atlas:someone', 'vo:atlas');
  });

  it('lists and revokes the tokens of the holder’s VO only', async () => {
    const lhcbManager = await manager('lhcb');
    const listed = await app.inject({
      url: '/api/auth/refresh-tokens',
      headers: bearer(lhcbManager),
    });
    const subs = (listed.json() as { Sub: string }[]).map((row) => row.Sub);
    expect(subs).toContain('lhcb:someone');
    expect(subs.every((sub) => sub.startsWith('lhcb:'))).toBe(true);

    const revoke = (jti: string) =>
      app.inject({
        method: 'DELETE',
        url: `/api/auth/refresh-tokens/${jti}`,
        headers: bearer(lhcbManager),
      });
    expect((await revoke(jtis.atlas)).statusCode).toBe(403);
    expect((await revoke(jtis.lhcb)).statusCode).toBe(200);
  });
});
