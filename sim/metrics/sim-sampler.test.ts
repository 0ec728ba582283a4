import { describe, expect, it } from 'vitest';
import type { Transport, TransportRequest } from '../../client/index.ts';
import { Engine, VirtualClock } from '../engine/index.ts';
import { DIRAC_TIMING } from '../timing.ts';
import { JobTracker, type SimWorld, untilJobsEnd } from '../world.ts';
import { type DbTime, SimSampler, latencyStats } from './sim-sampler.ts';

/** The parts of a world a sampler reads: engine, timing, jobs and controls. */
function world() {
  const engine = new Engine(new VirtualClock(0));
  const jobs = new JobTracker();
  return {
    engine,
    jobs,
    world: { engine, jobs, timing: DIRAC_TIMING, controls: untilJobsEnd(jobs) } as SimWorld,
  };
}

const line = (kind: string, fields: Record<string, unknown>) =>
  JSON.stringify({ t: 0, kind, ...fields });

/** Running totals of a database's time by kind, in the order they were first recorded. */
function dbTimes(): DbTime & { record(sql: string, ms: number): void } {
  const kinds = new Map<string, { sql: string; calls: number; ms: number }>();
  return {
    get calls() {
      return [...kinds.values()].reduce((sum, kind) => sum + kind.calls, 0);
    },
    get ms() {
      return [...kinds.values()].reduce((sum, kind) => sum + kind.ms, 0);
    },
    top: () => [...kinds.values()],
    record(sql, ms) {
      const kind = kinds.get(sql) ?? { sql, calls: 0, ms: 0 };
      kind.calls++;
      kind.ms += ms;
      kinds.set(sql, kind);
    },
  };
}

/** A wall clock that moves only when told. */
function counter() {
  let nowMs = 0;
  return { wallMs: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe('SimSampler', () => {
  it('samples every interval of simulated time and once more where the run ends', async () => {
    const { engine, jobs, world: w } = world();
    const wall = counter();
    // The process's memory as three samples read it: growing, then given back.
    const rss = [100e6, 150e6, 120e6];
    const memory = () => {
      const rssBytes = rss.shift()!;
      return { rssBytes, heapUsedBytes: rssBytes / 2 };
    };
    const dbTime = dbTimes();
    const sampler = new SimSampler({
      everyS: 600,
      wallMs: wall.wallMs,
      dbBytes: async () => 4096,
      memory,
      dbTime,
    });
    sampler.attach(w);
    for (const id of [1, 2]) {
      jobs.submitted(id);
      sampler.event(line('job.submitted', { job: id }));
    }
    sampler.event(line('pilot.submitted', { pilot: 'p' }));
    engine.at(300_000, () => {
      sampler.event(line('pilot.start', { pilot: 'p' }));
      sampler.event(line('job.matched', { job: 1 }));
      sampler.event(line('job.running', { job: 1 }));
    });
    engine.at(900_000, () => {
      wall.advance(50);
      dbTime.record('update "Jobs"', 20);
      jobs.ended(1, 'Done');
      sampler.event(line('job.done', { job: 1 }));
    });
    engine.at(1_500_000, () => {
      wall.advance(30);
      dbTime.record('insert into "LoggingInfo"', 6);
      dbTime.record('update "Jobs"', 4);
      jobs.ended(2, 'Failed');
      sampler.event(line('job.failed', { job: 2 }));
    });
    await engine.run({
      done: () => jobs.open === 0,
      beforeEvent: (atMs) => sampler.beforeEvent(atMs),
    });
    const { series, totals } = await sampler.finish();
    expect(series).toEqual({
      t_s: [600, 1200, 1500],
      jobs_finished: [0, 1, 1],
      jobs_per_hour: [0, 6, 12],
      jobs_waiting: [1, 1, 0],
      jobs_matched: [0, 0, 0],
      jobs_running: [1, 0, 0],
      jobs_stalled: [0, 0, 0],
      jobs_ended: [0, 1, 2],
      pilots_queued: [0, 0, 0],
      pilots_running: [1, 1, 1],
      match_calls: [0, 0, 0],
      match_p50_ms: [null, null, null],
      match_p95_ms: [null, null, null],
      match_max_ms: [null, null, null],
      db_bytes: [4096, 4096, 4096],
      rss_bytes: [100e6, 150e6, 120e6],
      heap_used_bytes: [50e6, 75e6, 60e6],
      wall_s: [0, 0.05, 0.03],
      wall_ms_per_job: [null, 50, 30],
      db_ms_per_job: [null, 20, 10],
    });
    expect(totals).toEqual({
      jobs_ended: 2,
      wall_s: 0.08,
      wall_ms_per_job: 40,
      match: { calls: 0, p50_ms: null, p95_ms: null, max_ms: null },
      db_bytes_max: 4096,
      rss_bytes_max: 150e6,
      db_time: {
        statements: 3,
        wall_s: 0.03,
        share_of_wall: 0.375,
        statements_per_job: 1.5,
        ms_per_job: 15,
        by_kind: [
          {
            sql: 'update "Jobs"',
            calls: 2,
            calls_per_job: 1,
            wall_s: 0.024,
            us_per_call: 12_000,
          },
          {
            sql: 'insert into "LoggingInfo"',
            calls: 1,
            calls_per_job: 0.5,
            wall_s: 0.006,
            us_per_call: 6_000,
          },
        ],
      },
    });
  });

  it('counts an event at the end of an interval in that interval, and schedules nothing', async () => {
    const { engine, jobs, world: w } = world();
    const sampler = new SimSampler({ everyS: 600, wallMs: counter().wallMs });
    sampler.attach(w);
    for (const id of [1, 2]) {
      jobs.submitted(id);
      sampler.event(line('job.submitted', { job: id }));
    }
    const seen: number[] = [];
    for (const [atMs, id] of [
      [600_000, 1],
      [700_000, 2],
    ] as const)
      engine.at(atMs, () => {
        seen.push(engine.now());
        jobs.ended(id, 'Done');
        sampler.event(line('job.done', { job: id }));
      });
    await engine.run({
      done: () => jobs.open === 0,
      beforeEvent: (atMs) => sampler.beforeEvent(atMs),
    });
    expect(seen).toEqual([600_000, 700_000]);
    expect(engine.now()).toBe(700_000);
    const { series } = await sampler.finish();
    expect(series.t_s).toEqual([600, 700]);
    expect(series.jobs_finished).toEqual([1, 1]);
    expect(series.jobs_waiting).toEqual([1, 0]);
    expect(series.db_bytes).toBeUndefined();
  });

  it('times the job-matching calls of a transport and hands back its own answers', async () => {
    const { world: w } = world();
    const wall = counter();
    const sampler = new SimSampler({ wallMs: wall.wallMs });
    sampler.attach(w);
    const sent: string[] = [];
    const inner: Transport = {
      name: 'inject',
      request: async (request: TransportRequest) => {
        sent.push(`${request.method} ${request.path}`);
        wall.advance(request.path === '/api/jobs/match' ? 7 : 1000);
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      },
      requestUrl: async () => ({ status: 200, headers: {}, body: Buffer.alloc(0) }),
    };
    const timed = sampler.instrument(inner);
    expect(timed.name).toBe('inject');
    expect(timed.call).toBeUndefined();
    await timed.request({ method: 'POST', path: '/api/jobs/match' });
    await timed.request({ method: 'POST', path: '/api/jobs/match/queues' });
    await timed.request({ method: 'GET', path: '/api/jobs/match' });
    expect(sent).toHaveLength(3);
    const { totals } = await sampler.finish();
    expect(totals.match).toEqual({ calls: 1, p50_ms: 7, p95_ms: 7, max_ms: 7 });
  });
});

describe('latencyStats', () => {
  it.each([
    ['no values', [], { p50_ms: null, p95_ms: null, max_ms: null }],
    ['one value', [3], { p50_ms: 3, p95_ms: 3, max_ms: 3 }],
    ['four values out of order', [4, 1, 3, 2], { p50_ms: 2, p95_ms: 4, max_ms: 4 }],
    [
      '100 to 1',
      Array.from({ length: 100 }, (_, i) => 100 - i),
      { p50_ms: 50, p95_ms: 95, max_ms: 100 },
    ],
    ['fractions of a microsecond', [0.0004, 0.0016], { p50_ms: 0, p95_ms: 0.002, max_ms: 0.002 }],
  ])('takes nearest-rank percentiles of %s', (_, values, stats) => {
    expect(latencyStats(values)).toEqual(stats);
  });
});
