import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimReport } from '../reports/index.ts';
import type { SimSummary } from '../sim/index.ts';
import { recordingIo } from './io.testkit.ts';
import { main } from './main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-sim-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ARGV = ['sim', '--virtual', '--jobs', '50', '--seed', '6', '--json'];

async function sim(argv: string[]) {
  const t = recordingIo();
  const code = await main(argv, t.io);
  return { code, err: t.err(), summary: JSON.parse(t.out()) as SimSummary };
}

function readReport(dir: string) {
  return {
    report: JSON.parse(readFileSync(join(dir, 'sim.json'), 'utf8')) as SimReport,
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
  };
}

/** The series that depend on simulated time alone, not on how fast the machine went. */
function modelTimeSeries(report: SimReport) {
  const {
    match_p50_ms: _p50,
    match_p95_ms: _p95,
    match_max_ms: _max,
    wall_s: _wall,
    wall_ms_per_job: _perJob,
    rss_bytes: _rss,
    heap_used_bytes: _heap,
    db_ms_per_job: _db,
    ...rest
  } = report.series;
  return rest;
}

describe('gridbox sim --report', () => {
  it('writes series over simulated time that add up, without changing the run', async () => {
    const first = join(scratch, 'first');
    const plain = await sim(ARGV);
    const reported = await sim([...ARGV, '--report', first]);
    const again = await sim([...ARGV, '--report', join(scratch, 'again')]);
    expect(reported.code, reported.err).toBe(0);
    expect(reported.err).toContain(`gridbox sim: report in ${join(first, 'index.html')}`);
    // The sampler watches the run and never takes part in it.
    expect(reported.summary.event_log_sha256).toBe(plain.summary.event_log_sha256);
    expect(again.summary.event_log_sha256).toBe(plain.summary.event_log_sha256);

    const { report, html } = readReport(first);
    const { series, totals, summary } = report;
    expect(summary.event_log_sha256).toBe(plain.summary.event_log_sha256);
    expect(report.inputs).toMatchObject({ seed: 6, jobs: 50, target: null, clock: 'virtual' });
    expect(report.interval_s).toBe(600);

    // Samples every 10 simulated minutes, the last one where the run ended.
    const n = series.t_s.length;
    expect(n).toBeGreaterThan(2);
    expect(series.t_s.slice(0, -1)).toEqual(series.t_s.slice(0, -1).map((_, i) => 600 * (i + 1)));
    expect(Math.round(series.t_s.at(-1)!)).toBe(summary.model_s);
    for (const values of Object.values(series)) expect(values).toHaveLength(n);

    // Every job ended in one interval; at each sample a job is open in one state or ended.
    const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(series.jobs_finished)).toBe(50);
    expect(totals.jobs_ended).toBe(50);
    expect(series.jobs_ended.at(-1)).toBe(50);
    for (let i = 0; i < n; i++) {
      const open =
        series.jobs_waiting[i]! +
        series.jobs_matched[i]! +
        series.jobs_running[i]! +
        series.jobs_stalled[i]!;
      expect(open + series.jobs_ended[i]!).toBe(50);
      if (i > 0)
        expect(series.jobs_ended[i]).toBe(series.jobs_ended[i - 1]! + series.jobs_finished[i]!);
    }
    const hours = (i: number) => (series.t_s[i]! - (i === 0 ? 0 : series.t_s[i - 1]!)) / 3600;
    series.jobs_per_hour.forEach((rate, i) =>
      expect(rate).toBeCloseTo(series.jobs_finished[i]! / hours(i), 2),
    );
    expect(Math.max(...series.pilots_running)).toBeGreaterThan(0);

    // Every job was matched by a call the sampler timed; empty intervals have no latency.
    expect(sum(series.match_calls)).toBe(totals.match.calls);
    expect(totals.match.calls).toBeGreaterThanOrEqual(50);
    series.match_calls.forEach((calls, i) => {
      if (calls === 0) expect(series.match_p50_ms[i]).toBeNull();
      else expect(series.match_p50_ms[i]!).toBeLessThanOrEqual(series.match_max_ms[i]!);
    });
    expect(series.db_bytes!.every((bytes) => bytes > 0)).toBe(true);
    expect(totals.db_bytes_max).toBe(Math.max(...series.db_bytes!));
    expect(series.wall_s.every((s) => s >= 0)).toBe(true);
    expect(totals.wall_ms_per_job).toBeGreaterThan(0);
    // The process's memory, measured at each sample: the heap in use is part of the RSS.
    series.rss_bytes!.forEach((rss, i) => expect(series.heap_used_bytes![i]!).toBeLessThan(rss));
    expect(totals.rss_bytes_max).toBe(Math.max(...series.rss_bytes!));
    expect(html).toContain('id="memory"');

    // The box's database, timed around each statement: a part of the wall time, by kind.
    const db = totals.db_time!;
    expect(db.statements).toBeGreaterThan(50 * 20);
    expect(db.statements_per_job).toBeCloseTo(db.statements / 50, 2);
    expect(db.share_of_wall).toBeGreaterThan(0);
    expect(db.share_of_wall).toBeLessThan(1);
    expect(sum(db.by_kind.map((kind) => kind.calls))).toBe(db.statements);
    expect(db.by_kind.map((kind) => kind.sql)).toContainEqual(
      expect.stringMatching(/^update "Jobs" set "Status" = \?/),
    );
    for (const kind of db.by_kind) expect(kind.sql).not.toContain('?, ?');
    series.db_ms_per_job!.forEach((ms, i) => {
      if (series.jobs_finished[i] === 0) expect(ms).toBeNull();
      else expect(ms!).toBeLessThanOrEqual(series.wall_ms_per_job[i]!);
    });
    expect(html).toContain("Where the database's time went");
    // What the services ask of the database is a function of the inputs too.
    expect(readReport(join(scratch, 'again')).report.totals.db_time!.statements).toBe(
      db.statements,
    );

    // The model-time series are a function of the inputs.
    expect(modelTimeSeries(readReport(join(scratch, 'again')).report)).toEqual(
      modelTimeSeries(report),
    );

    // The page draws the same data, fetches nothing, and embeds Chart.js.
    for (const title of [
      'Throughput (jobs finished per simulated hour)',
      'Queue lengths',
      'Matcher latency (wall clock, per match call)',
      'Database size',
      'Wall-clock cost per simulated job',
    ])
      expect(html).toContain(title);
    expect(html).toContain('id="gridbox-sim-charts"');
    expect(html).toContain(`"jobs_per_hour":${JSON.stringify(series.jobs_per_hour)}`);
    expect(html).toContain(`"data":${JSON.stringify(series.jobs_per_hour)}`);
    expect(html).not.toMatch(/<script[^>]+src=/);
  }, 300_000);

  it.each([
    [
      'a folder that does not exist',
      join(scratch, 'missing', 'report'),
      (dir: string) => `The folder of --report, ${join(dir, '..')}, does not exist.`,
    ],
    [
      'a file',
      join(scratch, 'a-file'),
      (dir: string) => `--report ${dir} is a file; it must be a folder.`,
    ],
  ])(
    'refuses a --report in %s with one sentence and exit code 2, before running',
    async (_, dir, message) => {
      writeFileSync(join(scratch, 'a-file'), '');
      const t = recordingIo();
      expect(await main(['sim', '--virtual', '--jobs', '1', '--report', dir], t.io)).toBe(2);
      expect(t.err()).toBe(`gridbox: ${message(dir)}\n`);
      expect(t.out()).toBe('');
    },
  );
});
