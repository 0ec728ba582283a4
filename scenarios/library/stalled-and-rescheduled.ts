import type { Scenario } from '../model.ts';
import {
  expectInvariants,
  expectJobs,
  expectPilotsAccounted,
  expectThat,
  killPilots,
  login,
  reschedule,
  startGrid,
  submit,
  waitFor,
  when,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const stalledAndRescheduled: Scenario = {
  name: 'stalled-and-rescheduled',
  description:
    'Pilots die under running jobs. The StalledJobAgent marks the silent jobs Stalled, their owner reschedules them, and they run again elsewhere and finish; no job is lost or run twice at once.',
  steps: [
    login('alice'),
    submit('alice', 40, { shape: { runS: [3600, 7200] } }),
    startGrid(),
    waitFor('10 jobs are running', when.inStatus('Running', 10), 6 * 3600),
    killPilots({ fraction: 1 }),
    waitFor('the jobs of the killed pilots are stalled', when.orphansStalled, 12 * 3600),
    expectThat('the StalledJobAgent flagged the orphaned jobs', (ctx) => {
      const stalled = ctx.events.filter((e) => e.kind === 'job.stalled').length;
      return {
        passed: stalled >= ctx.orphans.size,
        message: `${stalled} stalled of ${ctx.orphans.size} orphaned`,
      };
    }),
    reschedule('alice', ['Stalled', 'Failed']),
    ...windDown(),
    expectJobs({ Done: 40 }),
    expectInvariants(),
    expectPilotsAccounted(),
  ],
};
