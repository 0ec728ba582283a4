import type { DiracxClient } from '../../client/index.ts';
import type { SearchParams } from '../../services/core/index.ts';
import { spawn } from '../engine/index.ts';
import { clockMs } from '../timing.ts';
import { type SimWorld, isoAt, record } from '../world.ts';

const PAGE = 1000;

/**
 * DIRAC's StalledJobAgent, as an administrator does it through the API: a Running job
 * with no heartbeat for `stalledAfterS` becomes Stalled, and a Stalled one silent for
 * `failedAfterS` becomes Failed. Only this run's jobs (its JobGroup) are touched, so a
 * run against a shared server leaves other people's jobs alone.
 */
export function startStalledJobAgent(
  world: SimWorld,
  vos: readonly string[],
  jobGroup: string,
  onError: (error: unknown) => void,
): void {
  const { timing } = world;
  spawn(
    world.engine,
    async (ctx) => {
      while (world.controls.active()) {
        await ctx.sleep(clockMs(timing, timing.stalledPollS));
        for (const vo of [...vos].sort()) {
          const admin = world.service.as(world.credentials.admin(vo));
          const silentSince = (s: number) => isoAt(ctx.now() - clockMs(timing, s));
          for (const id of await find(
            admin,
            vo,
            jobGroup,
            'Running',
            silentSince(timing.stalledAfterS),
          )) {
            await admin.setJobStatuses({
              [id]: { [isoAt(ctx.now())]: { Status: 'Stalled', Source: 'StalledJobAgent' } },
            });
            record(world, 'job.stalled', { job: id });
          }
          for (const id of await find(
            admin,
            vo,
            jobGroup,
            'Stalled',
            silentSince(timing.failedAfterS),
          )) {
            await admin.setJobStatuses({
              [id]: {
                [isoAt(ctx.now())]: {
                  Status: 'Failed',
                  MinorStatus: `Stalling for more than ${timing.failedAfterS} sec`,
                  Source: 'StalledJobAgent',
                },
              },
            });
            record(world, 'job.failed', { job: id, minor: 'Stalled' });
            world.jobs.ended(id, 'Failed');
          }
        }
      }
    },
    onError,
  );
}

async function find(
  admin: DiracxClient,
  vo: string,
  jobGroup: string,
  status: string,
  heartbeatBefore: string,
): Promise<number[]> {
  const params: SearchParams = {
    parameters: ['JobID'],
    search: [
      { parameter: 'VO', operator: 'eq', value: vo },
      { parameter: 'JobGroup', operator: 'eq', value: jobGroup },
      { parameter: 'Status', operator: 'eq', value: status },
      { parameter: 'HeartBeatTime', operator: 'lt', value: heartbeatBefore },
    ],
    sort: [{ parameter: 'JobID', direction: 'asc' }],
  };
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const rows = await admin.searchJobs(params, page, PAGE);
    ids.push(...rows.map((row) => Number(row.JobID)));
    if (rows.length < PAGE) return ids;
  }
}
