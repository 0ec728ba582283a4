import { type Clock, type Config, monotonicClock } from '../../core/index.ts';
import type {
  ResourceStatusDB,
  SiteStatusRow,
  TaskQueueDB,
  TaskQueueDefinition,
} from '../../db/index.ts';
import { MatchLimits } from './match-limits.ts';
import type { SlotKind } from './match.ts';
import { recalculateShares } from './shares.ts';

/**
 * The longest a snapshot is used, in wall-clock milliseconds, however little this app
 * changed. The snapshot is read again as soon as this app changes something it reflects
 * (see MatchCache); this bound is for what this app cannot see: other replicas sharing a
 * MySQL database, whose new queues, shares and site bans are seen within it.
 */
export const MATCH_SNAPSHOT_TTL_MS = 1000;

/** The most kinds of slot description remembered. */
const SLOT_KINDS = 10_000;

/** What a snapshot was read under: it is valid while all three stay the same. */
interface SnapshotVersion {
  /** TaskQueueDB.changeCount of the VO. */
  readonly queues: number;
  /** ResourceStatusDB.changeCount. */
  readonly sites: number;
  /** The configuration object itself: a reload replaces it (shares, groups). */
  readonly config: Config;
}

const sameVersion = (a: SnapshotVersion, b: SnapshotVersion) =>
  a.queues === b.queues && a.sites === b.sites && a.config === b.config;

/** What the matcher read of one VO. */
export interface VoSnapshot {
  /** Moves on when the matcher's own drop is all that changed (see dropIfEmpty). */
  version: SnapshotVersion;
  /** When it was read, on the cache's monotonic wall clock. */
  readonly readAtWallMs: number;
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
 * The matcher's view of each VO, shared by the requests of one app, so that a match costs
 * the reads of the jobs it claims rather than a scan of every queue of the VO, and a slot
 * no queue can serve costs no read at all.
 *
 * A snapshot is kept until something it reflects changes, not for a span of the app's
 * clock: the task queues and the site mask count their own changes (a queue created,
 * deleted or refilled, priorities set, a site status written) and a configuration reload
 * replaces the configuration object, so a job submitted or a site banned through this app
 * is seen by the very next match, whatever the time. The app's clock would be the wrong
 * measure anyway: in a virtual-time simulation it jumps hours between two requests, and a
 * lifetime on it expired between almost every request. Changes made by other replicas
 * sharing the database are invisible to those counts, so a snapshot is also read again
 * once it is MATCH_SNAPSHOT_TTL_MS old on a monotonic wall clock. Jobs are always claimed
 * in the database, so a stale snapshot can only offer a queue that turns out empty.
 */
export class MatchCache {
  readonly #ttlMs: number;
  readonly #wallClock: Clock;
  /** Requirements never change once a queue exists; kept while the queue is seen. */
  readonly #definitions = new Map<number, TaskQueueDefinition>();
  readonly #snapshots = new Map<string, VoSnapshot>();
  /**
   * The read under way of each VO, so that requests arriving together wait for one read,
   * with the version it reads under once known.
   */
  readonly #reading = new Map<
    string,
    { version: SnapshotVersion | undefined; promise: Promise<VoSnapshot> }
  >();
  /** Groups of each VO that lost a queue since the VO was last read. */
  readonly #sharesChanged = new Map<string, Set<string>>();
  /** The counts and delays behind DIRAC's per-site job limits. */
  readonly limits = new MatchLimits();
  /** What each kind of slot description seen lately means for matching (see slotKind). */
  readonly #slotKinds = new Map<string, SlotKind>();

  get slotKinds(): ReadonlyMap<string, SlotKind> {
    return this.#slotKinds;
  }

  rememberSlotKind(kind: SlotKind): void {
    // Bounded whatever pilots send: past the bound the memo starts again.
    if (this.#slotKinds.size >= SLOT_KINDS) this.#slotKinds.clear();
    this.#slotKinds.set(kind.key, kind);
  }

  /** `wallClock` measures the snapshots' lifetime; tests pass a ManualClock. */
  constructor(ttlMs = MATCH_SNAPSHOT_TTL_MS, wallClock: Clock = monotonicClock) {
    this.#ttlMs = ttlMs;
    this.#wallClock = wallClock;
  }

  /**
   * The VO's snapshot: the cached one while nothing it reflects changed in this app and it
   * is younger than the TTL in wall time; otherwise one read now.
   */
  async snapshot(deps: MatchCacheDeps, vo: string): Promise<VoSnapshot> {
    const version = versionOf(deps, vo);
    const cached = this.#snapshots.get(vo);
    if (
      cached !== undefined &&
      sameVersion(cached.version, version) &&
      !this.#sharesChanged.has(vo) &&
      this.#wallClock.nowMs() - cached.readAtWallMs < this.#ttlMs
    )
      return cached;
    const reading = this.#reading.get(vo);
    // A read that has not yet taken its version will see what changed before this call.
    if (
      reading !== undefined &&
      (reading.version === undefined || sameVersion(reading.version, version))
    )
      return reading.promise;
    const entry: { version: SnapshotVersion | undefined; promise: Promise<VoSnapshot> } = {
      version: undefined,
      promise: Promise.resolve(undefined!),
    };
    entry.promise = this.#read(deps, vo, (read) => (entry.version = read)).finally(() => {
      if (this.#reading.get(vo) === entry) this.#reading.delete(vo);
    });
    this.#reading.set(vo, entry);
    return entry.promise;
  }

  /**
   * Deletes the queue if the matcher emptied it; true when it did. The group's share is
   * then split again among its other queues, at once, and when this drop (and the new
   * priorities) are all that changed since the snapshot was read, the snapshot takes them
   * in rather than being read again: a busy matcher empties queues often.
   */
  async dropIfEmpty(
    deps: MatchCacheDeps,
    snapshot: VoSnapshot,
    tq: TaskQueueDefinition,
  ): Promise<boolean> {
    const { taskQueueDb } = deps;
    const before = taskQueueDb.changeCount(tq.vo);
    if (!(await taskQueueDb.dropIfEmpty(tq.tqId))) return false;
    snapshot.emptied.add(tq.tqId);
    const isCurrent = () =>
      this.#snapshots.get(tq.vo) === snapshot &&
      !this.#sharesChanged.has(tq.vo) &&
      sameVersion(snapshot.version, { ...versionOf(deps, tq.vo), queues: before });
    const isOnlyChange = taskQueueDb.changeCount(tq.vo) === before + 1 && isCurrent();
    if (!isOnlyChange) {
      this.#queueDropped(tq.vo, tq.ownerGroup);
      return true;
    }
    const dropped = taskQueueDb.changeCount(tq.vo);
    const priorities = await recalculateShares(taskQueueDb, deps.config, tq.vo, tq.ownerGroup);
    const after = dropped + (priorities.size > 0 ? 1 : 0);
    // Anything else changed meanwhile: the next match reads the VO again.
    if (taskQueueDb.changeCount(tq.vo) !== after || this.#snapshots.get(tq.vo) !== snapshot)
      return true;
    // The snapshot's queues are its own copies, shared by its memo of slots.
    for (const queue of snapshot.queues) {
      const priority = priorities.get(queue.tqId);
      if (priority !== undefined) queue.priority = priority;
    }
    snapshot.version = { ...snapshot.version, queues: after };
    return true;
  }

  /**
   * Notes that a group of `vo` lost a queue, so its share is split again among the rest
   * before the VO's next read.
   */
  #queueDropped(vo: string, group: string): void {
    let groups = this.#sharesChanged.get(vo);
    if (groups === undefined) this.#sharesChanged.set(vo, (groups = new Set()));
    groups.add(group);
  }

  async #read(
    deps: MatchCacheDeps,
    vo: string,
    started: (version: SnapshotVersion) => void,
  ): Promise<VoSnapshot> {
    const changed = this.#sharesChanged.get(vo);
    this.#sharesChanged.delete(vo);
    for (const group of changed ?? [])
      await recalculateShares(deps.taskQueueDb, deps.config, vo, group);
    // Taken before reading: a change committed during the reads makes the snapshot stale
    // at once, never the other way round.
    const version = versionOf(deps, vo);
    started(version);
    const readAtWallMs = this.#wallClock.nowMs();
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
      version,
      readAtWallMs,
      siteStatuses,
      queues,
      emptied: new Set<number>(),
      bySlot: new Map<string, readonly TaskQueueDefinition[]>(),
    };
    // Reads may finish out of order: the later read is kept.
    if (!(readAtWallMs < (this.#snapshots.get(vo)?.readAtWallMs ?? -Infinity)))
      this.#snapshots.set(vo, snapshot);
    return snapshot;
  }
}

function versionOf(deps: MatchCacheDeps, vo: string): SnapshotVersion {
  return {
    queues: deps.taskQueueDb.changeCount(vo),
    sites: deps.resourceStatusDb.changeCount(),
    config: deps.config,
  };
}
