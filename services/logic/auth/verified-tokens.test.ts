import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { generateKeystore } from './keystore.ts';
import { InvalidTokenError, issueAccessToken } from './tokens.ts';
import { VERIFIED_TOKEN_TTL_MS, VerifiedTokens } from './verified-tokens.ts';
import { ALICE as alice } from './claims.testkit.ts';

const NOW = Date.UTC(2026, 5, 1, 12);

async function setUp(lifetimeMinutes = 20) {
  const clock = new ManualClock(NOW);
  const deps = { keystore: await generateKeystore(clock), clock, issuer: 'gridbox' };
  const { token } = await issueAccessToken(deps, alice, lifetimeMinutes);
  // The trust window runs on a wall clock of its own, apart from the app's (model) clock.
  const wallClock = new ManualClock(0);
  return { clock, wallClock, deps, token, verified: new VerifiedTokens(clock, wallClock) };
}

describe('VerifiedTokens', () => {
  it('gives the claims of a token it verified, frozen, without verifying again', async () => {
    const { deps, token, verified } = await setUp();
    const claims = await verified.verify(deps, token);
    expect(claims).toMatchObject(alice);
    expect(Object.isFrozen(claims) && Object.isFrozen(claims.dirac_properties)).toBe(true);
    // With the keys gone, only the memo can still answer.
    const keyless = { ...deps, keystore: { keys: [] } };
    expect(await verified.verify(keyless, token)).toBe(claims);
  });

  it('verifies again once its memo is older than the TTL in wall time', async () => {
    const { wallClock, deps, token, verified } = await setUp();
    await verified.verify(deps, token);
    wallClock.advance(VERIFIED_TOKEN_TTL_MS);
    await expect(verified.verify({ ...deps, keystore: { keys: [] } }, token)).rejects.toThrow(
      InvalidTokenError,
    );
  });

  it('keeps trusting a token while model time jumps, until the token expires', async () => {
    // A virtual-time simulation moves the app's clock hours between two requests, within
    // one second of wall time.
    const { clock, wallClock, deps, token, verified } = await setUp(10 * 60);
    const claims = await verified.verify(deps, token);
    const keyless = { ...deps, keystore: { keys: [] } };
    clock.advance(3 * 3600_000);
    wallClock.advance(1000);
    expect(await verified.verify(keyless, token)).toBe(claims);
    clock.advance(7 * 3600_000);
    await expect(verified.verify(keyless, token)).rejects.toThrow(InvalidTokenError);
    await expect(verified.verify(deps, token)).rejects.toThrow(InvalidTokenError);
  });

  it('never keeps a token past its expiry', async () => {
    const { clock, deps, token, verified } = await setUp(0.5);
    await verified.verify(deps, token);
    clock.advance(30_000);
    await expect(verified.verify(deps, token)).rejects.toThrow(InvalidTokenError);
  });

  it('takes a token this app signed on trust, with the claims verifying it gives', async () => {
    const { clock, wallClock, deps } = await setUp();
    const verified = new VerifiedTokens(clock, wallClock);
    const { token } = await issueAccessToken({ ...deps, verified }, alice, 20);
    const keyless = { ...deps, keystore: { keys: [] } };
    const remembered = await verified.verify(keyless, token);
    expect(Object.isFrozen(remembered) && Object.isFrozen(remembered.dirac_properties)).toBe(true);
    expect(remembered).toEqual(await new VerifiedTokens(clock, wallClock).verify(deps, token));
    // Trusted as a verified token is: within the window, and never past its expiry.
    clock.advance(20 * 60_000);
    await expect(verified.verify(keyless, token)).rejects.toThrow(InvalidTokenError);
  });

  it('makes room by forgetting its oldest tokens first, a tenth at a time', async () => {
    const { clock, wallClock, deps } = await setUp();
    const verified = new VerifiedTokens(clock, wallClock, 20);
    const tokens: string[] = [];
    for (let i = 0; i < 21; i++)
      tokens.push((await issueAccessToken({ ...deps, verified }, alice, 20)).token);
    const keyless = { ...deps, keystore: { keys: [] } };
    // The 21st made room: the two oldest are forgotten, the others still trusted.
    for (const [i, token] of tokens.entries()) {
      if (i < 2) await expect(verified.verify(keyless, token)).rejects.toThrow(InvalidTokenError);
      else await expect(verified.verify(keyless, token)).resolves.toMatchObject(alice);
    }
  });

  it('trusts nothing that is not the very token it verified', async () => {
    const { deps, token, verified } = await setUp();
    await verified.verify(deps, token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verified.verify(deps, forged)).rejects.toThrow(InvalidTokenError);
  });
});
