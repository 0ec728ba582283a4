import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SLOW_START_MS, startupProgress } from './startup-progress.ts';

describe('startupProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const recorder = () => {
    const lines: string[] = [];
    return { lines, io: { stderr: { write: (text: string) => lines.push(text) } } };
  };

  it('says nothing when the start is quick', () => {
    const { lines, io } = recorder();
    const progress = startupProgress(io, 'loading gridbox');
    vi.advanceTimersByTime(SLOW_START_MS - 1);
    progress.done();
    vi.advanceTimersByTime(10 * SLOW_START_MS);
    expect(lines).toEqual([]);
  });

  it('names the phase under way each time the start passes another interval, until ready', () => {
    const { lines, io } = recorder();
    const progress = startupProgress(io, 'loading gridbox');
    vi.advanceTimersByTime(SLOW_START_MS);
    progress.phase('migrating the database');
    vi.advanceTimersByTime(SLOW_START_MS);
    progress.done();
    progress.done();
    vi.advanceTimersByTime(10 * SLOW_START_MS);
    expect(lines).toEqual([
      `gridbox: still starting (${SLOW_START_MS / 1000} s): loading gridbox…\n`,
      `gridbox: still starting (${(2 * SLOW_START_MS) / 1000} s): migrating the database…\n`,
    ]);
  });
});
