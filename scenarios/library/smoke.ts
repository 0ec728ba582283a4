import type { Scenario } from '../model.ts';
import {
  expectInvariants,
  expectJobs,
  expectOutputsRegistered,
  expectPilotsAccounted,
  login,
  startGrid,
  submit,
  uploadDataset,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const smoke: Scenario = {
  name: 'smoke',
  description:
    'The grid in a box end to end: a user logs in and submits every kind of job; the SiteDirector registers and starts pilots, which match and run them, read input data and upload outputs to storage elements and the catalog.',
  steps: [
    login('alice'),
    uploadDataset('alice', 10),
    submit('alice', 12, { template: 'plain' }),
    submit('alice', 10, { template: 'parametric', parameters: 5 }),
    submit('alice', 6, { template: 'input-data' }),
    submit('alice', 3, { template: 'multi-processor' }),
    submit('alice', 2, { template: 'tagged' }),
    startGrid(),
    ...windDown(),
    expectJobs({ Done: 33, Failed: 0 }),
    expectInvariants(),
    expectOutputsRegistered(1),
    expectPilotsAccounted(),
  ],
};
