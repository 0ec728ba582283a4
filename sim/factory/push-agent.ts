import { DiracxHttpError } from '../../client/index.ts';
import { type ProcessContext, spawn } from '../engine/index.ts';
import { hex } from '../grid/ce-flavour.ts';
import { type SimQueue, queueCpu } from '../grid/grid.ts';
import { describeSlot, pilotClient } from '../pilot/job-agent.ts';
import { runPayload } from '../pilot/payload.ts';
import { clockMs } from '../timing.ts';
import { type SimWorld, nothingWaiting, record } from '../world.ts';

/**
 * DIRAC's PushJobAgent for an HPC queue whose worker nodes cannot reach the services: the
 * agent, outside, matches jobs for the queue's slots and submits each payload to the batch
 * system itself; it is registered as one pilot, and every job it takes is mapped to it.
 */
export class PushAgent {
  readonly #world: SimWorld;
  readonly #queue: SimQueue;
  readonly #vo: string;
  #running = 0;

  constructor(world: SimWorld, queue: SimQueue, vo: string) {
    this.#world = world;
    this.#queue = queue;
    this.#vo = vo;
  }

  start(onError: (error: unknown) => void): void {
    spawn(this.#world.engine, (ctx) => this.#loop(ctx, onError), onError);
  }

  async #loop(ctx: ProcessContext, onError: (error: unknown) => void): Promise<void> {
    const world = this.#world;
    const queue = this.#queue;
    const rng = world.rng.fork(`push/${queue.id}/${this.#vo}`);
    const stamp = hex(rng, 32);
    const admin = world.service.as(world.credentials.admin(this.#vo));
    const { pilot_secret } = await admin.registerPilot({
      pilot_stamp: stamp,
      vo: this.#vo,
      grid_type: queue.flavour.name,
      grid_site: queue.site,
      destination_site: queue.ce,
      pilot_reference: `push://${queue.ce}/${queue.queue}/${this.#vo}`,
      pilot_status: 'Running',
    });
    world.counters.pilots++;
    record(world, 'push.start', { pilot: stamp, queue: queue.id });
    const client = await pilotClient(world, { stamp, secret: pilot_secret });
    while (world.controls.active()) {
      let free = Math.min(queue.config.MaxTotalJobs - this.#running, 100);
      while (free-- > 0) {
        if (nothingWaiting(world, this.#vo)) break;
        const job = await client.match(describeSlot(queue, this.#vo, queueCpu(queue), stamp));
        if (job === undefined) break;
        world.jobs.matched(job.VO);
        this.#running++;
        record(world, 'job.matched', { job: job.JobID, pilot: stamp, queue: queue.id });
        const latencyS = queue.ceConfig.Simulation.SubmissionLatencyS * (0.5 + rng.next());
        spawn(
          world.engine,
          async (jobCtx) => {
            const slot = {
              queue,
              wallEndMs: jobCtx.now() + clockMs(world.timing, queue.wallLimitS),
              runner: stamp,
            };
            try {
              await runPayload(jobCtx, world, client, slot, job, rng.fork(String(job.JobID)));
            } catch (error) {
              if (!(error instanceof DiracxHttpError)) throw error;
              record(world, 'fault.api', {
                job: job.JobID,
                status: error.status,
                what: error.message,
              });
            } finally {
              this.#running--;
            }
          },
          onError,
          clockMs(world.timing, latencyS),
        );
      }
      await ctx.sleep(clockMs(world.timing, world.timing.factoryCycleS));
    }
    await admin.updatePilots({ [stamp]: { Status: 'Done', StatusReason: 'No more jobs' } });
    record(world, 'push.end', { pilot: stamp });
  }
}
