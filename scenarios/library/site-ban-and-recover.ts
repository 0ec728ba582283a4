import type { Scenario } from '../model.ts';
import type { ScenarioContext } from '../context.ts';
import {
  advance,
  banSite,
  ceDown,
  ceUp,
  expectInvariants,
  expectJobs,
  expectThat,
  login,
  startGrid,
  submit,
  unbanSite,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

function startsAt(ctx: ScenarioContext, site: string, fromS: number, toS: number): number {
  const speedup = ctx.world.timing.speedup;
  return ctx.events.filter((e) => {
    const s = (e.t * speedup) / 1000;
    return e.kind === 'job.running' && e.site === site && s > fromS && s < toS;
  }).length;
}

export const siteBanAndRecover: Scenario = {
  name: 'site-ban-and-recover',
  description:
    'The busiest site is banned in the site mask mid-run, then allowed again; meanwhile another site’s CEs are down for an hour, and more jobs arrive. No job starts at the banned site during the ban, no pilot goes to the CEs that are down, the work moves elsewhere, and the site takes jobs again once allowed.',
  steps: [
    login('alice'),
    submit('alice', 120, { shape: { runS: [1200, 3600] } }),
    startGrid(),
    advance(1800),
    banSite('busiest'),
    expectThat('the banned site still had running pilots', (ctx) => ({
      passed: [...ctx.world.controls.pilots.values()].some(
        (p) => p.site === ctx.memo.get('banned-site'),
      ),
      message: `site ${ctx.memo.get('banned-site')}`,
    })),
    ceDown(0),
    // Work arrives while both faults hold: it must go elsewhere.
    submit('alice', 40, { shape: { runS: [1200, 3600] } }),
    advance(3600),
    ceUp(),
    advance(1800),
    expectThat('no pilot went to the CEs while they were down', (ctx) => {
      const outage = ctx.faults.find((f) => f.kind === 'ce-down')!;
      const toS = (t: number) => (t * ctx.world.timing.speedup) / 1000;
      const toSite = ctx.events.filter(
        (e) => e.kind === 'pilot.submitted' && String(e.queue).startsWith(`${outage.target}/`),
      );
      const during = toSite.filter(
        (e) => toS(e.t) >= outage.start_s && toS(e.t) < (outage.end_s ?? Infinity),
      ).length;
      // The SiteDirector still visited the site's queues meanwhile, and found the CEs down.
      const refused = ctx.events.filter(
        (e) => e.kind === 'fault.ce-down' && e.reason === 'outage',
      ).length;
      return {
        passed: during === 0 && refused > 0,
        message: `${during} pilots submitted to ${outage.target} while down; ${refused} times the SiteDirector found its CEs down`,
      };
    }),
    expectThat('no job started at the banned site during the ban', (ctx) => {
      const ban = ctx.faults.find((f) => f.kind === 'site-ban')!;
      const site = ban.target;
      const during = startsAt(ctx, site, ban.start_s, Infinity);
      return {
        passed: during === 0,
        message: `${during} jobs started at ${site} since ${ban.start_s} s`,
      };
    }),
    submit('alice', 60, { shape: { runS: [1200, 3600] } }),
    unbanSite(),
    ...windDown(),
    expectThat('the site took jobs again once allowed', (ctx) => {
      const ban = ctx.faults.find((f) => f.kind === 'site-ban')!;
      const after = startsAt(ctx, ban.target, ban.end_s ?? Infinity, Infinity);
      return { passed: after > 0, message: `${after} jobs started at ${ban.target} after the ban` };
    }),
    expectJobs({ Done: 220 }),
    expectInvariants(),
  ],
};
