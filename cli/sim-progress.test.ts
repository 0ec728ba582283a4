import { describe, expect, it } from 'vitest';
import { formatTimeLeft, simProgress } from './sim-progress.ts';

/** Runs two phases of `jobs` jobs through a progress display on a recorded stderr. */
function record(isTTY: boolean, bar: boolean, jobs = 5): string {
  let err = '';
  const progress = simProgress(
    { stderr: { write: (text: string) => (err += text), isTTY } },
    { bar },
  );
  for (const phase of ['submitted', 'ended'] as const)
    for (let done = 1; done <= jobs; done++) progress.update(phase, done, jobs);
  progress.stop();
  return err;
}

describe('the progress of gridbox sim on stderr', () => {
  it('draws one bar per phase in place on a terminal, each ending on its own line', () => {
    const err = record(true, true);
    expect(err).toMatch(/gridbox sim: 5\/5 jobs submitted \(100%\), [\d.]+ jobs\/s, ETA /);
    expect(err).toMatch(/gridbox sim: 5\/5 jobs ended \(100%\), [\d.]+ jobs\/s, ETA /);
    // Redrawn with cursor moves, not new lines: one line break per phase.
    expect(err.split('\n')).toHaveLength(3);
    expect(err).toContain('\x1B[');
  });

  it('writes plain lines when piped, without terminal escapes', () => {
    const err = record(false, true);
    const lines = err.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /^gridbox sim: 5\/5 jobs ended \(100%\), [\d.]+ jobs\/s, ETA \S+$/,
    );
    expect(err).not.toContain('\x1B');
  });

  it('without a bar, writes a line at each tenth of each phase as before', () => {
    expect(record(false, false, 4).split('\n')).toEqual([
      'gridbox sim: 2/4 jobs submitted (50%)',
      'gridbox sim: 4/4 jobs submitted (100%)',
      'gridbox sim: 2/4 jobs ended (50%)',
      'gridbox sim: 4/4 jobs ended (100%)',
      '',
    ]);
  });

  it("gives the time left at the phase's average rate, however uneven the updates", () => {
    let err = '';
    let nowMs = 0;
    const progress = simProgress(
      { stderr: { write: (text: string) => (err += text), isTTY: true } },
      { bar: true, nowMs: () => nowMs },
    );
    progress.update('ended', 0, 10_000);
    // 1,000 jobs in 100 s, in bursts: 999 at once, then one after a long pause.
    nowMs = 50_000;
    for (let done = 1; done < 1000; done++) progress.update('ended', done, 10_000);
    nowMs = 100_000;
    progress.update('ended', 1000, 10_000);
    progress.stop();
    // 9,000 jobs left at 10 jobs/s: 15 minutes, whatever the last updates' spacing.
    expect(err).toMatch(/1000\/10000 jobs ended \(10%\), 10\.0 jobs\/s, ETA 15m00s/);
  });

  it('writes the time left in hours and minutes, minutes and seconds, or seconds', () => {
    expect(formatTimeLeft(4 * 3600 + 7 * 60 + 59)).toBe('4h07m');
    expect(formatTimeLeft(3599.6)).toBe('1h00m');
    expect(formatTimeLeft(12 * 60 + 5)).toBe('12m05s');
    expect(formatTimeLeft(42.2)).toBe('42s');
  });
});
