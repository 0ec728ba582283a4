import { type DiracxClient, DiracxHttpError } from '../../client/index.ts';
import type { ResourceDescriptionBody } from '../../services/core/index.ts';
import type { ProcessContext } from '../engine/index.ts';
import type { SimQueue } from '../grid/grid.ts';
import { clockMs } from '../timing.ts';
import { type LivePilot, type SimWorld, crossNetwork, nothingWaiting, record } from '../world.ts';
import { runPayload } from './payload.ts';

export type PilotStatus = 'Submitted' | 'Waiting' | 'Running' | 'Done' | 'Failed' | 'Aborted';

/** A pilot as its SiteDirector knows it. */
export interface Pilot extends LivePilot {
  readonly secret: string;
  readonly reference: string;
  readonly queue: SimQueue;
  status: PilotStatus;
  jobs: number;
}

/** A client acting as the pilot, trading its secret for a new token before the last expires. */
export async function pilotClient(
  world: SimWorld,
  pilot: Pick<Pilot, 'stamp' | 'secret'>,
): Promise<DiracxClient> {
  let token = '';
  let renewAtMs = -Infinity;
  const renew = async () => {
    const issued = await world.service.pilotToken(pilot.stamp, pilot.secret);
    token = issued.access_token;
    // The server's clock is the simulation's: expires_in is in clock seconds.
    renewAtMs = world.engine.now() + issued.expires_in * 800;
  };
  await renew();
  return world.service.as(async () => {
    if (world.engine.now() >= renewAtMs) await renew();
    return token;
  });
}

const KILLED = { status: 'Aborted', reason: 'Killed by the batch system' } as const;

/**
 * A pilot's life on a worker node once the batch system starts it: DIRAC's JobAgent loop.
 * It asks the matcher with the slot's description, runs what it gets, and asks again
 * while enough CPU time is left; it gives up after repeated empty answers. Returns the
 * status the batch system will report for it.
 */
export async function runJobAgent(
  ctx: ProcessContext,
  world: SimWorld,
  pilot: Pilot,
): Promise<{ status: PilotStatus; reason: string }> {
  const { queue } = pilot;
  const { timing } = world;
  const wallEndMs = ctx.now() + clockMs(timing, queue.wallLimitS);
  const rng = world.rng.fork(`pilot/${pilot.stamp}`);
  const client = await pilotClient(world, pilot);
  const slot = { queue, wallEndMs, runner: pilot.stamp, killed: () => pilot.killed };
  let failedMatches = 0;
  for (;;) {
    if (pilot.killed) return KILLED;
    if (!timing.fillingMode && pilot.jobs > 0)
      return { status: 'Done', reason: 'Filling mode is off' };
    const leftS = ((wallEndMs - ctx.now()) * timing.speedup) / 1000;
    const cpuLeft = Math.floor(leftS * queue.cpuPower);
    if (cpuLeft <= timing.minimumTimeLeft)
      return { status: 'Done', reason: 'Not enough time left' };
    await crossNetwork(world, ctx);
    if (pilot.killed) return KILLED;
    const job = nothingWaiting(world, pilot.vo)
      ? undefined
      : await client.match(describeSlot(queue, pilot.vo, cpuLeft, pilot.stamp));
    if (job === undefined) {
      failedMatches++;
      record(world, 'pilot.no-match', { pilot: pilot.stamp, attempt: failedMatches });
      if (failedMatches > timing.stopAfterFailedMatches)
        return { status: 'Done', reason: 'No matching job' };
      await ctx.sleep(clockMs(timing, timing.pollingS * (failedMatches + 1) * 2));
      continue;
    }
    failedMatches = 0;
    world.jobs.matched(job.VO);
    pilot.jobs++;
    record(world, 'job.matched', { job: job.JobID, pilot: pilot.stamp, queue: queue.id });
    try {
      const end = await runPayload(ctx, world, client, slot, job, rng.fork(String(job.JobID)));
      if (end === 'lost') return { status: 'Aborted', reason: queue.flavour.abortReason };
    } catch (error) {
      // A refused call ends this job's wrapper, not the simulation: DIRAC's JobAgent
      // stops on a payload error (StopOnApplicationFailure).
      if (!(error instanceof DiracxHttpError)) throw error;
      record(world, 'fault.api', { job: job.JobID, status: error.status, what: error.message });
      return { status: 'Failed', reason: 'Payload error' };
    }
  }
}

/** The JobAgent's resource description for the slot (reference §4.4). */
export function describeSlot(
  queue: SimQueue,
  vo: string,
  cpuLeft: number,
  pilotStamp?: string,
): ResourceDescriptionBody {
  return {
    VO: vo,
    Site: queue.site,
    GridCE: queue.ce,
    Queue: queue.queue,
    Platform: queue.platforms,
    Tag: [...queue.ceConfig.Tag, ...queue.config.Tag],
    RequiredTag: [...queue.ceConfig.RequiredTag, ...queue.config.RequiredTag],
    CPUTime: cpuLeft,
    NumberOfProcessors: queue.config.NumberOfProcessors,
    MaxRAM: queue.config.MaxRAM,
    ...(pilotStamp === undefined ? {} : { PilotStamp: pilotStamp }),
  };
}
