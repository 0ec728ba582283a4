/**
 * Time as a dependency. Wire mode uses the system clock; the simulator and tests pass a
 * clock they control, so nothing below the CLI reads `Date.now()` itself.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

// The one place that reads the wall clock; everything else receives a Clock.
// eslint-disable-next-line no-restricted-properties
export const systemClock: Clock = { nowMs: () => Date.now() };

/**
 * Milliseconds on a monotonic wall clock from an arbitrary origin: how long an in-memory
 * cache has really lived, whatever model time does (a virtual clock jumps hours between
 * events). Never for timestamps; those come from the app's Clock.
 */
export const monotonicClock: Clock = { nowMs: () => performance.now() };

/** A clock that only moves when told to: for tests and virtual time. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`a clock cannot go back (advance by ${ms} ms)`);
    this.#nowMs += ms;
  }
}
