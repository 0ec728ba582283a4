import type { DiracxClient, PilotUpdate } from '../../client/index.ts';
import type { ResourceDescriptionBody, Rng } from '../../services/core/index.ts';
import { type ProcessContext, spawn } from '../engine/index.ts';
import { hex } from '../grid/ce-flavour.ts';
import { type SimQueue, queueCpu } from '../grid/grid.ts';
import { type Pilot, type PilotStatus, describeSlot, runJobAgent } from '../pilot/job-agent.ts';
import { clockMs } from '../timing.ts';
import { type SimWorld, record } from '../world.ts';
import { DemandProbe } from './demand.ts';

/** Pilot status changes per request: thousands change in one cycle of a large grid. */
const STATUS_BATCH = 1000;

interface QueueState {
  readonly queue: SimQueue;
  /** Pilots queued in the batch system, by VO. */
  readonly waitingByVo: Map<string, number>;
  waiting: number;
  running: number;
  submitted: number;
}

/**
 * DIRAC's SiteDirector for every VO: each cycle it reads the site mask, then keeps each
 * queue supplied with pilots in proportion to the waiting jobs that could run there, up to
 * the queue's MaxWaitingJobs/MaxTotalJobs, registers them through the pilots API, and
 * reports their statuses as the batch systems tell them (one bulk update per cycle).
 * Push-mode CEs get no pilots: their jobs go through a PushAgent.
 */
export class SiteDirector {
  readonly #world: SimWorld;
  readonly #queues: QueueState[];
  readonly #vos: string[];
  readonly #demand = new DemandProbe();
  readonly #slots = new Map<QueueState, Map<string, ResourceDescriptionBody>>();
  readonly #rng: Rng;
  /** Status changes not yet reported, per VO, by stamp. */
  readonly #pending = new Map<string, Map<string, PilotUpdate>>();
  constructor(world: SimWorld, queues: readonly SimQueue[], vos: readonly string[]) {
    this.#world = world;
    this.#queues = queues
      .filter((q) => !q.flavour.push)
      .map((queue) => ({ queue, waitingByVo: new Map(), waiting: 0, running: 0, submitted: 0 }));
    this.#vos = [...vos].sort();
    this.#rng = world.rng.fork('site-director');
  }

  start(onError: (error: unknown) => void): void {
    spawn(this.#world.engine, (ctx) => this.#loop(ctx, onError), onError);
  }

  async #loop(ctx: ProcessContext, onError: (error: unknown) => void): Promise<void> {
    const { timing } = this.#world;
    while (this.#world.controls.active()) {
      await this.#cycle(onError);
      await ctx.sleep(clockMs(timing, timing.factoryCycleS));
    }
    await this.#flush();
  }

  async #cycle(onError: (error: unknown) => void): Promise<void> {
    const world = this.#world;
    await this.#flush();
    for (const vo of this.#vos) {
      const admin = world.service.as(world.credentials.admin(vo));
      const mask = await admin.request<Record<string, { all: { allowed: boolean } }>>(
        'Reading the site mask',
        'GET',
        '/api/rss/site',
      );
      const slotsLeft = (state: QueueState) =>
        Math.min(
          state.queue.config.MaxWaitingJobs - state.waiting,
          state.queue.config.MaxTotalJobs - state.waiting - state.running,
        );
      // The queues this cycle may book pilots of: those with pilots still queued in their
      // batch systems, and those it may send new pilots to.
      const asked = new Map<QueueState, ResourceDescriptionBody>();
      for (const state of this.#queues)
        if (
          (state.waitingByVo.get(vo) ?? 0) > 0 ||
          (mask[state.queue.site]?.all.allowed !== false &&
            slotsLeft(state) > 0 &&
            !world.controls.downCes.has(state.queue.ce))
        )
          asked.set(state, this.#slot(state, vo));
      const demands = asked.size === 0 ? new Map() : await this.#demand.cycle(admin, vo, asked);
      const demandOf = (state: QueueState) => demands.get(state)!;
      // Pilots still queued in batch systems will take jobs too: they are booked first.
      for (const state of this.#queues) {
        const queued = state.waitingByVo.get(vo) ?? 0;
        if (queued > 0) demandOf(state).take(queued);
      }
      const down = new Set<string>();
      // As DIRAC's SiteDirector does, queues are visited in a new random order each cycle,
      // so that the first ones in the configuration do not take every job.
      for (const state of this.#shuffled()) {
        const { queue } = state;
        if (mask[queue.site]?.all.allowed === false) continue;
        const slots = slotsLeft(state);
        if (slots <= 0) continue;
        if (down.has(queue.ce)) continue;
        if (world.controls.downCes.has(queue.ce)) {
          down.add(queue.ce);
          record(world, 'fault.ce-down', { ce: queue.ce, vo, reason: 'outage' });
          continue;
        }
        const jobs = demandOf(state);
        const count = Math.min(world.timing.maxPilotsToSubmit, slots, jobs.jobs);
        if (count <= 0) continue;
        // A submission that meets the CE down fails, and the queue waits for the next cycle.
        if (this.#rng.next() < queue.ceConfig.Simulation.DownProbability) {
          down.add(queue.ce);
          record(world, 'fault.ce-down', { ce: queue.ce, vo });
          continue;
        }
        jobs.take(count);
        for (let i = 0; i < count; i++) await this.#submit(admin, state, vo, onError);
      }
    }
  }

  async #submit(
    admin: DiracxClient,
    state: QueueState,
    vo: string,
    onError: (error: unknown) => void,
  ): Promise<void> {
    const world = this.#world;
    const { queue } = state;
    const stamp = hex(this.#rng, 32);
    const reference = queue.flavour.reference(queue.ce, state.submitted++, this.#rng);
    const { pilot_secret } = await admin.registerPilot({
      pilot_stamp: stamp,
      vo,
      grid_type: queue.flavour.name,
      grid_site: queue.site,
      destination_site: queue.ce,
      pilot_reference: reference,
      pilot_status: 'Submitted',
    });
    const pilot: Pilot = {
      stamp,
      secret: pilot_secret,
      reference,
      queue,
      site: queue.site,
      ce: queue.ce,
      vo,
      status: 'Submitted',
      jobs: 0,
      killed: false,
    };
    world.controls.pilots.set(stamp, pilot);
    world.counters.pilots++;
    state.waiting++;
    state.waitingByVo.set(vo, (state.waitingByVo.get(vo) ?? 0) + 1);
    record(world, 'pilot.submitted', { pilot: stamp, queue: queue.id, reference });
    const latencyS =
      queue.ceConfig.Simulation.SubmissionLatencyS * (0.5 + this.#rng.next()) + queue.flavour.bootS;
    const aborts = this.#rng.next() < queue.ceConfig.Simulation.PilotFailureProbability;
    spawn(
      world.engine,
      async (pilotCtx) => {
        state.waiting--;
        state.waitingByVo.set(vo, state.waitingByVo.get(vo)! - 1);
        if (aborts || pilot.killed) {
          world.controls.pilots.delete(stamp);
          record(world, 'fault.pilot-aborted', {
            pilot: stamp,
            state: queue.flavour.states.aborted,
          });
          this.#report(pilot, 'Aborted', queue.flavour.abortReason);
          return;
        }
        state.running++;
        record(world, 'pilot.start', {
          pilot: stamp,
          site: queue.site,
          state: queue.flavour.states.running,
        });
        this.#report(pilot, 'Running', '');
        const end = await runJobAgent(pilotCtx, world, pilot);
        state.running--;
        world.controls.pilots.delete(stamp);
        record(world, 'pilot.end', { pilot: stamp, status: end.status, jobs: pilot.jobs });
        this.#report(pilot, end.status, end.reason);
      },
      onError,
      clockMs(world.timing, latencyS),
    );
  }

  /** The slot a queue offers a VO's pilots, as the matcher is asked about it. */
  #slot(state: QueueState, vo: string): ResourceDescriptionBody {
    let byVo = this.#slots.get(state);
    if (byVo === undefined) this.#slots.set(state, (byVo = new Map()));
    let slot = byVo.get(vo);
    if (slot === undefined)
      byVo.set(vo, (slot = describeSlot(state.queue, vo, queueCpu(state.queue))));
    return slot;
  }

  #shuffled(): QueueState[] {
    return this.#queues
      .map((state) => ({ state, key: this.#rng.next() }))
      .sort((a, b) => a.key - b.key)
      .map(({ state }) => state);
  }

  #report(pilot: Pilot, status: PilotStatus, reason: string): void {
    pilot.status = status;
    const byStamp = this.#pending.get(pilot.vo) ?? new Map<string, PilotUpdate>();
    byStamp.set(pilot.stamp, { Status: status, StatusReason: reason });
    this.#pending.set(pilot.vo, byStamp);
  }

  /** Reports the status changes of the last cycle, in one call per VO. */
  async #flush(): Promise<void> {
    for (const [vo, byStamp] of [...this.#pending].sort(([a], [b]) => (a < b ? -1 : 1))) {
      this.#pending.delete(vo);
      if (byStamp.size === 0) continue;
      const admin = this.#world.service.as(this.#world.credentials.admin(vo));
      const updates = [...byStamp];
      for (let first = 0; first < updates.length; first += STATUS_BATCH)
        await admin.updatePilots(Object.fromEntries(updates.slice(first, first + STATUS_BATCH)));
    }
  }
}
