import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { type PilotAgentsDB, toSqlDateTime } from '../../db/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const box = await testBox({ clock });
afterAll(() => box.close());
const [vo, otherVo] = box.vos as [string, string];
const site = Object.values(box.config.Resources.Sites).flatMap((s) => Object.keys(s))[0]!;
const tokenOf = (user: string, ofVo: string, properties = ['NormalUser']) =>
  box.token({ user, vo: ofVo, properties });
const alice = await tokenOf('alice', vo);
const bob = await tokenOf('bob', vo);
const carol = await tokenOf('carol', otherVo);
const ids: number[] = [];

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: unknown) =>
  box.inject(method, url, token, payload);

beforeAll(async () => {
  const submit = async (token: string, jdls: string[]) => {
    const response = await call('POST', '/api/jobs/jdl', token, jdls);
    expect(response.statusCode).toBe(201);
    ids.push(...response.json().map((j: { JobID: number }) => j.JobID));
  };
  await submit(alice, [
    'Executable = "a"; JobName = "one"',
    `Executable = "a"; JobName = "two"; Site = "${site}"`,
  ]);
  clock.advance(3_600_000);
  await submit(bob, ['Executable = "b"; JobName = "three"']);
  await submit(alice, ['Executable = "p"; JobName = "param-%n"; Parameters = {1, 2, 3}']);
  await submit(carol, ['Executable = "c"; JobName = "four"']);
});

describe('POST /api/jobs/search', () => {
  it('returns every job of the caller’s VO with 200 when it fits on one page', async () => {
    const response = await call('POST', '/api/jobs/search', alice, {
      parameters: ['JobID', 'JobName', 'Owner', 'VO'],
      sort: [{ parameter: 'JobID', direction: 'asc' }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-range']).toBeUndefined();
    const rows = response.json() as { JobName: string; VO: string }[];
    expect(rows.map((r) => r.JobName)).toEqual([
      'one',
      'two',
      'three',
      'param-0',
      'param-1',
      'param-2',
    ]);
    expect(rows.every((r) => r.VO === vo)).toBe(true);
  });

  it('never shows one VO’s jobs to another', async () => {
    const rows = (await call('POST', '/api/jobs/search', carol, {})).json() as {
      JobName: string;
    }[];
    expect(rows.map((r) => r.JobName)).toEqual(['four']);
    const asked = await call('POST', '/api/jobs/search', carol, {
      search: [{ parameter: 'VO', operator: 'eq', value: vo }],
    });
    expect(asked.json()).toEqual([]);
  });

  it('answers 206 with Content-Range for a partial page, and 416 past the end', async () => {
    const body = { parameters: ['JobID'], sort: [{ parameter: 'JobID', direction: 'asc' }] };
    const first = await call('POST', '/api/jobs/search?page=1&per_page=4', alice, body);
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe('jobs 0-3/6');
    const last = await call('POST', '/api/jobs/search?page=2&per_page=4', alice, body);
    expect(last.statusCode).toBe(206);
    expect(last.headers['content-range']).toBe('jobs 4-5/6');
    const beyond = await call('POST', '/api/jobs/search?page=3&per_page=4', alice, body);
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe('jobs */6');
    expect(beyond.json()).toEqual([]);
  });

  it('shows datetimes in ISO 8601 with Z and flags as booleans', async () => {
    const [row] = (
      await call('POST', '/api/jobs/search?per_page=1', alice, {
        parameters: ['SubmissionTime', 'VerifiedFlag', 'UserPriority'],
        sort: [{ parameter: 'JobID', direction: 'asc' }],
      })
    ).json();
    expect(row).toEqual({
      SubmissionTime: '2026-06-01T12:00:00Z',
      VerifiedFlag: true,
      UserPriority: 1,
    });
  });

  const names = async (search: unknown[]) =>
    (
      (
        await call('POST', '/api/jobs/search', alice, {
          search,
          sort: [{ parameter: 'JobID', direction: 'asc' }],
        })
      ).json() as { JobName: string }[]
    ).map((r) => r.JobName);

  it.each([
    [[{ parameter: 'JobName', operator: 'eq', value: 'one' }], ['one']],
    [[{ parameter: 'Owner', operator: 'neq', value: 'alice' }], ['three']],
    [
      [{ parameter: 'JobName', operator: 'like', value: 'param-%' }],
      ['param-0', 'param-1', 'param-2'],
    ],
    [[{ parameter: 'JobName', operator: 'not like', value: 'param-%' }], ['one', 'two', 'three']],
    [[{ parameter: 'JobName', operator: 'regex', value: '^t' }], ['two', 'three']],
    [[{ parameter: 'JobName', operator: 'in', values: ['one', 'three'] }], ['one', 'three']],
    [
      [{ parameter: 'JobName', operator: 'not in', values: ['one'] }],
      ['two', 'three', 'param-0', 'param-1', 'param-2'],
    ],
    [[{ parameter: 'JobName', operator: 'in', values: [] }], []],
    [[{ parameter: 'Site', operator: 'eq', value: site }], ['two']],
    [[{ parameter: 'SubmissionTime', operator: 'eq', value: '2026-06-01 12' }], ['one', 'two']],
    [
      [{ parameter: 'SubmissionTime', operator: 'gt', value: '2026-06-01 12' }],
      ['three', 'param-0', 'param-1', 'param-2'],
    ],
    [[{ parameter: 'SubmissionTime', operator: 'lt', value: '2026-06-01T13:00' }], ['one', 'two']],
    [
      [{ parameter: 'SubmissionTime', operator: 'eq', value: '2026' }],
      ['one', 'two', 'three', 'param-0', 'param-1', 'param-2'],
    ],
    [
      [
        { parameter: 'UserPriority', operator: 'gt', value: 0 },
        { parameter: 'JobName', operator: 'eq', value: 'one' },
      ],
      ['one'],
    ],
    [[{ parameter: 'JobName', operator: 'eq', value: "one' OR '1'='1" }], []],
  ])('filters %j', async (search, expected) => {
    expect(await names(search)).toEqual(expected);
  });

  it.each([
    [{ parameters: ['Nope'] }, 400, /^Unrecognised parameters requested Nope/],
    [{ search: [{ parameter: 'Nope', operator: 'eq', value: 1 }] }, 400, /^Unknown column Nope/],
    [
      { sort: [{ parameter: 'Nope', direction: 'asc' }] },
      400,
      /^Cannot sort by Nope: unknown column/,
    ],
    [{ search: [{ parameter: 'JobName', operator: 'regex', value: '(' }] }, 400, /^Invalid regex/],
    [
      { search: [{ parameter: 'SubmissionTime', operator: 'eq', value: '2026-06-01+02:00' }] },
      400,
      /^Cannot parse value/,
    ],
    [
      { search: [{ parameter: 'SubmissionTime', operator: 'like', value: '2026%' }] },
      400,
      /^Cannot use like on the date column/,
    ],
    [{ search: [{ parameter: 'JobName', operator: 'approx', value: 'x' }] }, 422, undefined],
    [{ sort: [{ parameter: 'JobID', direction: 'up' }] }, 422, undefined],
  ])('refuses %j', async (body, status, message) => {
    const response = await call('POST', '/api/jobs/search', alice, body);
    expect(response.statusCode).toBe(status);
    if (message !== undefined) expect(response.json().detail).toMatch(message);
  });

  it('searches everything of the caller’s VO without a body, as DiracX (the body is optional)', async () => {
    // A client generated from DiracX's document sends neither body nor content type then.
    const response = await box.inject('POST', '/api/jobs/search?per_page=2', alice);
    expect(response.statusCode).toBe(206);
    expect(response.json()).toHaveLength(2);
  });

  it('ignores keys it does not know in a search or summary body, as DiracX', async () => {
    const searched = await call('POST', '/api/jobs/search', alice, {
      parameters: ['JobName'],
      search: [{ parameter: 'JobName', operator: 'eq', value: 'one', note: 'x' }],
      sort: [{ parameter: 'JobID', direction: 'asc', nulls: 'last' }],
      future_option: true,
    });
    expect(searched.statusCode).toBe(200);
    expect(searched.json()).toEqual([{ JobName: 'one' }]);
    const summary = await call('POST', '/api/jobs/summary', alice, {
      grouping: ['Owner'],
      future_option: 1,
    });
    expect(summary.statusCode).toBe(200);
  });

  it('never answers 500, whatever the search body', async () => {
    const columns = [
      'JobID',
      'JobName',
      'Owner',
      'SubmissionTime',
      'VerifiedFlag',
      'Nope',
      "x'; DROP TABLE Jobs; --",
    ];
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.constantFrom("' OR 1=1 --", '%', '_', '\\', '2026-06', '(', '[a-'),
    );
    const filter = fc.oneof(
      fc.record({
        parameter: fc.constantFrom(...columns),
        operator: fc.constantFrom('eq', 'neq', 'gt', 'lt', 'like', 'not like', 'regex', 'bogus'),
        value,
      }),
      fc.record({
        parameter: fc.constantFrom(...columns),
        operator: fc.constantFrom('in', 'not in'),
        values: fc.array(value, { maxLength: 4 }),
      }),
    );
    const body = fc.record(
      {
        parameters: fc.option(fc.subarray(columns), { nil: undefined }),
        search: fc.array(filter, { maxLength: 3 }),
        sort: fc.array(
          fc.record({
            parameter: fc.constantFrom(...columns),
            direction: fc.constantFrom('asc', 'desc'),
          }),
          { maxLength: 2 },
        ),
        distinct: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.integer({ min: 0, max: 5 }), async (search, page) => {
        const response = await call(
          'POST',
          `/api/jobs/search?page=${page}&per_page=3`,
          alice,
          search,
        );
        expect([200, 206, 400, 416, 422]).toContain(response.statusCode);
      }),
      { numRuns: 1000 },
    );
    const still = await call('POST', '/api/jobs/search', alice, {});
    expect(still.json()).toHaveLength(6);
  });
});

describe('POST /api/jobs/summary', () => {
  it('counts the caller’s VO’s jobs by the grouping columns', async () => {
    const response = await call('POST', '/api/jobs/summary', alice, {
      grouping: ['Owner', 'Status'],
    });
    expect(response.statusCode).toBe(200);
    const rows = response.json() as { Owner: string; count: number }[];
    expect(rows.sort((a, b) => a.Owner.localeCompare(b.Owner))).toEqual([
      { Owner: 'alice', Status: 'Waiting', count: 5 },
      { Owner: 'bob', Status: 'Waiting', count: 1 },
    ]);
  });

  it('refuses an unknown grouping column with 400', async () => {
    expect(
      (await call('POST', '/api/jobs/summary', alice, { grouping: ['Nope'] })).statusCode,
    ).toBe(400);
  });
});

describe('GET /api/jobs/status', () => {
  it('gives the status of the caller’s own jobs, keyed by id', async () => {
    const response = await call(
      'GET',
      `/api/jobs/status?job_ids=${ids[0]}&job_ids=${ids[1]}`,
      alice,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      [ids[0]!]: {
        Status: 'Waiting',
        MinorStatus: 'Pilot Agent Submission',
        ApplicationStatus: 'Unknown',
      },
      [ids[1]!]: {
        Status: 'Waiting',
        MinorStatus: 'Pilot Agent Submission',
        ApplicationStatus: 'Unknown',
      },
    });
  });

  it.each([
    ['another user’s job', () => bob, () => ids[0]!],
    ['another VO’s job', () => carol, () => ids[0]!],
    ['a job that does not exist', () => alice, () => 999_999],
  ])('refuses %s with 403', async (_name, token, id) => {
    expect((await call('GET', `/api/jobs/status?job_ids=${id()}`, token())).statusCode).toBe(403);
  });
});

describe('PATCH /api/jobs/status', () => {
  const patch = (token: string, body: unknown, query = '') =>
    call('PATCH', `/api/jobs/status${query}`, token, body);
  const when = new Date(Date.UTC(2026, 5, 2)).toISOString();

  it('lets the owner kill their job, and shows it as killed', async () => {
    const response = await patch(alice, {
      [ids[0]!]: { [when]: { Status: 'Killed', MinorStatus: 'Marked as killed', Source: 'User' } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().success[ids[0]!]).toMatchObject({
      Status: 'Killed',
      MinorStatus: 'Marked as killed',
    });
    const status = await call('GET', `/api/jobs/status?job_ids=${ids[0]}`, alice);
    expect(status.json()[ids[0]!]).toMatchObject({ Status: 'Killed' });
  });

  it.each([
    ['another user’s job', () => bob],
    ['another VO’s job', () => carol],
  ])('refuses to change %s with 403', async (_name, token) => {
    expect((await patch(token(), { [ids[1]!]: { [when]: { Status: 'Killed' } } })).statusCode).toBe(
      403,
    );
  });

  it('answers 404 with the report as detail when no job could be changed (administrator)', async () => {
    const admin = await tokenOf('root', vo, ['JobAdministrator']);
    const response = await patch(admin, { '999999': { [when]: { Status: 'Killed' } } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      detail: { success: {}, failed: { 999999: { detail: 'Not found' } } },
    });
  });

  it.each([
    ['a status DIRAC does not have', { Status: 'Exploded' }, 422],
    ['an unknown field', { Status: 'Killed', Colour: 'red' }, 422],
  ])('refuses %s', async (_name, update, status) => {
    expect((await patch(alice, { [ids[1]!]: { [when]: update } })).statusCode).toBe(status);
  });

  it('refuses a time without a zone with 400', async () => {
    const response = await patch(alice, {
      [ids[1]!]: { '2026-06-02T00:00:00': { Status: 'Killed' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/not timezone aware/);
  });

  it('refuses a job id that is not a number with 422', async () => {
    expect((await patch(alice, { abc: { [when]: { Status: 'Killed' } } })).statusCode).toBe(422);
  });
});

describe('PATCH /api/jobs/heartbeat', () => {
  const beat = (token: string, body: unknown) => call('PATCH', '/api/jobs/heartbeat', token, body);

  /** A pilot registered in `ofVo` that took job `id`, and a token bound to its stamp. */
  const pilotOf = async (stamp: string, ofVo: string, id?: number) => {
    const db = box.app.dbs.get('PilotAgentsDB') as PilotAgentsDB;
    const pilot = { stamp, vo: ofVo, gridType: 'DIRAC', gridSite: site, destinationSite: site };
    await db.registerPilots([{ ...pilot, reference: stamp, status: 'Running' }], [], clock);
    if (id !== undefined) await db.recordMatch(stamp, id, toSqlDateTime(clock.nowMs()));
    return tokenOf(`pilot:${stamp}`, ofVo, ['GenericPilot']);
  };

  it('moves a matched job to Running and delivers a Kill command once, to its pilot only', async () => {
    const id = ids[2]!; // bob's job
    const pilot = await pilotOf('hb-own', vo, id);
    const otherPilot = await pilotOf('hb-other', vo);
    const foreignPilot = await pilotOf('hb-foreign', otherVo);
    clock.advance(60_000);
    const when = new Date(clock.nowMs()).toISOString();
    const matched = await call('PATCH', '/api/jobs/status', pilot, {
      [id]: { [when]: { Status: 'Matched', MinorStatus: 'Assigned', Source: 'Matcher' } },
    });
    expect(matched.statusCode).toBe(200);
    clock.advance(60_000);
    const first = await beat(pilot, {
      [id]: { LoadAverage: 1.5, MemoryUsed: 1024, StandardOutput: 'hello' },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual([]);
    const status = await call('GET', `/api/jobs/status?job_ids=${id}`, bob);
    expect(status.json()[id]).toMatchObject({ Status: 'Running' });

    const when2 = new Date(clock.nowMs()).toISOString();
    expect(
      (
        await call('PATCH', '/api/jobs/status', bob, {
          [id]: { [when2]: { Status: 'Killed', Source: 'User' } },
        })
      ).statusCode,
    ).toBe(200);
    clock.advance(1000);
    // Neither another pilot of the VO nor one of another VO takes the Kill meant for it.
    for (const thief of [otherPilot, foreignPilot]) {
      const stolen = await beat(thief, { [id]: { CPUConsumed: 10 } });
      expect(stolen.statusCode).toBe(403);
      expect(stolen.json()).toEqual({ detail: 'A pilot acts only on the jobs matched to it' });
    }
    expect((await beat(pilot, { [id]: { CPUConsumed: 10 } })).json()).toEqual([
      { job_id: id, command: 'Kill', arguments: null },
    ]);
    clock.advance(1000);
    expect((await beat(pilot, { [id]: { CPUConsumed: 11 } })).json()).toEqual([]);
  });

  it.each([
    ['an unknown measurement', { ColourOfSky: 1 }, 422],
    ['a measurement that is not a number', { LoadAverage: 'high' }, 422],
  ])('refuses %s', async (_name, data, status) => {
    const pilot = await tokenOf('pilot:hb-own', vo, ['GenericPilot']);
    expect((await beat(pilot, { [ids[2]!]: data })).statusCode).toBe(status);
  });

  it('answers 404 for a job that does not exist', async () => {
    const pilot = await tokenOf('pilot', vo, ['GenericPilot']);
    const response = await beat(pilot, { '999999': { LoadAverage: 1 } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Unknown job 999999' });
  });

  it('refuses a user’s heartbeat for another user’s job with 403', async () => {
    expect((await beat(alice, { [ids[2]!]: { LoadAverage: 1 } })).statusCode).toBe(403);
  });
});

describe('POST /api/jobs/reschedule', () => {
  const reschedule = (token: string, jobIds: number[], query = '') =>
    call('POST', `/api/jobs/reschedule${query}`, token, { job_ids: jobIds });

  it('sends a job back to the queue, counting up, and fails it past the limit', async () => {
    const submitted = await call('POST', '/api/jobs/jdl', alice, [
      'Executable = "again"; JobName = "again"',
    ]);
    const id = submitted.json()[0].JobID as number;
    ids.push(id);
    const run = async () => {
      clock.advance(1000);
      const when = new Date(clock.nowMs()).toISOString();
      await call('PATCH', '/api/jobs/status?force=true', alice, {
        [id]: { [when]: { Status: 'Running', Source: 'JobWrapper' } },
      });
    };
    for (const counter of [1, 2, 3]) {
      await run();
      clock.advance(1000);
      const response = await reschedule(alice, [id]);
      expect(response.statusCode).toBe(200);
      expect(response.json().success[id]).toMatchObject({
        RescheduleCounter: counter,
        Status: 'Received',
        MinorStatus: 'Job Rescheduled',
        // DiracX returns the job's checked JDL under this name.
        InputData: expect.stringMatching(/JobName = "again";[\s\S]*JobRequirements/),
      });
      const status = await call('GET', `/api/jobs/status?job_ids=${id}`, alice);
      expect(status.json()[id].Status).toBe('Waiting');
    }
    await run();
    clock.advance(1000);
    const over = await reschedule(alice, [id]);
    expect(over.statusCode).toBe(400);
    expect(over.json().detail.failed[id]).toEqual({
      detail: 'Maximum number of reschedules exceeded (3)',
    });
    const status = await call('GET', `/api/jobs/status?job_ids=${id}`, alice);
    expect(status.json()[id]).toMatchObject({
      Status: 'Failed',
      MinorStatus: 'Maximum of reschedulings reached',
    });
    clock.advance(1000);
    const reset = await reschedule(alice, [id], '?reset_jobs=true');
    expect(reset.json().success[id]).toMatchObject({ RescheduleCounter: 0, Status: 'Failed' });
  });

  it('refuses to reschedule another user’s job', async () => {
    expect((await reschedule(bob, [ids[1]!])).statusCode).toBe(403);
  });
});

describe('PATCH /api/jobs/metadata', () => {
  const patchMeta = (token: string, body: unknown) =>
    call('PATCH', '/api/jobs/metadata', token, body);

  it('writes the Site attribute and job parameters, and answers 204', async () => {
    const response = await patchMeta(alice, { [ids[1]!]: { Site: site, HostName: 'wn001' } });
    expect(response.statusCode).toBe(204);
    const rows = (
      await call('POST', '/api/jobs/search', alice, {
        parameters: ['Site'],
        search: [{ parameter: 'JobID', operator: 'eq', value: ids[1]! }],
      })
    ).json();
    expect(rows).toEqual([{ Site: site }]);
  });

  const attribute = (name: string) =>
    new RegExp(`^${name} cannot be changed through metadata \\(job \\d+\\)$`);
  // DiracX 0.7.0 writes only Site among the job attributes; every other is refused.
  it.each([
    ['a number where text belongs', { Site: 5 }, /^Invalid value for Site/],
    ['text too long for its column', { Site: 'x'.repeat(101) }, /^Invalid value for Site/],
    ['its priority', { UserPriority: 7 }, attribute('UserPriority')],
    ['its priority, by its field name', { user_priority: 7 }, attribute('UserPriority')],
    ['its name', { JobName: 'renamed' }, attribute('JobName')],
    ['its group', { JobGroup: 'analysis' }, attribute('JobGroup')],
    ['its type', { JobType: 'User' }, attribute('JobType')],
    ['a time', { LastUpdateTime: '2026-06-01T12:00:00Z' }, attribute('LastUpdateTime')],
    ['its accounting flag', { AccountedFlag: true }, attribute('AccountedFlag')],
    ['the job id itself', { JobID: 3 }, attribute('JobID')],
    ['its VO', { VO: otherVo }, attribute('VO')],
    ['its VO, spelt otherwise', { vo: otherVo }, attribute('VO')],
    ['its owner', { Owner: 'bob' }, attribute('Owner')],
    ['its owner group', { OwnerGroup: `${otherVo}_user` }, attribute('OwnerGroup')],
    ['its owner DN', { OwnerDN: '/O=GridBox/CN=bob' }, attribute('OwnerDN')],
    ['its status, past the state machine', { Status: 'Done' }, attribute('Status')],
    ['its minor status', { MinorStatus: 'Done' }, attribute('MinorStatus')],
    ['its application status', { ApplicationStatus: 'Done' }, attribute('ApplicationStatus')],
    ['its reschedule counter', { RescheduleCounter: 0 }, attribute('RescheduleCounter')],
  ])('refuses %s with 400 and writes nothing', async (_name, fields, detail) => {
    const response = await patchMeta(alice, {
      [ids[1]!]: { Site: 'LCG.Untouched.org', ...fields },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(detail);
    const rows = (
      await call('POST', '/api/jobs/search', alice, {
        parameters: ['JobName', 'Site', 'UserPriority'],
        search: [{ parameter: 'JobID', operator: 'eq', value: ids[1]! }],
      })
    ).json();
    expect(rows).toEqual([{ JobName: 'two', Site: site, UserPriority: 1 }]);
  });
});

describe('search pseudo-parameters', () => {
  it('adds each job’s history with LoggingInfo, placeholders resolved', async () => {
    const rows = (
      await call('POST', '/api/jobs/search', alice, {
        parameters: ['JobName', 'LoggingInfo'],
        search: [{ parameter: 'JobName', operator: 'eq', value: 'two' }],
      })
    ).json();
    expect(Object.keys(rows[0])).toEqual(['JobID', 'JobName', 'LoggingInfo']);
    expect(
      rows[0].LoggingInfo.map((r: { Status: string; MinorStatus: string }) => [
        r.Status,
        r.MinorStatus,
      ]),
    ).toEqual([
      ['Received', 'Job accepted'],
      ['Checking', 'JobSanity'],
      ['Checking', 'JobScheduling'],
      ['Waiting', 'Pilot Agent Submission'],
    ]);
    expect(rows[0].LoggingInfo[0]).toMatchObject({
      Source: 'JobManager',
      StatusTime: '2026-06-01T12:00:00Z',
    });
  });

  it('finds nothing for a pilot that ran no job, and refuses PilotStamp with a JobID filter', async () => {
    expect(
      (
        await call('POST', '/api/jobs/search', alice, {
          search: [{ parameter: 'PilotStamp', operator: 'eq', value: 'nobody' }],
        })
      ).json(),
    ).toEqual([]);
    const mixed = await call('POST', '/api/jobs/search', alice, {
      search: [
        { parameter: 'PilotStamp', operator: 'eq', value: 'x' },
        { parameter: 'JobID', operator: 'eq', value: 1 },
      ],
    });
    expect(mixed.statusCode).toBe(400);
  });
});
