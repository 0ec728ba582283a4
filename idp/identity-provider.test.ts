import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserLoginError, browserLogin } from '../client/browser-login.ts';
import { type StartedIdp, startIdp } from './index.ts';

const CALLBACK = 'http://127.0.0.1:9/callback';
const alice = {
  sub: 'sub-alice',
  username: 'alice',
  password: 'correct horse',
  email: 'alice@example.org',
};
let idp: StartedIdp;

beforeAll(async () => {
  idp = await startIdp({ host: '127.0.0.1', port: 0, accounts: [alice] });
  idp.registerClient('lhcb-diracx', [CALLBACK]);
});
afterAll(() => idp.close());

/** Starts an authorization-code request with PKCE, as DiracX does towards its IdPs. */
function authorizationRequest() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(`${idp.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: 'lhcb-diracx',
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'opaque',
  }).toString();
  return { url: url.href, verifier };
}

async function redeem(code: string, verifier: string) {
  return fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      client_id: 'lhcb-diracx',
      code_verifier: verifier,
    }),
  });
}

const reachedCallback = (url: URL) => url.href.startsWith(CALLBACK);

describe('the local identity provider', () => {
  it('publishes discovery with PKCE S256 and its JWKS', async () => {
    const discovery = (await (
      await fetch(`${idp.issuer}/.well-known/openid-configuration`)
    ).json()) as {
      jwks_uri: string;
    };
    expect(discovery).toMatchObject({
      issuer: idp.issuer,
      code_challenge_methods_supported: ['S256'],
    });
    expect(
      ((await (await fetch(discovery.jwks_uri)).json()) as { keys: unknown[] }).keys,
    ).toHaveLength(1);
  });

  it('signs a user in with their password and issues an ID token for their subject', async () => {
    const { url, verifier } = authorizationRequest();
    const landed = await browserLogin(url, { ...alice, isDone: reachedCallback });
    expect(landed.searchParams.get('state')).toBe('opaque');
    const response = await redeem(landed.searchParams.get('code')!, verifier);
    expect(response.status).toBe(200);
    const { id_token } = (await response.json()) as { id_token: string };
    const { payload } = await jwtVerify(
      id_token,
      createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)),
      {
        issuer: idp.issuer,
        audience: 'lhcb-diracx',
      },
    );
    expect(payload.sub).toBe('sub-alice');
  });

  it('refuses a wrong password on its sign-in page', async () => {
    await expect(
      browserLogin(authorizationRequest().url, {
        username: 'alice',
        password: 'wrong',
        isDone: reachedCallback,
      }),
    ).rejects.toThrow(BrowserLoginError);
  });

  it('refuses to redeem a code with the wrong PKCE verifier', async () => {
    const { url } = authorizationRequest();
    const landed = await browserLogin(url, { ...alice, isDone: reachedCallback });
    const response = await redeem(
      landed.searchParams.get('code')!,
      randomBytes(32).toString('base64url'),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses a redirect URI the client did not register', async () => {
    const url = new URL(authorizationRequest().url);
    url.searchParams.set('redirect_uri', 'http://127.0.0.1:9/elsewhere');
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
  });
});
