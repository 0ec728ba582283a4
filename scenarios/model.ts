import type { DiracxClient, FileCatalog } from '../client/index.ts';
import type { FixtureSet } from '../fixtures/index.ts';
import type { Faults, SimClock, StorageElement, Timing } from '../sim/index.ts';
import type { ScenarioContext } from './context.ts';

/**
 * What a step may need from the server it drives, beyond DiracX's routes:
 * - `identities`: logins as any fixture user of any VO (the box's own users);
 * - `restart`: restarting the services in the middle of a run (the box in this process);
 * - `catalog`: the server's own file catalog (gridbox's; DiracX has none yet, so a run
 *   against it registers files in a catalog the simulator keeps).
 * A step whose needs the target cannot meet is skipped, and the report says why.
 */
export type Capability = 'identities' | 'restart' | 'catalog';

export interface Step {
  /** A stable name of what the step does (`submit`, `fault.kill-pilots`, `expect.jobs`…). */
  kind: string;
  /** The step as a person reads it in progress lines and reports. */
  title: string;
  needs?: readonly Capability[];
  run(ctx: ScenarioContext): Promise<void>;
  /**
   * Told when the runner skips the step for what the target cannot offer: a login notes
   * its alias as absent, so that the steps acting for that user are skipped too.
   */
  skipped?(ctx: ScenarioContext, reason: string): void;
}

export interface Scenario {
  name: string;
  /** One or two sentences: what the run shows. */
  description: string;
  /** The box's access tokens live this long (DiracX's default is 20 minutes). */
  accessTokenMinutes?: number;
  timing?: Partial<Timing>;
  /** Background probabilities of payload failures and node crashes (none unless set). */
  faults?: Partial<Faults>;
  steps: readonly Step[];
}

/**
 * The server a scenario drives and how to act there: the box this process started (in
 * virtual or real time) or someone else's DiracX-compatible URL.
 */
export interface ScenarioTarget {
  /** `null` for the box of the run, else the URL driven. */
  readonly url: string | null;
  readonly capabilities: ReadonlySet<Capability>;
  /**
   * Tells this run's jobs apart from earlier runs' on a long-lived server (part of their
   * JobGroup); none on the run's own box, where the same inputs must give the same run.
   */
  readonly runTag?: string;
  readonly clock: SimClock;
  /**
   * Model seconds per clock second, when the server's clock cannot be the run's (someone
   * else's server in real time); 1 otherwise.
   */
  readonly speedup?: number;
  /** The services; every call names its identity with `as()`. */
  readonly service: DiracxClient;
  readonly fixtureSet: FixtureSet;
  readonly storage: ReadonlyMap<string, StorageElement>;
  /** The catalog the grid uses, when it is not the server's own (`catalog` capability). */
  readonly catalog?: (client: DiracxClient) => FileCatalog;
  /**
   * How users obtain tokens: the box's legacy-exchange key (DIRAC's way to get a user's
   * tokens from DiracX), or one token that acts for everyone on someone else's server.
   */
  readonly login: { kind: 'legacy-exchange'; apiKey: string } | { kind: 'token'; token: string };
  /** Stops and starts the services on the same database (with `restart` only). */
  restart?(): Promise<void>;
  close(): Promise<void>;
}
