import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { sql } from 'kysely';
import { openSql } from '../../db/index.ts';
import { sqlBackends } from '../../db/sql-backends.testkit.ts';
import { type TestBox, testBox } from '../../app/test-box.testkit.ts';

// Inputs a careless or hostile client sends, on every SQL backend: each gets an answer
// (a clear 4xx, or the right result), never a 500 and never a stalled event loop.

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));

const NEAR_LIMIT = 33_000;
const stuckName = `${'a'.repeat(40)}!`;

describe.each(sqlBackends)('hostile input on %s', (_backend, dbUrl) => {
  let box: TestBox;
  let alice: string;
  let pilot: string;
  let ids: number[];
  const logged: Record<string, unknown>[] = [];

  /** A string payload is sent as it is: raw JSON text. */
  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: unknown) =>
    box.inject(method, url, token, payload, { 'content-type': 'application/json' });

  beforeAll(async () => {
    const url = await dbUrl();
    if (url.startsWith('mysql:')) {
      // A server whose default character set is latin1, as many still are: gridbox's tables
      // must hold any text wherever they are created.
      const admin = await openSql(url);
      await sql`alter database character set latin1`.execute(admin.kysely);
      await admin.close();
    }
    box = await testBox({
      clock,
      dbUrl: url,
      bodyLimitBytes: 16 * 1024 * 1024,
      logger: pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) }),
    });
    alice = await box.token({ user: 'alice' });
    pilot = await box.token({
      user: 'pilot',
      group: `${box.vos[0]}_pilot`,
      properties: ['GenericPilot'],
    });
    const submitted = await call('POST', '/api/jobs/jdl', alice, [
      `Executable = "a"; JobName = "${stuckName}"`,
      `Executable = "a"; JobName = "${'a'.repeat(40)}"`,
    ]);
    expect(submitted.statusCode).toBe(201);
    ids = submitted.json().map((j: { JobID: number }) => j.JobID);
  });
  afterAll(() => box.close());

  const searchNames = async (search: unknown[]) => {
    const response = await call('POST', '/api/jobs/search', alice, {
      parameters: ['JobName'],
      search,
    });
    return { status: response.statusCode, body: response.json() };
  };

  it('answers a catastrophic regex correctly while health probes are answered', async () => {
    const [search, health] = await Promise.all([
      searchNames([{ parameter: 'JobName', operator: 'regex', value: '^(a+)+$' }]),
      box.app.inject('/api/health/live'),
    ]);
    expect(search).toEqual({ status: 200, body: [{ JobName: 'a'.repeat(40) }] });
    expect(health.statusCode).toBe(200);
  });

  it.each([
    ['(', /^Invalid regex \(: /],
    ['(?=a)', /^Invalid regex .*unsupported Perl syntax/],
    ['x'.repeat(1001), /^Invalid regex: longer than 1000 characters/],
  ])('refuses the regex %.20s with a 400 saying why', async (pattern, detail) => {
    const { status, body } = await searchNames([
      { parameter: 'JobName', operator: 'regex', value: pattern },
    ]);
    expect(status).toBe(400);
    expect(body.detail).toMatch(detail);
  });

  it('searches with an `in` filter of 40,000 values', async () => {
    const values = Array.from({ length: 40_000 }, (_, i) => `name-${i}`);
    values.push(stuckName);
    expect(await searchNames([{ parameter: 'JobName', operator: 'in', values }])).toEqual({
      status: 200,
      body: [{ JobName: stuckName }],
    });
    const notIn = await searchNames([{ parameter: 'JobName', operator: 'not in', values }]);
    expect(notIn).toEqual({ status: 200, body: [{ JobName: 'a'.repeat(40) }] });
    const byId = await searchNames([
      {
        parameter: 'JobID',
        operator: 'in',
        values: [...Array.from({ length: 40_000 }, (_, i) => 1_000_000 + i), String(ids[0])],
      },
    ]);
    expect(byId).toEqual({ status: 200, body: [{ JobName: stuckName }] });
  });

  const many = <T>(value: (id: number) => T) =>
    Object.fromEntries(
      Array.from({ length: NEAR_LIMIT }, (_, i) => [
        String(i === 0 ? ids[0] : 1_000_000 + i),
        value(i),
      ]),
    );

  it.each([
    [
      'PATCH /api/jobs/status',
      '/api/jobs/status',
      () => many(() => ({ '2026-06-01T12:00:00Z': { MinorStatus: 'x' } })),
    ],
    ['PATCH /api/jobs/heartbeat', '/api/jobs/heartbeat', () => many(() => ({ LoadAverage: 1 }))],
    ['PATCH /api/jobs/metadata', '/api/jobs/metadata', () => many(() => ({ UserPriority: 2 }))],
  ])('answers %s with 33,000 entries without a 500', async (_name, url, body) => {
    const asPilot = await call('PATCH', url, pilot, body());
    expect(asPilot.statusCode, asPilot.body).toBeLessThan(500);
    const asUser = await call('PATCH', url, alice, body());
    expect(asUser.statusCode, asUser.body).toBeLessThan(500);
  });

  it.each([
    'page=1e400',
    'page=1e20',
    'page=99999999999999999999',
    'per_page=1e400',
    'page=-1',
    'page=0x10',
    'per_page=0',
  ])('answers ?%s with a 4xx or a page', async (query) => {
    const response = await call('POST', `/api/jobs/search?${query}`, alice, {});
    expect([200, 400, 416, 422], response.body).toContain(response.statusCode);
    if (response.statusCode >= 400 && response.statusCode !== 416)
      expect(response.json()).toHaveProperty('detail');
  });

  it('refuses a search body nested 10,000 deep with a 4xx', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const response = await call('POST', '/api/jobs/search', alice, `{"search": ${deep}}`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'JSON body nested deeper than 64 levels' });
    expect(logged).toEqual([]);
  });

  const submit = (jdl: string) => call('POST', '/api/jobs/jdl', alice, [jdl]);
  const text = '\u{1F680} \u4F5C\u4E1A \u00FCn\u00EF';

  it('stores and finds non-Latin-1 text in job names, statuses and metadata', async () => {
    const submitted = await submit(`Executable = "a"; JobName = "${text}"`);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const id = submitted.json()[0].JobID as number;
    const status = await call('PATCH', '/api/jobs/status', alice, {
      [id]: { '2026-06-01T12:00:00Z': { MinorStatus: text } },
    });
    expect(status.statusCode, status.body).toBe(200);
    const metadata = await call('PATCH', '/api/jobs/metadata', alice, {
      [id]: { Site: text, [`Note ${text}`]: text },
    });
    expect(metadata.statusCode, metadata.body).toBe(204);
    const found = await call('POST', '/api/jobs/search', alice, {
      parameters: ['JobName', 'MinorStatus', 'Site'],
      search: [{ parameter: 'JobName', operator: 'eq', value: text }],
    });
    expect(found.json()).toEqual([{ JobName: text, MinorStatus: text, Site: text }]);
  });

  it.each([
    ['JobName', `JobName = "${'n'.repeat(129)}"`],
    ['JobName', `JobName = "${'\u{1F680}'.repeat(129)}"`],
    ['JobGroup', `JobGroup = "${'g'.repeat(33)}"`],
  ])(
    'refuses a job whose %s is over its column size with a 400 naming it',
    async (field, extra) => {
      const response = await submit(`Executable = "a"; ${extra}`);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().detail).toContain(field);
    },
  );

  it('takes a job name of exactly 128 characters, emoji included', async () => {
    const response = await submit(`Executable = "a"; JobName = "${'\u{1F680}'.repeat(128)}"`);
    expect(response.statusCode, response.body).toBe(201);
  });

  it.each([
    ['UserPriority', 2 ** 31],
    ['UserPriority', 1e300],
    ['UserPriority', -(2 ** 31) - 1],
    ['HeartBeatTime', '+275760-09-13T00:00:00Z'],
    ['StartExecTime', '0000-01-01T00:00:00Z'],
    ['EndExecTime', '+010000-01-01T00:00:00Z'],
  ])('refuses metadata %s = %s out of its column range with a 400', async (name, value) => {
    const response = await call('PATCH', '/api/jobs/metadata', alice, {
      [ids[0]!]: { [name]: value },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().detail).toContain(name);
  });

  it('refuses a parameter name over 100 characters with a 400', async () => {
    const name = 'p'.repeat(101);
    const response = await call('PATCH', '/api/jobs/metadata', alice, { [ids[0]!]: { [name]: 1 } });
    expect(response.statusCode, response.body).toBe(400);
  });

  it.each(['+275760-09-13T00:00:00Z', '+010000-01-01T00:00:00Z', '0000-12-31T23:59:59Z'])(
    'refuses a status report time %s outside years 1 to 9999 with a 400',
    async (time) => {
      const response = await call('PATCH', '/api/jobs/status', alice, {
        [ids[0]!]: { [time]: { MinorStatus: 'x' } },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().detail).toContain(time);
    },
  );

  it.each([
    [{ parameter: 'SubmissionTime', operator: 'eq', value: 275760 }],
    [{ parameter: 'SubmissionTime', operator: 'gt', value: '9999' }],
    [{ parameter: 'SubmissionTime', operator: 'lt', value: '0000' }],
    [{ parameter: 'SubmissionTime', operator: 'in', values: ['9999-12-31'] }],
    [{ parameter: 'UserPriority', operator: 'gt', value: 1e300 }],
    [{ parameter: 'JobName', operator: 'eq', value: text }],
    [{ parameter: 'JobName', operator: 'like', value: `%${text}%` }],
  ])('answers the search %j without a 500', async (filter) => {
    const response = await call('POST', '/api/jobs/search', alice, { search: [filter] });
    expect([200, 400], response.body).toContain(response.statusCode);
  });

  it('answers a search value of 1e400 without a 500', async () => {
    const response = await call(
      'POST',
      '/api/jobs/search',
      alice,
      '{"search": [{"parameter": "UserPriority", "operator": "lt", "value": 1e400}]}',
    );
    expect([200, 400, 422], response.body).toContain(response.statusCode);
  });
});
