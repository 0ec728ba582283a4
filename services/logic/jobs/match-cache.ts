import type { Clock, Config } from '../../core/index.ts';
import type {
  ResourceStatusDB,
  SiteStatusRow,
  TaskQueueDB,
  TaskQueueDefinition,
} from '../../db/index.ts';
import { MatchLimits } from './match-limits.ts';
import { recalculateShares } from './shares.ts';

/**
 * How long the matcher trusts what it read of a VO's task queues and site mask. Short, as
 * DESIGN.md allows for state kept in memory: a queue another replica creates, new shares or
 * a site ban are seen within this. Jobs are always claimed in the database.
 */
export const MATCH_SNAPSHOT_TTL_MS = 1000;

/** What the matcher read of one VO at `readAtMs`. */
export interface VoSnapshot {
  readonly readAtMs: number;
  /** The site mask of the VO, by site name. */
  readonly siteStatuses: ReadonlyMap<string, SiteStatusRow>;
  /** The VO's enabled queues that held jobs, with the priority they had then. */
  readonly queues: readonly TaskQueueDefinition[];
  /** Queues found empty since, skipped until the next read. */
  readonly emptied: Set<number>;
  /**
   * The queues each kind of slot matches, CPU time aside, by slot key: pilots of one site
   * and kind describe the same slot, and filtering every queue on every request is what a
   * match would otherwise spend most of its time on.
   */
  readonly bySlot: Map<string, readonly TaskQueueDefinition[]>;
}

export interface MatchCacheDeps {
  taskQueueDb: TaskQueueDB;
  resourceStatusDb: ResourceStatusDB;
  config: Config;
  clock: Clock;
}

/**
 * The matcher's short-lived view of each VO, shared by the requests of one app, so that a
 * match costs the reads of the jobs it claims rather than a scan of every queue of the VO.
 */
export class MatchCache {
  readonly #ttlMs: number;
  /** Requirements never change once a queue exists; kept while the queue is seen. */
  readonly #definitions = new Map<number, TaskQueueDefinition>();
  readonly #snapshots = new Map<string, VoSnapshot>();
  /** Reads under way, so that requests arriving together wait for one read. */
  readonly #reading = new Map<string, Promise<VoSnapshot>>();
  /** Groups of each VO that lost a queue since the VO was last read. */
  readonly #sharesChanged = new Map<string, Set<string>>();
  /** The counts and delays behind DIRAC's per-site job limits. */
  readonly limits = new MatchLimits();

  constructor(ttlMs = MATCH_SNAPSHOT_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  /**
   * The VO's snapshot: the cached one while younger than the TTL, unless `reread`.
   * `isFresh` says it was read for this call (or by a read under way when it came).
   */
  async snapshot(
    deps: MatchCacheDeps,
    vo: string,
    reread: boolean,
  ): Promise<{ snapshot: VoSnapshot; isFresh: boolean }> {
    const cached = this.#snapshots.get(vo);
    if (!reread && cached !== undefined && deps.clock.nowMs() - cached.readAtMs < this.#ttlMs)
      return { snapshot: cached, isFresh: false };
    let reading = this.#reading.get(vo);
    if (reading === undefined) {
      reading = this.#read(deps, vo).finally(() => this.#reading.delete(vo));
      this.#reading.set(vo, reading);
    }
    return { snapshot: await reading, isFresh: true };
  }

  /**
   * Notes that a group of `vo` lost a queue, so its share is split again among the rest.
   * That happens before the VO's next read: priorities are only ever used through a
   * snapshot, so splitting sooner would change nothing, and a burst of queues emptying
   * costs one recalculation instead of one each.
   */
  queueDropped(vo: string, group: string): void {
    let groups = this.#sharesChanged.get(vo);
    if (groups === undefined) this.#sharesChanged.set(vo, (groups = new Set()));
    groups.add(group);
  }

  async #read(deps: MatchCacheDeps, vo: string): Promise<VoSnapshot> {
    const changed = this.#sharesChanged.get(vo);
    this.#sharesChanged.delete(vo);
    for (const group of changed ?? [])
      await recalculateShares(deps.taskQueueDb, deps.config, vo, group);
    const readAtMs = deps.clock.nowMs();
    const siteStatuses = await deps.resourceStatusDb.siteStatuses(vo);
    const candidates = await deps.taskQueueDb.candidateQueues(vo);
    const seen = new Set(candidates.map(({ tqId }) => tqId));
    for (const [tqId, definition] of this.#definitions)
      if (definition.vo === vo && !seen.has(tqId)) this.#definitions.delete(tqId);
    const missing = candidates
      .filter(({ tqId }) => !this.#definitions.has(tqId))
      .map(({ tqId }) => tqId);
    for (const definition of await deps.taskQueueDb.definitions(missing))
      this.#definitions.set(definition.tqId, definition);
    // A queue dropped between the two reads has no definition any more: it is left out.
    const queues: TaskQueueDefinition[] = [];
    for (const { tqId, priority } of candidates) {
      const definition = this.#definitions.get(tqId);
      if (definition !== undefined) queues.push({ ...definition, priority });
    }
    const snapshot = {
      readAtMs,
      siteStatuses,
      queues,
      emptied: new Set<number>(),
      bySlot: new Map<string, readonly TaskQueueDefinition[]>(),
    };
    this.#snapshots.set(vo, snapshot);
    return snapshot;
  }
}
