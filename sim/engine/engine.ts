import { EventQueue } from './event-queue.ts';
import type { SimClock } from './sim-clock.ts';

export type Action = () => Promise<void> | void;

export interface RunLimits {
  /** Stop before the first event due after this instant. */
  untilMs?: number;
  /** Checked after each event; the run ends when it says so. */
  done?: () => boolean;
  /** Called after each event, e.g. to draw progress. */
  onEvent?: () => void;
  /**
   * Called before each event with its instant, for a watcher that samples the run; when it
   * returns a promise, the engine waits for it. It must schedule nothing, so that the run is
   * the same with or without it.
   */
  beforeEvent?: (atMs: number) => Promise<void> | undefined;
}

/**
 * The discrete-event core: actions scheduled at instants run one at a time, in time order
 * (insertion order among equals), each to completion before the next starts. One at a time
 * is what makes a run a function of its inputs, whatever the transport underneath.
 */
export class Engine {
  readonly clock: SimClock;
  readonly #queue = new EventQueue<Action>();
  constructor(clock: SimClock) {
    this.clock = clock;
  }

  now(): number {
    return this.clock.nowMs();
  }

  at(atMs: number, action: Action): void {
    this.#queue.push(Math.max(atMs, this.now()), action);
  }

  after(delayMs: number, action: Action): void {
    this.at(this.now() + Math.max(0, delayMs), action);
  }

  async run(limits: RunLimits = {}): Promise<void> {
    for (;;) {
      const next = this.#queue.peek();
      if (next === undefined) return;
      if (limits.untilMs !== undefined && next.atMs > limits.untilMs) return;
      const watching = limits.beforeEvent?.(next.atMs);
      if (watching !== undefined) await watching;
      this.#queue.pop();
      await this.clock.waitUntil(next.atMs);
      await next.item();
      limits.onEvent?.();
      if (limits.done?.() === true) return;
    }
  }
}
