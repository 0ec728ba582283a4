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
export function simProgress(
  io: Pick<Io, 'stderr'>,
  options: { bar: boolean; nowMs?: () => number },
): SimProgress {
  return options.bar
    ? barProgress(io, options.nowMs ?? (() => performance.now()))
    : tenthsProgress(io);
}

/** `1h07m`, `12m05s`, `42s`. */
export function formatTimeLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `${s}s`;
}

function barProgress(io: Pick<Io, 'stderr'>, nowMs: () => number): SimProgress {
  let bar: SingleBar | undefined;
  let phase: SimPhase | undefined;
  let startMs = 0;
  let startDone = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(next, done, total) {
      if (next === phase && bar === undefined) return; // the phase is complete
      if (next !== phase) {
        stop();
        phase = next;
        bar = new SingleBar({
          // The Io's stderr is the process's (a tty.WriteStream on a terminal) or a test's.
          stream: io.stderr as unknown as NodeJS.WritableStream,
          format: `gridbox sim: {value}/{total} jobs ${next} ({percentage}%), {rate} jobs/s, ETA {left}`,
          noTTYOutput: true,
          notTTYSchedule: PIPED_EVERY_MS,
          hideCursor: false,
          // Piped, the final line is already out (a terminal keeps the bar, then a newline).
          clearOnComplete: io.stderr.isTTY !== true,
        });
        bar.start(total, done, { rate: '0', left: '-' });
        startMs = nowMs();
        startDone = done;
      }
      // The time left at the phase's own average rate: cli-progress's ETA follows its last
      // hundred updates, a few milliseconds of a large run, and swung from 20 minutes to
      // 7 hours between two lines of one run.
      const elapsedS = (nowMs() - startMs) / 1000;
      const rate = elapsedS > 0 ? (done - startDone) / elapsedS : 0;
      bar!.setTotal(total);
      bar!.update(done, {
        rate: rate.toFixed(1),
        left: rate > 0 ? formatTimeLeft((total - done) / rate) : '-',
      });
      // Piped, a bar left running repeats its last line every few seconds until the next
      // phase begins: a million jobs' first end is a minute after the last submission.
      if (done >= total) stop();
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
