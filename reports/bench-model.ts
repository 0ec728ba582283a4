/**
 * What `gridbox bench --json` prints and `--report` writes as bench.json: one run of a
 * bench profile (or, with a backlog sweep, the last run and a summary of each). The HTML
 * report and `gridbox bench compare` are drawn from this object alone.
 */
export interface BenchResult {
  benchmark: 'gridbox-bench';
  profile: string;
  generator: string;
  /** The server measured; null for a box of the run's own, in process. */
  target: string | null;
  /** Where that box kept its databases (embedded, containers, external); null for a target. */
  box_profile?: string | null;
  backlog_jobs: number;
  /** Seconds the backlog took to submit through the API. */
  seed_s: number;
  warmup_s: number;
  duration_s: number;
  connections: number;
  /** The fixed arrival rate asked for (requests/s over all routes); null: as fast as answered. */
  rate_per_s: number | null;
  requests: number;
  requests_per_s: number;
  /** Jobs handed out by the matcher (200 answers of POST /api/jobs/match) per second. */
  matches: number;
  matches_per_s: number;
  /** Failed requests (status >= 400, connection errors, timeouts) over all requests. */
  error_rate: number;
  /**
   * CPU time of the server per response, in ms (`cpu.server_ms` / `requests`); null when the
   * server is not in this process (a --target), whose CPU the bench cannot see.
   */
  cpu_ms_per_request: number | null;
  /** The same per match (`cpu.server_ms` / `matches`); null without matches or server. */
  cpu_ms_per_match?: number | null;
  /** CPU time during the measured run, in ms (absent from results of earlier versions). */
  cpu?: BenchCpu;
  routes: Record<string, RouteResult>;
  /**
   * Auth profiles: the `dirac login`s made during the run (each step's requests are under
   * `routes`): started, ended with tokens, failed (first distinct errors in `failures`), and
   * the `authorization_pending` answers to the client's polls, the protocol's "not yet".
   */
  logins?: {
    started: number;
    completed: number;
    completed_per_s: number;
    failed: number;
    failures: string[];
    authorization_pending: number;
    poll_interval_s: number;
    sign_in_after_s: number;
  };
  /** Per whole second of the measured run: requests answered, and jobs matched. */
  timeline: { second: number; requests: number; matches: number }[];
  thresholds: ThresholdOutcome[];
  passed: boolean;
  /**
   * Profiles with a hot site: the site, the jobs Running there before the load, and the
   * running limits the run's own box was given (null against a --target: its own apply).
   */
  hot_site?: { site: string; running: number; running_limits: unknown };
  /** One entry per backlog size of a sweep (`--backlog 10000,50000`); absent for one size. */
  sweep?: SweepPoint[];
}

/**
 * CPU time over the measured run (the load thread's lifetime), user + system, in ms. The
 * load generator runs on a thread of the bench's process, beside the server when the bench
 * boots its own box, so the process's figure is split.
 */
export interface BenchCpu {
  /** The whole bench process (`process.cpuUsage`): server, if in process, and generator. */
  process_ms: number;
  /** The load generator's thread alone (`process.threadCpuUsage` inside it). */
  generator_ms: number;
  /** `process_ms − generator_ms`: the server's; null against a --target (not measurable). */
  server_ms: number | null;
}

export interface RouteResult {
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Responses by HTTP status, plus connection errors and timeouts. */
  statuses: Record<string, number>;
  /**
   * Device-code polls: the 400 answers that were `authorization_pending` (also under
   * statuses' 400), the grant not yet given: expected, so not in `errors`.
   */
  authorization_pending?: number;
  /** Failed requests: status >= 400 except `authorization_pending`, errors, timeouts. */
  errors: number;
  error_rate: number;
  /**
   * Latency histogram: counts[i] responses took at most bounds_ms[i] and more than the bound
   * before; the last count (one more than the bounds) is those slower than every bound.
   */
  histogram: { bounds_ms: number[]; counts: number[] };
}

export interface ThresholdOutcome {
  metric: string;
  route: string | null;
  max: number | null;
  min: number | null;
  value: number;
  passed: boolean;
}

export interface SweepPoint {
  backlog_jobs: number;
  requests_per_s: number;
  matches_per_s: number;
  p99_ms: number;
  error_rate: number;
  passed: boolean;
}

/** Upper bounds of the latency histogram's buckets, in ms. */
export const HISTOGRAM_BOUNDS_MS = [
  0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 200, 500, 1000, 2000, 5000,
];
