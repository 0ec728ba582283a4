import { SingleBar } from 'cli-progress';
import type { Io } from './io.ts';

export type SimPhase = 'submitted' | 'ended';

/** What `runSimulation` calls as jobs are submitted, then as they end; `stop` ends the display. */
export interface SimProgress {
  update(phase: SimPhase, done: number, total: number): void;
  stop(): void;
}

/** How often a progress line is written when stderr is not a terminal (--progress piped). */
const PIPED_EVERY_MS = 5_000;

/**
 * Progress of a run on stderr (stdout keeps the summary alone). With a bar (`--progress`, or
 * stderr on a terminal): jobs done of the total, the rate in jobs per wall-clock second and
 * the time left, drawn in place on a terminal and as a line every few seconds otherwise
 * (cli-progress). Without: a line at each tenth of each phase, as before the bar.
 */
export function simProgress(io: Pick<Io, 'stderr'>, options: { bar: boolean }): SimProgress {
  return options.bar ? barProgress(io) : tenthsProgress(io);
}

function barProgress(io: Pick<Io, 'stderr'>): SimProgress {
  let bar: SingleBar | undefined;
  let phase: SimPhase | undefined;
  let startMs = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(next, done, total) {
      if (next !== phase) {
        stop();
        phase = next;
        startMs = performance.now();
        bar = new SingleBar({
          // The Io's stderr is the process's (a tty.WriteStream on a terminal) or a test's.
          stream: io.stderr as unknown as NodeJS.WritableStream,
          format: `gridbox sim: {value}/{total} jobs ${next} ({percentage}%), {rate} jobs/s, ETA {eta_formatted}`,
          noTTYOutput: true,
          notTTYSchedule: PIPED_EVERY_MS,
          hideCursor: false,
          // Piped, the final line is already out (a terminal keeps the bar, then a newline).
          clearOnComplete: io.stderr.isTTY !== true,
          etaBuffer: 100,
        });
        bar.start(total, done, { rate: '0' });
      }
      const elapsedS = (performance.now() - startMs) / 1000;
      bar!.setTotal(total);
      bar!.update(done, { rate: elapsedS > 0 ? (done / elapsedS).toFixed(1) : '0' });
    },
    stop,
  };
}

/** A line on stderr at each tenth of the jobs submitted, then of the jobs ended. */
function tenthsProgress(io: Pick<Io, 'stderr'>): SimProgress {
  let shown = '';
  return {
    update(phase, done, total) {
      const percent = Math.floor((100 * done) / Math.max(total, 1));
      const key = `${phase}/${percent}`;
      if (key === shown) return;
      shown = key;
      if (percent % 10 === 0)
        io.stderr.write(`gridbox sim: ${done}/${total} jobs ${phase} (${percent}%)\n`);
    },
    stop: () => undefined,
  };
}
