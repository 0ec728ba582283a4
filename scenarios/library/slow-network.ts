import type { Scenario } from '../model.ts';
import {
  advance,
  expectInvariants,
  expectJobs,
  expectThat,
  healNetwork,
  login,
  slowNetwork,
  startGrid,
  submit,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const slowNetworkScenario: Scenario = {
  name: 'slow-network',
  description:
    'For three hours every call from a worker node to the services takes ten minutes longer. Heartbeats arrive late but within the StalledJobAgent’s margin: no job is flagged Stalled and all finish.',
  steps: [
    login('alice'),
    submit('alice', 40, { shape: { runS: [1800, 5400] } }),
    startGrid(),
    advance(1800),
    slowNetwork(600),
    advance(3 * 3600),
    healNetwork(),
    ...windDown(),
    expectThat('no job was flagged Stalled', (ctx) => {
      const stalled = ctx.events.filter((e) => e.kind === 'job.stalled').length;
      return { passed: stalled === 0, message: `${stalled} jobs stalled` };
    }),
    expectJobs({ Done: 40 }),
    expectInvariants(),
  ],
};
