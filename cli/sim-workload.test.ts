import { describe, expect, it } from 'vitest';
import type { DiracxClient } from '../client/index.ts';
import { FIXTURE_REF_DATE } from '../fixtures/index.ts';
import { VirtualClock } from '../sim/index.ts';
import { simulate } from './sim-run.testkit.ts';

// The lhcb-like workload (sim/job-types.ts) end to end: submitted, matched and run.

async function lhcbLikeRun(seed: number) {
  // Every JDL the workload sends, one list per request.
  const requests: string[][] = [];
  const service = (client: DiracxClient) =>
    new Proxy(client, {
      get(client, name) {
        if (name !== 'as') {
          const value = Reflect.get(client, name, client) as unknown;
          return typeof value === 'function' ? value.bind(client) : value;
        }
        return (token: Parameters<typeof client.as>[0]) => {
          const acting = client.as(token);
          return new Proxy(acting, {
            get(inner, method) {
              if (method === 'submitJdl')
                return (jdls: string[]) => {
                  requests.push([...jdls]);
                  return inner.submitJdl(jdls);
                };
              const value = Reflect.get(inner, method, inner) as unknown;
              return typeof value === 'function' ? value.bind(inner) : value;
            },
          });
        };
      },
    });
  let types: string[] = [];
  const { summary } = await simulate({
    seed,
    jobs: 60,
    transport: 'inject',
    clock: new VirtualClock(Date.parse(FIXTURE_REF_DATE)),
    storage: 'memory',
    workload: 'lhcb-like',
    service,
    inspect: async ({ target }) => {
      const vo = target.owners[0]!.vo;
      const rows = await target.service
        .as(target.credentials.admin(vo))
        .searchJobs({ parameters: ['JobID', 'JobType'] }, 1, 1000);
      types = rows.map((row) => String(row.JobType));
    },
  });
  return { summary, requests, types };
}

describe('gridbox sim with the lhcb-like workload', () => {
  it('submits production types as parametric jobs and runs every job to its end, the same way for the same seed', async () => {
    const first = await lhcbLikeRun(5);
    expect(first.summary.jobs.submitted).toBe(60);
    const { Done = 0, Failed = 0, ...others } = first.summary.jobs.by_status;
    expect(others).toEqual({});
    expect(Done + Failed).toBe(60);
    // The small fixtures allow MCSimulation, Merge and User of LHCb's types.
    expect(new Set(first.types)).toContain('MCSimulation');
    for (const type of first.types) expect(['MCSimulation', 'Merge', 'User']).toContain(type);
    // Production jobs go as parametric JDLs, one a request, each job with its own payload.
    const production = first.requests.filter((jdls) => !jdls[0]!.includes('JobType = "User"'));
    expect(production.length).toBeGreaterThan(0);
    for (const jdls of production) {
      expect(jdls).toHaveLength(1);
      expect(jdls[0]).toMatch(
        /Parameters\.args = \{"--work \d+ --output-bytes \d+ --failure-probability 0\.0\d"/,
      );
    }
    for (const jdls of first.requests) expect(jdls.length).toBeLessThanOrEqual(20);

    const again = await lhcbLikeRun(5);
    expect(again.summary.event_log_sha256).toBe(first.summary.event_log_sha256);
  }, 300_000);
});

describe('gridbox sim submitting in process', () => {
  it.each(['uniform', 'lhcb-like'] as const)(
    'lets the event loop turn between requests (%s), so a progress line can be drawn',
    async (workload) => {
      let turned: boolean | undefined;
      let turnedByLastRequest: boolean | undefined;
      await simulate({
        seed: 3,
        jobs: 60,
        transport: 'direct',
        clock: new VirtualClock(Date.parse(FIXTURE_REF_DATE)),
        storage: 'memory',
        workload,
        progress: (phase, done, total) => {
          if (phase !== 'submitted') return;
          if (turned === undefined) {
            turned = false;
            setImmediate(() => (turned = true));
          }
          if (done === total) turnedByLastRequest ??= turned;
        },
      });
      expect(turnedByLastRequest).toBe(true);
    },
  );
});
