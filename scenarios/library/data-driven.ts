import type { Scenario } from '../model.ts';
import {
  advance,
  expectInvariants,
  expectJobs,
  expectOutputsRegistered,
  expectThat,
  login,
  seOutage,
  seRestore,
  startGrid,
  submit,
  uploadDataset,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const dataDriven: Scenario = {
  name: 'data-driven',
  description:
    'Jobs read input data replicated on two disk SEs and write outputs. The busiest site’s SE goes down for two hours: reads fall back to the other replica, uploads are retried on another SE of the group, and every output ends up registered where it is stored.',
  steps: [
    login('alice'),
    uploadDataset('alice', 30, 2),
    submit('alice', 60, { template: 'input-data', shape: { runS: [600, 2400] } }),
    startGrid(),
    advance(1200),
    seOutage('busiest'),
    advance(7200),
    seRestore(),
    ...windDown(),
    expectThat('uploads that met the outage were retried on another SE', (ctx) => {
      const se = ctx.memo.get('se-down');
      const refused = ctx.events.filter(
        (e) => e.kind === 'fault.transfer' && e.se === se && e.reason === 'Unavailable',
      );
      const retried = refused.filter((r) =>
        ctx.events.some(
          (e) => e.kind === 'catalog.register' && e.job === r.job && e.lfn === r.lfn && e.se !== se,
        ),
      );
      return {
        passed: refused.length > 0 && retried.length === refused.length,
        message: `${refused.length} transfers refused by ${se}, ${retried.length} of them stored elsewhere`,
      };
    }),
    expectJobs({ Done: 60 }),
    expectInvariants(),
    expectOutputsRegistered(1),
  ],
};
