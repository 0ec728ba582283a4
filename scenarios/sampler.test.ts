import { describe, expect, it } from 'vitest';
import { Sampler, type SimEvent } from './sampler.ts';

/** An event at `s` clock seconds. */
function at(s: number, kind: string, fields: Omit<SimEvent, 't' | 'kind'> = {}): SimEvent {
  return { t: s * 1000, kind, ...fields } as SimEvent;
}

/** A sampler fed `events`; its series up to `endS`. */
function series(events: SimEvent[], endS: number, everyS = 300, speedup = 1) {
  const sampler = new Sampler(everyS, speedup);
  for (const event of events) sampler.observe(event);
  return sampler.series(endS);
}

const HANDFUL = [
  at(0, 'job.submitted', { job: 1 }),
  at(0, 'job.submitted', { job: 2 }),
  at(100, 'pilot.start', { pilot: 'p', site: 'S1' }),
  at(200, 'job.matched', { job: 1, pilot: 'p' }),
  at(400, 'job.running', { job: 1 }),
  at(450, 'transfer.write', { lfn: '/vo/f' }),
  at(700, 'job.done', { job: 1 }),
  at(700, 'pilot.end', { pilot: 'p', status: 'Done' }),
  at(800, 'fault.ce-down', { ce: 'ce1' }),
];

describe('Sampler', () => {
  it('samples jobs by status, pilots per site, transfers and faults every period', () => {
    expect(series(HANDFUL, 1000)).toEqual({
      t_s: [0, 300, 600, 900, 1000],
      jobs_by_status: {
        Done: [0, 0, 0, 1, 1],
        Matched: [0, 1, 0, 0, 0],
        Running: [0, 0, 1, 0, 0],
        Waiting: [0, 1, 1, 1, 1],
      },
      pilots_by_site: { S1: [0, 1, 1, 0, 0] },
      transfers: [0, 0, 1, 1, 1],
      failures: [0, 0, 0, 1, 1],
    });
  });

  it('ends on one last sample when the run ends on a period', () => {
    const { t_s, failures } = series(HANDFUL, 900);
    expect(t_s).toEqual([0, 300, 600, 900]);
    expect(failures).toEqual([0, 0, 0, 1]);
  });

  it('ends on the final state when the last event falls on the last period', () => {
    const { t_s, jobs_by_status } = series([...HANDFUL, at(900, 'job.failed', { job: 2 })], 900);
    expect(t_s).toEqual([0, 300, 600, 900]);
    expect(jobs_by_status.Failed).toEqual([0, 0, 0, 1]);
    expect(jobs_by_status.Waiting).toEqual([0, 1, 1, 0]);
  });

  it('reads event times as clock seconds times the speedup', () => {
    // At 500 model seconds per clock second, 0.8 s of clock is 400 model seconds.
    const { t_s, jobs_by_status } = series(
      [at(0, 'job.submitted', { job: 1 }), at(0.8, 'job.running', { job: 1 })],
      600,
      300,
      500,
    );
    expect(t_s).toEqual([0, 300, 600]);
    expect(jobs_by_status).toEqual({ Running: [0, 0, 1], Waiting: [0, 1, 0] });
  });

  it('keeps a long idle gap to a bounded number of samples, and still ends on the final state', () => {
    const weekS = 7 * 86400;
    const { t_s, jobs_by_status } = series(
      [
        at(0, 'job.submitted', { job: 1 }),
        at(weekS, 'job.running', { job: 1 }),
        at(weekS + 10, 'job.done', { job: 1 }),
      ],
      weekS + 600,
    );
    // A week at one sample per 5 minutes would be 2016 points; the gap gives 200 at most.
    expect(t_s.length).toBeLessThanOrEqual(205);
    expect(t_s.at(-1)).toBe(weekS + 600);
    expect(t_s.every((t, i) => i === 0 || t > t_s[i - 1]!)).toBe(true);
    expect(jobs_by_status.Done?.at(-1)).toBe(1);
    expect(jobs_by_status.Waiting?.at(-1)).toBe(0);
  });

  it('gives one sample at zero for a run that stopped before anything happened', () => {
    expect(series([], 0)).toEqual({
      t_s: [0],
      jobs_by_status: {},
      pilots_by_site: {},
      transfers: [0],
      failures: [0],
    });
  });
});
