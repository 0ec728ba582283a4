/**
 * DIRAC's periods and thresholds in model seconds (its defaults, reference §2.5, §4.2, §4.4),
 * and how fast model time runs. In virtual time a model second is a clock second; in an
 * integration run over the wire `speedup` compresses them, so that hours of modelled grid
 * activity fit in seconds of a CI job while every ratio between them stays the same.
 */
export interface Timing {
  /** Model seconds per clock second. */
  speedup: number;
  /** SiteDirector cycle. */
  factoryCycleS: number;
  /** Watchdog heartbeat period. */
  heartbeatS: number;
  /** JobAgent polling time after a failed match (× (k+1) × 2). */
  pollingS: number;
  /** JobAgent stops after this many consecutive failed matches. */
  stopAfterFailedMatches: number;
  /** JobAgent stops when less CPU work than this is left (HS06·s). */
  minimumTimeLeft: number;
  /** StalledJobAgent: polling period, Running → Stalled, Stalled → Failed. */
  stalledPollS: number;
  stalledAfterS: number;
  failedAfterS: number;
}

export const DIRAC_TIMING: Timing = {
  speedup: 1,
  factoryCycleS: 120,
  heartbeatS: 1800,
  pollingS: 20,
  stopAfterFailedMatches: 10,
  minimumTimeLeft: 5000,
  stalledPollS: 3600,
  stalledAfterS: 4500,
  failedAfterS: 11700,
};

/** Clock milliseconds for a span of model seconds. */
export function clockMs(timing: Timing, modelS: number): number {
  return Math.max(1, Math.round((modelS * 1000) / timing.speedup));
}
