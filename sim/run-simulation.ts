import type { SimRunSummary } from '../reports/sim-model.ts';
import { type DiracxClient, type FileCatalog, GridboxFileCatalog } from '../client/index.ts';
import { type Config, createRng } from '../services/core/index.ts';
import { Engine, EventLog, type EventSink, type SimClock } from './engine/index.ts';
import { startStalledJobAgent } from './agents/stalled-jobs.ts';
import { PushAgent } from './factory/push-agent.ts';
import { SiteDirector } from './factory/site-director.ts';
import { gridQueues } from './grid/grid.ts';
import type { StorageElement } from './storage/index.ts';
import { DIRAC_TIMING, type Timing, clockMs } from './timing.ts';
import { type JobOwner, submitWorkload } from './workload.ts';
import {
  type Credentials,
  DEFAULT_FAULTS,
  type Faults,
  type GridControls,
  JobTracker,
  type SimWorld,
  untilJobsEnd,
} from './world.ts';

export interface SimOptions {
  /** The services, through the transport of the run; identities come from `credentials`. */
  service: DiracxClient;
  credentials: Credentials;
  /** The grid: sites, CEs and their queues, SEs (a fixture set's configuration). */
  config: Config;
  owners: readonly JobOwner[];
  storage: ReadonlyMap<string, StorageElement>;
  clock: SimClock;
  seed: number;
  jobs: number;
  /** The jobs' shape (submitWorkload's `workload`); `uniform` unless told. */
  workload?: 'uniform' | 'lhcb-like';
  timing?: Partial<Timing>;
  faults?: Partial<Faults>;
  /** The catalog the pilots use; gridbox's own, through the same client, by default. */
  catalog?: (client: DiracxClient) => FileCatalog;
  /** Receives every event line (a JSONL file). */
  sink?: EventSink;
  /** Called as jobs are submitted, then as they end. */
  progress?: (phase: 'submitted' | 'ended', done: number, total: number) => void;
  /** Model seconds after which the run stops even with jobs unfinished. */
  maxModelS?: number;
  /**
   * Goes into the run's JobGroup and dataset paths, so that runs against a server that
   * outlives them do not collide on files an earlier run registered.
   */
  runTag?: string;
  /**
   * The services serve this run alone: a box of its own without extensions. Pilots of a VO
   * whose jobs have all been matched then do not ask the matcher (see `nothingWaiting`).
   */
  ownsServices?: boolean;
  /** Watches the run (a metrics sampler) without taking part in it. */
  observer?: SimObserver;
}

/**
 * Sees a run without changing it: it may read the world, but records no event, draws no
 * random number and schedules nothing, so the event log is the same with or without it.
 */
export interface SimObserver {
  /** Called with the world before the first job is submitted. */
  attach(world: SimWorld): void;
  /** Called before each event with its instant (clock ms); a promise makes the engine wait. */
  beforeEvent(atMs: number): Promise<void> | undefined;
}

/** What a run did: `gridbox sim --json` prints it, the scaling report shows it. */
export type SimSummary = SimRunSummary;

/** Thrown when a simulated component met something it cannot go on from. */
export class SimulationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimulationError';
  }
}

/**
 * Runs a workload on a simulated grid around a DiracX-compatible server: submits the jobs,
 * then lets the SiteDirector, pilots, push agents and the StalledJobAgent work until every
 * job has ended (or `maxModelS` passes). The result is a function of the inputs and the
 * seed in virtual time: same inputs, same event log, same hash.
 */
export async function runSimulation(options: SimOptions): Promise<SimSummary> {
  const wallStart = performance.now();
  const jobs = new JobTracker();
  const world = createWorld(options, jobs, untilJobsEnd(jobs));
  const startMs = world.engine.now();
  options.observer?.attach(world);
  let failure: unknown;
  const onError = (error: unknown) => {
    failure ??= error;
  };

  const vos = [...new Set(options.owners.map((o) => o.vo))].sort();
  const jobGroup = [`sim-${options.seed}`, ...(options.runTag ?? [])].join('-');
  await submitWorkload(world, {
    jobs: options.jobs,
    owners: options.owners,
    jobGroup,
    ...(options.workload === undefined ? {} : { workload: options.workload }),
    ...(options.progress === undefined
      ? {}
      : { progress: (done: number) => options.progress!('submitted', done, options.jobs) }),
  });
  startGrid(world, vos, jobGroup, onError);

  let lastProgress = 0;
  await world.engine.run({
    ...(options.maxModelS === undefined
      ? {}
      : { untilMs: startMs + clockMs(world.timing, options.maxModelS) }),
    done: () => failure !== undefined || world.jobs.open === 0,
    ...(options.observer === undefined
      ? {}
      : { beforeEvent: (atMs: number) => options.observer!.beforeEvent(atMs) }),
    onEvent: () => {
      const done = world.jobs.total - world.jobs.open;
      if (options.progress !== undefined && done !== lastProgress) {
        lastProgress = done;
        options.progress('ended', done, world.jobs.total);
      }
    },
  });
  if (failure !== undefined)
    throw new SimulationError(
      `the simulation stopped: ${failure instanceof Error ? failure.message : String(failure)}`,
      { cause: failure },
    );

  const wallS = (performance.now() - wallStart) / 1000;
  return {
    seed: options.seed,
    clock: options.clock.kind,
    transport: options.service.transport.name,
    jobs: { submitted: world.jobs.total, by_status: world.jobs.byStatus() },
    pilots: world.counters.pilots,
    transfers: { count: world.counters.transfers, bytes: world.counters.transferBytes },
    events: { total: world.log.total, by_kind: world.log.counts() },
    event_log_sha256: world.log.hash(),
    model_s: Math.round(((world.engine.now() - startMs) * world.timing.speedup) / 1000),
    wall_s: Math.round(wallS * 10) / 10,
    events_per_s: Math.round(world.log.total / Math.max(wallS, 1e-3)),
  };
}

/** What a world is made of; `runSimulation` and scenarios build theirs from it. */
export type WorldOptions = Pick<
  SimOptions,
  | 'service'
  | 'credentials'
  | 'config'
  | 'storage'
  | 'clock'
  | 'seed'
  | 'timing'
  | 'faults'
  | 'catalog'
  | 'sink'
  | 'runTag'
  | 'ownsServices'
>;

/** The shared state of a simulated grid: engine and event log on the run's clock and seed. */
export function createWorld(
  options: WorldOptions,
  jobs: JobTracker,
  controls: GridControls,
): SimWorld {
  const engine = new Engine(options.clock);
  return {
    engine,
    log: new EventLog(engine.now(), options.sink),
    timing: { ...DIRAC_TIMING, ...options.timing },
    config: options.config,
    // A run tag forks other pilot stamps and references too, which a long-lived server
    // would otherwise refuse as already registered.
    rng: createRng(options.seed).fork(
      options.runTag === undefined ? 'sim' : `sim/${options.runTag}`,
    ),
    service: options.service,
    catalog: options.catalog ?? ((client) => new GridboxFileCatalog(client)),
    credentials: options.credentials,
    storage: options.storage,
    faults: { ...DEFAULT_FAULTS, ...options.faults },
    jobs,
    controls,
    counters: { pilots: 0, transfers: 0, transferBytes: 0 },
    ownsServices: options.ownsServices ?? false,
  };
}

/**
 * Starts the grid's agents: the SiteDirector, a push agent per push-mode queue and VO, and
 * the StalledJobAgent over the jobs of `jobGroup`. They run while `world.controls.active()`.
 */
export function startGrid(
  world: SimWorld,
  vos: readonly string[],
  jobGroup: string,
  onError: (error: unknown) => void,
): void {
  const queues = gridQueues(world.config, world.rng.fork('grid'));
  new SiteDirector(world, queues, vos).start(onError);
  for (const queue of queues.filter((q) => q.flavour.push))
    for (const vo of vos) new PushAgent(world, queue, vo).start(onError);
  startStalledJobAgent(world, vos, jobGroup, onError);
}
