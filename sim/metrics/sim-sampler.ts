import type { Transport, TransportCall, TransportRequest } from '../../client/index.ts';
import type { DbTimeTotals, LatencyStats, SimReport, SimSeries } from '../../reports/index.ts';
import { clockMs } from '../timing.ts';
import type { SimObserver } from '../run-simulation.ts';
import type { SimWorld } from '../world.ts';

/** Every 10 simulated minutes: a day is 144 points, a month of simulated grid 4,320. */
export const DEFAULT_SAMPLE_EVERY_S = 600;

export interface SimSamplerOptions {
  /** Model seconds between samples (default {@link DEFAULT_SAMPLE_EVERY_S}). */
  everyS?: number;
  /** Size of the box's database in bytes, where the box can say (its embedded SQLite). */
  dbBytes?: () => Promise<number>;
  /** Wall-clock milliseconds (performance.now); a test may count instead. */
  wallMs?: () => number;
  /**
   * This process's resident memory and JavaScript heap in use, in bytes, where the caller can
   * say (the CLI: process.memoryUsage). The run's own box shares the process.
   */
  memory?: () => ProcessMemory;
  /**
   * The wall time the box's database has spent so far, by kind of statement, where the box
   * can say (its embedded SQLite, timed from before the run).
   */
  dbTime?: DbTime;
}

/** Running totals of the database's wall time (the services' StatementTimings). */
export interface DbTime {
  readonly calls: number;
  readonly ms: number;
  top(n: number): readonly { sql: string; calls: number; ms: number }[];
}

/** Kinds of statement the report lists; the rest are summed as one. */
export const DB_STATEMENT_KINDS_SHOWN = 25;

/** Measured beside the run, like wall time: neither enters the event log. */
export interface ProcessMemory {
  rssBytes: number;
  heapUsedBytes: number;
}

/** The state of a job the event log implies, while it is open. */
const JOB_STATE: Readonly<Record<string, JobState>> = {
  'job.submitted': 'waiting',
  'job.rescheduled': 'waiting',
  'job.matched': 'matched',
  'job.running': 'running',
  'job.stalled': 'stalled',
};
type JobState = 'waiting' | 'matched' | 'running' | 'stalled';

const MATCH_PATH = '/api/jobs/match';

/** What has accumulated since the interval began. */
interface Interval {
  fromS: number;
  endedBefore: number;
  wallBeforeMs: number;
  dbMsBefore: number;
  latenciesMs: number[];
}

/** Samples per gap between two events at most: an idle month is 4,320 at the default. */
const MAX_SAMPLES_PER_GAP = 10_000;

type Sample = { [K in keyof SimSeries]-?: NonNullable<SimSeries[K]>[number] };

/**
 * Watches a run without taking part in it, and turns what it sees into series over
 * simulated time: the state at the end of every `everyS` model seconds, taken before the
 * engine runs the first event past that instant. Between two events nothing of the grid
 * runs, and the sampler records no event, draws no random number and schedules nothing, so
 * the event log (and its hash) is the same with or without it, and the model-time series
 * are a function of the run's inputs. Wall-clock figures (matcher latency, seconds per
 * interval) are measurements beside it.
 *
 * Wiring: `instrument` the run's transport, pass `event` as (part of) the event sink, the
 * sampler as runSimulation's `observer`, then `finish` before the box closes.
 */
export class SimSampler implements SimObserver {
  readonly #everyS: number;
  readonly #dbBytes: (() => Promise<number>) | undefined;
  readonly #wallMs: () => number;
  readonly #memory: (() => ProcessMemory) | undefined;
  readonly #dbTime: DbTime | undefined;
  readonly #jobState = new Map<number, JobState>();
  readonly #jobCounts: Record<JobState, number> = {
    waiting: 0,
    matched: 0,
    running: 0,
    stalled: 0,
  };
  #pilotsQueued = 0;
  #pilotsRunning = 0;
  /** Every latency of the run, for the totals. */
  readonly #allLatenciesMs: number[] = [];
  readonly #samples: Sample[] = [];
  #world: SimWorld | undefined;
  #startMs = 0;
  #wallStartMs = 0;
  #current: Interval = {
    fromS: 0,
    endedBefore: 0,
    wallBeforeMs: 0,
    dbMsBefore: 0,
    latenciesMs: [],
  };
  /** The instant (clock ms) at which the next interval ends, and its index from 1. */
  #nextAtMs = Infinity;
  #next = 1;

  constructor(options: SimSamplerOptions = {}) {
    this.#everyS = options.everyS ?? DEFAULT_SAMPLE_EVERY_S;
    if (!(this.#everyS > 0)) throw new RangeError('the sampling interval must be positive');
    this.#dbBytes = options.dbBytes;
    this.#wallMs = options.wallMs ?? (() => performance.now());
    this.#memory = options.memory;
    this.#dbTime = options.dbTime;
  }

  get everyS(): number {
    return this.#everyS;
  }

  /**
   * The same transport, timing each job-matching call in wall-clock milliseconds. The
   * caller gets the transport's own promise back, so no turn of the event loop is added.
   */
  instrument(transport: Transport): Transport {
    const timed = <T>(method: string, path: string, send: () => Promise<T>): Promise<T> => {
      if (method !== 'POST' || path !== MATCH_PATH) return send();
      const startMs = this.#wallMs();
      const answer = send();
      const done = () => {
        const ms = this.#wallMs() - startMs;
        this.#current.latenciesMs.push(ms);
        this.#allLatenciesMs.push(ms);
      };
      answer.then(done, done);
      return answer;
    };
    const inner = transport;
    return {
      name: inner.name,
      request: (request: TransportRequest) =>
        timed(request.method, request.path, () => inner.request(request)),
      ...(inner.call === undefined
        ? {}
        : {
            call: (call: TransportCall) => timed(call.method, call.path, () => inner.call!(call)),
          }),
      requestUrl: (url, request) => inner.requestUrl(url, request),
    };
  }

  /** Takes one line of the event log (an event sink). */
  event(line: string): void {
    const event = JSON.parse(line) as { kind: string; job?: unknown };
    const { kind } = event;
    if (kind.startsWith('job.')) {
      if (typeof event.job !== 'number') return;
      const before = this.#jobState.get(event.job);
      const after = JOB_STATE[kind];
      // Any other job event ends it; a second end (a late report) finds it gone.
      if (before === undefined && after === undefined) return;
      if (before !== undefined) this.#jobCounts[before]--;
      if (after === undefined) this.#jobState.delete(event.job);
      else {
        this.#jobState.set(event.job, after);
        this.#jobCounts[after]++;
      }
    } else if (kind === 'pilot.submitted') this.#pilotsQueued++;
    else if (kind === 'pilot.start') {
      this.#pilotsQueued--;
      this.#pilotsRunning++;
    } else if (kind === 'fault.pilot-aborted') this.#pilotsQueued--;
    else if (kind === 'pilot.end') this.#pilotsRunning--;
  }

  attach(world: SimWorld): void {
    if (this.#world !== undefined) throw new Error('a sampler watches one run');
    this.#world = world;
    this.#startMs = world.engine.now();
    this.#wallStartMs = this.#wallMs();
    this.#current = {
      fromS: 0,
      endedBefore: 0,
      wallBeforeMs: this.#wallStartMs,
      dbMsBefore: this.#dbTime?.ms ?? 0,
      latenciesMs: [],
    };
    this.#nextAtMs = this.#boundaryMs(1);
  }

  /** Samples each interval that ends before `atMs`, the instant of the engine's next event. */
  beforeEvent(atMs: number): Promise<void> | undefined {
    // Most events fall inside an interval: no promise, so the engine does not wait a turn.
    if (atMs <= this.#nextAtMs) return undefined;
    return this.#sampleUntil(atMs);
  }

  /** The last sample, at the end of the run, and the series; call it before the box closes. */
  async finish(): Promise<{ series: SimSeries; totals: SimReport['totals'] }> {
    const world = this.#world;
    if (world === undefined) throw new Error('the sampler never watched a run');
    const endS = round(((world.engine.now() - this.#startMs) * world.timing.speedup) / 1000, 3);
    const last = this.#samples.at(-1);
    if (last === undefined || endS > last.t_s) await this.#sample(endS);
    const ended = world.jobs.total - world.jobs.open;
    const wallMs = this.#wallMs() - this.#wallStartMs;
    const dbBytes = this.#samples.map((s) => s.db_bytes);
    const rssBytes = this.#samples.map((s) => s.rss_bytes);
    return {
      series: this.#series(),
      totals: {
        jobs_ended: ended,
        wall_s: round(wallMs / 1000, 3),
        wall_ms_per_job: ended === 0 ? null : round(wallMs / ended, 3),
        match: { calls: this.#allLatenciesMs.length, ...latencyStats(this.#allLatenciesMs) },
        ...(this.#dbBytes === undefined ? {} : { db_bytes_max: Math.max(0, ...dbBytes) }),
        ...(this.#memory === undefined ? {} : { rss_bytes_max: Math.max(0, ...rssBytes) }),
        ...(this.#dbTime === undefined ? {} : { db_time: this.#dbTotals(ended, wallMs) }),
      },
    };
  }

  /**
   * The database's share of the run: statements and wall time, per job and by kind, counted
   * from when timing began (`gridbox sim` starts it as the run starts).
   */
  #dbTotals(ended: number, wallMs: number): DbTimeTotals {
    const db = this.#dbTime!;
    const { calls, ms } = db;
    const perJob = (value: number, digits: number) =>
      ended === 0 ? null : round(value / ended, digits);
    return {
      statements: calls,
      wall_s: round(ms / 1000, 3),
      share_of_wall: wallMs > 0 ? round(ms / wallMs, 3) : null,
      statements_per_job: perJob(calls, 2),
      ms_per_job: perJob(ms, 4),
      by_kind: db.top(DB_STATEMENT_KINDS_SHOWN).map((kind) => ({
        sql: kind.sql,
        calls: kind.calls,
        calls_per_job: perJob(kind.calls, 3),
        wall_s: round(kind.ms / 1000, 3),
        us_per_call: kind.calls === 0 ? 0 : round((kind.ms * 1000) / kind.calls, 1),
      })),
    };
  }

  async #sampleUntil(atMs: number): Promise<void> {
    for (let i = 0; i < MAX_SAMPLES_PER_GAP && this.#nextAtMs < atMs; i++) {
      await this.#sample(this.#next * this.#everyS);
      this.#next++;
      this.#nextAtMs = this.#boundaryMs(this.#next);
    }
  }

  /** Where interval `k` ends on the engine's clock. */
  #boundaryMs(k: number): number {
    return this.#startMs + clockMs(this.#world!.timing, k * this.#everyS);
  }

  async #sample(atS: number): Promise<void> {
    const world = this.#world!;
    const interval = this.#current;
    const ended = world.jobs.total - world.jobs.open;
    const dbBytes = this.#dbBytes === undefined ? -1 : await this.#dbBytes();
    const wallNowMs = this.#wallMs();
    const finished = ended - interval.endedBefore;
    const wallMs = wallNowMs - interval.wallBeforeMs;
    const hours = (atS - interval.fromS) / 3600;
    const latency = latencyStats(interval.latenciesMs);
    const memory = this.#memory?.() ?? { rssBytes: -1, heapUsedBytes: -1 };
    const dbMsNow = this.#dbTime?.ms ?? 0;
    const dbMs = dbMsNow - interval.dbMsBefore;
    this.#samples.push({
      t_s: atS,
      jobs_finished: finished,
      jobs_per_hour: hours > 0 ? round(finished / hours, 3) : 0,
      jobs_waiting: this.#jobCounts.waiting,
      jobs_matched: this.#jobCounts.matched,
      jobs_running: this.#jobCounts.running,
      jobs_stalled: this.#jobCounts.stalled,
      jobs_ended: ended,
      pilots_queued: this.#pilotsQueued,
      pilots_running: this.#pilotsRunning,
      match_calls: interval.latenciesMs.length,
      match_p50_ms: latency.p50_ms,
      match_p95_ms: latency.p95_ms,
      match_max_ms: latency.max_ms,
      db_bytes: dbBytes,
      rss_bytes: memory.rssBytes,
      heap_used_bytes: memory.heapUsedBytes,
      wall_s: round(wallMs / 1000, 3),
      wall_ms_per_job: finished > 0 ? round(wallMs / finished, 3) : null,
      db_ms_per_job: finished > 0 ? round(dbMs / finished, 3) : null,
    });
    this.#current = {
      fromS: atS,
      endedBefore: ended,
      wallBeforeMs: wallNowMs,
      dbMsBefore: dbMsNow,
      latenciesMs: [],
    };
  }

  #series(): SimSeries {
    const column = <K extends keyof Sample>(key: K) => this.#samples.map((s) => s[key]);
    return {
      t_s: column('t_s'),
      jobs_finished: column('jobs_finished'),
      jobs_per_hour: column('jobs_per_hour'),
      jobs_waiting: column('jobs_waiting'),
      jobs_matched: column('jobs_matched'),
      jobs_running: column('jobs_running'),
      jobs_stalled: column('jobs_stalled'),
      jobs_ended: column('jobs_ended'),
      pilots_queued: column('pilots_queued'),
      pilots_running: column('pilots_running'),
      match_calls: column('match_calls'),
      match_p50_ms: column('match_p50_ms'),
      match_p95_ms: column('match_p95_ms'),
      match_max_ms: column('match_max_ms'),
      ...(this.#dbBytes === undefined ? {} : { db_bytes: column('db_bytes') }),
      ...(this.#memory === undefined
        ? {}
        : { rss_bytes: column('rss_bytes'), heap_used_bytes: column('heap_used_bytes') }),
      wall_s: column('wall_s'),
      wall_ms_per_job: column('wall_ms_per_job'),
      ...(this.#dbTime === undefined ? {} : { db_ms_per_job: column('db_ms_per_job') }),
    };
  }
}

/** Nearest-rank p50 and p95, and the maximum, rounded to microseconds. */
export function latencyStats(valuesMs: readonly number[]): LatencyStats {
  if (valuesMs.length === 0) return { p50_ms: null, p95_ms: null, max_ms: null };
  const sorted = Float64Array.from(valuesMs).sort();
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return {
    p50_ms: round(rank(0.5), 3),
    p95_ms: round(rank(0.95), 3),
    max_ms: round(sorted[sorted.length - 1]!, 3),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
