import { createHash } from 'node:crypto';
import { type DiracxClient, DiracxHttpError, type TokenSource } from '../client/index.ts';
import type { AssertionResult, FaultRecord } from '../reports/model.ts';
import {
  type Credentials,
  type GridControls,
  JobTracker,
  type SimWorld,
  clockMs,
  createWorld,
  record,
  startGrid,
} from '../sim/index.ts';
import type { EventFields } from '../sim/engine/index.ts';
import type { Scenario, ScenarioTarget } from './model.ts';
import { OutageStorageElement } from './outage-storage.ts';
import { STATUS_OF, Sampler, type SimEvent } from './sampler.ts';
import { Session, SessionEndedError, legacyLogin } from './session.ts';

/** Someone acting on the server: a user of a VO in one of their groups. */
export interface Identity {
  vo: string;
  username: string;
  group: string;
}

/**
 * Which fixture user a scenario means, without naming one (names come from the seed):
 * the `index`-th user (0 first) of the `vo`-th VO (0 first, in name order) who has a group
 * of that `role` (`user`, `admin`, `prod`: the suffix of DIRAC's group names).
 */
export interface UserSpec {
  vo?: number;
  role?: string;
  index?: number;
}

interface LoggedIn {
  identity: Identity;
  session: Session;
  client: DiracxClient;
}

/**
 * Thrown by a step that cannot act on this target (a user whose login was skipped): the
 * runner reports the step as skipped with the message, and the run goes on.
 */
export class StepSkippedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepSkippedError';
  }
}

/** Model seconds between two samples of the report's plots. */
const SAMPLE_EVERY_S = 300;

/**
 * Everything a scenario's steps share: the target and its users, the simulated grid
 * around it (one engine, one event log), the jobs submitted so far, the faults injected,
 * and the checks made. Steps act through it; the runner turns it into the report.
 */
export class ScenarioContext {
  readonly scenario: Scenario;
  readonly target: ScenarioTarget;
  readonly seed: number;
  readonly world: SimWorld;
  readonly jobGroup: string;
  readonly storage: ReadonlyMap<string, OutageStorageElement>;
  readonly events: SimEvent[] = [];
  readonly faults: FaultRecord[] = [];
  readonly checks: AssertionResult[] = [];
  /** Job ids by the alias that submitted them, in submission order. */
  readonly submitted = new Map<string, number[]>();
  readonly sampler: Sampler;
  /** Each job's status as the grid last saw it (from the event log). */
  readonly jobStatus = new Map<number, string>();
  /** Input files a VO's jobs may read, by VO. */
  readonly datasets = new Map<string, string[]>();
  /** The pilot each job was last matched to. */
  readonly jobPilot = new Map<number, string>();
  /** Jobs that were running on pilots a fault killed. */
  readonly orphans = new Set<number>();
  /** What fault steps chose (a site, an SE), for the steps that lift the fault. */
  readonly memo = new Map<string, string>();
  /** The input sandbox each alias's jobs carry. */
  readonly sandboxes = new Map<string, string>();
  readonly #openFaults = new Map<string, FaultRecord>();
  readonly #users = new Map<string, LoggedIn>();
  /** Aliases whose login was skipped, with the reason. */
  readonly #absent = new Map<string, string>();
  readonly #delegated = new Map<string, Promise<Session>>();
  readonly #startMs: number;
  /** Called after each event of the grid (progress displays). */
  onEvent: (() => void) | undefined;
  #gridStarted = false;
  #stopped = false;
  #failure: unknown;
  #step = '';
  #stepStartedAt = 0;

  constructor(
    scenario: Scenario,
    target: ScenarioTarget,
    seed: number,
    sink?: (line: string) => void,
  ) {
    this.scenario = scenario;
    this.target = target;
    this.seed = seed;
    // DiracX keeps 32 characters of a JobGroup; a shared server also needs the run's own tag.
    this.jobGroup = [scenario.name.slice(0, 16), seed, target.runTag]
      .filter((part) => part !== undefined)
      .join('.')
      .slice(0, 32);
    this.storage = new Map(
      [...target.storage].map(([name, se]) => [name, new OutageStorageElement(se)]),
    );
    const jobs = new JobTracker();
    const controls: GridControls = {
      active: () => !this.#stopped,
      downCes: new Set(),
      pilots: new Map(),
      networkDelayS: 0,
    };
    const credentials: Credentials = {
      user: (vo, username, group) => this.#delegatedToken({ vo, username, group }),
      admin: (vo) => this.#delegatedToken(this.adminOf(vo)),
    };
    this.world = createWorld(
      {
        service: target.service,
        credentials,
        config: target.fixtureSet.config,
        storage: this.storage,
        clock: target.clock,
        // On a long-lived server the run's tag varies the grid's random draws too: two runs
        // of one seed there must not register pilots under the same stamps.
        seed:
          target.runTag === undefined
            ? seed
            : Number.parseInt(
                createHash('sha256').update(`${seed}/${target.runTag}`).digest('hex').slice(0, 12),
                16,
              ),
        faults: { payloadFailure: 0, nodeCrash: 0, ...scenario.faults },
        timing: { ...scenario.timing, speedup: target.speedup ?? 1 },
        ...(target.catalog === undefined ? {} : { catalog: target.catalog }),
        sink: (line) => {
          const event = JSON.parse(line) as SimEvent;
          this.events.push(event);
          const status = STATUS_OF[event.kind];
          if (status !== undefined && typeof event.job === 'number')
            this.jobStatus.set(event.job, status);
          if (event.kind === 'job.matched' && typeof event.job === 'number')
            this.jobPilot.set(event.job, String(event.pilot));
          this.sampler.observe(event);
          sink?.(line);
        },
      },
      jobs,
      controls,
    );
    this.sampler = new Sampler(SAMPLE_EVERY_S, this.world.timing.speedup);
    this.#startMs = this.world.engine.now();
  }

  /** Model seconds since the run started. */
  modelS(): number {
    return ((this.world.engine.now() - this.#startMs) * this.world.timing.speedup) / 1000;
  }

  /** The fixtures' VOs in name order (what `UserSpec.vo` indexes). */
  vos(): string[] {
    return Object.keys(this.target.fixtureSet.config.Registry).sort();
  }

  /** The identity a spec means on this target; on someone else's server, the token's own. */
  resolve(spec: UserSpec): Identity {
    if (this.target.login.kind === 'token') return tokenIdentity(this.target.login.token);
    const vo = this.vos()[spec.vo ?? 0];
    if (vo === undefined) throw new Error(`the fixtures have no VO number ${spec.vo}`);
    const role = spec.role ?? 'user';
    const group = `${vo}_${role}`;
    const users = this.target.fixtureSet.users.filter(
      (u) => u.vo === vo && u.groups.includes(group),
    );
    const user = users[spec.index ?? 0];
    if (user === undefined)
      throw new Error(`VO ${vo} has no user number ${spec.index ?? 0} in group ${group}`);
    return { vo, username: user.username, group };
  }

  adminOf(vo: string): Identity {
    if (this.target.login.kind === 'token') return tokenIdentity(this.target.login.token);
    return this.resolve({ vo: this.vos().indexOf(vo), role: 'admin' });
  }

  /** Logs `alias` in as the user `spec` means, through the target's way of issuing tokens. */
  async login(alias: string, spec: UserSpec): Promise<Identity> {
    const identity = this.resolve(spec);
    const session = await this.#open(identity, alias);
    this.#users.set(alias, {
      identity,
      session,
      client: this.target.service.as(session.token),
    });
    return identity;
  }

  /** Notes that `alias` never logged in (its login step was skipped for `reason`). */
  absent(alias: string, reason: string): void {
    this.#absent.set(alias, reason);
  }

  user(alias: string): LoggedIn {
    const user = this.#users.get(alias);
    const absent = this.#absent.get(alias);
    if (user === undefined && absent !== undefined)
      throw new StepSkippedError(`${alias} is not logged in: ${absent}`);
    if (user === undefined) throw new Error(`no one is logged in as "${alias}" (add a login step)`);
    return user;
  }

  aliases(): string[] {
    return [...this.#users.keys()];
  }

  /** An administrator's client for the VO (the identity the grid's agents use). */
  admin(vo: string): DiracxClient {
    return this.target.service.as(this.#delegatedToken(this.adminOf(vo)));
  }

  /** Notes jobs a user submitted, so the grid runs until they end. */
  noteSubmitted(alias: string, jobIds: readonly number[]): void {
    const list = this.submitted.get(alias) ?? [];
    for (const jobId of jobIds) {
      list.push(jobId);
      this.world.jobs.submitted(jobId);
      this.record('job.submitted', { job: jobId, owner: this.user(alias).identity.username });
    }
    this.submitted.set(alias, list);
  }

  allJobIds(): number[] {
    return [...this.submitted.values()].flat().sort((a, b) => a - b);
  }

  record(kind: string, fields: EventFields = {}): void {
    record(this.world, kind, fields);
  }

  startGrid(): void {
    if (this.#gridStarted) return;
    this.#gridStarted = true;
    const vos = [...new Set(this.aliases().map((a) => this.user(a).identity.vo))].sort();
    startGrid(this.world, vos.length > 0 ? vos : this.vos(), this.jobGroup, (error) => {
      this.#failure ??= error;
    });
  }

  /** Lets `modelS` of grid activity pass. */
  async advance(modelS: number): Promise<void> {
    const untilMs = this.world.engine.now() + clockMs(this.world.timing, modelS);
    await this.world.engine.run({
      untilMs,
      done: () => this.#failure !== undefined,
      onEvent: () => this.onEvent?.(),
    });
    this.#throwFailure();
    await this.world.engine.clock.waitUntil(untilMs);
  }

  /**
   * Runs the grid until `condition` holds, for at most `timeoutS` model seconds; false when
   * the time ran out first (or nothing was left to happen).
   */
  async waitUntil(condition: () => boolean, timeoutS: number): Promise<boolean> {
    if (condition()) return true;
    const untilMs = this.world.engine.now() + clockMs(this.world.timing, timeoutS);
    await this.world.engine.run({
      untilMs,
      done: () => this.#failure !== undefined || condition(),
      onEvent: () => this.onEvent?.(),
    });
    this.#throwFailure();
    return condition();
  }

  /** Ends the run: the grid's agents stop at their next wake-up. */
  stop(): void {
    this.#stopped = true;
    for (const fault of this.#openFaults.values()) fault.end_s = null;
  }

  beginStep(title: string): void {
    this.#step = title;
    this.#stepStartedAt = performance.now();
  }

  /** Records a check; a failed one fails the run but not the steps after it. */
  check(name: string, passed: boolean, message: string): void {
    this.checks.push({
      name,
      step: this.#step,
      passed,
      message,
      wall_ms: Math.round(performance.now() - this.#stepStartedAt),
    });
  }

  /** Starts a fault's interval on the timeline (`end` closes it; instant faults pass 0 s). */
  openFault(key: string, kind: string, target: string, detail: string): void {
    const fault: FaultRecord = {
      kind,
      target,
      detail,
      start_s: Math.round(this.modelS()),
      end_s: null,
    };
    this.faults.push(fault);
    this.#openFaults.set(key, fault);
    this.record('inject.begin', { fault: kind, target });
  }

  closeFault(key: string): void {
    const fault = this.#openFaults.get(key);
    if (fault === undefined) return;
    fault.end_s = Math.round(this.modelS());
    this.#openFaults.delete(key);
    this.record('inject.end', { fault: fault.kind, target: fault.target });
  }

  instantFault(kind: string, target: string, detail: string): void {
    this.openFault(`${kind}/${target}/${this.faults.length}`, kind, target, detail);
    this.closeFault(`${kind}/${target}/${this.faults.length - 1}`);
  }

  #throwFailure(): void {
    if (this.#failure === undefined) return;
    const failure = this.#failure;
    throw new Error(
      `the simulated grid stopped: ${failure instanceof Error ? failure.message : String(failure)}`,
      { cause: failure },
    );
  }

  /** The tokens the grid uses for a user (their delegated proxy, in DIRAC's terms). */
  #delegatedToken(identity: Identity): TokenSource {
    const key = `${identity.vo}/${identity.username}/${identity.group}`;
    return async () => {
      let session = this.#delegated.get(key);
      if (session === undefined) {
        session = this.#open(identity, `${identity.username} (delegated)`);
        this.#delegated.set(key, session);
      }
      try {
        return await (await session).token();
      } catch (error) {
        // A DIRAC service gets a user's tokens again by the legacy exchange whenever the
        // ones it held stop working (the user logged out elsewhere); so do the pilots here.
        if (!(error instanceof SessionEndedError)) throw error;
        const fresh = this.#open(identity, `${identity.username} (delegated)`);
        this.#delegated.set(key, fresh);
        return (await fresh).token();
      }
    };
  }

  async #open(identity: Identity, who: string): Promise<Session> {
    const { login } = this.target;
    if (login.kind === 'token')
      return Session.ofToken(who, this.target.service.transport, this.target.clock, login.token);
    return legacyLogin(this.target.service.transport, this.target.clock, login.apiKey, identity);
  }
}

/** The identity a DiracX access token carries (its claims, not checked: the server does). */
export function tokenIdentity(token: string): Identity {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    if (typeof claims.vo === 'string' && typeof claims.dirac_group === 'string')
      return {
        vo: claims.vo,
        username: String(claims.preferred_username ?? claims.sub),
        group: claims.dirac_group,
      };
  } catch {
    // Reported below.
  }
  throw new Error('the token is not a DiracX access token (no vo and dirac_group claims)');
}

/** A refusal's status, or undefined when the call did not reach an HTTP answer. */
export function refusal(error: unknown): number | undefined {
  return error instanceof DiracxHttpError ? error.status : undefined;
}
