import { describe, expect, it } from 'vitest';
import { QueuePriorityCounts, meanOf } from './priority-counts.ts';

const counts = (entries: [number, number][]) => new Map(entries);

describe('queue priority counts', () => {
  it('gives the mean of the counted priorities, and NaN for no job', () => {
    expect(
      meanOf(
        counts([
          [1e6, 1],
          [1e-5, 3],
        ]),
      ),
    ).toBeCloseTo((1e6 + 3e-5) / 4, 6);
    expect(meanOf(counts([]))).toBeNaN();
  });

  it('takes a claimed job out, and forgets a queue whose claimed priority it does not know', () => {
    const kept = new QueuePriorityCounts(true);
    kept.keep(
      1,
      kept.ticket(),
      counts([
        [10, 2],
        [20, 1],
      ]),
    );
    kept.claimed(1, 20);
    expect(kept.counts(1)).toEqual(counts([[10, 2]]));
    kept.claimed(1, 10);
    expect(kept.counts(1)).toEqual(counts([[10, 1]]));
    kept.claimed(1, undefined);
    expect(kept.counts(1)).toBeUndefined();
  });

  it('keeps no read that overlapped a claim or a change, nor anything on a shared database', async () => {
    const kept = new QueuePriorityCounts(true);
    let ticket = kept.ticket();
    kept.claimed(2, 10);
    kept.keep(1, ticket, counts([[10, 1]]));
    expect(kept.counts(1)).toBeUndefined();
    await kept.change(async () => {
      ticket = kept.ticket();
    });
    kept.keep(1, ticket, counts([[10, 1]]));
    expect(kept.counts(1)).toBeUndefined();
    kept.keep(1, kept.ticket(), counts([[10, 1]]));
    await kept.change(async () => undefined);
    expect(kept.counts(1)).toBeUndefined();
    const shared = new QueuePriorityCounts(false);
    shared.keep(1, shared.ticket(), counts([[10, 1]]));
    expect(shared.counts(1)).toBeUndefined();
  });
});
