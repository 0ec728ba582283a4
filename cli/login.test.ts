import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueProxy, issueUserCertificate } from '../ca/index.ts';
import { browserLogin } from '../client/index.ts';
import { generateFixtures } from '../fixtures/index.ts';
import { ManualClock, parseSettings } from '../services/core/index.ts';
import { type StartedBox, startBox } from './box.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-login-'));
const CLIENT_REDIRECT = 'http://127.0.0.1:9/callback';
const LEGACY_API_KEY = randomBytes(32);
const fixtureSet = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(fixtureSet.config.Registry) as [string, string];
const alice = fixtureSet.users.find((u) => u.vo === vo && u.groups.includes(`${vo}_admin`))!;
const bob = fixtureSet.users.find((u) => u.vo === vo && u.groups.length === 1)!;
let box: StartedBox;

beforeAll(async () => {
  const settings = parseSettings({
    flags: {
      port: '0',
      caDir: join(scratch, 'ca'),
      allowedRedirects: CLIENT_REDIRECT,
      legacyExchangeHashedApiKey: createHash('sha256').update(LEGACY_API_KEY).digest('hex'),
    },
  });
  box = await startBox({ settings, fixtureSet, modifiedMs: 0, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await box.close();
  rmSync(scratch, { recursive: true, force: true });
});

function cliIo(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdoutIsTTY: false,
    env: { DIRACX_CREDENTIALS_PATH: join(scratch, 'credentials.json') },
    waitForStop: () => new Promise(() => undefined),
    out: () => out,
    err: () => err,
  };
}

/** Logs `user` in through `gridbox token`: the access token printed, and the refresh token stored. */
async function loginAs(user: typeof alice, group?: string) {
  const io = cliIo();
  const groupArgs = group === undefined ? [] : ['--group', group];
  expect(await main(['token', '--user', user.username, '--url', box.url, ...groupArgs], io)).toBe(
    0,
  );
  const stored = JSON.parse(readFileSync(join(scratch, 'credentials.json'), 'utf8')) as {
    refresh_token: string;
  };
  const jti = JSON.parse(Buffer.from(stored.refresh_token.split('.')[1]!, 'base64url').toString())
    .jti as string;
  return { access: io.out().trim(), refresh: stored.refresh_token, jti };
}

async function post(path: string, form: Record<string, string>) {
  const response = await fetch(`${box.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const userinfo = (token: string) =>
  fetch(`${box.url}/api/auth/userinfo`, { headers: { authorization: `Bearer ${token}` } });

describe('gridbox token (the device flow, driven end to end)', () => {
  it('prints a verifiable JWT with DiracX claims and stores DiracX credentials', async () => {
    const io = cliIo();
    expect(await main(['token', '--user', alice.username, '--url', box.url], io)).toBe(0);
    const token = io.out().trim();

    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('Ed25519');
    const jwks = (await (await fetch(`${box.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${box.url}/.well-known/jwks.json`)),
      {
        algorithms: ['Ed25519', 'EdDSA'],
      },
    );
    expect(payload).toMatchObject({
      vo,
      sub: `${vo}:${alice.sub}`,
      iss: 'gridbox',
      dirac_group: `${vo}_user`,
      dirac_properties: ['NormalUser'],
      preferred_username: alice.username,
      jti: expect.any(String),
      exp: expect.any(Number),
    });

    expect((await userinfo(token)).status).toBe(200);
    const tampered = `${token.slice(0, -5)}${token.at(-5) === 'A' ? 'B' : 'A'}${token.slice(-4)}`;
    expect((await userinfo(tampered)).status).toBe(401);

    const credentialsFile = join(scratch, 'credentials.json');
    const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    expect(credentials).toEqual({
      access_token: token,
      refresh_token: expect.any(String),
      expires_on: expect.any(Number),
    });
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
  });

  it('grants the group asked for, with its properties', async () => {
    const io = cliIo();
    expect(
      await main(
        ['token', '--user', alice.username, '--group', `${vo}_admin`, '--url', box.url],
        io,
      ),
    ).toBe(0);
    const body = (await (await userinfo(io.out().trim())).json()) as {
      dirac_group: string;
      properties: string[];
    };
    expect(body.dirac_group).toBe(`${vo}_admin`);
    expect(body.properties).toContain('JobAdministrator');
  });

  it.each([
    [
      'a group the user is not in',
      () => ['--user', bob.username, '--group', `${vo}_admin`],
      /not a member of the requested group/,
    ],
    [
      'another VO (cross-VO scope)',
      () => ['--user', bob.username, '--vo', otherVo],
      /is not registered in VO/,
    ],
    ['a user the fixtures do not have', () => ['--user', 'nobody'], /No user nobody/],
  ])('refuses %s with exit 2 and one sentence', async (_name, args, message) => {
    const io = cliIo();
    expect(await main(['token', ...args(), '--url', box.url], io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });
});

describe('gridbox login (a person opens the link)', () => {
  it('waits for the sign-in, then stores the tokens', async () => {
    const io = cliIo();
    const exit = main(['login', '--vo', vo, '--url', box.url], io);
    let link: string | undefined;
    for (let i = 0; i < 200 && link === undefined; i++) {
      link = /https?:\/\/\S+user_code=\S+/.exec(io.err())?.[0];
      if (link === undefined) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(link, 'login printed no verification link').toBeDefined();
    await browserLogin(link!, { username: bob.username, password: bob.password });
    expect(await exit).toBe(0);
    expect((await userinfo(io.out().trim())).status).toBe(200);
  });
});

describe('the authorization-code flow with PKCE', () => {
  async function authorize(verifier: string) {
    const url = new URL(`${box.url}/api/auth/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      client_id: 'myDIRACClientID',
      redirect_uri: CLIENT_REDIRECT,
      scope: `vo:${vo}`,
      state: 'client-state',
    }).toString();
    const landed = await browserLogin(url.href, {
      username: alice.username,
      password: alice.password,
      isDone: (u) => u.href.startsWith(CLIENT_REDIRECT),
    });
    expect(landed.searchParams.get('state')).toBe('client-state');
    return landed.searchParams.get('code')!;
  }

  const redeem = (code: string, verifier: string) =>
    post('/api/auth/token', {
      grant_type: 'authorization_code',
      client_id: 'myDIRACClientID',
      code,
      redirect_uri: CLIENT_REDIRECT,
      code_verifier: verifier,
    });

  it('issues tokens for the code when the verifier matches, once', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorize(verifier);
    const first = await redeem(code, verifier);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 1200 });
    const again = await redeem(code, verifier);
    expect(again).toEqual({
      status: 400,
      body: { detail: 'Code was already used', error: 'invalid_grant' },
    });
  });

  it('refuses the code with a verifier that does not match', async () => {
    const code = await authorize(randomBytes(32).toString('base64url'));
    const response = await redeem(code, randomBytes(32).toString('base64url'));
    expect(response).toEqual({
      status: 400,
      body: { detail: 'Invalid code_challenge', error: 'invalid_grant' },
    });
  });

  it('refuses a redirect URI that is not allowed', async () => {
    const url = `${box.url}/api/auth/authorize?response_type=code&code_challenge=x&code_challenge_method=S256&client_id=myDIRACClientID&redirect_uri=${encodeURIComponent('http://evil.example/')}&scope=vo:${vo}&state=s`;
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: 'Unrecognised redirect_uri' });
  });
});

describe('refresh tokens', () => {
  const refresh = (token: string) =>
    post('/api/auth/token', {
      grant_type: 'refresh_token',
      client_id: 'myDIRACClientID',
      refresh_token: token,
    });

  it('rotate, keep their absolute expiry, and revoke the whole family when a rotated one is reused', async () => {
    const { refresh: first } = await loginAs(alice);
    const rotated = await refresh(first);
    expect(rotated.status).toBe(200);
    const second = String(rotated.body.refresh_token);
    expect(second).not.toBe(first);
    const expOf = (t: string) =>
      JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(expOf(second)).toBe(expOf(first));

    const reuse = await refresh(first);
    expect(reuse.status).toBe(401);
    expect(reuse.body.detail).toMatch(/^Revoked refresh token reused/);
    expect((await refresh(second)).status).toBe(401);
  });

  it('cannot be used once revoked', async () => {
    const { refresh: token } = await loginAs(alice);
    const revoked = await post('/api/auth/revoke', {
      token,
      token_type_hint: 'refresh_token',
      client_id: 'myDIRACClientID',
    });
    expect(revoked).toEqual({
      status: 200,
      body: 'Refresh token revoked' as unknown as Record<string, unknown>,
    });
    expect((await refresh(token)).status).toBe(401);
  });

  it('answers 200 to the revocation of an access token, which only refresh tokens undergo', async () => {
    const { access, refresh: token } = await loginAs(alice);
    const revoked = await post('/api/auth/revoke', { token: access, client_id: 'myDIRACClientID' });
    expect(revoked).toEqual({
      status: 200,
      body: 'Refresh token revoked' as unknown as Record<string, unknown>,
    });
    expect((await userinfo(access)).status).toBe(200);
    expect((await refresh(token)).status).toBe(200);
  });

  it('refuses a wrong device code and an unknown grant', async () => {
    const wrong = await post('/api/auth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: 'myDIRACClientID',
      device_code: 'not-a-device-code',
    });
    expect(wrong).toEqual({
      status: 400,
      body: { detail: 'Invalid device code', error: 'invalid_grant' },
    });
    expect((await post('/api/auth/token', { grant_type: 'password', client_id: 'x' })).status).toBe(
      422,
    );
  });
});

describe('the proxy exchange', () => {
  const exchange = async (proxy: string) => {
    const response = await fetch(`${box.url}/api/auth/proxy-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ proxy }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('trades a proxy made by gridbox ca proxy for a token of the group it carries', async () => {
    const io = cliIo();
    const caArgs = [
      '--ca-dir',
      join(scratch, 'ca'),
      '--user',
      alice.username,
      '--group',
      `${vo}_admin`,
    ];
    expect(await main(['ca', 'proxy', ...caArgs], io)).toBe(0);
    const { status, body } = await exchange(readFileSync(io.out().trim(), 'utf8'));
    expect(status).toBe(200);
    const info = (await (await userinfo(String(body.access_token))).json()) as Record<
      string,
      unknown
    >;
    expect(info).toMatchObject({
      vo,
      dirac_group: `${vo}_admin`,
      preferred_username: alice.username,
    });
  });

  it.each([
    [
      'a proxy from an unknown CA',
      () => {
        const foreign = createCa(new ManualClock(Date.now()));
        return issueProxy(
          issueUserCertificate(foreign, alice.dn, new ManualClock(Date.now())),
          { vo, group: `${vo}_user` },
          new ManualClock(Date.now()),
        );
      },
    ],
    [
      'an expired proxy',
      () => {
        const cert = readFileSync(
          join(scratch, 'ca', 'users', alice.username, 'usercert.pem'),
          'utf8',
        );
        const key = readFileSync(
          join(scratch, 'ca', 'users', alice.username, 'userkey.pem'),
          'utf8',
        );
        return issueProxy(
          { certPem: cert, keyPem: key },
          { vo, group: `${vo}_user` },
          new ManualClock(Date.now() - 7200_000),
          60,
        );
      },
    ],
  ])('refuses %s with 401', async (_name, make) => {
    const { status, body } = await exchange(make());
    expect(status).toBe(401);
    expect(typeof body.detail).toBe('string');
  });

  it('refuses a proxy whose VO does not own its group with 403', async () => {
    const dir = join(scratch, 'ca', 'users', alice.username);
    const user = {
      certPem: readFileSync(join(dir, 'usercert.pem'), 'utf8'),
      keyPem: readFileSync(join(dir, 'userkey.pem'), 'utf8'),
    };
    const { status, body } = await exchange(
      issueProxy(user, { vo: otherVo, group: `${vo}_user` }, new ManualClock(Date.now())),
    );
    expect(status).toBe(403);
    expect(body.detail).toMatch(/names VO/);
  });
});

describe('refresh-token management', () => {
  const call = (method: string, path: string, token: string) =>
    fetch(`${box.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  it('lists a user their own tokens and lets them revoke one, but not somebody else’s', async () => {
    const mine = await loginAs(bob);
    const theirs = await loginAs(alice);
    const listed = (await (await call('GET', '/api/auth/refresh-tokens', mine.access)).json()) as {
      JTI: string;
      Sub: string;
      Status: unknown;
    }[];
    expect(listed.map((row) => row.JTI)).toContain(mine.jti);
    // DiracX 0.7.0 gives the status as its enum's integer: 1 created, 2 revoked.
    expect(listed.find((row) => row.JTI === mine.jti)?.Status).toBe(1);
    expect(listed.every((row) => row.Sub === `${vo}:${bob.sub}`)).toBe(true);

    const forbidden = await call('DELETE', `/api/auth/refresh-tokens/${theirs.jti}`, mine.access);
    expect(forbidden.status).toBe(403);
    const revoked = await call('DELETE', `/api/auth/refresh-tokens/${mine.jti}`, mine.access);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toBe(`Refresh token ${mine.jti} revoked`);
    expect((await call('DELETE', '/api/auth/refresh-tokens/not-a-uuid', mine.access)).status).toBe(
      400,
    );
  });

  it('shows everyone’s tokens, revoked ones too, to a ProxyManagement holder', async () => {
    const admin = await loginAs(alice, `${vo}_admin`);
    const listed = (await (await call('GET', '/api/auth/refresh-tokens', admin.access)).json()) as {
      Status: unknown;
    }[];
    expect(listed.some((row) => row.Status === 2)).toBe(true);
  });
});

describe('pilot credentials', () => {
  const register = (token: string | undefined, body: Record<string, unknown>) =>
    fetch(`${box.url}/api/pilots/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
  const exchange = (body: Record<string, unknown>) =>
    fetch(`${box.url}/api/auth/pilot-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('gives a registered pilot a secret it trades for a GenericPilot token of its VO', async () => {
    const { access: admin } = await loginAs(alice, `${vo}_admin`);
    const registered = await register(admin, {
      pilot_stamp: 'stamp-0001',
      vo,
      grid_site: 'LCG.Test.ch',
    });
    expect(registered.status).toBe(201);
    const { pilot_secret } = (await registered.json()) as { pilot_secret: string };

    const traded = await exchange({ pilot_stamp: 'stamp-0001', pilot_secret });
    expect(traded.status).toBe(200);
    const { access_token } = (await traded.json()) as { access_token: string };
    const info = (await (await userinfo(access_token)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ vo, dirac_group: `${vo}_pilot`, sub: `${vo}:pilot:stamp-0001` });
    expect(info.properties).toContain('GenericPilot');

    const wrong = await exchange({ pilot_stamp: 'stamp-0001', pilot_secret: 'guess' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ detail: 'Invalid pilot credentials' });
    expect((await exchange({ pilot_stamp: 'no-such-stamp', pilot_secret })).status).toBe(401);
  });

  it.each([
    ['a stamp that exists', 'admin', { pilot_stamp: 'stamp-dup', vo }, 409],
    [
      'a VO other than the administrator’s',
      'admin',
      { pilot_stamp: 'stamp-vo', vo: 'nosuchvo' },
      403,
    ],
    ['an unknown key', 'admin', { pilot_stamp: 'stamp-key', vo, colour: 'red' }, 422],
    ['a normal user', 'user', { pilot_stamp: 'stamp-user', vo }, 403],
    ['no token', 'none', { pilot_stamp: 'stamp-anon', vo }, 401],
  ])('refuses to register with %s', async (_name, who, body, status) => {
    const token =
      who === 'none'
        ? undefined
        : who === 'admin'
          ? (await loginAs(alice, `${vo}_admin`)).access
          : (await loginAs(bob)).access;
    if (status === 409) expect((await register(token, body)).status).toBe(201);
    expect((await register(token, body)).status).toBe(status);
  });

  it("trades the VO pilot's proxy (the legacy path) for a GenericPilot token", async () => {
    const io = cliIo();
    expect(
      await main(['ca', 'proxy', '--ca-dir', join(scratch, 'ca'), '--user', `${vo}-pilot`], io),
    ).toBe(0);
    const response = await fetch(`${box.url}/api/auth/proxy-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ proxy: readFileSync(io.out().trim(), 'utf8') }),
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    const info = (await (await userinfo(access_token)).json()) as {
      properties: string[];
      dirac_group: string;
    };
    expect(info.dirac_group).toBe(`${vo}_pilot`);
    expect(info.properties).toContain('GenericPilot');
  });
});

describe('the legacy exchange (a DIRAC server with the API key)', () => {
  const exchange = (authorization: string, username = alice.username) =>
    fetch(
      `${box.url}/api/auth/legacy-exchange?${new URLSearchParams({ preferred_username: username, scope: `vo:${vo}` })}`,
      { headers: { authorization } },
    );
  const withKey = (key: Buffer) => `Bearer diracx:legacy:${key.toString('base64url')}`;

  it('issues tokens for the user it names, whose refresh token does not rotate', async () => {
    const response = await exchange(withKey(LEGACY_API_KEY));
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { access_token: string; refresh_token: string };
    expect(await (await userinfo(tokens.access_token)).json()).toMatchObject({
      preferred_username: alice.username,
    });
    const refreshed = await post('/api/auth/token', {
      grant_type: 'refresh_token',
      client_id: 'myDIRACClientID',
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(tokens.refresh_token);
  });

  it.each([
    ['a wrong key', () => withKey(randomBytes(32)), 401],
    ['a header of another shape', () => `Bearer ${LEGACY_API_KEY.toString('base64url')}`, 400],
  ])('refuses %s', async (_name, header, status) => {
    expect((await exchange(header())).status).toBe(status);
  });

  it('refuses a user the VO does not have', async () => {
    expect((await exchange(withKey(LEGACY_API_KEY), 'nobody')).status).toBe(400);
  });
});

describe('the jobs API over real HTTP with real tokens', () => {
  const carol = fixtureSet.users.find((u) => u.vo === otherVo)!;
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${box.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as unknown,
    };
  };

  it('submits, finds, groups, reads and kills jobs, which another VO can neither see nor change', async () => {
    const { access: token } = await loginAs(alice);
    const { access: outsider } = await loginAs(carol);

    const plain = await api(token, 'POST', '/api/jobs/jdl', [
      '[ Executable = "hello.sh"; JobName = "e2e-plain" ]',
    ]);
    expect(plain.status).toBe(201);
    const parametric = await api(token, 'POST', '/api/jobs/jdl', [
      '[ Executable = "p.sh"; JobName = "e2e-%n"; Parameters = {"a", "b", "c"} ]',
    ]);
    expect(parametric.status).toBe(201);
    const ids = [
      ...(plain.body as { JobID: number }[]),
      ...(parametric.body as { JobID: number }[]),
    ].map((j) => j.JobID);
    expect(ids).toHaveLength(4);

    const search = {
      parameters: ['JobID', 'JobName', 'Status'],
      search: [{ parameter: 'JobName', operator: 'like', value: 'e2e-%' }],
      sort: [{ parameter: 'JobID', direction: 'asc' }],
    };
    const page = await api(token, 'POST', '/api/jobs/search?page=1&per_page=2', search);
    expect(page.status).toBe(206);
    expect(page.headers.get('content-range')).toBe('jobs 0-1/4');

    const summary = await api(token, 'POST', '/api/jobs/summary', {
      grouping: ['Status'],
      search: search.search,
    });
    expect(summary.body).toEqual([{ Status: 'Waiting', count: 4 }]);

    const status = await api(token, 'GET', `/api/jobs/status?job_ids=${ids[0]}`);
    expect(status.body).toEqual({
      [ids[0]!]: {
        Status: 'Waiting',
        MinorStatus: 'Pilot Agent Submission',
        ApplicationStatus: 'Unknown',
      },
    });

    const when = new Date().toISOString();
    const killed = await api(token, 'PATCH', '/api/jobs/status', {
      [ids[1]!]: { [when]: { Status: 'Killed', MinorStatus: 'Marked as killed', Source: 'User' } },
    });
    expect(killed.status).toBe(200);
    expect((await api(token, 'GET', `/api/jobs/status?job_ids=${ids[1]}`)).body).toMatchObject({
      [ids[1]!]: { Status: 'Killed' },
    });

    expect((await api(outsider, 'POST', '/api/jobs/search', search)).body).toEqual([]);
    expect((await api(outsider, 'GET', `/api/jobs/status?job_ids=${ids[0]}`)).status).toBe(403);
    const hijack = await api(outsider, 'PATCH', '/api/jobs/status', {
      [ids[0]!]: { [when]: { Status: 'Killed' } },
    });
    expect(hijack.status).toBe(403);
    expect((await api(token, 'GET', `/api/jobs/status?job_ids=${ids[0]}`)).body).toMatchObject({
      [ids[0]!]: { Status: 'Waiting' },
    });
  });
});
