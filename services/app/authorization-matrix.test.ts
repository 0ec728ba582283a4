import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, pilotIdentity } from '../../fixtures/index.ts';
import { ManualClock, snapshotOf, staticConfigSource, uuid7 } from '../core/index.ts';
import type { AuthDB } from '../db/index.ts';
import { generateKeystore, issueAccessToken } from '../logic/index.ts';
import {
  AUTHORIZATION_MATRIX,
  type MatrixRequest,
  type Seed,
  TOKEN_HOLDERS,
  type TokenHolder,
  UNAUTHENTICATED,
  type Unauthenticated,
} from './authorization-matrix.testkit.ts';
import { buildApp } from './build-app.ts';

type Caller = TokenHolder | Unauthenticated;

const fixtures = generateFixtures({ seed: 1, size: 'small' });
const { config } = fixtures;
const [vo, otherVo] = Object.keys(config.Registry) as [string, string];
const [site, otherSite] = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s)) as [
  string,
  string,
];
const se = Object.entries(config.Resources.StorageElements).find(
  ([, element]) => element.VO.length === 0 || element.VO.includes(vo),
)![0];
const NOW = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(NOW);
const keystore = await generateKeystore(clock);
const tokens = { keystore, clock, issuer: 'gridbox' };

/** A token for a fixture user of `ofVo` in `group`, with the group's properties. */
async function userToken(ofVo: string, group: string, pick: 'admin' | number) {
  const members = fixtures.users.filter((u) => u.vo === ofVo && u.groups.includes(group));
  const user = pick === 'admin' ? members[0]! : members.filter((u) => u.groups.length === 1)[pick]!;
  const claims = {
    sub: `${ofVo}:${user.sub}`,
    vo: ofVo,
    dirac_group: group,
    preferred_username: user.username,
    dirac_properties: [...config.Registry[ofVo]!.Groups[group]!.Properties],
  };
  return { claims, token: (await issueAccessToken(tokens, claims, 20)).token };
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

let app: FastifyInstance;
let seed: Seed;
const headers = new Map<Caller, Record<string, string>>();

/**
 * One app, seeded through the API as the callers would: the owner's job and sandbox, three
 * registered pilots (two of VO A, one of VO B) with tokens from their secrets, the job
 * matched to the first, and a refresh token of the owner.
 */
beforeAll(async () => {
  app = await buildApp({
    configSource: staticConfigSource(snapshotOf(config, 0)),
    auth: { keystore },
    clock,
  });
  const owner = await userToken(vo, `${vo}_user`, 0);
  const sameVoUser = await userToken(vo, `${vo}_user`, 1);
  const otherVoUser = await userToken(otherVo, `${otherVo}_user`, 0);
  const sameVoAdmin = await userToken(vo, `${vo}_admin`, 'admin');
  const otherVoAdmin = await userToken(otherVo, `${otherVo}_admin`, 'admin');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const send = async (token: string, method: string, url: string, payload?: unknown) => {
    const response = await app.inject({
      method: method as 'POST',
      url,
      headers: bearer(token),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.body === '' ? undefined : response.json();
  };

  const pilotToken = async (admin: string, stamp: string, ofVo: string) => {
    const { pilot_secret } = await send(admin, 'POST', '/api/pilots/', {
      pilot_stamp: stamp,
      vo: ofVo,
    });
    const traded = await app.inject({
      method: 'POST',
      url: '/api/auth/pilot-token',
      payload: { pilot_stamp: stamp, pilot_secret },
    });
    return traded.json().access_token as string;
  };
  const ownPilot = await pilotToken(sameVoAdmin.token, 'matrix-own', vo);
  const otherPilot = await pilotToken(sameVoAdmin.token, 'matrix-other', vo);
  const otherVoPilot = await pilotToken(otherVoAdmin.token, 'matrix-foreign', otherVo);
  const generic = pilotIdentity(vo);
  const genericPilot = (
    await issueAccessToken(
      tokens,
      {
        sub: `${vo}:${generic.sub}`,
        vo,
        dirac_group: `${vo}_pilot`,
        preferred_username: generic.username,
        dirac_properties: [...config.Registry[vo]!.Groups[`${vo}_pilot`]!.Properties],
      },
      20,
    )
  ).token;

  const [{ JobID: jobId }] = await send(owner.token, 'POST', '/api/jobs/jdl', [
    `Executable = "matrix"; Site = "${site}"`,
  ]);
  const matched = await send(ownPilot, 'POST', '/api/jobs/match', {
    VO: vo,
    Site: site,
    CPUTime: 100_000,
  });
  expect(matched.JobID).toBe(jobId);
  // The owner's catalog directory (mode 0o775: its group may write, others may not).
  await send(owner.token, 'PUT', '/api/catalog/directory', { path: `/${vo}/matrix` });
  const { pfn } = await send(owner.token, 'POST', '/api/jobs/sandbox', {
    checksum_algorithm: 'sha256',
    checksum: 'a'.repeat(64),
    size: 1,
    format: 'tar.bz2',
  });
  const refreshJti = uuid7(clock);
  await (app.dbs.get('AuthDB') as AuthDB).insertRefreshToken(
    refreshJti,
    owner.claims.sub,
    `vo:${vo}`,
  );
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
  const [header, payload, signature] = owner.token.split('.') as [string, string, string];
  const tampered = b64({
    ...owner.claims,
    ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
    vo: otherVo,
  });
  const foreign = await issueAccessToken(
    { ...tokens, issuer: 'https://evil.example' },
    owner.claims,
    20,
  );
  const past = new ManualClock(NOW - 3_600_000);
  const expired = await issueAccessToken(
    { keystore, clock: past, issuer: 'gridbox' },
    owner.claims,
    20,
  );
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  const holders: Record<TokenHolder, string> = {
    owner: owner.token,
    sameVoUser: sameVoUser.token,
    otherVoUser: otherVoUser.token,
    sameVoAdmin: sameVoAdmin.token,
    otherVoAdmin: otherVoAdmin.token,
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
afterAll(() => app.close());

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
