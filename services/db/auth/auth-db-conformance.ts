import assert from 'node:assert/strict';
import { ManualClock } from '../../core/index.ts';
import { singleDbSuite } from '../conformance.ts';
import type { AuthDB } from './auth-db.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 30, 15));

/** What an AuthDB must do; a DB registered in its place must pass each check. */
export const authDbConformance = singleDbSuite<AuthDB>('AuthDB', [
  {
    name: 'runs a device flow PENDING → READY → DONE, each step once',
    async run(open) {
      await using opened = await open();
      const { db } = opened;
      const { userCode, deviceCode } = await db.insertDeviceFlow(
        'myDIRACClientID',
        'vo:lhcb',
        clock,
      );
      assert.match(userCode, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/, 'a user code of 8 consonants');
      assert.deepEqual(await db.getDeviceFlow(userCode), {
        userCode,
        status: 'PENDING',
        createdMs: Date.UTC(2026, 5, 1, 12, 30, 15),
        clientId: 'myDIRACClientID',
        scope: 'vo:lhcb',
        idToken: null,
      });
      assert.equal(await db.redeemDeviceFlow(userCode), false, 'a pending flow is not redeemed');
      assert.equal(await db.deviceFlowReady(userCode, { sub: 'abc' }), true);
      assert.equal(
        await db.deviceFlowReady(userCode, { sub: 'other' }),
        false,
        'a ready flow is not made ready again',
      );
      const ready = await db.getDeviceFlowByDeviceCode(deviceCode);
      assert.equal(ready?.status, 'READY');
      assert.deepEqual(ready?.idToken, { sub: 'abc' });
      const [first, second] = await Promise.all([
        db.redeemDeviceFlow(userCode),
        db.redeemDeviceFlow(userCode),
      ]);
      assert.deepEqual([first, second].sort(), [false, true], 'of two redemptions, one succeeds');
      assert.equal(await db.getDeviceFlowByDeviceCode('not-the-code'), undefined);
    },
  },
  {
    name: 'hands out an authorization code once the IdP answered, and redeems it once',
    async run(open) {
      await using opened = await open();
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
      assert.notEqual(code, undefined, 'a code once the IdP answered');
      assert.equal(await db.authorizationFlowReady(uuid, { sub: 'abc' }), undefined);
      assert.equal((await db.getAuthorizationFlowByCode(code!))?.uuid, uuid);
      assert.equal(await db.redeemAuthorizationFlow(uuid), true);
      assert.equal(await db.redeemAuthorizationFlow(uuid), false, 'a code is redeemed once');
    },
  },
  {
    name: 'revokes a refresh token once, and all of a user',
    async run(open) {
      await using opened = await open();
      const { db } = opened;
      const jtis = ['0196d7a0-0000-7000-8000-000000000001', '0196d7a0-0000-7000-8000-000000000002'];
      for (const jti of jtis) await db.insertRefreshToken(jti, 'lhcb:abc', 'vo:lhcb');
      await db.insertRefreshToken('0196d7a0-0000-7000-8000-000000000003', 'lhcb:xyz', 'vo:lhcb');
      assert.deepEqual(
        { ...(await db.getRefreshToken(jtis[0]!)) },
        { JTI: jtis[0], Status: 'CREATED', Scope: 'vo:lhcb', Sub: 'lhcb:abc' },
      );
      assert.equal(await db.revokeRefreshToken(jtis[0]!), true);
      assert.equal(await db.revokeRefreshToken(jtis[0]!), false, 'a token is revoked once');
      assert.deepEqual(
        (await db.listRefreshTokens('lhcb:abc')).map((r) => r.JTI),
        [jtis[1]],
        "a user's tokens, less the revoked one",
      );
      await db.revokeUserRefreshTokens('lhcb:abc');
      assert.deepEqual(await db.listRefreshTokens('lhcb:abc'), []);
      assert.deepEqual(
        (await db.listRefreshTokens(undefined)).map((r) => r.Status),
        ['REVOKED', 'REVOKED', 'CREATED'],
      );
    },
  },
]);
