import type { Scenario } from '../model.ts';
import {
  expectInvariants,
  expectIsolation,
  expectJobs,
  expectOutputsRegistered,
  login,
  startGrid,
  submit,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const multiVoIsolation: Scenario = {
  name: 'multi-vo-isolation',
  description:
    'Users of two VOs share the grid. Each VO’s jobs run and finish, and neither the users nor their VO administrators can see, change or download anything of the other VO.',
  steps: [
    login('alice', { vo: 0 }),
    login('bob', { vo: 1 }),
    submit('alice', 20),
    submit('bob', 20),
    startGrid(),
    ...windDown(),
    expectJobs({ Done: 'all' }),
    expectInvariants(),
    expectOutputsRegistered(1),
    expectIsolation('alice', 'bob'),
    expectIsolation('bob', 'alice'),
  ],
};
