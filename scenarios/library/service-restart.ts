import type { Scenario } from '../model.ts';
import {
  advance,
  expectInvariants,
  expectJobs,
  expectPilotsAccounted,
  login,
  restartService,
  startGrid,
  submit,
  waitFor,
  when,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const serviceRestart: Scenario = {
  name: 'service-restart',
  description:
    'The services stop and start again on their file database in the middle of a run. Nothing they acknowledged is lost (submissions, status reports), and the pilots carry on with the same tokens.',
  steps: [
    login('alice'),
    submit('alice', 60, { shape: { runS: [1800, 5400] } }),
    startGrid(),
    waitFor('20 jobs are running', when.inStatus('Running', 20), 6 * 3600),
    restartService(),
    advance(1800),
    submit('alice', 20),
    restartService(),
    ...windDown(),
    expectJobs({ Done: 80 }),
    expectInvariants(),
    expectPilotsAccounted(),
  ],
};
