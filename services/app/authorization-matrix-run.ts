import type { FastifyInstance } from 'fastify';
import { type Config, ManualClock, uuid7 } from '../core/index.ts';
import {
  type AccessTokenClaims,
  type TokenIdentity,
  issueAccessToken,
  mintAccessToken,
} from '../logic/index.ts';
import {
  type Caller,
  type MatrixRequest,
  type MatrixRow,
  type Seed,
  TOKEN_HOLDERS,
  type TokenHolder,
  UNAUTHENTICATED,
} from './authorization-matrix.ts';

/**
 * The people the matrix's callers are, as members of the Registry: two plain users of VO A
 * (the owner and another), a plain user of VO B, each VO's administrator (JobAdministrator,
 * ServiceAdministrator, ProxyManagement) and VO A's generic pilot identity. The registered
 * pilots are made by `prepareMatrix`.
 */
export interface MatrixIdentities {
  owner: TokenIdentity;
  sameVoUser: TokenIdentity;
  otherVoUser: TokenIdentity;
  sameVoAdmin: TokenIdentity;
  otherVoAdmin: TokenIdentity;
  genericPilot: TokenIdentity;
}

/** A box seeded for the matrix: what the requests are about, and each caller's headers. */
export interface PreparedMatrix {
  readonly seed: Seed;
  readonly headers: ReadonlyMap<Caller, Readonly<Record<string, string>>>;
}

/** Tokens outlive any run of the matrix; the expired one is an hour old. */
const LIFETIME_MINUTES = 24 * 60;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Seeds `app` through its API as the callers would: the owner's job and sandbox, three
 * registered pilots (two of VO A, one of VO B) with tokens from their secrets, the job
 * matched to the first, the owner's catalog directory and a refresh token of the owner; then
 * makes each caller's token, the forged ones included. Throws, naming the request, when the
 * box refuses one of these steps (then the matrix cannot say anything about it).
 */
export async function prepareMatrix(
  app: FastifyInstance,
  config: Config,
  identities: MatrixIdentities,
): Promise<PreparedMatrix> {
  const vo = identities.owner.vo;
  const otherVo = identities.otherVoUser.vo;
  const [site, otherSite] = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s));
  const se = Object.entries(config.Resources.StorageElements).find(
    ([, element]) => element.VO.length === 0 || element.VO.includes(vo),
  )?.[0];
  if (site === undefined || otherSite === undefined || se === undefined)
    throw new Error(
      `The authorization matrix needs two sites and a storage element open to ${vo} in the configuration`,
    );
  const clock = app.clock;
  const { keystore, issuer } = app.auth;
  const mint = (identity: TokenIdentity) =>
    mintAccessToken({ keystore, clock, issuer, config }, identity, LIFETIME_MINUTES);
  const send = async (
    token: string | undefined,
    method: string,
    url: string,
    payload?: unknown,
  ) => {
    const response = await app.inject({
      method: method as 'POST',
      url,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (response.statusCode >= 300)
      throw new Error(
        `Preparing the authorization matrix, ${method} ${url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`,
      );
    return response.body === '' ? undefined : response.json();
  };

  const owner = await mint(identities.owner);
  const sameVoAdmin = await mint(identities.sameVoAdmin);
  const otherVoAdmin = await mint(identities.otherVoAdmin);
  const pilotToken = async (admin: string, stamp: string, ofVo: string) => {
    const { pilot_secret } = await send(admin, 'POST', '/api/pilots/', {
      pilot_stamp: stamp,
      vo: ofVo,
    });
    const traded = await send(undefined, 'POST', '/api/auth/pilot-token', {
      pilot_stamp: stamp,
      pilot_secret,
    });
    return traded.access_token as string;
  };
  const ownPilot = await pilotToken(sameVoAdmin, 'matrix-own', vo);
  const holders: Record<TokenHolder, string> = {
    owner,
    sameVoUser: await mint(identities.sameVoUser),
    otherVoUser: await mint(identities.otherVoUser),
    sameVoAdmin,
    otherVoAdmin,
    ownPilot,
    otherPilot: await pilotToken(sameVoAdmin, 'matrix-other', vo),
    otherVoPilot: await pilotToken(otherVoAdmin, 'matrix-foreign', otherVo),
    genericPilot: await mint(identities.genericPilot),
  };

  const [{ JobID: jobId }] = await send(owner, 'POST', '/api/jobs/jdl', [
    `Executable = "matrix"; Site = "${site}"`,
  ]);
  const matched = await send(ownPilot, 'POST', '/api/jobs/match', {
    VO: vo,
    Site: site,
    CPUTime: 100_000,
  });
  if (matched?.JobID !== jobId)
    throw new Error(
      `Preparing the authorization matrix, the own pilot was matched ${JSON.stringify(matched?.JobID ?? null)} instead of job ${jobId}`,
    );
  // The owner's catalog directory (mode 0o775: its group may write, others may not).
  await send(owner, 'PUT', '/api/catalog/directory', { path: `/${vo}/matrix` });
  const { pfn } = await send(owner, 'POST', '/api/jobs/sandbox', {
    checksum_algorithm: 'sha256',
    checksum: 'a'.repeat(64),
    size: 1,
    format: 'tar.bz2',
  });
  const ownerClaims = JSON.parse(
    Buffer.from(owner.split('.')[1]!, 'base64url').toString(),
  ) as AccessTokenClaims;
  const refreshJti = uuid7(clock);
  await app.dbs.get('AuthDB').insertRefreshToken(refreshJti, ownerClaims.sub, `vo:${vo}`);
  const seed: Seed = {
    vo,
    otherVo,
    site,
    otherSite,
    se,
    jobId,
    pfn,
    pilotStamp: 'matrix-own',
    refreshJti,
    now: new Date(clock.nowMs()).toISOString(),
  };

  // The forged ones: each is the owner's token but for one flaw.
  const [header, payload, signature] = owner.split('.') as [string, string, string];
  const tampered = b64({ ...ownerClaims, vo: otherVo });
  const foreign = await issueAccessToken(
    { keystore, clock, issuer: 'https://evil.example' },
    ownerClaims,
    20,
  );
  const past = new ManualClock(clock.nowMs() - 3_600_000);
  const expired = await issueAccessToken({ keystore, clock: past, issuer }, ownerClaims, 20);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const headers = new Map<Caller, Record<string, string>>();
  for (const [caller, token] of Object.entries(holders))
    headers.set(caller as Caller, bearer(token));
  headers.set('noToken', {});
  headers.set('wrongSignature', bearer(`${header}.${tampered}.${signature}`));
  headers.set('foreignIssuer', bearer(foreign.token));
  headers.set('expired', bearer(expired.token));
  headers.set('algNone', bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`));
  return { seed, headers };
}

/** The status `caller` gets for one request of `operation` ("METHOD /path"). */
export async function probe(
  app: FastifyInstance,
  operation: string,
  request: MatrixRequest,
  headers: Readonly<Record<string, string>>,
): Promise<number> {
  const [method] = operation.split(' ') as [string];
  const body =
    request.form !== undefined
      ? {
          type: 'application/x-www-form-urlencoded',
          text: new URLSearchParams(request.form).toString(),
        }
      : request.payload !== undefined
        ? {
            type: 'application/json',
            text:
              typeof request.payload === 'string'
                ? request.payload
                : JSON.stringify(request.payload),
          }
        : undefined;
  const response = await app.inject({
    method: method as 'GET',
    url: request.url,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': body.type }) },
    ...(body === undefined ? {} : { payload: body.text }),
  });
  return response.statusCode;
}

/** Whether a status is a refusal of the caller (rather than an answer about the request). */
export const isRefusal = (status: number) => status === 401 || status === 403;

/**
 * What is wrong with the statuses each caller got for one row, against the row's `access`:
 * one line per caller ("otherVoUser: 200, expected 403"), none when the row holds.
 */
export function rowFindings(row: MatrixRow, statuses: ReadonlyMap<Caller, number>): string[] {
  const wrong: string[] = [];
  for (const [caller, status] of statuses)
    if (status === 500) wrong.push(`${caller}: 500, an internal error`);
  const expectStatus = (caller: Caller, expected: number) => {
    const status = statuses.get(caller)!;
    if (status !== expected) wrong.push(`${caller}: ${status}, expected ${expected}`);
  };
  if (row.access === 'public' || row.access === 'credential') {
    const anonymous = statuses.get('noToken')!;
    for (const [caller, status] of statuses) {
      if (row.access === 'public' && status !== anonymous)
        wrong.push(`${caller}: ${status}, but ${anonymous} without a token`);
      if (row.access === 'credential' && status < 300)
        wrong.push(`${caller}: ${status}, without the route's credential`);
    }
  } else {
    for (const caller of TOKEN_HOLDERS) {
      const status = statuses.get(caller)!;
      if (row.access.includes(caller)) {
        if (isRefusal(status)) wrong.push(`${caller}: ${status}, expected allowed`);
      } else expectStatus(caller, 403);
    }
    for (const caller of UNAUTHENTICATED) expectStatus(caller, 401);
  }
  return wrong;
}

/** Every operation of the app's OpenAPI document, as "METHOD /path", with its description. */
export async function documentedOperations(
  app: FastifyInstance,
): Promise<Map<string, { security?: unknown[] }>> {
  const document = (await app.inject('/api/openapi.json')).json() as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const found = new Map<string, { security?: unknown[] }>();
  for (const [path, operations] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(operations))
      found.set(`${method.toUpperCase()} ${path}`, operation);
  return found;
}
