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
  /** Pilots a SiteDirector sends to one queue in one cycle. */
  maxPilotsToSubmit: number;
  /** A pilot takes job after job while time is left (DIRAC's filling mode); one job if not. */
  fillingMode: boolean;
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
  maxPilotsToSubmit: 100,
  fillingMode: true,
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

/**
 * The DIRAC options a run can change, as `<Agent>/<Option>` (their names in DIRAC's
 * configuration), with the timing field each sets: the study of a grid often starts by
 * asking what one of them changes.
 */
export const DIRAC_OPTIONS = {
  'SiteDirector/PollingTime': 'factoryCycleS',
  'SiteDirector/MaxPilotsToSubmit': 'maxPilotsToSubmit',
  'JobAgent/PollingTime': 'pollingS',
  'JobAgent/StopAfterFailedMatches': 'stopAfterFailedMatches',
  'JobAgent/MinimumTimeLeft': 'minimumTimeLeft',
  'JobAgent/FillingModeFlag': 'fillingMode',
  'Watchdog/CheckingTime': 'heartbeatS',
  'StalledJobAgent/PollingTime': 'stalledPollS',
} as const satisfies Record<
  string,
  Exclude<keyof Timing, 'speedup' | 'stalledAfterS' | 'failedAfterS'>
>;

export type DiracOption = keyof typeof DIRAC_OPTIONS;

/**
 * Timing overrides from `Agent/Option=value` settings; throws an Error saying what is
 * expected when a name is not one of DIRAC_OPTIONS or a value does not fit it.
 */
export function timingFromOptions(settings: readonly string[]): Partial<Timing> {
  const timing: Partial<Record<keyof Timing, number | boolean>> = {};
  for (const setting of settings) {
    const at = setting.indexOf('=');
    const name = at === -1 ? setting : setting.slice(0, at);
    const text = at === -1 ? '' : setting.slice(at + 1).trim();
    if (!Object.hasOwn(DIRAC_OPTIONS, name))
      throw new Error(
        `expected Agent/Option=value with one of ${Object.keys(DIRAC_OPTIONS).join(', ')}`,
      );
    const field = DIRAC_OPTIONS[name as DiracOption];
    if (field === 'fillingMode') {
      if (!/^(true|false)$/i.test(text)) throw new Error(`${name} is true or false`);
      timing[field] = text.toLowerCase() === 'true';
      continue;
    }
    const value = Number(text);
    const floor = field === 'stopAfterFailedMatches' || field === 'minimumTimeLeft' ? 0 : 1;
    if (text === '' || !Number.isInteger(value) || value < floor)
      throw new Error(`${name} is an integer of at least ${floor}`);
    timing[field] = value;
  }
  return timing as Partial<Timing>;
}
