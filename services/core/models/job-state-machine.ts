import type { JobStatus } from './job.ts';

/**
 * DIRAC's job state machine (DIRACCommon's JobsStateMachine): from each status, the
 * statuses a job may move to. A move it does not allow leaves the job where it is.
 * Deleted has no list: whatever is asked of a deleted job is accepted.
 */
const TRANSITIONS: Partial<Record<string, readonly string[]>> = {
  Submitting: ['Received', 'Checking', 'Deleted', 'Killed'],
  Received: ['Scouting', 'Checking', 'Staging', 'Waiting', 'Failed', 'Deleted', 'Killed'],
  Checking: ['Scouting', 'Staging', 'Waiting', 'Rescheduled', 'Failed', 'Deleted', 'Killed'],
  Scouting: ['Checking', 'Failed', 'Stalled', 'Killed'],
  Staging: ['Checking', 'Waiting', 'Failed', 'Killed'],
  Waiting: ['Matched', 'Rescheduled', 'Deleted', 'Killed'],
  Matched: ['Running', 'Failed', 'Rescheduled', 'Killed'],
  Rescheduled: ['Waiting', 'Received', 'Deleted', 'Failed', 'Killed'],
  Running: ['Stalled', 'Done', 'Failed', 'Rescheduled', 'Completing', 'Killed', 'Received'],
  Stalled: ['Running', 'Failed', 'Killed'],
  Completing: ['Done', 'Failed', 'Completed', 'Stalled', 'Killed'],
  Completed: ['Done', 'Failed'],
  Done: ['Deleted'],
  Failed: ['Rescheduled', 'Deleted'],
  Killed: ['Deleted'],
};

/** Statuses that end a job's execution (they set EndExecTime). */
export const FINAL_STATUSES: readonly string[] = ['Done', 'Completed', 'Failed', 'Killed'];

/** Where a job in `current` goes when asked to go to `target`: there, or nowhere. */
export function nextStatus(current: string, target: JobStatus): string {
  const allowed = TRANSITIONS[current];
  if (allowed === undefined) return target;
  return allowed.includes(target) ? target : current;
}
