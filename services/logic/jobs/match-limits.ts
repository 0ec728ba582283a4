import type { Clock, Config, JobLimits } from '../../core/index.ts';
import type { JobDB, TaskQueueDefinition } from '../../db/index.ts';

/*
 * DIRAC's per-site job limits (WorkloadManagementSystem/Client/Limiter.py), applied by the
 * matcher as TaskQueueDB's "negative conditions":
 * - RunningLimit/<Site>/<Attr>/<value> = N: once N jobs of the VO with that value are in
 *   Running, Matched or Stalled at the site, queues with that value get no more there;
 *   RunningLimit/<Site>/CEs/<CE>/… does the same for pilots of that CE, compared with the
 *   jobs of the whole site, as DIRAC counts them;
 * - MatchingDelay/<Site>/<Attr>/<value> = s: a match of a job with that value at the site
 *   keeps the value out of the site for s seconds.
 */

/** How long DIRAC's Limiter trusts its counts of the jobs at a site (its condCache). */
export const JOB_COUNT_TTL_MS = 10_000;

/** The statuses DIRAC counts as taking a place at the site. */
const COUNTED_STATUSES = ['Running', 'Matched', 'Stalled'];

/** Job attributes a limit can name (JobLimitsSchema). */
export type LimitAttribute = keyof JobLimits;
const ATTRIBUTES: readonly LimitAttribute[] = ['JobType', 'Site', 'Owner', 'OwnerGroup'];

/**
 * Attribute → values whose queues a pilot is refused: DIRAC's negative condition for one
 * site. `Site`, when the condition speaks for one site of several, names it.
 */
export type NegativeCondition = Partial<Record<LimitAttribute, string[]>>;

/**
 * Whether TaskQueueDB's negative condition keeps `tq` out, as its SQL reads: the condition
 * is NOT(attribute₁ hit AND attribute₂ hit …), so a queue is out only when it hits on
 * every attribute the condition names. A multi-valued field (JobType, Site) hits when one
 * of the values is among the queue's; a single-valued one (Owner, OwnerGroup) when the
 * queue's value equals each of the values (so two values of one of these never hit).
 */
export function isExcluded(tq: TaskQueueDefinition, condition: NegativeCondition): boolean {
  let attributes = 0;
  for (const attribute of ATTRIBUTES) {
    const values = condition[attribute];
    if (values === undefined || values.length === 0) continue;
    attributes++;
    const hit =
      attribute === 'JobType'
        ? values.some((value) => tq.jobTypes.includes(value))
        : attribute === 'Site'
          ? values.some((value) => tq.sites.includes(value))
          : values.every((value) => value === (attribute === 'Owner' ? tq.owner : tq.ownerGroup));
    if (!hit) return false;
  }
  return attributes > 0;
}

/**
 * Whether DIRAC's getNegativeCond (all sites at once, asked when a slot names no single
 * site) keeps `tq` out: its per-site conditions are OR-ed, so a queue is out only when every
 * one of them keeps it out.
 */
export function isExcludedEverywhere(
  tq: TaskQueueDefinition,
  conditions: readonly NegativeCondition[],
): boolean {
  return conditions.length > 0 && conditions.every((condition) => isExcluded(tq, condition));
}

export interface MatchLimitsDeps {
  jobDb: JobDB;
  config: Config;
  clock: Clock;
}

/** Whether the VO's Operations set any running limit or matching delay. */
export function hasLimits(config: Config, vo: string): boolean {
  const scheduling = config.Operations[vo]?.JobScheduling;
  return scheduling?.RunningLimit !== undefined || scheduling?.MatchingDelay !== undefined;
}

/** DIRAC's switches: both on unless Operations turns them off. */
export function limitSwitches(config: Config, vo: string) {
  const scheduling = config.Operations[vo]?.JobScheduling;
  return {
    checkJobLimits: scheduling?.CheckJobLimits ?? true,
    checkMatchingDelay: scheduling?.CheckMatchingDelay ?? true,
  };
}

/**
 * The counts and delays behind the limits, per app, each VO apart (a VO's limits count only
 * its own jobs, and its delays follow only its own matches). Counting is one grouped query
 * per (VO, site, attribute) every JOB_COUNT_TTL_MS at most, however many pilots ask: the
 * query DIRAC's production matcher suffered from when it ran on every request.
 */
export class MatchLimits {
  readonly #ttlMs: number;
  readonly #counts = new Map<string, { readAtMs: number; counts: Map<string, number> }>();
  readonly #reading = new Map<string, Promise<Map<string, number>>>();
  /** (VO, site) → (attribute, value) → until when it is kept out, in clock ms. */
  readonly #delays = new Map<
    string,
    Map<string, { attribute: LimitAttribute; value: string; untilMs: number }>
  >();

  constructor(ttlMs = JOB_COUNT_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  /**
   * DIRAC's getNegativeCondForSite: the running limits reached at `site` (and at `gridCE`,
   * when the pilot gives one), when CheckJobLimits; the matching delays under way there,
   * when CheckMatchingDelay. Undefined when nothing is kept out.
   */
  async forSite(
    deps: MatchLimitsDeps,
    vo: string,
    site: string,
    gridCE: string | undefined,
  ): Promise<NegativeCondition | undefined> {
    const { checkJobLimits, checkMatchingDelay } = limitSwitches(deps.config, vo);
    const condition: NegativeCondition = {};
    if (checkJobLimits) {
      const limits = deps.config.Operations[vo]?.JobScheduling?.RunningLimit?.[site];
      if (limits !== undefined) {
        await this.#addReached(deps, vo, site, limits, condition);
        const ceLimits = gridCE === undefined ? undefined : limits.CEs?.[gridCE];
        if (ceLimits !== undefined) await this.#addReached(deps, vo, site, ceLimits, condition);
      }
    }
    if (checkMatchingDelay) this.#addDelays(deps.clock, vo, site, condition);
    return Object.keys(condition).length === 0 ? undefined : condition;
  }

  /**
   * DIRAC's getNegativeCond: one condition per site with limits reached or delays under way,
   * each naming its site. As in DIRAC, the switches are not consulted here.
   */
  async forAllSites(deps: MatchLimitsDeps, vo: string): Promise<NegativeCondition[]> {
    const scheduling = deps.config.Operations[vo]?.JobScheduling;
    const bySite = new Map<string, NegativeCondition>();
    for (const [site, limits] of Object.entries(scheduling?.RunningLimit ?? {})) {
      const condition: NegativeCondition = {};
      await this.#addReached(deps, vo, site, limits, condition);
      if (Object.keys(condition).length > 0) bySite.set(site, condition);
    }
    for (const site of Object.keys(scheduling?.MatchingDelay ?? {})) {
      const condition = bySite.get(site) ?? {};
      this.#addDelays(deps.clock, vo, site, condition);
      if (Object.keys(condition).length > 0) bySite.set(site, condition);
    }
    return [...bySite].map(([site, condition]) => merge(condition, 'Site', site));
  }

  /**
   * DIRAC's updateDelayCounters, after job `jobId` was matched at `site`: each of its
   * attribute values with a MatchingDelay there is kept out for that many seconds from now.
   */
  async noteMatch(deps: MatchLimitsDeps, vo: string, site: string, jobId: number): Promise<void> {
    if (!limitSwitches(deps.config, vo).checkMatchingDelay) return;
    const delays = deps.config.Operations[vo]?.JobScheduling?.MatchingDelay?.[site];
    if (delays === undefined) return;
    const attributes = ATTRIBUTES.filter((attribute) => delays[attribute] !== undefined);
    if (attributes.length === 0) return;
    const { rows } = await deps.jobDb.search({
      parameters: attributes,
      filters: [{ parameter: 'JobID', operator: 'eq', value: jobId }],
      sorts: [],
      distinct: false,
      offset: 0,
      limit: 1,
    });
    const job = rows[0];
    if (job === undefined) return;
    const key = `${vo}\0${site}`;
    let under = this.#delays.get(key);
    if (under === undefined) this.#delays.set(key, (under = new Map()));
    for (const attribute of attributes) {
      const value = String(job[attribute]);
      const seconds = delays[attribute]![value];
      if (seconds === undefined) continue;
      const untilMs = deps.clock.nowMs() + seconds * 1000;
      under.set(`${attribute}\0${value}`, { attribute, value, untilMs });
    }
  }

  /** Adds to `condition` each value of `limits` whose count at the site has reached it. */
  async #addReached(
    deps: MatchLimitsDeps,
    vo: string,
    site: string,
    limits: JobLimits,
    condition: NegativeCondition,
  ): Promise<void> {
    for (const attribute of ATTRIBUTES) {
      const values = limits[attribute];
      if (values === undefined) continue;
      const counts = await this.#countsAt(deps, vo, site, attribute);
      for (const [value, limit] of Object.entries(values))
        if ((counts.get(value) ?? 0) >= limit) merge(condition, attribute, value);
    }
  }

  /** Adds to `condition` the values under a matching delay at the site now. */
  #addDelays(clock: Clock, vo: string, site: string, condition: NegativeCondition): void {
    const under = this.#delays.get(`${vo}\0${site}`);
    if (under === undefined) return;
    const nowMs = clock.nowMs();
    for (const [key, { attribute, value, untilMs }] of under) {
      if (untilMs > nowMs) merge(condition, attribute, value);
      else under.delete(key);
    }
  }

  /** The VO's jobs at the site taking a place, by value of `attribute`; read at most every TTL. */
  async #countsAt(
    deps: MatchLimitsDeps,
    vo: string,
    site: string,
    attribute: LimitAttribute,
  ): Promise<Map<string, number>> {
    const key = `${vo}\0${site}\0${attribute}`;
    const cached = this.#counts.get(key);
    if (cached !== undefined && deps.clock.nowMs() - cached.readAtMs < this.#ttlMs)
      return cached.counts;
    let reading = this.#reading.get(key);
    if (reading === undefined) {
      const readAtMs = deps.clock.nowMs();
      reading = deps.jobDb
        .summary(
          [attribute],
          [
            { parameter: 'VO', operator: 'eq', value: vo },
            { parameter: 'Site', operator: 'eq', value: site },
            { parameter: 'Status', operator: 'in', values: COUNTED_STATUSES },
          ],
        )
        .then((rows) => {
          const counts = new Map(rows.map((row) => [String(row[attribute]), Number(row.count)]));
          this.#counts.set(key, { readAtMs, counts });
          return counts;
        })
        .finally(() => this.#reading.delete(key));
      this.#reading.set(key, reading);
    }
    return reading;
  }
}

/** Adds `value` to the condition's values of `attribute`, once (DIRAC's __mergeCond). */
function merge(
  condition: NegativeCondition,
  attribute: LimitAttribute,
  value: string,
): NegativeCondition {
  const values = (condition[attribute] ??= []);
  if (!values.includes(value)) values.push(value);
  return condition;
}
