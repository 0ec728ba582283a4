import type { SimEvent } from './sampler.ts';

/** A job as the server's JobDB reports it. */
export interface JobRow {
  JobID: number;
  Status: string;
  MinorStatus: string;
  RescheduleCounter: number;
  VO: string;
  Owner: string;
}

/** Submitted jobs the server does not know (acknowledged, then lost). */
export function lostJobs(
  submitted: readonly number[],
  rows: ReadonlyMap<number, JobRow>,
): number[] {
  return submitted.filter((id) => !rows.has(id));
}

/**
 * Jobs matched more often than they were queued: once, plus once per reschedule. A job
 * given to two pilots is the matcher's cardinal sin.
 */
export function matchedTooOften(
  events: readonly SimEvent[],
  rows: ReadonlyMap<number, JobRow>,
): { job: number; matched: number; queued: number }[] {
  const matched = new Map<number, number>();
  const rescheduled = new Map<number, number>();
  for (const event of events) {
    if (typeof event.job !== 'number') continue;
    if (event.kind === 'job.matched') matched.set(event.job, (matched.get(event.job) ?? 0) + 1);
    if (event.kind === 'job.rescheduled')
      rescheduled.set(event.job, (rescheduled.get(event.job) ?? 0) + 1);
  }
  const found: { job: number; matched: number; queued: number }[] = [];
  for (const [job, count] of matched) {
    const queued =
      1 + Math.max(rescheduled.get(job) ?? 0, Number(rows.get(job)?.RescheduleCounter ?? 0));
    if (count > queued) found.push({ job, matched: count, queued });
  }
  return found.sort((a, b) => a.job - b.job);
}

const FINAL_EVENTS: Record<string, string> = {
  'job.done': 'Done',
  'job.failed': 'Failed',
  'job.killed': 'Killed',
};

/**
 * Jobs whose last acknowledged final status (the server answered the report) is not what
 * the server now says, e.g. a Done lost in a restart.
 */
export function forgottenStatuses(
  events: readonly SimEvent[],
  rows: ReadonlyMap<number, JobRow>,
): { job: number; reported: string; stored: string }[] {
  const last = new Map<number, string | undefined>();
  for (const event of events) {
    if (typeof event.job !== 'number') continue;
    if (event.kind in FINAL_EVENTS) last.set(event.job, FINAL_EVENTS[event.kind]);
    else if (event.kind === 'job.rescheduled' || event.kind === 'job.matched')
      last.set(event.job, undefined);
  }
  const found: { job: number; reported: string; stored: string }[] = [];
  for (const [job, reported] of last) {
    if (reported === undefined) continue;
    const stored = rows.get(job)?.Status ?? 'missing';
    if (stored !== reported) found.push({ job, reported, stored });
  }
  return found.sort((a, b) => a.job - b.job);
}

/** The pilots the SiteDirector submitted, with the final status it saw (if any). */
export function pilotOutcomes(events: readonly SimEvent[]): Map<string, string | undefined> {
  const outcomes = new Map<string, string | undefined>();
  for (const event of events) {
    const stamp = typeof event.pilot === 'string' ? event.pilot : undefined;
    if (stamp === undefined) continue;
    if (event.kind === 'pilot.submitted') outcomes.set(stamp, undefined);
    if (event.kind === 'pilot.end') outcomes.set(stamp, String(event.status));
    if (event.kind === 'fault.pilot-aborted') outcomes.set(stamp, 'Aborted');
  }
  return outcomes;
}

/** At most `limit` items, then how many more. */
export function listed(items: readonly unknown[], limit = 5): string {
  const shown = items.slice(0, limit).map((item) => JSON.stringify(item));
  return items.length > limit
    ? `${shown.join(', ')} and ${items.length - limit} more`
    : shown.join(', ');
}
