import { describe, expect, it } from 'vitest';
import { JobWindows, type QueuedJob } from './job-windows.ts';

const jobs = (...ids: number[]): QueuedJob[] => ids.map((jobId) => ({ jobId, realPriority: 1 }));
const ids = (window: readonly QueuedJob[] | undefined) => window?.map((job) => job.jobId);

describe('JobWindows', () => {
  it('answers from what was read, less the jobs claimed since', () => {
    const windows = new JobWindows(Infinity);
    windows.keep(7, windows.ticket(), jobs(1, 2, 3, 4, 5), false);
    expect(ids(windows.jobs(7, 3))).toEqual([1, 2, 3]);
    windows.claimed(7, 2, true);
    expect(ids(windows.jobs(7, 3))).toEqual([1, 3, 4]);
    expect(windows.jobs(8, 3)).toBeUndefined();
  });

  it('reads again when a claim was lost: what it kept was stale', () => {
    const windows = new JobWindows(Infinity);
    windows.keep(7, windows.ticket(), jobs(1, 2, 3), true);
    windows.claimed(7, 1, false);
    expect(windows.jobs(7, 2)).toBeUndefined();
  });

  it('reads again when short of the jobs asked for, unless it saw the whole queue', () => {
    const windows = new JobWindows(Infinity);
    windows.keep(1, windows.ticket(), jobs(1, 2, 3), false);
    windows.keep(2, windows.ticket(), jobs(4, 5, 6), true);
    for (const tqId of [1, 2]) windows.claimed(tqId, tqId === 1 ? 1 : 4, true);
    expect(windows.jobs(1, 3)).toBeUndefined();
    expect(ids(windows.jobs(2, 3))).toEqual([5, 6]);
  });

  it('never answers that a queue is empty: the database does', () => {
    const windows = new JobWindows(Infinity);
    windows.keep(7, windows.ticket(), jobs(1), true);
    windows.claimed(7, 1, true);
    expect(windows.jobs(7, 5)).toBeUndefined();
  });

  it('drops everything around a change, and keeps no read that overlapped one', async () => {
    const windows = new JobWindows(Infinity);
    windows.keep(7, windows.ticket(), jobs(1, 2), true);
    const before = windows.ticket();
    let during = 0;
    await windows.change(async () => {
      expect(windows.jobs(7, 1)).toBeUndefined();
      during = windows.ticket();
      await Promise.resolve();
    });
    windows.keep(7, before, jobs(1, 2), true);
    windows.keep(8, during, jobs(3), true);
    expect(windows.jobs(7, 1)).toBeUndefined();
    expect(windows.jobs(8, 1)).toBeUndefined();
    windows.keep(7, windows.ticket(), jobs(1, 2, 9), true);
    expect(ids(windows.jobs(7, 5))).toEqual([1, 2, 9]);
  });

  it('trusts what it read for ttlMs only', () => {
    let now = 0;
    const windows = new JobWindows(1000, () => now);
    windows.keep(7, windows.ticket(), jobs(1, 2), true);
    now = 1000;
    expect(ids(windows.jobs(7, 1))).toEqual([1]);
    now = 1001;
    expect(windows.jobs(7, 1)).toBeUndefined();
  });
});
