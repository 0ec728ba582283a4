import type { Scenario } from '../model.ts';
import {
  expectInvariants,
  expectJobs,
  expectPilotsAccounted,
  login,
  startGrid,
  submit,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const parametricBulk: Scenario = {
  name: 'parametric-bulk',
  description:
    'Two users of one VO submit 300 jobs as parametric JDLs of 20 (DiracX’s limit per request); the grid drains them all, each job matched once.',
  steps: [
    login('alice'),
    login('bob', { index: 1 }),
    submit('alice', 200, { template: 'parametric', parameters: 20, shape: { runS: [300, 1800] } }),
    submit('bob', 100, { template: 'parametric', parameters: 20, shape: { runS: [300, 1800] } }),
    startGrid(),
    ...windDown(),
    expectJobs({ Done: 300 }),
    expectInvariants(),
    expectPilotsAccounted(),
  ],
};
