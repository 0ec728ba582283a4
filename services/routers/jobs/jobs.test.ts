import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { buildApp } from '../../app/index.ts';
import { snapshotOf, staticConfigSource, systemClock } from '../../core/index.ts';
import { generateKeystore, issueAccessToken } from '../../logic/index.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const keystore = await generateKeystore(systemClock);
const tokenFor = async (properties: string[], group = `${vo}_user`) =>
  (
    await issueAccessToken(
      { keystore, clock: systemClock, issuer: 'gridbox' },
      {
        sub: `${vo}:alice`,
        vo,
        dirac_group: group,
        preferred_username: 'alice',
        dirac_properties: properties,
      },
      20,
    )
  ).token;

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({
    configSource: staticConfigSource(snapshotOf(config, 0)),
    auth: { keystore },
  });
});
afterAll(() => app.close());

const submit = async (url: string, body: unknown, token?: string) =>
  app.inject({
    method: 'POST',
    url,
    payload: body as object,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe('job submission', () => {
  it.each(['/api/jobs/jdl', '/api/jobs/'])(
    'answers 201 with the created jobs at %s',
    async (url) => {
      const response = await submit(
        url,
        ['Executable = "x"', 'Executable = "y"'],
        await tokenFor(['NormalUser']),
      );
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual([
        {
          JobID: expect.any(Number),
          Status: 'Received',
          MinorStatus: 'Job accepted',
          TimeStamp: expect.any(String),
        },
        {
          JobID: expect.any(Number),
          Status: 'Received',
          MinorStatus: 'Job accepted',
          TimeStamp: expect.any(String),
        },
      ]);
    },
  );

  it('answers a malformed JDL with 400 and the position', async () => {
    const response = await submit(
      '/api/jobs/jdl',
      ['[ Executable = '],
      await tokenFor(['NormalUser']),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/^Error in JDL syntax at line 1, column 16: /);
  });

  it.each([
    ['a caller without NormalUser (a pilot)', ['GenericPilot'], 403],
    ['an administrator without NormalUser', ['JobAdministrator'], 403],
  ])('refuses %s with %s', async (_name, properties, status) => {
    expect(
      (await submit('/api/jobs/jdl', ['Executable = "x"'], await tokenFor(properties))).statusCode,
    ).toBe(status);
  });

  it('refuses a caller with no token', async () => {
    expect((await submit('/api/jobs/jdl', ['Executable = "x"'])).statusCode).toBe(401);
  });

  it('refuses a body that is not a list of JDL strings with 422', async () => {
    expect(
      (await submit('/api/jobs/jdl', { jdl: 'Executable = "x"' }, await tokenFor(['NormalUser'])))
        .statusCode,
    ).toBe(422);
  });
});

describe('submission under arbitrary input', () => {
  it('never answers 500, whatever the JDLs', async () => {
    const token = await tokenFor(['NormalUser']);
    const value = fc.oneof(
      fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
      fc.integer({ min: -1e6, max: 1e7 }).map(String),
      fc.constantFrom(
        '{"a", "b"}',
        '{}',
        '[ X = 1 ]',
        'true',
        '"%j %n %s"',
        '{1, 2, 3}',
        '"LFN:/x//y"',
        '-5',
        '1e400',
      ),
    );
    const attribute = fc.tuple(
      fc.constantFrom(
        'Executable',
        'Arguments',
        'CPUTime',
        'Priority',
        'JobType',
        'Site',
        'BannedSites',
        'Platform',
        'InputData',
        'Tags',
        'NumberOfProcessors',
        'MaxNumberOfProcessors',
        'Parameters',
        'ParameterStart',
        'ParameterStep',
        'LogLevel',
        'Owner',
        'Weird',
      ),
      value,
    );
    const structured = fc
      .uniqueArray(attribute, { maxLength: 8, selector: ([n]) => n })
      .map((attrs) => `[ ${attrs.map(([n, v]) => `${n} = ${v}`).join('; ')} ]`);
    const jdl = fc.oneof(structured, fc.string({ maxLength: 60 }));
    await fc.assert(
      fc.asyncProperty(fc.array(jdl, { minLength: 1, maxLength: 3 }), async (jdls) => {
        const response = await submit('/api/jobs/jdl', jdls, token);
        expect([201, 400]).toContain(response.statusCode);
      }),
      { numRuns: 1500 },
    );
  });
});
