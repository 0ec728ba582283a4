import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TransportAnswer,
  type TransportCall,
  directTransport,
  injectTransport,
  sendAsBytes,
} from '../../client/index.ts';
import { ManualClock } from '../core/index.ts';
import { directCalls } from './direct-calls.ts';
import { type TestBox, testBox } from './test-box.testkit.ts';

// The direct transport must answer every call as injection does: same status, same body,
// same headers that matter, for good calls and bad ones. Two boxes built alike get the same
// calls in the same order, one by injection, one directly; their answers must agree.

const START_MS = Date.parse('2026-03-01T00:00:00Z');

interface Step {
  name: string;
  /** The call, given the box's tokens. */
  call: (tokens: Tokens) => TransportCall;
  /** Moves the box's clock before the call. */
  advanceMs?: number;
}

interface Tokens {
  user: string;
  other: string;
  admin: string;
  shortLived: string;
}

const json = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** In order: later steps see what earlier ones did (jobs submitted, the clock moved). */
const steps: Step[] = [
  {
    name: 'submits jobs (201)',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/jdl',
      headers: json(t.user),
      value: ['Executable = "a";', 'Executable = "b";'],
    }),
  },
  {
    name: 'searches with a query string (coerced page numbers)',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/search?page=1&per_page=1',
      headers: json(t.user),
      value: { parameters: ['JobID', 'Status'], sort: [{ parameter: 'JobID', direction: 'asc' }] },
    }),
  },
  {
    name: 'searches with no body at all (the preValidation hook)',
    call: (t) => ({ method: 'POST', path: '/api/jobs/search', headers: bearer(t.user) }),
  },
  {
    name: 'summarises',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/summary',
      headers: json(t.user),
      value: { grouping: ['Status'] },
    }),
  },
  {
    name: 'reads a path parameter',
    call: (t) => ({ method: 'GET', path: '/api/jobs/1/sandbox/input', headers: bearer(t.user) }),
  },
  {
    name: 'answers 204 without a body',
    call: (t) => ({
      method: 'PATCH',
      path: '/api/jobs/metadata',
      headers: json(t.admin),
      value: { 1: { MyParameter: 'x' } },
    }),
  },
  {
    name: 'refuses a call without a token (401 with a challenge)',
    call: () => ({ method: 'POST', path: '/api/jobs/search' }),
  },
  {
    name: 'refuses a header that is not a bearer token (400)',
    call: () => ({
      method: 'POST',
      path: '/api/jobs/search',
      headers: { authorization: 'Basic eDp5' },
    }),
  },
  {
    name: 'refuses a token that does not verify (401)',
    call: (t) => ({ method: 'POST', path: '/api/jobs/search', headers: bearer(`${t.user}x`) }),
  },
  {
    name: 'refuses a client version that is not one (400)',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/search',
      headers: { ...bearer(t.user), 'diracx-client-version': 'not a version' },
    }),
  },
  {
    name: 'refuses a body of the wrong type with the 422 shape',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/jdl',
      headers: json(t.user),
      value: { not: 'a list' },
    }),
  },
  {
    name: 'refuses an unknown key with the 422 shape',
    call: (t) => ({
      method: 'PATCH',
      path: '/api/jobs/status',
      headers: json(t.admin),
      value: { 1: { '2026-03-01T00:00:00Z': { Status: 'Killed', Bogus: 1 } } },
    }),
  },
  {
    name: 'refuses a bad query string with the 422 shape',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/search?per_page=0',
      headers: json(t.user),
      value: {},
    }),
  },
  {
    name: 'refuses a bad path parameter with the 422 shape',
    call: (t) => ({ method: 'GET', path: '/api/jobs/abc/sandbox/input', headers: bearer(t.user) }),
  },
  {
    name: 'refuses a body nested too deep (400)',
    call: (t) => ({
      method: 'POST',
      path: '/api/jobs/summary',
      headers: json(t.user),
      value: { grouping: ['Status'], search: JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) },
    }),
  },
  {
    name: "refuses another user's job by the access policy (403)",
    call: (t) => ({
      method: 'PATCH',
      path: '/api/jobs/status',
      headers: json(t.other),
      value: { 1: { '2026-03-01T00:00:00Z': { Status: 'Killed', MinorStatus: 'by hand' } } },
    }),
  },
  {
    name: 'answers a report that updated nothing with its 404 body',
    call: (t) => ({
      method: 'PATCH',
      path: '/api/jobs/status',
      headers: json(t.admin),
      value: { 999: { '2026-03-01T00:00:00Z': { Status: 'Killed', MinorStatus: 'by hand' } } },
    }),
  },
  {
    name: 'answers 404 for a path nothing serves (through the wire)',
    call: (t) => ({ method: 'GET', path: '/api/jobs/nope/nothing/here', headers: bearer(t.user) }),
  },
  {
    name: 'answers 405 for a method a path is not served under (through the wire)',
    call: (t) => ({ method: 'DELETE', path: '/api/jobs/search', headers: bearer(t.user) }),
  },
  {
    name: 'takes a short-lived token while it is valid',
    call: (t) => ({ method: 'POST', path: '/api/jobs/search', headers: bearer(t.shortLived) }),
  },
  {
    name: 'refuses the same token once it expired, although verified before',
    advanceMs: 2 * 60_000,
    call: (t) => ({ method: 'POST', path: '/api/jobs/search', headers: bearer(t.shortLived) }),
  },
];

/** A box on its own clock, with its tokens. */
async function box(): Promise<{ box: TestBox; clock: ManualClock; tokens: Tokens }> {
  const clock = new ManualClock(START_MS);
  const box = await testBox({ clock });
  const vo = box.vos[0]!;
  const tokens = {
    user: await box.user(vo, 0),
    other: await box.user(vo, 1),
    admin: await box.admin(vo),
    shortLived: await box.token({ lifetimeMinutes: 1 }),
  };
  return { box, clock, tokens };
}

/** The answer as a client sees it; headers that differ by nature (length, date) left out. */
function observed(answer: TransportAnswer) {
  const headers: Record<string, string> = {};
  for (const name of ['content-range', 'www-authenticate', 'allow', 'retry-after'])
    if (answer.headers[name] !== undefined) headers[name] = answer.headers[name];
  return { status: answer.status, headers, value: answer.value };
}

describe('the direct transport answers as injection does', () => {
  const answers: { injected: unknown[]; direct: unknown[] } = { injected: [], direct: [] };
  let boxes: TestBox[] = [];

  beforeAll(async () => {
    const injected = await box();
    const direct = await box();
    boxes = [injected.box, direct.box];
    const wire = injectTransport(injected.box.app);
    const transport = directTransport(directCalls(direct.box.app), injectTransport(direct.box.app));
    for (const step of steps) {
      injected.clock.advance(step.advanceMs ?? 0);
      direct.clock.advance(step.advanceMs ?? 0);
      answers.injected.push(observed(await sendAsBytes(wire, step.call(injected.tokens))));
      answers.direct.push(observed(await transport.call!(step.call(direct.tokens))));
    }
  });
  afterAll(async () => {
    for (const each of boxes) await each.close();
  });

  it.each(steps.map((step, index) => [step.name, index] as const))('%s', (_name, index) => {
    expect(answers.direct[index]).toEqual(answers.injected[index]);
  });

  it('covers what it claims: successes, 4xx of every kind, the wire fallback', () => {
    const statuses = answers.direct.map((answer) => (answer as { status: number }).status);
    for (const status of [200, 201, 204, 206, 400, 401, 403, 404, 405, 422])
      expect(statuses).toContain(status);
  });
});

describe('a router root route', () => {
  it('is served directly with and without its trailing slash, as Fastify serves both', async () => {
    const { box: each, tokens } = await box();
    try {
      const vo = each.vos[0]!;
      const routes = directCalls(each.app);
      for (const [path, stamp] of [
        ['/api/pilots/', 'with-slash'],
        ['/api/pilots', 'without-slash'],
      ] as const) {
        const answer = await routes.call({
          method: 'POST',
          path,
          headers: json(tokens.admin),
          value: { pilot_stamp: stamp, vo },
        });
        expect(answer?.status).toBe(201);
        const injected = await each.app.inject({
          method: 'POST',
          url: path,
          headers: json(tokens.admin),
          payload: { pilot_stamp: stamp, vo },
        });
        expect(injected.statusCode).toBe(409);
      }
    } finally {
      await each.close();
    }
  });
});

describe('a signed URL followed directly', () => {
  it('gives the bytes and refusals injection gives, without going through the wire', async () => {
    const { box: each, tokens } = await box();
    try {
      const tarball = Buffer.from('a sandbox followed directly '.repeat(40));
      const user = each.client(tokens.user);
      const pfn = await user.uploadSandbox(tarball, 'tar.zst');
      const { url } = await user.request<{ url: string }>(
        'Locating a sandbox',
        'GET',
        `/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`,
      );
      const injected = injectTransport(each.app);
      let wired = 0;
      const wire = {
        ...injected,
        requestUrl: (...args: Parameters<typeof injected.requestUrl>) => {
          wired++;
          return injected.requestUrl(...args);
        },
      };
      const direct = directTransport(directCalls(each.app), wire);
      const forged = url.replace(/signature=[^&]+/, 'signature=0000');
      const seen = async (transport: typeof direct, target: string) => {
        const response = await transport.requestUrl(target, { method: 'GET' });
        return {
          status: response.status,
          type: response.headers['content-type'],
          body: response.body.toString('latin1'),
        };
      };
      for (const target of [url, forged]) {
        expect(await seen(direct, target)).toEqual(await seen(injected, target));
      }
      expect((await direct.requestUrl(url, { method: 'GET' })).body).toEqual(tarball);
      expect((await seen(direct, forged)).status).toBe(403);
      expect(wired).toBe(0);
    } finally {
      await each.close();
    }
  });
});
