import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import type { TaskQueueDB } from '../../db/index.ts';
import { MATCH_SNAPSHOT_TTL_MS } from '../../logic/index.ts';
import { sqlBackends } from '../../db/sql-backends.testkit.ts';
import { type TestBox, type TestBoxOptions, testBox } from '../../app/test-box.testkit.ts';

/** A box of its own (closed at the end of the `await using` scope), with tokens it accepts. */
async function freshBox(options: TestBoxOptions = {}) {
  const box = await testBox(options);
  const tokenOf = (user: string, ofVo: string, properties: string[], group = `${ofVo}_user`) =>
    box.token({ user, vo: ofVo, properties, group });
  /** POSTs `payload` with `token` as the bearer. */
  const post = (token: string, url: string, payload: unknown) =>
    box.inject('POST', url, token, payload);
  return { box, tokenOf, post, [Symbol.asyncDispose]: () => box.close() };
}
// The first describe's box; the others make their own.
const { box, tokenOf, post } = await freshBox();
afterAll(() => box.close());
const [vo, otherVo] = box.vos as [string, string];
const sites = Object.values(box.config.Resources.Sites).flatMap((s) => Object.keys(s));
const user = await tokenOf('alice', vo, ['NormalUser']);
const pilot = await tokenOf('pilot', vo, ['GenericPilot', 'LimitedDelegation'], `${vo}_pilot`);

describe('POST /api/jobs/match', () => {
  it('gives a waiting job to a pilot whose slot fits, once, and empties the task queue', async () => {
    const submitted = await post(user, '/api/jobs/jdl', [
      `Executable = "x"; Site = "${sites[0]}"; Tags = {"GPU"}`,
    ]);
    const jobId = submitted.json()[0].JobID as number;
    const slot = { VO: vo, Site: sites[0], CPUTime: 200000, Tag: ['GPU'] };

    expect((await post(pilot, '/api/jobs/match', { ...slot, Site: sites[1] })).statusCode).toBe(
      204,
    );
    expect((await post(pilot, '/api/jobs/match', { ...slot, Tag: [] })).statusCode).toBe(204);
    const matched = await post(pilot, '/api/jobs/match', slot);
    expect(matched.statusCode).toBe(200);
    expect(matched.json()).toMatchObject({
      JobID: jobId,
      Owner: 'alice',
      OwnerGroup: `${vo}_user`,
      VO: vo,
    });
    expect(matched.json().JDL).toContain('Executable = "x"');
    expect((await post(pilot, '/api/jobs/match', slot)).statusCode).toBe(204);

    const status = await box.inject('GET', `/api/jobs/status?job_ids=${jobId}`, user);
    expect(status.json()[jobId]).toEqual({
      Status: 'Matched',
      MinorStatus: 'Assigned',
      ApplicationStatus: 'Unknown',
    });
    const rows = await post(user, '/api/jobs/search', {
      parameters: ['Site'],
      search: [{ parameter: 'JobID', operator: 'eq', value: jobId }],
    });
    expect(rows.json()).toEqual([{ Site: sites[0] }]);
  });

  it('weighs each slot’s CPU time left, however many slots of its kind asked before', async () => {
    const [long, short] = (
      await post(user, '/api/jobs/jdl', [
        `Executable = "long"; Site = "${sites[2]}"; CPUTime = 100000`,
        `Executable = "short"; Site = "${sites[2]}"; CPUTime = 3000`,
      ])
    ).json() as { JobID: number }[];
    const slot = (cpuTime: number) => ({ VO: vo, Site: sites[2], CPUTime: cpuTime });

    expect((await post(pilot, '/api/jobs/match', slot(5000))).json().JobID).toBe(short!.JobID);
    expect((await post(pilot, '/api/jobs/match', slot(5000))).statusCode).toBe(204);
    expect((await post(pilot, '/api/jobs/match', slot(500000))).json().JobID).toBe(long!.JobID);
  });

  it('records which pilot took the job', async () => {
    const admin = await tokenOf('root', vo, ['ServiceAdministrator'], `${vo}_admin`);
    expect((await post(admin, '/api/pilots/', { pilot_stamp: 'pilot-0001', vo })).statusCode).toBe(
      201,
    );
    const jobId = (await post(user, '/api/jobs/jdl', ['Executable = "y"'])).json()[0]
      .JobID as number;
    const matched = await post(pilot, '/api/jobs/match', {
      VO: vo,
      Site: sites[2],
      CPUTime: 200000,
      PilotStamp: 'pilot-0001',
    });
    expect(matched.json().JobID).toBe(jobId);
    const byPilot = await post(user, '/api/jobs/search', {
      parameters: ['JobID'],
      search: [{ parameter: 'PilotStamp', operator: 'eq', value: 'pilot-0001' }],
    });
    expect(byPilot.json()).toEqual([{ JobID: jobId }]);
  });

  it('records a match under the stamp of the pilot’s token, and no other', async () => {
    const admin = await tokenOf('root', vo, ['ServiceAdministrator'], `${vo}_admin`);
    const otherAdmin = await tokenOf('root', otherVo, ['ServiceAdministrator'], `${otherVo}_admin`);
    for (const [token, stamp, ofVo] of [
      [admin, 'bound-1', vo],
      [admin, 'bound-2', vo],
      [otherAdmin, 'bound-x', otherVo],
    ] as const)
      expect((await post(token, '/api/pilots/', { pilot_stamp: stamp, vo: ofVo })).statusCode).toBe(
        201,
      );
    // The token a registered pilot trades its secret for is bound to its stamp.
    const bound = await tokenOf('pilot:bound-1', vo, ['GenericPilot'], `${vo}_pilot`);
    const slot = { VO: vo, Site: sites[2], CPUTime: 200000 };
    const jobsOf = async (stamp: string) =>
      (
        await post(user, '/api/jobs/search', {
          parameters: ['JobID'],
          search: [{ parameter: 'PilotStamp', operator: 'eq', value: stamp }],
        })
      ).json();

    for (const [token, stamp, detail] of [
      [bound, 'bound-2', 'This token belongs to pilot bound-1, not bound-2'],
      [bound, 'bound-x', 'This token belongs to pilot bound-1, not bound-x'],
      [pilot, 'bound-x', `Pilot bound-x is not registered in VO ${vo}`],
      [pilot, 'nobody', `Pilot nobody is not registered in VO ${vo}`],
    ] as const) {
      const refused = await post(token, '/api/jobs/match', { ...slot, PilotStamp: stamp });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ detail });
    }
    const jobId = (await post(user, '/api/jobs/jdl', ['Executable = "z"'])).json()[0]
      .JobID as number;
    expect((await post(bound, '/api/jobs/match', slot)).json().JobID).toBe(jobId);
    expect(await jobsOf('bound-1')).toEqual([{ JobID: jobId }]);
    expect(await jobsOf('bound-2')).toEqual([]);
  });

  it.each([
    ['a normal user', () => user, vo, 403],
    ['a pilot asking for another VO', () => pilot, otherVo, 403],
  ])('refuses %s', async (_name, token, askVo, status) => {
    expect(
      (await post(token(), '/api/jobs/match', { VO: askVo, Site: sites[0], CPUTime: 1000 }))
        .statusCode,
    ).toBe(status);
  });

  it('refuses a resource description with unknown keys', async () => {
    expect(
      (await post(pilot, '/api/jobs/match', { VO: vo, Site: sites[0], CPUTime: 1, Colour: 'red' }))
        .statusCode,
    ).toBe(422);
  });
});

describe('POST /api/jobs/match/queues', () => {
  it('counts the waiting jobs a slot could take, by task queue, without claiming any', async () => {
    await using fresh = await freshBox();
    const { tokenOf, post } = fresh;
    const user = await tokenOf('bob', vo, ['NormalUser']);
    const pilot = await tokenOf('pilot', vo, ['GenericPilot'], `${vo}_pilot`);
    const jdl = (extra: string) => `Executable = "x"; ${extra}`;
    await post(user, '/api/jobs/jdl', [jdl('CPUTime = 1000'), jdl('CPUTime = 1000')]);
    await post(user, '/api/jobs/jdl', [jdl(`CPUTime = 1000; Site = "${sites[1]}"`)]);
    await post(user, '/api/jobs/jdl', [jdl('CPUTime = 400000')]);
    const slot = { VO: vo, Site: sites[0], CPUTime: 200000 };
    const queues = async (body: object) => {
      const response = await post(pilot, '/api/jobs/match/queues', body);
      expect(response.statusCode).toBe(200);
      return response.json() as { Jobs: number; CPUTime: number; OwnerGroup: string }[];
    };
    const total = async (body: object) => (await queues(body)).reduce((n, q) => n + q.Jobs, 0);

    // The long job needs more CPU than the slot has; the pinned one wants another site.
    expect(await queues(slot)).toEqual([
      expect.objectContaining({ Jobs: 2, OwnerGroup: `${vo}_user` }),
    ]);
    expect(await total({ ...slot, Site: sites[1] })).toBe(3);
    expect(await total({ ...slot, CPUTime: 2_000_000 })).toBe(3);
    expect(await total({ ...slot, OwnerGroup: [`${vo}_prod`] })).toBe(0);

    // Asking claims nothing; a match takes one away from the count.
    expect((await post(pilot, '/api/jobs/match', slot)).statusCode).toBe(200);
    expect(await total(slot)).toBe(1);

    const other = await tokenOf('pilot', otherVo, ['GenericPilot'], `${otherVo}_pilot`);
    expect((await post(other, '/api/jobs/match/queues', slot)).statusCode).toBe(403);
    expect((await post(user, '/api/jobs/match/queues', slot)).statusCode).toBe(403);
    expect((await post(pilot, '/api/jobs/match/queues', { Site: sites[0] })).statusCode).toBe(422);
  });
});

describe('group shares', () => {
  it('splits a group’s share again among the owners left once a queue empties', async () => {
    const clock = new ManualClock(Date.now());
    await using fresh = await freshBox({ clock });
    const { tokenOf, post } = fresh;
    const pilot = await tokenOf('pilot', vo, ['GenericPilot'], `${vo}_pilot`);
    const alice = await tokenOf('alice', vo, ['NormalUser']);
    const bob = await tokenOf('bob', vo, ['NormalUser']);
    await post(alice, '/api/jobs/jdl', [`Executable = "a"; Site = "${sites[0]}"`]);
    await post(bob, '/api/jobs/jdl', [`Executable = "b"; Site = "${sites[1]}"`]);
    const priorities = async () =>
      (
        (
          await post(pilot, '/api/jobs/match/queues', { VO: vo, CPUTime: 200000, Site: 'ANY' })
        ).json() as { Priority: number }[]
      ).map((q) => q.Priority);
    const [half, otherHalf] = await priorities();
    expect(half).toBe(otherHalf);

    expect(
      (await post(pilot, '/api/jobs/match', { VO: vo, Site: sites[1], CPUTime: 200000 }))
        .statusCode,
    ).toBe(200);
    clock.advance(MATCH_SNAPSHOT_TTL_MS);
    expect(await priorities()).toEqual([half! * 2]);
  });
});

describe('the matcher’s snapshot of the task queues and the site mask', () => {
  // The app's clock stands still, or jumps hours as a virtual-time simulation's does: the
  // snapshot follows what this app changed, not the time.
  async function virtualBox() {
    const clock = new ManualClock(Date.now());
    const fresh = await freshBox({ clock });
    const admin = await fresh.tokenOf('root', vo, ['ServiceAdministrator'], `${vo}_admin`);
    const owner = await fresh.tokenOf('alice', vo, ['NormalUser']);
    const asker = await fresh.tokenOf('pilot', vo, ['GenericPilot'], `${vo}_pilot`);
    const submit = async (jdl: string) =>
      ((await fresh.post(owner, '/api/jobs/jdl', [jdl])).json() as { JobID: number }[])[0]!.JobID;
    const match = (slot: object) => fresh.post(asker, '/api/jobs/match', slot);
    const taskQueueDb = fresh.box.app.dbs.get('TaskQueueDB');
    return { ...fresh, clock, admin, submit, match, taskQueueDb };
  }
  const slot = { VO: vo, Site: sites[0], CPUTime: 200000 };

  it('matches a job submitted while the clock stands still at once', async () => {
    await using fresh = await virtualBox();
    const { submit, match } = fresh;
    expect((await match(slot)).statusCode).toBe(204);
    const jobId = await submit('Executable = "x"');
    expect((await match(slot)).json().JobID).toBe(jobId);
    expect((await match(slot)).statusCode).toBe(204);
  });

  it('applies a site ban at once, with the clock standing still', async () => {
    await using fresh = await virtualBox();
    const { box, admin, submit, match } = fresh;
    const first = await submit('Executable = "u1"');
    await submit('Executable = "u2"');
    expect((await match(slot)).json().JobID).toBe(first);
    const test = await submit('Executable = "t"; JobType = "Test"');
    const banned = await box.inject('PUT', `/api/rss/site/${sites[0]}`, admin, {
      status: 'Banned',
    });
    expect(banned.statusCode, banned.body).toBe(204);
    expect((await match(slot)).json().JobID).toBe(test);
    expect((await match(slot)).statusCode).toBe(204);
  });

  it('answers a slot no queue can serve without reading the task queues, however far time jumps', async () => {
    await using fresh = await virtualBox();
    const { clock, submit, match, taskQueueDb } = fresh;
    await submit(`Executable = "x"; Site = "${sites[1]}"`);
    expect((await match(slot)).statusCode).toBe(204);
    const reads = [
      vi.spyOn(taskQueueDb, 'candidateQueues'),
      vi.spyOn(taskQueueDb, 'queueJobs'),
      vi.spyOn(taskQueueDb, 'definitions'),
    ];
    for (let i = 0; i < 5; i++) {
      clock.advance(3 * 3600_000);
      expect((await match(slot)).statusCode).toBe(204);
    }
    for (const read of reads) expect(read).not.toHaveBeenCalled();
    // The job's own site still gets it.
    expect((await match({ ...slot, Site: sites[1] })).statusCode).toBe(200);
  });
});

describe.each(sqlBackends)('matching under concurrency, over HTTP, on %s', (backend, dbUrl) => {
  // Two replicas share the database where the backend can be shared, as in a deployment:
  // the claim must hold between processes' connections, not only between requests of one.
  const replicas = backend === 'SQLite in memory' ? 1 : 2;

  it(`gives every job to exactly one of many pilots asking ${replicas} replica(s) at once`, async () => {
    const url = await dbUrl();
    const apps: TestBox[] = [];
    try {
      // Replicas share the key too, so that each accepts the tokens of the first.
      for (let r = 0; r < replicas; r++)
        apps.push(
          await testBox({ dbUrl: url, listen: true, auth: { keystore: box.app.auth.keystore } }),
        );
      const user = await apps[0]!.token({ user: 'alice', vo });
      const pilot = await apps[0]!.token({
        user: 'pilot',
        vo,
        group: `${vo}_pilot`,
        properties: ['GenericPilot'],
      });
      const submitted: number[] = [];
      for (let i = 0; i < 10; i++) {
        const jdls = Array.from(
          { length: 20 },
          (_, j) => `Executable = "x"; CPUTime = ${3600 * (1 + ((i + j) % 3))}`,
        );
        const response = await apps[0]!.inject('POST', '/api/jobs/jdl', user, jdls);
        expect(response.statusCode).toBe(201);
        submitted.push(...response.json().map((j: { JobID: number }) => j.JobID));
      }
      const matchUrls = apps.map((replica) => `${replica.url}/api/jobs/match`);
      const pilots = 40;
      const got: number[] = [];
      await Promise.all(
        Array.from({ length: pilots }, async (_, p) => {
          for (let attempt = 0; attempt < submitted.length; attempt++) {
            const response = await fetch(matchUrls[p % matchUrls.length]!, {
              method: 'POST',
              headers: { authorization: `Bearer ${pilot}`, 'content-type': 'application/json' },
              body: JSON.stringify({ VO: vo, Site: sites[p % sites.length], CPUTime: 200000 }),
            });
            if (response.status === 204) return;
            expect(response.status).toBe(200);
            got.push(((await response.json()) as { JobID: number }).JobID);
          }
        }),
      );
      expect(got).toHaveLength(submitted.length);
      expect(new Set(got).size).toBe(submitted.length);
      expect([...got].sort((a, b) => a - b)).toEqual([...submitted].sort((a, b) => a - b));
      // Each queue emptied is deleted, also one whose last jobs went to pilots who each saw
      // others left: a pilot that finds it empty deletes it.
      const taskQueueDb = apps[0]!.app.dbs.get('TaskQueueDB') as TaskQueueDB;
      const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
      expect(await taskQueueDb.definitions(ids)).toEqual([]);
    } finally {
      for (const replica of apps) await replica.close();
    }
  });
});

describe('the pilots API', () => {
  let app: TestBox;
  let admin: string;
  let otherAdmin: string;
  let pilot: string;
  let user: string;
  beforeAll(async () => {
    app = await testBox();
    const tokenOf = (user: string, ofVo: string, properties: string[], group = `${ofVo}_user`) =>
      app.token({ user, vo: ofVo, properties, group });
    admin = await tokenOf('root', vo, ['ServiceAdministrator'], `${vo}_admin`);
    otherAdmin = await tokenOf('root2', otherVo, ['ServiceAdministrator'], `${otherVo}_admin`);
    pilot = await tokenOf('pilot', vo, ['GenericPilot'], `${vo}_pilot`);
    user = await tokenOf('alice', vo, ['NormalUser']);
    for (const [token, stamp, ofVo] of [
      [admin, 'p-1', vo],
      [admin, 'p-2', vo],
      [otherAdmin, 'q-1', otherVo],
    ] as const) {
      const response = await app.inject('POST', '/api/pilots/', token, {
        pilot_stamp: stamp,
        vo: ofVo,
        grid_site: sites[0],
      });
      expect(response.statusCode).toBe(201);
    }
  });
  afterAll(() => app.close());

  const call = (token: string, method: 'POST' | 'PATCH', url: string, payload: unknown) =>
    app.inject(method, url, token, payload);

  it('lets a pilot update its own record, and nobody else’s', async () => {
    expect(
      (
        await call(pilot, 'PATCH', '/api/pilots/metadata', {
          'p-1': { Status: 'Running', BenchMark: 12.5 },
        })
      ).statusCode,
    ).toBe(204);
    const rows = (
      await call(user, 'POST', '/api/pilots/search', {
        parameters: ['PilotStamp', 'Status', 'BenchMark'],
        search: [{ parameter: 'PilotStamp', operator: 'eq', value: 'p-1' }],
      })
    ).json();
    expect(rows).toEqual([{ PilotStamp: 'p-1', Status: 'Running', BenchMark: 12.5 }]);
    expect(
      (await call(pilot, 'PATCH', '/api/pilots/metadata', { 'q-1': { Status: 'Done' } }))
        .statusCode,
    ).toBe(403);
    expect(
      (
        await call(pilot, 'PATCH', '/api/pilots/metadata', {
          'p-1': { Status: 'Done' },
          'p-2': { Status: 'Done' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (await call(pilot, 'PATCH', '/api/pilots/metadata', { 'p-9': { Status: 'Done' } }))
        .statusCode,
    ).toBe(404);
    expect(
      (await call(user, 'PATCH', '/api/pilots/metadata', { 'p-1': { Status: 'Done' } })).statusCode,
    ).toBe(403);
    expect(
      (await call(admin, 'PATCH', '/api/pilots/metadata', { 'p-1': { Status: 'Exploded' } }))
        .statusCode,
    ).toBe(422);
  });

  it('searches pilots of the caller’s VO, with pilots as the Content-Range unit', async () => {
    const page = await call(user, 'POST', '/api/pilots/search?per_page=1', {
      parameters: ['PilotStamp'],
      sort: [{ parameter: 'PilotStamp', direction: 'asc' }],
    });
    expect(page.statusCode).toBe(206);
    expect(page.headers['content-range']).toBe('pilots 0-0/2');
    const summary = await call(user, 'POST', '/api/pilots/summary', { grouping: ['VO'] });
    expect(summary.json()).toEqual([{ VO: vo, count: 2 }]);
    expect((await call(pilot, 'POST', '/api/pilots/search', {})).statusCode).toBe(403);
    // Administrators too see their own VO's pilots only.
    const adminSummary = await call(otherAdmin, 'POST', '/api/pilots/summary', {
      grouping: ['VO'],
    });
    expect(adminSummary.json()).toEqual([{ VO: otherVo, count: 1 }]);
  });
});

describe('the site mask', () => {
  it('gives a banned site only Test jobs, and everything again once unbanned', async () => {
    await using fresh = await freshBox();
    const { box, tokenOf } = fresh;
    const admin = await tokenOf('root', vo, ['ServiceAdministrator'], `${vo}_admin`);
    const user = await tokenOf('alice', vo, ['NormalUser']);
    const pilot = await tokenOf('pilot', vo, ['GenericPilot'], `${vo}_pilot`);
    const call = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      box.inject(method, url, token, payload);
    const [user1] = (await call(user, 'POST', '/api/jobs/jdl', ['Executable = "u"'])).json() as {
      JobID: number;
    }[];
    const [test1] = (
      await call(user, 'POST', '/api/jobs/jdl', ['Executable = "t"; JobType = "Test"'])
    ).json() as { JobID: number }[];
    const slot = { VO: vo, Site: sites[0], CPUTime: 200000 };

    expect(
      (
        await call(admin, 'PUT', `/api/rss/site/${sites[0]}`, {
          status: 'Banned',
          reason: 'downtime',
        })
      ).statusCode,
    ).toBe(204);
    expect((await call(user, 'GET', '/api/rss/site')).json()).toEqual({
      [sites[0]!]: { all: { allowed: false, reason: 'downtime' } },
    });
    expect((await call(pilot, 'POST', '/api/jobs/match', slot)).json().JobID).toBe(test1!.JobID);
    expect((await call(pilot, 'POST', '/api/jobs/match', slot)).statusCode).toBe(204);

    expect(
      (await call(admin, 'PUT', `/api/rss/site/${sites[0]}`, { status: 'Degraded' })).statusCode,
    ).toBe(204);
    expect((await call(user, 'GET', '/api/rss/site')).json()[sites[0]!]).toEqual({
      all: { allowed: true, warnings: 'Degraded' },
    });
    expect((await call(pilot, 'POST', '/api/jobs/match', slot)).json().JobID).toBe(user1!.JobID);
  });

  it('reaches pilots within the matcher’s snapshot lifetime once the site was matched before', async () => {
    const clock = new ManualClock(Date.now());
    await using fresh = await freshBox({ clock });
    const { box, tokenOf } = fresh;
    const admin = await tokenOf('root', vo, ['ServiceAdministrator'], `${vo}_admin`);
    const user = await tokenOf('alice', vo, ['NormalUser']);
    const pilot = await tokenOf('pilot', vo, ['GenericPilot'], `${vo}_pilot`);
    const call = (token: string, method: 'POST' | 'PUT', url: string, payload: unknown) =>
      box.inject(method, url, token, payload);
    const submit = async (jdl: string) =>
      ((await call(user, 'POST', '/api/jobs/jdl', [jdl])).json() as { JobID: number }[])[0]!.JobID;
    const slot = { VO: vo, Site: sites[0], CPUTime: 200000 };
    const user1 = await submit('Executable = "u1"');
    await submit('Executable = "u2"');
    expect((await call(pilot, 'POST', '/api/jobs/match', slot)).json().JobID).toBe(user1);

    const test1 = await submit('Executable = "t"; JobType = "Test"');
    await call(admin, 'PUT', `/api/rss/site/${sites[0]}`, { status: 'Banned' });
    clock.advance(MATCH_SNAPSHOT_TTL_MS);
    expect((await call(pilot, 'POST', '/api/jobs/match', slot)).json().JobID).toBe(test1);
    expect((await call(pilot, 'POST', '/api/jobs/match', slot)).statusCode).toBe(204);
  });

  it.each([
    ['a normal user', ['NormalUser'], 'LCG.Whatever.xx', {}, 403],
    ['an administrator, for an unknown site', ['ServiceAdministrator'], 'LCG.Nowhere.xx', {}, 404],
    ['an administrator, for another VO', ['ServiceAdministrator'], sites[0]!, { vo: otherVo }, 403],
    ['an administrator, for every VO', ['ServiceAdministrator'], sites[0]!, { vo: 'all' }, 403],
  ])('refuses a status change from %s', async (_name, properties, site, extra, status) => {
    await using fresh = await freshBox();
    const { box, tokenOf } = fresh;
    const token = await tokenOf('x', vo, properties);
    const response = await box.inject('PUT', `/api/rss/site/${site}`, token, {
      status: 'Banned',
      ...extra,
    });
    expect(response.statusCode).toBe(status);
    const other = await tokenOf('y', otherVo, ['NormalUser']);
    const seen = await box.inject('GET', '/api/rss/site', other);
    expect(seen.json()).toEqual({});
  });
});
