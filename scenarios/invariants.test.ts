import { describe, expect, it } from 'vitest';
import {
  type JobRow,
  forgottenStatuses,
  listed,
  lostJobs,
  matchedTooOften,
  pilotOutcomes,
} from './invariants.ts';
import type { SimEvent } from './sampler.ts';

/** Events at one-second steps, each `[kind, fields]`. */
function log(...events: [string, Omit<SimEvent, 't' | 'kind'>][]): SimEvent[] {
  return events.map(([kind, fields], i) => ({ t: i * 1000, kind, ...fields }) as SimEvent);
}

/** The server's rows: `[JobID, Status, RescheduleCounter]`. */
function rows(...jobs: [number, string, number?][]): Map<number, JobRow> {
  return new Map(
    jobs.map(([id, status, counter]) => [
      id,
      {
        JobID: id,
        Status: status,
        MinorStatus: '',
        RescheduleCounter: counter ?? 0,
        VO: 'vo',
        Owner: 'alice',
      },
    ]),
  );
}

describe('lostJobs', () => {
  it.each([
    ['every submitted job known', [1, 2, 3], rows([1, 'Done'], [2, 'Done'], [3, 'Waiting']), []],
    ['a job the server forgot', [1, 2, 3], rows([1, 'Done'], [3, 'Done']), [2]],
    ['nothing known at all', [4, 5], rows(), [4, 5]],
    ['jobs of others are not ours to count', [1], rows([1, 'Done'], [9, 'Done']), []],
  ])('%s', (_, submitted, server, lost) => {
    expect(lostJobs(submitted, server)).toEqual(lost);
  });
});

describe('matchedTooOften', () => {
  it.each([
    ['matched once', log(['job.matched', { job: 1, pilot: 'a' }]), rows([1, 'Done']), []],
    [
      'matched twice without a reschedule',
      log(['job.matched', { job: 1, pilot: 'a' }], ['job.matched', { job: 1, pilot: 'b' }]),
      rows([1, 'Done']),
      [{ job: 1, matched: 2, queued: 1 }],
    ],
    [
      'matched again after the user rescheduled it',
      log(
        ['job.matched', { job: 1, pilot: 'a' }],
        ['job.rescheduled', { job: 1 }],
        ['job.matched', { job: 1, pilot: 'b' }],
      ),
      rows([1, 'Done', 1]),
      [],
    ],
    [
      'matched again after a reschedule the log did not see (the server counted it)',
      log(['job.matched', { job: 1, pilot: 'a' }], ['job.matched', { job: 1, pilot: 'b' }]),
      rows([1, 'Done', 1]),
      [],
    ],
    [
      'matched three times for one reschedule',
      log(
        ['job.matched', { job: 2, pilot: 'a' }],
        ['job.rescheduled', { job: 2 }],
        ['job.matched', { job: 2, pilot: 'b' }],
        ['job.matched', { job: 2, pilot: 'c' }],
      ),
      rows([2, 'Running', 1]),
      [{ job: 2, matched: 3, queued: 2 }],
    ],
    [
      'other jobs and events without a job do not count',
      log(
        ['job.matched', { job: 1, pilot: 'a' }],
        ['job.matched', { job: 3, pilot: 'a' }],
        ['pilot.start', { pilot: 'a', site: 'S' }],
      ),
      rows([1, 'Done'], [3, 'Done']),
      [],
    ],
  ])('%s', (_, events, server, found) => {
    expect(matchedTooOften(events, server)).toEqual(found);
  });
});

describe('forgottenStatuses', () => {
  it.each([
    ['a Done the server keeps', log(['job.done', { job: 1 }]), rows([1, 'Done']), []],
    [
      'a Done the server lost (back to Running)',
      log(['job.running', { job: 1 }], ['job.done', { job: 1 }]),
      rows([1, 'Running']),
      [{ job: 1, reported: 'Done', stored: 'Running' }],
    ],
    [
      'a Failed of a job the server no longer knows',
      log(['job.failed', { job: 7 }]),
      rows(),
      [{ job: 7, reported: 'Failed', stored: 'missing' }],
    ],
    [
      'a Killed stored as Done',
      log(['job.killed', { job: 2 }]),
      rows([2, 'Done']),
      [{ job: 2, reported: 'Killed', stored: 'Done' }],
    ],
    [
      'a Failed followed by a reschedule is no longer final',
      log(['job.failed', { job: 1 }], ['job.rescheduled', { job: 1 }]),
      rows([1, 'Waiting', 1]),
      [],
    ],
    [
      'a Failed followed by a new match is no longer final',
      log(['job.failed', { job: 1 }], ['job.matched', { job: 1, pilot: 'b' }]),
      rows([1, 'Running', 1]),
      [],
    ],
    [
      'the last final status counts, not the first',
      log(
        ['job.failed', { job: 1 }],
        ['job.rescheduled', { job: 1 }],
        ['job.matched', { job: 1, pilot: 'b' }],
        ['job.done', { job: 1 }],
      ),
      rows([1, 'Failed', 1]),
      [{ job: 1, reported: 'Done', stored: 'Failed' }],
    ],
  ])('%s', (_, events, server, found) => {
    expect(forgottenStatuses(events, server)).toEqual(found);
  });
});

describe('pilotOutcomes', () => {
  it.each([
    ['submitted, not yet ended', log(['pilot.submitted', { pilot: 'a' }]), [['a', undefined]]],
    [
      'ended with the status the batch system reported',
      log(['pilot.submitted', { pilot: 'a' }], ['pilot.end', { pilot: 'a', status: 'Done' }]),
      [['a', 'Done']],
    ],
    [
      'aborted before it started',
      log(['pilot.submitted', { pilot: 'a' }], ['fault.pilot-aborted', { pilot: 'a' }]),
      [['a', 'Aborted']],
    ],
    [
      'a pilot that ended without being submitted is still accounted for',
      log(['pilot.end', { pilot: 'b', status: 'Failed' }]),
      [['b', 'Failed']],
    ],
    [
      'events without a pilot stamp are ignored',
      log(['job.matched', { job: 1, pilot: 3 }], ['pilot.submitted', { pilot: 'a' }]),
      [['a', undefined]],
    ],
  ])('%s', (_, events, outcomes) => {
    expect([...pilotOutcomes(events)]).toEqual(outcomes);
  });
});

describe('listed', () => {
  it.each([
    [[1, 2], 5, '1, 2'],
    [[1, 2, 3, 4, 5, 6, 7], 5, '1, 2, 3, 4, 5 and 2 more'],
    [[{ job: 1 }], 5, '{"job":1}'],
    [[], 5, ''],
  ])('lists %j (at most %i)', (items, limit, text) => {
    expect(listed(items, limit)).toBe(text);
  });
});
