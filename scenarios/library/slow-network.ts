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

/** Model seconds each call from a worker node waits while the network is slow. */
const DELAY_S = 600;

export const slowNetworkScenario: Scenario = {
  name: 'slow-network',
  description:
    'For three hours every call from a worker node to the services takes ten minutes longer. Jobs matched meanwhile start late, heartbeats arrive late but within the StalledJobAgent’s margin: no job is flagged Stalled and all finish.',
  steps: [
    login('alice'),
    submit('alice', 40, { shape: { runS: [1800, 5400] } }),
    startGrid(),
    advance(1800),
    slowNetwork(DELAY_S),
    submit('alice', 10, { shape: { runS: [1800, 5400] } }),
    advance(3 * 3600),
    healNetwork(),
    ...windDown(),
    expectThat('jobs matched over the slow network waited for it', (ctx) => {
      // Between the match and the report of Running, the pilot makes one call: while the
      // network is slow it waits DELAY_S first, otherwise it answers at once.
      const fault = ctx.faults.find((f) => f.kind === 'slow-network')!;
      const toS = (t: number) => (t * ctx.world.timing.speedup) / 1000;
      const matchedAt = new Map<number, number>();
      const slow: number[] = [];
      const fast: number[] = [];
      for (const e of ctx.events) {
        if (typeof e.job !== 'number') continue;
        if (e.kind === 'job.matched') matchedAt.set(e.job, toS(e.t));
        const at = matchedAt.get(e.job);
        if (e.kind !== 'job.running' || at === undefined) continue;
        const endS = fault.end_s ?? Infinity;
        // Matches at the fault's edges may go either way; they are left out.
        if (at > fault.start_s && at < endS - DELAY_S) slow.push(toS(e.t) - at);
        else if (at < fault.start_s || at > endS) fast.push(toS(e.t) - at);
      }
      const late = slow.filter((gap) => gap >= DELAY_S).length;
      const prompt = fast.filter((gap) => gap < DELAY_S).length;
      return {
        passed: slow.length > 0 && late === slow.length && prompt === fast.length,
        message: `${late} of ${slow.length} jobs matched while slow started ${DELAY_S} s or more later; ${prompt} of ${fast.length} others started sooner`,
      };
    }),
    expectThat('no job was flagged Stalled', (ctx) => {
      const stalled = ctx.events.filter((e) => e.kind === 'job.stalled').length;
      return { passed: stalled === 0, message: `${stalled} jobs stalled` };
    }),
    expectJobs({ Done: 50 }),
    expectInvariants(),
  ],
};
