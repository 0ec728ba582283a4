/**
 * What a scenario run leaves behind, in one object: the JSON report is this object, and the
 * JUnit and HTML reports are drawn from it alone. Times are model seconds from the start of
 * the run (`*_s`) unless named wall.
 */
export interface RunReport {
  kind: 'scenario';
  name: string;
  description: string;
  status: 'passed' | 'failed';
  inputs: {
    seed: number;
    /** Fixture set the box was seeded with (a size name or a file). */
    fixtures: string;
    /** The server driven: null for the box the run started itself. */
    target: string | null;
    clock: 'virtual' | 'real';
    transport: string;
    gridbox_version: string;
  };
  /** Wall-clock instant the run started (ISO 8601). */
  started_at: string;
  wall_s: number;
  model_s: number;
  event_log: { sha256: string; total: number; by_kind: Record<string, number> };
  steps: StepResult[];
  assertions: AssertionResult[];
  /** Samples of the grid over model time, one entry per `t_s`. */
  series: {
    t_s: number[];
    /** Jobs of the run in each status (Received, Waiting, Matched, Running, Done…). */
    jobs_by_status: Record<string, number[]>;
    /** Pilots running at each site. */
    pilots_by_site: Record<string, number[]>;
    /** Cumulative counts: transfers to or from SEs, and fault events. */
    transfers: number[];
    failures: number[];
  };
  /** Injected faults, each from when it began to when it was lifted (null: never lifted). */
  faults: FaultRecord[];
  summary: {
    jobs_submitted: number;
    jobs_by_status: Record<string, number>;
    pilots: number;
    transfers: { count: number; bytes: number };
  };
}

export interface StepResult {
  index: number;
  title: string;
  kind: string;
  status: 'passed' | 'failed' | 'skipped';
  wall_ms: number;
  model_start_s: number;
  model_end_s: number;
  /** Why it failed or was skipped. */
  message?: string;
}

export interface AssertionResult {
  /** What is checked, as a person would say it ("every submitted job reached a terminal state"). */
  name: string;
  /** Title of the step that made the check. */
  step: string;
  passed: boolean;
  /** What was found: the evidence when it holds, the discrepancy when it does not. */
  message: string;
  wall_ms: number;
}

export interface FaultRecord {
  kind: string;
  /** What it hit: a site, a CE, an SE, pilots, a user. */
  target: string;
  detail: string;
  start_s: number;
  end_s: number | null;
}
