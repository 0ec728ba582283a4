import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, uuid7 } from '../core/index.ts';
import { type AccessTokenClaims, issueAccessToken } from '../logic/index.ts';
import {
  AUTHORIZATION_MATRIX,
  type MatrixRequest,
  type Seed,
  TOKEN_HOLDERS,
  type TokenHolder,
  UNAUTHENTICATED,
  type Unauthenticated,
} from './authorization-matrix.testkit.ts';
import { testBox } from './test-box.testkit.ts';

type Caller = TokenHolder | Unauthenticated;

const NOW = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(NOW);
const box = await testBox({ clock });
afterAll(() => box.close());
const { app, config } = box;
const [vo, otherVo] = box.vos as [string, string];
const [site, otherSite] = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s)) as [
  string,
  string,
];
const se = Object.entries(config.Resources.StorageElements).find(
  ([, element]) => element.VO.length === 0 || element.VO.includes(vo),
)![0];
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

let seed: Seed;
const headers = new Map<Caller, Record<string, string>>();

/**
 * One app, seeded through the API as the callers would: the owner's job and sandbox, three
 * registered pilots (two of VO A, one of VO B) with tokens from their secrets, the job
 * matched to the first, and a refresh token of the owner.
 */
beforeAll(async () => {
  const owner = await box.user(vo, 0);
  const sameVoUser = await box.user(vo, 1);
  const otherVoUser = await box.user(otherVo, 0);
  const sameVoAdmin = await box.admin(vo);
  const otherVoAdmin = await box.admin(otherVo);
  const ownerClaims = JSON.parse(
    Buffer.from(owner.split('.')[1]!, 'base64url').toString(),
  ) as AccessTokenClaims;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const send = async (token: string, method: string, url: string, payload?: unknown) => {
    const response = await box.inject(method as 'POST', url, token, payload);
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.body === '' ? undefined : response.json();
  };

  const pilotToken = async (admin: string, stamp: string, ofVo: string) => {
    const { pilot_secret } = await send(admin, 'POST', '/api/pilots/', {
      pilot_stamp: stamp,
      vo: ofVo,
    });
    const traded = await box.inject('POST', '/api/auth/pilot-token', undefined, {
      pilot_stamp: stamp,
      pilot_secret,
    });
    return traded.json().access_token as string;
  };
  const ownPilot = await pilotToken(sameVoAdmin, 'matrix-own', vo);
  const otherPilot = await pilotToken(sameVoAdmin, 'matrix-other', vo);
  const otherVoPilot = await pilotToken(otherVoAdmin, 'matrix-foreign', otherVo);
  const genericPilot = await box.pilot(vo);

  const [{ JobID: jobId }] = await send(owner, 'POST', '/api/jobs/jdl', [
    `Executable = "matrix"; Site = "${site}"`,
  ]);
  const matched = await send(ownPilot, 'POST', '/api/jobs/match', {
    VO: vo,
    Site: site,
    CPUTime: 100_000,
  });
  expect(matched.JobID).toBe(jobId);
  // The owner's catalog directory (mode 0o775: its group may write, others may not).
  await send(owner, 'PUT', '/api/catalog/directory', { path: `/${vo}/matrix` });
  const { pfn } = await send(owner, 'POST', '/api/jobs/sandbox', {
    checksum_algorithm: 'sha256',
    checksum: 'a'.repeat(64),
    size: 1,
    format: 'tar.bz2',
  });
  const refreshJti = uuid7(clock);
  await app.dbs.get('AuthDB').insertRefreshToken(refreshJti, ownerClaims.sub, `vo:${vo}`);
  seed = {
    vo,
    otherVo,
    site,
    otherSite,
    se,
    jobId,
    pfn,
    pilotStamp: 'matrix-own',
    refreshJti,
    now: new Date(NOW).toISOString(),
  };

  // The forged ones: each is the owner's token but for one flaw.
  const [header, payload, signature] = owner.split('.') as [string, string, string];
  const tampered = b64({
    ...ownerClaims,
    ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
    vo: otherVo,
  });
  const { keystore } = app.auth;
  const foreign = await issueAccessToken(
    { keystore, clock, issuer: 'https://evil.example' },
    ownerClaims,
    20,
  );
  const past = new ManualClock(NOW - 3_600_000);
  const expired = await issueAccessToken(
    { keystore, clock: past, issuer: 'gridbox' },
    ownerClaims,
    20,
  );
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  const holders: Record<TokenHolder, string> = {
    owner: owner,
    sameVoUser: sameVoUser,
    otherVoUser: otherVoUser,
    sameVoAdmin: sameVoAdmin,
    otherVoAdmin: otherVoAdmin,
    ownPilot,
    otherPilot,
    otherVoPilot,
    genericPilot,
  };
  for (const [caller, token] of Object.entries(holders))
    headers.set(caller as Caller, bearer(token));
  headers.set('noToken', {});
  headers.set('wrongSignature', bearer(`${header}.${tampered}.${signature}`));
  headers.set('foreignIssuer', bearer(foreign.token));
  headers.set('expired', bearer(expired.token));
  headers.set('algNone', bearer(unsigned));
});

async function documentedOperations(): Promise<string[]> {
  const document = (await app.inject('/api/openapi.json')).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

async function statusFor(operation: string, caller: Caller, request: MatrixRequest) {
  const [method] = operation.split(' ') as [string];
  const response = await app.inject({
    method: method as 'GET',
    url: request.url,
    headers: {
      ...headers.get(caller),
      ...(request.form === undefined
        ? {}
        : { 'content-type': 'application/x-www-form-urlencoded' }),
      ...(request.payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.form === undefined
      ? {}
      : { payload: new URLSearchParams(request.form).toString() }),
    ...(request.payload === undefined
      ? {}
      : {
          payload:
            typeof request.payload === 'string' ? request.payload : JSON.stringify(request.payload),
        }),
  });
  return response.statusCode;
}

const CALLERS: readonly Caller[] = [...TOKEN_HOLDERS, ...UNAUTHENTICATED];

describe('the authorization matrix', () => {
  it('has a row for every operation in the OpenAPI document, and none for others', async () => {
    const documented = (await documentedOperations()).sort();
    expect(Object.keys(AUTHORIZATION_MATRIX).sort()).toEqual(documented);
  });

  it.each(Object.entries(AUTHORIZATION_MATRIX))('%s', async (operation, row) => {
    const request = row.request(seed);
    const wrong: string[] = [];
    const statuses = new Map<Caller, number>();
    for (const caller of CALLERS) statuses.set(caller, await statusFor(operation, caller, request));
    for (const [caller, status] of statuses)
      if (status === 500) wrong.push(`${caller}: 500, an internal error`);
    const expect401or403 = (caller: Caller, expected: number) => {
      const status = statuses.get(caller)!;
      if (status !== expected) wrong.push(`${caller}: ${status}, expected ${expected}`);
    };
    if (row.access === 'public' || row.access === 'credential') {
      const anonymous = statuses.get('noToken')!;
      for (const caller of CALLERS) {
        const status = statuses.get(caller)!;
        if (row.access === 'public' && status !== anonymous)
          wrong.push(`${caller}: ${status}, but ${anonymous} without a token`);
        if (row.access === 'credential' && status < 300)
          wrong.push(`${caller}: ${status}, without the route's credential`);
      }
    } else {
      for (const caller of TOKEN_HOLDERS) {
        const status = statuses.get(caller)!;
        if (row.access.includes(caller)) {
          if (status === 401 || status === 403)
            wrong.push(`${caller}: ${status}, expected allowed`);
        } else expect401or403(caller, 403);
      }
      for (const caller of UNAUTHENTICATED) expect401or403(caller, 401);
    }
    expect(wrong).toEqual([]);
  });
});
