import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { testBox } from '../../app/test-box.testkit.ts';

const box = await testBox();
afterAll(() => box.close());
const tokenFor = (properties: string[]) => box.token({ properties, lifetimeMinutes: 20 });

const submit = async (url: string, body: unknown, token?: string) =>
  box.inject('POST', url, token, body);

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
