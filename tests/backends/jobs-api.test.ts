import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobParametersDB } from '../../services/db/index.ts';
import { type TestBox, testBox } from '../../services/app/test-box.testkit.ts';
import { profileBackends } from './profiles.testkit.ts';

/**
 * The jobs API end to end on every profile the run has: what a user and a pilot do with a
 * job, read back through the API (and, for job parameters, which no route reads, through the
 * DB), so SQLite, MariaDB and OpenSearch are held to one behaviour.
 */
describe.each(profileBackends)('the jobs API on the %s profile', (_profile, backendOptions) => {
  let box: TestBox;
  let vo: string;
  let site: string;
  beforeAll(async () => {
    box = await testBox(await backendOptions());
    vo = box.vos[0]!;
    site = Object.keys(Object.values(box.config.Resources.Sites)[0]!)[0]!;
  });
  afterAll(() => box?.close());

  const post = (token: string, url: string, body: unknown) => box.inject('POST', url, token, body);
  const ids = (response: { json(): unknown }) =>
    (response.json() as { JobID: number }[]).map((job) => job.JobID);

  it('submits, searches, matches, runs, records parameters and ends jobs', async () => {
    const user = await box.user(vo);
    const admin = await box.admin(vo);
    // A pilot as a real one gets its token: registered by an administrator, then its secret
    // traded for a token bound to its stamp.
    const registered = await post(admin, '/api/pilots/', { pilot_stamp: 'p-1', vo });
    expect(registered.statusCode, registered.body).toBe(201);
    const traded = await box.inject('POST', '/api/auth/pilot-token', undefined, {
      pilot_stamp: 'p-1',
      pilot_secret: registered.json().pilot_secret,
    });
    const pilot = traded.json().access_token as string;
    const name = 'analyse ✨ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 データ';

    const single = await post(user, '/api/jobs/jdl', [
      `Executable = "run.sh"; JobName = "${name}"; Site = "${site}"; CPUTime = 3600`,
    ]);
    expect(single.statusCode, single.body).toBe(201);
    const parametric = await post(user, '/api/jobs/jdl', [
      'Executable = "sweep.sh"; Parameters = 3; ParameterStart = 1; ParameterStep = 2; Arguments = "%s"',
    ]);
    expect(parametric.statusCode, parametric.body).toBe(201);
    const [named] = ids(single);
    const sweep = ids(parametric);
    expect(sweep).toHaveLength(3);

    const found = await post(user, '/api/jobs/search', {
      parameters: ['JobID', 'JobName', 'Status'],
      search: [{ parameter: 'JobName', operator: 'eq', value: name }],
    });
    expect(found.json()).toEqual([{ JobID: named, JobName: name, Status: 'Waiting' }]);
    const summary = await post(user, '/api/jobs/summary', { grouping: ['Status'] });
    expect(summary.json()).toEqual([{ Status: 'Waiting', count: 4 }]);

    const matched = await post(pilot, '/api/jobs/match', { VO: vo, Site: site, CPUTime: 200000 });
    expect(matched.statusCode, matched.body).toBe(200);
    const running = matched.json().JobID as number;
    const beat = await box.inject('PATCH', '/api/jobs/heartbeat', pilot, {
      [running]: { LoadAverage: 0.5, StandardOutput: 'line 1 ✓' },
    });
    expect(beat.statusCode, beat.body).toBe(200);
    const metadata = await box.inject('PATCH', '/api/jobs/metadata', admin, {
      [running]: { CPUNormalizationFactor: '17', HostName: 'wn-001 ✓' },
    });
    expect(metadata.statusCode, metadata.body).toBe(204);
    const parameters = box.app.dbs.get('JobParametersDB') as JobParametersDB;
    expect(await parameters.get(vo, running)).toMatchObject({
      JobID: running,
      StandardOutput: 'line 1 ✓',
      CPUNormalizationFactor: 17,
      HostName: 'wn-001 ✓',
    });

    // Back to a task queue, matched again, and finished.
    const rescheduled = await post(user, '/api/jobs/reschedule', { job_ids: [running] });
    expect(rescheduled.statusCode, rescheduled.body).toBe(200);
    expect(Object.keys(rescheduled.json().success)).toEqual([String(running)]);
    const now = new Date().toISOString();
    const killed = await box.inject('PATCH', '/api/jobs/status', user, {
      [sweep[0]!]: { [now]: { Status: 'Killed', Source: 'User' } },
    });
    expect(killed.statusCode, killed.body).toBe(200);
    const again = await post(pilot, '/api/jobs/match', { VO: vo, Site: site, CPUTime: 200000 });
    expect(again.statusCode, again.body).toBe(200);
    const finished = again.json().JobID as number;
    const t = Date.now();
    const done = await box.inject('PATCH', '/api/jobs/status', pilot, {
      [finished]: {
        [new Date(t).toISOString()]: { Status: 'Running', Source: 'JobWrapper' },
        [new Date(t + 1000).toISOString()]: {
          Status: 'Done',
          MinorStatus: 'Execution Complete',
          Source: 'JobWrapper',
        },
      },
    });
    expect(done.statusCode, done.body).toBe(200);

    const summaryAfter = await post(user, '/api/jobs/summary', { grouping: ['Status'] });
    expect(
      Object.fromEntries(
        (summaryAfter.json() as { Status: string; count: number }[]).map((row) => [
          row.Status,
          row.count,
        ]),
      ),
    ).toEqual({ Done: 1, Killed: 1, Waiting: 2 });
    const counters = await post(user, '/api/jobs/search', {
      parameters: ['JobID', 'RescheduleCounter'],
      search: [{ parameter: 'JobID', operator: 'eq', value: running }],
    });
    expect(counters.json()).toEqual([{ JobID: running, RescheduleCounter: 1 }]);
  });
});
