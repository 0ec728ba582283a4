import type { SimReport } from './sim-model.ts';

/** Three intervals of a run against a --target: no DB size. */
export function targetReport(): SimReport {
  return {
    kind: 'sim',
    started_at: '2026-11-30T04:00:00.000Z',
    inputs: {
      seed: 3,
      jobs: 4,
      fixtures: null,
      target: 'https://diracx.example.org/</script><script>alert(1)</script>',
      clock: 'real',
      transport: 'http',
      speedup: 1000,
      gridbox_version: '0.1.0',
    },
    interval_s: 600,
    summary: {
      seed: 3,
      clock: 'real',
      transport: 'http',
      jobs: { submitted: 4, by_status: { Done: 4 } },
      pilots: 4,
      transfers: { count: 4, bytes: 400 },
      events: { total: 40, by_kind: { 'job.done': 4 } },
      event_log_sha256: 'a'.repeat(64),
      model_s: 1500,
      wall_s: 1.6,
      events_per_s: 25,
    },
    totals: {
      jobs_ended: 4,
      wall_s: 1.6,
      wall_ms_per_job: 400,
      match: { calls: 6, p50_ms: 2, p95_ms: 9, max_ms: 9 },
      rss_bytes_max: 250_000_000,
    },
    series: {
      t_s: [600, 1200, 1500],
      jobs_finished: [0, 3, 1],
      jobs_per_hour: [0, 18, 12],
      jobs_waiting: [2, 0, 0],
      jobs_matched: [0, 0, 0],
      jobs_running: [2, 1, 0],
      jobs_stalled: [0, 0, 0],
      jobs_ended: [0, 3, 4],
      pilots_queued: [2, 0, 0],
      pilots_running: [2, 1, 1],
      match_calls: [2, 4, 0],
      match_p50_ms: [2, 2, null],
      match_p95_ms: [3, 9, null],
      match_max_ms: [3, 9, null],
      rss_bytes: [200_000_000, 250_000_000, 240_000_000],
      heap_used_bytes: [80_000_000, 120_500_000, 90_000_000],
      wall_s: [0.6, 0.6, 0.4],
      wall_ms_per_job: [null, 200, 400],
    },
  };
}

/** The same run as a box of its own would report it: its DB's size and time. */
export function ownBoxReport(): SimReport {
  const report = targetReport();
  return {
    ...report,
    inputs: { ...report.inputs, target: null, fixtures: 'small', clock: 'virtual' },
    totals: {
      ...report.totals,
      db_bytes_max: 3_000_000,
      db_time: {
        statements: 320,
        wall_s: 0.4,
        share_of_wall: 0.25,
        statements_per_job: 80,
        ms_per_job: 100,
        by_kind: [
          {
            sql: 'update "Jobs" set "Status" = ? where "JobID" in (…) and "Status" <> ?',
            calls: 8,
            calls_per_job: 2,
            wall_s: 0.25,
            us_per_call: 31_250,
          },
          {
            sql: '(other statements)',
            calls: 312,
            calls_per_job: 78,
            wall_s: 0.15,
            us_per_call: 480.8,
          },
        ],
      },
    },
    series: {
      ...report.series,
      db_bytes: [1_000_000, 2_500_000, 3_000_000],
      db_ms_per_job: [null, 50, 100],
    },
  };
}
