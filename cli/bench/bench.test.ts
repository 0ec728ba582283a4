import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { lhcbBacklog, serializeFixtureSet } from '../../fixtures/index.ts';
import type { BenchResult } from '../../reports/index.ts';
import { recordingIo } from '../io.testkit.ts';
import { main } from '../main.ts';

// Runs against a box of the command's own, as a user runs them: tiny backlogs and 1 s of
// load, and no assertion on how fast anything was.
const dir = mkdtempSync(join(tmpdir(), 'gridbox-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const matching = JSON.parse(
  readFileSync(new URL('../../loadtests/profiles/matching.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const hotSite = JSON.parse(
  readFileSync(new URL('../../loadtests/profiles/matching-hot-site.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { hot_site: Record<string, unknown> };

const authProfile = JSON.parse(
  readFileSync(new URL('../../loadtests/profiles/auth.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function profileFile(name: string, profile: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

/** A run's JSON with only what a comparison reads. */
const run = (requestsPerS: number, p50: number, p99: number): BenchResult =>
  ({
    benchmark: 'gridbox-bench',
    profile: 'matching',
    backlog_jobs: 1000,
    requests_per_s: requestsPerS,
    matches_per_s: requestsPerS / 2,
    cpu_ms_per_request: 0.5,
    routes: {
      'POST /api/jobs/match': {
        requests_per_s: requestsPerS,
        p50_ms: p50,
        p95_ms: p50 * 2,
        p99_ms: p99,
      },
    },
  }) as unknown as BenchResult;

async function bench(argv: string[], env: Record<string, string> = {}) {
  const t = recordingIo(env);
  const code = await main(['bench', ...argv], t.io);
  return { code, out: t.out(), err: t.err() };
}

describe('gridbox bench', () => {
  it.each([
    ['a profile of the wrong shape', { ...matching, connections: 'many' }, /connections/],
    ['a field no profile has', { ...matching, pilots: 8 }, /pilots/],
    [
      'a mix naming a route the generator does not drive',
      { ...matching, mix: { 'GET /api/jobs/status': 1 } },
      /does not drive/,
    ],
    [
      'a threshold without a bound',
      { ...matching, thresholds: [{ metric: 'p99_ms' }] },
      /without max or min/,
    ],
    [
      'a hot site for a generator other than matching',
      { ...hotSite, generator: 'auth' },
      /hot_site, which only the matching generator uses/,
    ],
    [
      'more jobs running at the hot site than the backlog',
      { ...hotSite, backlog: 10 },
      /puts 2000 jobs Running at its hot site, more than its backlog of 10/,
    ],
    [
      'a running limit that is not a whole number',
      { ...hotSite, hot_site: { ...hotSite.hot_site, running_limits: { JobType: { User: 1.5 } } } },
      /hot_site\/running_limits\/JobType\/User must be integer/,
    ],
    [
      'a running limit on an attribute the task queues cannot exclude by',
      { ...hotSite, hot_site: { ...hotSite.hot_site, running_limits: { JobGroup: { x: 1 } } } },
      /hot_site\/running_limits/,
    ],
    [
      'a hot site the fixtures do not have',
      { ...hotSite, hot_site: { ...hotSite.hot_site, site: 'LCG.Nowhere.xx' } },
      /The hot site LCG.Nowhere.xx is not a site of the lhcb-like fixtures/,
    ],
  ])('refuses %s with one sentence and exit 2', async (name, profile, message) => {
    const { code, out, err } = await bench([profileFile(name.replace(/ /g, '-'), profile)]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown profile name', async () => {
    const { code, err } = await bench(['no-such-profile']);
    expect(code).toBe(2);
    expect(err).toMatch(
      /No bench profile no-such-profile; choose one of matching, matching-hot-site, api-mix, auth/,
    );
  });

  it('measures matching against its own box and prints one JSON object; --report writes JSON and HTML', async () => {
    const report = join(dir, 'report');
    const { code, out, err } = await bench([
      'matching',
      '--backlog',
      '200',
      '--duration',
      '1',
      '--json',
      '--report',
      report,
    ]);
    const lines = out.trim().split('\n');
    expect(lines, err).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as BenchResult;
    // The profile's p99 bound may be missed on a loaded machine; the exit code says which.
    expect(code).toBe(result.passed ? 0 : 1);
    expect(result.box_profile).toBe('embedded');
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining([
        'profile',
        'backlog_jobs',
        'requests_per_s',
        'matches_per_s',
        'error_rate',
        'cpu_ms_per_request',
        'routes',
        'timeline',
        'thresholds',
        'passed',
      ]),
    );
    expect(result.backlog_jobs).toBe(200);
    expect(result.matches).toBeGreaterThan(0);
    const match = result.routes['POST /api/jobs/match']!;
    expect(Object.keys(match.statuses).every((code) => code === '200' || code === '204')).toBe(
      true,
    );
    expect(match.p50_ms).toBeLessThanOrEqual(match.p99_ms);
    expect(err).toMatch(/bench: measuring for 1 s/);
    // The process's CPU is split: the load generator's thread, and the rest, the server's.
    const cpu = result.cpu!;
    expect(cpu.generator_ms).toBeGreaterThan(0);
    expect(cpu.server_ms).toBeGreaterThan(0);
    expect(cpu.server_ms!).toBeLessThanOrEqual(cpu.process_ms);
    expect(cpu.server_ms!).toBeCloseTo(cpu.process_ms - cpu.generator_ms, 0);
    expect(result.cpu_ms_per_request).toBeCloseTo(cpu.server_ms! / result.requests, 3);
    expect(result.cpu_ms_per_match).toBeCloseTo(cpu.server_ms! / result.matches, 3);

    expect(JSON.parse(readFileSync(join(report, 'bench.json'), 'utf8'))).toEqual(result);
    const html = readFileSync(join(report, 'bench.html'), 'utf8');
    expect(html).toContain('id="gridbox-bench-charts"');
    expect(html).toContain('Throughput over time (per second)');
    expect(html).toContain('Latency histogram');
    expect(html).toContain(`"matches":${result.matches}`);
    expect(html).not.toMatch(/<script[^>]+src=/);
    for (const [name, value] of [
      ['CPU, bench process (process.cpuUsage)', cpu.process_ms],
      ['CPU, load generator thread (process.threadCpuUsage)', cpu.generator_ms],
      ['CPU, server (process − generator)', cpu.server_ms],
      ['Server CPU per request', result.cpu_ms_per_request],
    ])
      expect(html).toContain(`<td>${name}</td><td>${value} ms</td>`);
  });

  it('warms up on a backlog smaller than ten requests per connection', async () => {
    // The warm-up takes a tenth of the backlog, 2 requests here, fewer than the 8 pilots.
    const { code, out, err } = await bench([
      'matching',
      '--backlog',
      '20',
      '--duration',
      '1',
      '--json',
    ]);
    const result = JSON.parse(out) as BenchResult;
    expect(code, err).toBe(result.passed ? 0 : 1);
    expect(err).toMatch(/bench: warming up for 2 s/);
    expect(result.backlog_jobs).toBe(20);
    expect(result.routes['POST /api/jobs/match']!.requests).toBeGreaterThan(0);
  });

  it('puts jobs Running at the hot site, sets its limits, and loads it with pilots of that site', async () => {
    const profile = profileFile('hot-site', {
      ...hotSite,
      backlog: 300,
      warmup_s: 0,
      hot_site: { ...hotSite.hot_site, running: 40 },
    });
    const { code, out, err } = await bench([profile, '--duration', '1', '--json']);
    const result = JSON.parse(out) as BenchResult;
    expect(code, err).toBe(result.passed ? 0 : 1);
    expect(err).toMatch(/bench: hot site LCG.CERN.cern: \d+ jobs Running/);
    expect(result.hot_site).toEqual({
      site: 'LCG.CERN.cern',
      running: 40,
      running_limits: hotSite.hot_site.running_limits,
    });
    expect(result.error_rate).toBe(0);
    const match = result.routes['POST /api/jobs/match']!;
    expect(match.requests).toBeGreaterThan(0);
    expect(Object.keys(match.statuses).every((c) => c === '200' || c === '204')).toBe(true);
  });

  it('verifies, issues and refreshes tokens and logs users in as dirac login does, pending polls apart from errors', async () => {
    // The user signs in 0.3 s after the start, the client polls at once and every 0.1 s: the
    // first poll of every login is answered authorization_pending.
    const auth = profileFile('auth', {
      ...authProfile,
      device_flow: { poll_interval_s: 0.1, sign_in_after_s: 0.3 },
      thresholds: [],
    });
    const report = join(dir, 'auth-report');
    const { out, err } = await bench([
      auth,
      '--backlog',
      '20',
      '--duration',
      '2',
      '--json',
      '--report',
      report,
    ]);
    const result = JSON.parse(out) as BenchResult;
    expect(Object.keys(result.routes).sort(), err).toEqual([
      'GET /api/auth/device',
      'GET /api/auth/device/complete',
      'GET /api/auth/device/complete/finished',
      'GET /api/auth/userinfo',
      'IdP sign-in',
      'POST /api/auth/device',
      'POST /api/auth/pilot-token',
      'POST /api/auth/token',
      'POST /api/auth/token (device_code)',
    ]);
    const logins = result.logins!;
    expect(logins.completed, JSON.stringify(logins)).toBeGreaterThan(0);
    expect(logins, JSON.stringify(logins)).toMatchObject({ failed: 0, failures: [] });
    expect(logins.authorization_pending).toBeGreaterThanOrEqual(logins.completed);
    // Each login's steps: one start, the verification URL opened (a redirect to the IdP),
    // the IdP's pages, its callback and the final page, and the polls.
    const routes = result.routes;
    expect(routes['POST /api/auth/device']!.statuses['200']).toBeGreaterThanOrEqual(
      logins.completed,
    );
    expect(routes['GET /api/auth/device']!.statuses['307']).toBeGreaterThanOrEqual(
      logins.completed,
    );
    expect(routes['IdP sign-in']!.requests).toBeGreaterThan(
      routes['GET /api/auth/device']!.requests,
    );
    expect(routes['GET /api/auth/device/complete']!.statuses['307']).toBeGreaterThanOrEqual(
      logins.completed,
    );
    expect(
      routes['GET /api/auth/device/complete/finished']!.statuses['200'],
    ).toBeGreaterThanOrEqual(logins.completed);
    // Pending polls are HTTP 400s, counted apart and not as errors.
    const polls = routes['POST /api/auth/token (device_code)']!;
    expect(polls.statuses).toEqual({
      '200': polls.statuses['200'],
      '400': logins.authorization_pending,
    });
    expect(polls.statuses['200']).toBeGreaterThanOrEqual(logins.completed);
    expect(polls.authorization_pending).toBe(logins.authorization_pending);
    expect(polls.errors).toBe(0);
    expect(result.error_rate).toBe(0);
    expect(readFileSync(join(report, 'bench.html'), 'utf8')).toContain(
      `<td>Polls answered authorization_pending</td><td>${logins.authorization_pending} (the grant not yet given: expected, not errors)</td>`,
    );
    // A refresh token sent twice is refused (401): a 200 for every refresh shows each
    // connection sent the token the previous answer gave.
    for (const route of [
      'GET /api/auth/userinfo',
      'POST /api/auth/pilot-token',
      'POST /api/auth/token',
    ]) {
      expect(routes[route]!.requests).toBeGreaterThan(0);
      expect(Object.keys(routes[route]!.statuses)).toEqual(['200']);
    }
  });

  it('exits 1 when a threshold is missed, on every size of a backlog sweep', async () => {
    const impossible = profileFile('impossible', {
      ...matching,
      warmup_s: 0,
      thresholds: [{ metric: 'p99_ms', route: 'POST /api/jobs/match', max: 0.000001 }],
    });
    const { code, out, err } = await bench([
      impossible,
      '--backlog',
      '100,200',
      '--duration',
      '1',
      '--json',
    ]);
    expect(code, err).toBe(1);
    const result = JSON.parse(out) as BenchResult;
    expect(result.passed).toBe(false);
    expect(result.thresholds).toEqual([
      expect.objectContaining({ metric: 'p99_ms', max: 0.000001, passed: false }),
    ]);
    expect(result.sweep?.map((point) => [point.backlog_jobs, point.passed])).toEqual([
      [100, false],
      [200, false],
    ]);
    // Without --report, the report goes under .gridbox/ (git-ignored) of the working folder.
    const report = join('.gridbox', 'reports', 'bench-impossible');
    expect(err).toContain(`report: ${join(report, 'bench.html')}`);
    expect(JSON.parse(readFileSync(join(report, 'bench.json'), 'utf8'))).toEqual(result);
    expect(readFileSync(join(report, 'bench.html'), 'utf8')).toContain('impossible');
  });

  it('seeds and loads a --target through its public API with the token given', async () => {
    // A box started by `gridbox up` on the lhcb-like fixtures, its administrator logged in
    // as a user does; the bench knows only its URL and the token.
    const configFile = join(dir, 'lhcb.json');
    writeFileSync(
      configFile,
      serializeFixtureSet(lhcbBacklog({ seed: 1, totalJobs: 1 }).fixtureSet, 'json'),
    );
    const env = { GRIDBOX_CA_DIR: join(dir, 'ca'), GRIDBOX_LOG_LEVEL: 'silent' };
    const box = recordingIo(env);
    const boxExit = main(['up', '--json', '--port', '0', '--config-file', configFile], box.io);
    try {
      const line = await box.firstLine;
      const boxFile = join(dir, 'box.json');
      writeFileSync(boxFile, `${line}\n`);
      const login = recordingIo({ DIRACX_CREDENTIALS_PATH: join(dir, 'credentials.json') });
      const argv = ['token', '--box', boxFile, '--user', 'lhcbadmin', '--group', 'lhcb_admin'];
      expect(await main(argv, login.io), login.err()).toBe(0);
      const url = (JSON.parse(line) as { url: string }).url;
      const baseline = profileFile('baseline', run(1000, 2, 10));
      const report = join(dir, 'target-report');
      const { code, out, err } = await bench(
        [
          profileFile('target', { ...matching, warmup_s: 0, thresholds: [] }),
          '--target',
          url,
          '--backlog',
          '200',
          '--duration',
          '1',
          '--json',
          '--baseline',
          baseline,
          '--report',
          report,
        ],
        { DIRACX_TOKEN: login.out().trim() },
      );
      expect(code, err).toBe(0);
      const result = JSON.parse(out) as BenchResult & { comparison: unknown };
      expect(result.target).toBe(url);
      // The server runs elsewhere: its CPU is unknown, not made up from the bench's own.
      expect(result.cpu_ms_per_request).toBeNull();
      expect(result.cpu_ms_per_match).toBeNull();
      expect(result.cpu).toMatchObject({ server_ms: null });
      expect(result.cpu!.generator_ms).toBeGreaterThan(0);
      expect(result.cpu!.generator_ms).toBeLessThanOrEqual(result.cpu!.process_ms);
      const html = readFileSync(join(report, 'bench.html'), 'utf8');
      expect(html).toContain(
        '<td>CPU, server (process − generator)</td><td>unknown: the server runs elsewhere (--target)</td>',
      );
      expect(result.matches).toBeGreaterThan(0);
      expect(result.comparison).toMatchObject({
        a: { profile: 'matching' },
        routes: { 'POST /api/jobs/match': {} },
      });
    } finally {
      box.stop('SIGTERM');
      await boxExit;
    }
  });
});

describe.skipIf(inject('containers') === undefined)(
  'gridbox bench --profile containers (needs TEST_CONTAINERS=1)',
  () => {
    it('measures matching on a box whose databases are MariaDB and OpenSearch containers', async () => {
      const images: Record<string, string> = {};
      for (const name of ['GRIDBOX_MYSQL_IMAGE', 'GRIDBOX_OPENSEARCH_IMAGE'])
        images[name] = process.env[name] ?? 'local';
      const { code, out, err } = await bench(
        ['matching', '--backlog', '200', '--duration', '1', '--json', '--profile', 'containers'],
        images,
      );
      const result = JSON.parse(out.trim()) as BenchResult;
      expect(code, err).toBe(result.passed ? 0 : 1);
      expect(result.box_profile).toBe('containers');
      expect(result.matches).toBeGreaterThan(0);
      expect(result.error_rate).toBe(0);
    }, 300_000);
  },
);

describe('gridbox bench compare', () => {
  it('prints the ratios B/A of throughput and latency per route', async () => {
    const a = profileFile('a', run(1000, 2, 10));
    const b = profileFile('b', run(1500, 1, 20));
    const text = await bench(['compare', a, b]);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toBe(
      'B/A: requests/s ×1.5, matches/s ×1.5, CPU per request ×1',
    );
    expect(text.out).toContain('POST /api/jobs/match: requests/s ×1.5  p50 ×0.5  p95 ×0.5  p99 ×2');
    const json = await bench(['compare', a, b, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({
      requests_per_s: 1.5,
      routes: { 'POST /api/jobs/match': { requests_per_s: 1.5, p50_ms: 0.5, p99_ms: 2 } },
    });
  });

  it('refuses a file that is not a bench result', async () => {
    const other = profileFile('other', { hello: 1 });
    const { code, err } = await bench(['compare', other, other]);
    expect(code).toBe(2);
    expect(err).toMatch(/is not the JSON of a gridbox bench run/);
  });
});
