import type { DiracxClient, FileCatalog, TokenSource } from '../client/index.ts';
import type { Config, Rng } from '../services/core/index.ts';
import type { Engine, EventFields, EventLog } from './engine/index.ts';
import type { StorageElement } from './storage/index.ts';
import type { Timing } from './timing.ts';

/** Where tokens come from: minted by an embedded box, or a person's login against a real server. */
export interface Credentials {
  /** A user of the VO in one of their groups: submits jobs, uploads sandboxes. */
  user(vo: string, username: string, group: string): TokenSource;
  /** An administrator of the VO: the SiteDirector's and StalledJobAgent's identity. */
  admin(vo: string): TokenSource;
}

/** Probabilities of what goes wrong on worker nodes, beyond each CE's and SE's own. */
export interface Faults {
  /** The payload fails (non-zero exit), unless its JDL gives its own chance (lhcb-like jobs). */
  payloadFailure: number;
  /** The worker node dies during a job: no more heartbeats, the job stalls. */
  nodeCrash: number;
}

export const DEFAULT_FAULTS: Faults = { payloadFailure: 0.02, nodeCrash: 0.005 };

/** The jobs of this run and how they ended; the run is over when every one has. */
export class JobTracker {
  readonly #open = new Set<number>();
  readonly #final = new Map<string, number>();
  readonly #endedAs = new Map<number, string>();
  /** Jobs submitted and not matched yet, per VO: an upper bound of those waiting. */
  readonly #unmatched = new Map<string, number>();
  #submitted = 0;

  submitted(jobId: number, vo?: string): void {
    this.#open.add(jobId);
    this.#submitted++;
    if (vo !== undefined) this.#unmatched.set(vo, (this.#unmatched.get(vo) ?? 0) + 1);
  }

  /** A pilot or push agent of `vo` got a job from the matcher. */
  matched(vo: string): void {
    const left = this.#unmatched.get(vo);
    if (left !== undefined && left > 0) this.#unmatched.set(vo, left - 1);
  }

  /** This run's jobs of `vo` submitted and not matched yet. */
  unmatched(vo: string): number {
    return this.#unmatched.get(vo) ?? 0;
  }

  ended(jobId: number, status: string): void {
    if (!this.#open.delete(jobId)) return;
    this.#endedAs.set(jobId, status);
    this.#final.set(status, (this.#final.get(status) ?? 0) + 1);
  }

  /** A job sent back to the queue (rescheduled) after it ended or stalled: open again. */
  reopened(jobId: number): void {
    const status = this.#endedAs.get(jobId);
    if (status === undefined) return;
    this.#endedAs.delete(jobId);
    this.#final.set(status, this.#final.get(status)! - 1);
    if (this.#final.get(status) === 0) this.#final.delete(status);
    this.#open.add(jobId);
  }

  isOpen(jobId: number): boolean {
    return this.#open.has(jobId);
  }

  get total(): number {
    return this.#submitted;
  }

  get open(): number {
    return this.#open.size;
  }

  /** Final statuses with their counts, and the jobs not finished as 'unfinished'. */
  byStatus(): Record<string, number> {
    const counts = Object.fromEntries([...this.#final].sort(([a], [b]) => (a < b ? -1 : 1)));
    return this.#open.size > 0 ? { ...counts, unfinished: this.#open.size } : counts;
  }
}

/** A pilot the SiteDirector started, as fault injection sees it. */
export interface LivePilot {
  readonly stamp: string;
  readonly site: string;
  readonly ce: string;
  readonly vo: string;
  /** Set by a fault: the batch system killed it; it stops at its next wake-up. */
  killed: boolean;
}

/**
 * What a scenario can change while the grid runs: whether the agents go on, CEs that refuse
 * pilots, pilots to kill, and latency between worker nodes and the services.
 */
export interface GridControls {
  /** The SiteDirector, push agents and StalledJobAgent cycle while this holds. */
  active(): boolean;
  readonly downCes: Set<string>;
  /** Pilots queued or running, by stamp. */
  readonly pilots: Map<string, LivePilot>;
  /** Model seconds each call from a worker node waits before it reaches the services. */
  networkDelayS: number;
}

/** Controls for a run that ends when its jobs have: no faults beyond the configured ones. */
export function untilJobsEnd(jobs: JobTracker): GridControls {
  return {
    active: () => jobs.open > 0,
    downCes: new Set(),
    pilots: new Map(),
    networkDelayS: 0,
  };
}

/** Everything the simulated grid's parts share. */
export interface SimWorld {
  readonly engine: Engine;
  readonly log: EventLog;
  readonly timing: Timing;
  readonly config: Config;
  readonly rng: Rng;
  /** The services, reached through the chosen transport; `as()` picks the identity. */
  readonly service: DiracxClient;
  readonly catalog: (client: DiracxClient) => FileCatalog;
  readonly credentials: Credentials;
  readonly storage: ReadonlyMap<string, StorageElement>;
  readonly faults: Faults;
  readonly jobs: JobTracker;
  readonly controls: GridControls;
  /** Pilots started, and transfers made, for the summary. */
  readonly counters: { pilots: number; transfers: number; transferBytes: number };
  /**
   * The services serve this run alone (a box of its own, no extension): no job becomes
   * Waiting there but by the run's own submissions, which JobTracker counts.
   */
  readonly ownsServices: boolean;
}

/**
 * Whether a match for `vo` would certainly come back empty: the services are the run's own
 * and every job the run submitted for the VO has been matched. A pilot then is not sent to
 * ask; it records the same empty answer at the same instant, so the event log is the one
 * asking would give, without a request per idle pilot and poll.
 */
export function nothingWaiting(world: SimWorld, vo: string): boolean {
  return world.ownsServices && world.jobs.unmatched(vo) === 0;
}

/** Appends an event at the current simulated time. */
export function record(world: SimWorld, kind: string, fields: EventFields = {}): void {
  world.log.record(world.engine.now(), kind, fields);
}

/**
 * Lets a call from a worker node cross a slow network: the caller waits the configured
 * latency in model time before sending (nothing when the network is healthy).
 */
export async function crossNetwork(world: SimWorld, ctx: { sleep(ms: number): Promise<void> }) {
  const delayS = world.controls.networkDelayS;
  if (delayS > 0) await ctx.sleep(Math.max(1, Math.round((delayS * 1000) / world.timing.speedup)));
}

/** Clock milliseconds as the ISO time a status report is keyed by. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
