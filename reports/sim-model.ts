/**
 * What `gridbox sim --report` leaves behind: the run's summary and its series over simulated
 * time. `sim.json` is this object and `index.html` is drawn from it alone. Times are model
 * seconds from the start of the run (`*_s` under `series.t_s`) unless named wall.
 */
export interface SimReport {
  kind: 'sim';
  /** Wall-clock instant the run started (ISO 8601). */
  started_at: string;
  inputs: {
    seed: number;
    jobs: number;
    /** Fixture set of the run's own box (a size name or a file); null with a --target. */
    fixtures: string | null;
    /** The server driven: null for the box the run started itself. */
    target: string | null;
    clock: 'virtual' | 'real';
    transport: string;
    /** Model seconds per clock second. */
    speedup: number;
    gridbox_version: string;
  };
  /** Model seconds between samples; the last interval ends with the run and may be shorter. */
  interval_s: number;
  summary: SimRunSummary;
  totals: {
    jobs_ended: number;
    /** Wall seconds from the first submission to the end of the run. */
    wall_s: number;
    /** Wall milliseconds per job ended; null when none ended. */
    wall_ms_per_job: number | null;
    /** Over the whole run; null when the matcher was never called. */
    match: LatencyStats & { calls: number };
    /** Largest size the box's DB reached; absent when the box cannot say (a --target). */
    db_bytes_max?: number;
    /** Largest resident memory of the process (the box's too when it ran its own) at a sample. */
    rss_bytes_max?: number;
    /** Where the database's wall time went; absent when the box cannot say (a --target). */
    db_time?: DbTimeTotals;
  };
  series: SimSeries;
}

/**
 * The wall time the box's database spent in its statements (measured in process, around
 * each statement), per job ended and by kind of statement, most time first.
 */
export interface DbTimeTotals {
  statements: number;
  wall_s: number;
  /** `wall_s` over the run's wall time; null for a run of no wall time. */
  share_of_wall: number | null;
  /** Per job ended; null when none ended. */
  statements_per_job: number | null;
  ms_per_job: number | null;
  /**
   * Kinds of statement: the SQL with lists of values folded to `(…)`; the kinds beyond the
   * report's first are summed as `(other statements)`.
   */
  by_kind: {
    sql: string;
    calls: number;
    calls_per_job: number | null;
    wall_s: number;
    us_per_call: number;
  }[];
}

/** The parts of `gridbox sim`'s summary (its --json output) that the report shows. */
export interface SimRunSummary {
  seed: number;
  clock: 'virtual' | 'real';
  transport: string;
  jobs: { submitted: number; by_status: Record<string, number> };
  pilots: number;
  transfers: { count: number; bytes: number };
  events: { total: number; by_kind: Record<string, number> };
  event_log_sha256: string;
  /** Simulated time the run covered, in model seconds. */
  model_s: number;
  wall_s: number;
  events_per_s: number;
}

/** Nearest-rank percentiles and the maximum of wall-clock milliseconds; null without calls. */
export interface LatencyStats {
  p50_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
}

/**
 * One entry per interval, in simulated-time order. Counts of jobs and pilots are taken at the
 * end of each interval; `jobs_finished`, `match_*` and `wall_*` are over the interval.
 */
export interface SimSeries {
  /** End of each interval, model seconds since the start of the run; strictly increasing. */
  t_s: number[];
  /** Jobs that ended in the interval; their sum is the jobs ended in the run. */
  jobs_finished: number[];
  /** `jobs_finished` per simulated hour of the interval. */
  jobs_per_hour: number[];
  jobs_waiting: number[];
  jobs_matched: number[];
  jobs_running: number[];
  jobs_stalled: number[];
  /** Jobs ended so far (cumulative). */
  jobs_ended: number[];
  /** Pilots submitted to a CE and not started yet. */
  pilots_queued: number[];
  pilots_running: number[];
  /** Job-matching calls in the interval, with their wall-clock latency. */
  match_calls: number[];
  match_p50_ms: (number | null)[];
  match_p95_ms: (number | null)[];
  match_max_ms: (number | null)[];
  /** Size of the box's database at the end of the interval; absent for a --target. */
  db_bytes?: number[];
  /**
   * The process's resident memory and JavaScript heap in use at the end of the interval
   * (measured, like wall time; the heap's figure includes garbage not yet collected).
   */
  rss_bytes?: number[];
  heap_used_bytes?: number[];
  /** Wall seconds the interval took to simulate. */
  wall_s: number[];
  /** `wall_s` per job finished in the interval, in ms; null when none finished. */
  wall_ms_per_job: (number | null)[];
  /** Of `wall_ms_per_job`, the database's statements; absent when the box cannot say. */
  db_ms_per_job?: (number | null)[];
}
