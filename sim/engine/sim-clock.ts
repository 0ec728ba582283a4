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
