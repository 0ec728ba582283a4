import { type Clock, systemClock } from '../../services/core/index.ts';

/**
 * The simulator's time: a Clock that the engine moves to each event's instant. Virtual
 * time jumps there at once; real time waits for the wall clock to get there.
 */
export interface SimClock extends Clock {
  readonly kind: 'virtual' | 'real';
  /** Returns when the clock reads at least `ms`. */
  waitUntil(ms: number): Promise<void>;
}

export class VirtualClock implements SimClock {
  readonly kind = 'virtual';
  #nowMs: number;

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  async waitUntil(ms: number): Promise<void> {
    if (ms > this.#nowMs) this.#nowMs = ms;
  }
}

export class RealTimeClock implements SimClock {
  readonly kind = 'real';
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  nowMs(): number {
    return this.#clock.nowMs();
  }

  async waitUntil(ms: number): Promise<void> {
    const wait = ms - this.#clock.nowMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Real time, run faster: the clock reads `factor` milliseconds for each wall millisecond
 * since it was made. A box and its simulated grid that share it keep every ratio of DIRAC's
 * timing (token lifetimes, heartbeats, stall thresholds) while hours pass in seconds.
 */
export class FastRealTimeClock implements SimClock {
  readonly kind = 'real';
  readonly #clock: Clock;
  readonly #factor: number;
  readonly #originMs: number;

  constructor(factor: number, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#factor = factor;
    this.#originMs = clock.nowMs();
  }

  nowMs(): number {
    return this.#originMs + Math.round((this.#clock.nowMs() - this.#originMs) * this.#factor);
  }

  async waitUntil(ms: number): Promise<void> {
    const wait = (ms - this.nowMs()) / this.#factor;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
  }
}
