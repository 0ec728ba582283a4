import type { Io } from './io.ts';

/** How long a start-up goes unremarked; then, and as often again, a line says what it does. */
export const SLOW_START_MS = 5_000;

/**
 * What a starting box is doing, said on stderr only when start-up is slow (a loaded CI
 * machine can take many seconds before the ready line): `gridbox: still starting (5 s):
 * migrating the database…`, repeated every SLOW_START_MS until `done()`. A fast start prints
 * nothing.
 */
export interface StartupProgress {
  /** The phase now under way, in words ("migrating the database"). */
  phase(text: string): void;
  /** Ready (or failed): no more lines. Safe to call more than once. */
  done(): void;
}

export function startupProgress(
  io: Pick<Io, 'stderr'>,
  firstPhase: string,
  everyMs = SLOW_START_MS,
): StartupProgress {
  let current = firstPhase;
  let elapsedMs = 0;
  const timer = setInterval(() => {
    elapsedMs += everyMs;
    io.stderr.write(`gridbox: still starting (${Math.round(elapsedMs / 1000)} s): ${current}…\n`);
  }, everyMs);
  // Never what keeps the process alive.
  timer.unref();
  return {
    phase: (text) => {
      current = text;
    },
    done: () => clearInterval(timer),
  };
}
