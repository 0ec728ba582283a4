import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { openDatabases } from '../open-databases.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { type AuthDB, authDb } from './index.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 30, 15));

async function openAuthDb(url: string) {
  const databases = await openDatabases(url, [authDb]);
  return {
    db: databases.dbs.get('AuthDB') as AuthDB,
    [Symbol.asyncDispose]: () => databases.close(),
  };
}

describe.each(sqlBackends)('AuthDB on %s', (_backend, url) => {
  it('runs a device flow PENDING → READY → DONE, each step once', async () => {
    await using opened = await openAuthDb(await url());
    const { db } = opened;
    const { userCode, deviceCode } = await db.insertDeviceFlow('myDIRACClientID', 'vo:lhcb', clock);
    expect(userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect(await db.getDeviceFlow(userCode)).toEqual({
      userCode,
      status: 'PENDING',
      createdMs: Date.UTC(2026, 5, 1, 12, 30, 15),
      clientId: 'myDIRACClientID',
      scope: 'vo:lhcb',
      idToken: null,
    });
    expect(await db.redeemDeviceFlow(userCode)).toBe(false);
    expect(await db.deviceFlowReady(userCode, { sub: 'abc' })).toBe(true);
    expect(await db.deviceFlowReady(userCode, { sub: 'other' })).toBe(false);
    const ready = await db.getDeviceFlowByDeviceCode(deviceCode);
    expect(ready).toMatchObject({ status: 'READY', idToken: { sub: 'abc' } });
    const [first, second] = await Promise.all([
      db.redeemDeviceFlow(userCode),
      db.redeemDeviceFlow(userCode),
    ]);
    expect([first, second].sort()).toEqual([false, true]);
    expect(await db.getDeviceFlowByDeviceCode('not-the-code')).toBeUndefined();
  });

  it('hands out an authorization code once the IdP answered, and redeems it once', async () => {
    await using opened = await openAuthDb(await url());
    const { db } = opened;
    const uuid = await db.insertAuthorizationFlow(
      {
        clientId: 'myDIRACClientID',
        scope: 'vo:lhcb',
        codeChallenge: 'abc',
        codeChallengeMethod: 'S256',
        redirectUri: 'http://localhost:8000/docs/oauth2-redirect',
      },
      clock,
    );
    const code = await db.authorizationFlowReady(uuid, { sub: 'abc' });
    expect(code).toBeDefined();
    expect(await db.authorizationFlowReady(uuid, { sub: 'abc' })).toBeUndefined();
    expect((await db.getAuthorizationFlowByCode(code!))?.uuid).toBe(uuid);
    expect(await db.redeemAuthorizationFlow(uuid)).toBe(true);
    expect(await db.redeemAuthorizationFlow(uuid)).toBe(false);
  });

  it('revokes a refresh token once, and all of a user', async () => {
    await using opened = await openAuthDb(await url());
    const { db } = opened;
    const jtis = ['0196d7a0-0000-7000-8000-000000000001', '0196d7a0-0000-7000-8000-000000000002'];
    for (const jti of jtis) await db.insertRefreshToken(jti, 'lhcb:abc', 'vo:lhcb');
    await db.insertRefreshToken('0196d7a0-0000-7000-8000-000000000003', 'lhcb:xyz', 'vo:lhcb');
    expect(await db.getRefreshToken(jtis[0]!)).toEqual({
      JTI: jtis[0],
      Status: 'CREATED',
      Scope: 'vo:lhcb',
      Sub: 'lhcb:abc',
    });
    expect(await db.revokeRefreshToken(jtis[0]!)).toBe(true);
    expect(await db.revokeRefreshToken(jtis[0]!)).toBe(false);
    expect((await db.listRefreshTokens('lhcb:abc')).map((r) => r.JTI)).toEqual([jtis[1]]);
    await db.revokeUserRefreshTokens('lhcb:abc');
    expect(await db.listRefreshTokens('lhcb:abc')).toEqual([]);
    expect((await db.listRefreshTokens(undefined)).map((r) => r.Status)).toEqual([
      'REVOKED',
      'REVOKED',
      'CREATED',
    ]);
  });
});
