import { describe, expect, it } from 'vitest';
import { simProgress } from './sim-progress.ts';

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
});
