import type { Engine } from './engine.ts';

/** What a simulated process can do besides calling the services: know the time, and wait. */
export interface ProcessContext {
  now(): number;
  /** Lets simulated time pass; other processes run meanwhile. */
  sleep(clockMs: number): Promise<void>;
}

/**
 * Starts a process: straight-line async code (a pilot's loop, an agent's cycle) whose every
 * `sleep` hands control back to the engine. A process runs alone from one sleep to the
 * next, client calls included, so interleavings never depend on how fast a reply comes.
 */
export function spawn(
  engine: Engine,
  body: (ctx: ProcessContext) => Promise<void>,
  onError: (error: unknown) => void,
  delayMs = 0,
): void {
  let endTurn: () => void = () => undefined;
  const ctx: ProcessContext = {
    now: () => engine.now(),
    sleep: (clockMs) =>
      new Promise<void>((resume) => {
        engine.after(
          clockMs,
          () =>
            new Promise<void>((done) => {
              endTurn = done;
              resume();
            }),
        );
        endTurn();
      }),
  };
  engine.after(
    delayMs,
    () =>
      new Promise<void>((done) => {
        endTurn = done;
        body(ctx)
          .catch(onError)
          .finally(() => endTurn());
      }),
  );
}
