import type { Clock, Config, Rng } from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type PilotAgentsDB,
  type ResourceStatusDB,
  type TaskQueueDB,
  type TaskQueueDefinition,
  toSqlDateTime,
} from '../../db/index.ts';
import type { MatchCache, VoSnapshot } from './match-cache.ts';

/** What a pilot says about the slot it offers (the JobAgent's resource description). */
export interface ResourceDescription {
  VO: string;
  Site: string;
  GridCE?: string | undefined;
  Queue?: string | undefined;
  /** The platform, or the compatible platforms, of the worker node. */
  Platform?: string | readonly string[] | undefined;
  Tag?: readonly string[] | undefined;
  RequiredTag?: readonly string[] | undefined;
  /** HS06 seconds the slot can still give. */
  CPUTime: number;
  NumberOfProcessors?: number | undefined;
  /** Megabytes. */
  MaxRAM?: number | undefined;
  WholeNode?: boolean | undefined;
  /** Groups the pilot serves; every group of its VO when absent (a generic pilot). */
  OwnerGroup?: readonly string[] | undefined;
  JobType?: string | undefined;
  PilotStamp?: string | undefined;
}

/** What a pilot needs to run the job it got. */
export interface MatchedJob {
  JobID: number;
  JDL: string;
  Owner: string;
  OwnerGroup: string;
  VO: string;
}

export interface MatchDeps {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  taskQueueDb: TaskQueueDB;
  pilotAgentsDb: PilotAgentsDB;
  resourceStatusDb: ResourceStatusDB;
  config: Config;
  clock: Clock;
  rng: Rng;
  /** What the app read lately of each VO's queues and site mask. */
  cache: MatchCache;
}

/** DIRAC tries this many matching queues, and this many jobs in each, per request. */
const QUEUES_PER_MATCH = 10;
const CLAIMS_PER_QUEUE = 3;
/** Jobs are drawn among this many of the lowest ids in a queue. */
const JOB_WINDOW = 50;

/** The tags a resource offers: its own, plus those its processors, memory and WholeNode imply. */
export function resourceTags(resource: ResourceDescription): Set<string> {
  const tags = new Set(resource.Tag ?? []);
  const processors = resource.NumberOfProcessors ?? 1;
  for (let n = 2; n <= processors; n++) tags.add(`${n}Processors`);
  if (processors > 1) tags.add('MultiProcessor');
  const gigabytes = Math.floor((resource.MaxRAM ?? 0) / 1000);
  if (gigabytes <= 1024) for (let g = 2; g <= gigabytes; g++) tags.add(`${g}GB`);
  if (resource.WholeNode === true) tags.add('WholeNode');
  return tags;
}

/**
 * DIRAC's match of a task queue against a resource: CPU time, group and VO; Site, GridCE,
 * Platform and JobType when the queue restricts them (ANY on the resource lifts a check);
 * banned sites; every queue tag offered; every required tag present in the queue.
 */
export function queueMatches(
  tq: TaskQueueDefinition,
  resource: ResourceDescription,
  tags: ReadonlySet<string>,
): boolean {
  if (tq.vo !== resource.VO || tq.cpuTime > resource.CPUTime) return false;
  if (resource.OwnerGroup !== undefined && !resource.OwnerGroup.includes(tq.ownerGroup))
    return false;
  const allows = (set: readonly string[], value: string | undefined) =>
    set.length === 0 || value === undefined || value === 'ANY' || set.includes(value);
  if (
    !allows(tq.sites, resource.Site) ||
    !allows(tq.gridCEs, resource.GridCE) ||
    !allows(tq.jobTypes, resource.JobType)
  )
    return false;
  if (tq.bannedSites.includes(resource.Site)) return false;
  const platforms =
    typeof resource.Platform === 'string' ? [resource.Platform] : (resource.Platform ?? []);
  if (
    tq.platforms.length > 0 &&
    platforms.length > 0 &&
    !platforms.includes('ANY') &&
    !platforms.some((p) => tq.platforms.includes(p))
  )
    return false;
  if (!tags.has('ANY') && !tq.tags.every((tag) => tags.has(tag))) return false;
  return (resource.RequiredTag ?? []).every((tag) => tq.tags.includes(tag));
}

/**
 * The first `count` of `items` in DIRAC's rand()/priority order: each drawn with probability
 * proportional to `weight`. Only the few a match can try are ordered.
 */
function weightedFirst<T>(
  items: readonly T[],
  weight: (item: T) => number,
  count: number,
  rng: Rng,
): T[] {
  const first: { item: T; key: number }[] = [];
  for (const item of items) {
    const key = rng.next() / Math.max(weight(item), 1e-9);
    if (first.length === count) {
      if (key >= first[count - 1]!.key) continue;
      first.pop();
    }
    let at = first.length;
    while (at > 0 && first[at - 1]!.key > key) at--;
    first.splice(at, 0, { item, key });
  }
  return first.map(({ item }) => item);
}

/**
 * Gives the pilot at most one job, as DIRAC's Matcher does, with the claim made by the
 * database: a job leaves its task queue in one DELETE that only one caller can win, so a
 * job is matched once however many pilots (or replicas) ask at the same time.
 * The job becomes Matched/Assigned at the pilot's site, the pilot is recorded as running
 * it, and a queue left empty is deleted.
 */
export async function matchJob(
  deps: MatchDeps,
  resource: ResourceDescription,
): Promise<MatchedJob | undefined> {
  const registry = deps.config.Registry[resource.VO];
  if (registry === undefined) return undefined;
  // 1. The queues and site mask this app read lately; 2. when they give nothing, those the
  // database holds now, so the cache never turns a pilot away.
  const voGroups = Object.keys(registry.Groups);
  const cached = await deps.cache.snapshot(deps, resource.VO, false);
  const matched = await matchIn(deps, voGroups, cached.snapshot, resource);
  if (matched !== undefined || cached.isFresh) return matched;
  const { snapshot } = await deps.cache.snapshot(deps, resource.VO, true);
  return matchIn(deps, voGroups, snapshot, resource);
}

async function matchIn(
  deps: MatchDeps,
  voGroups: readonly string[],
  snapshot: VoSnapshot,
  resource: ResourceDescription,
): Promise<MatchedJob | undefined> {
  const matching = queuesFor(snapshot, voGroups, resource);
  for (const tq of weightedFirst(matching, (q) => q.priority, QUEUES_PER_MATCH, deps.rng)) {
    const jobs = await deps.taskQueueDb.queueJobs(tq.tqId, JOB_WINDOW);
    if (jobs.length === 0) snapshot.emptied.add(tq.tqId);
    for (const job of weightedFirst(jobs, (j) => j.realPriority, CLAIMS_PER_QUEUE, deps.rng)) {
      if (!(await deps.taskQueueDb.claimJob(tq.tqId, job.jobId))) continue;
      const matched = await assign(deps, resource, job.jobId);
      if (await deps.taskQueueDb.dropIfEmpty(tq.tqId)) {
        snapshot.emptied.add(tq.tqId);
        deps.cache.queueDropped(tq.vo, tq.ownerGroup);
      }
      if (matched !== undefined) return matched;
    }
  }
  return undefined;
}

/** The snapshot's queues that could give the slot a job, the site mask applied. */
function queuesFor(
  snapshot: VoSnapshot,
  voGroups: readonly string[],
  resource: ResourceDescription,
): TaskQueueDefinition[] {
  // DIRAC's site mask: a site the RSS does not allow (anything but Active or Degraded)
  // only gets Test jobs.
  const siteStatus = snapshot.siteStatuses.get(resource.Site)?.status ?? 'Active';
  if (siteStatus !== 'Active' && siteStatus !== 'Degraded')
    resource = { ...resource, JobType: 'Test' };
  const key = slotKey(resource);
  let queues = snapshot.bySlot.get(key);
  if (queues === undefined) {
    const groups = resource.OwnerGroup ?? voGroups;
    const anyTime = { ...resource, CPUTime: Infinity };
    const tags = resourceTags(resource);
    queues = snapshot.queues.filter(
      (tq) => groups.includes(tq.ownerGroup) && queueMatches(tq, anyTime, tags),
    );
    if (snapshot.bySlot.size < SLOT_KINDS_PER_SNAPSHOT) snapshot.bySlot.set(key, queues);
  }
  return queues.filter((tq) => tq.cpuTime <= resource.CPUTime && !snapshot.emptied.has(tq.tqId));
}

/** Bounds the memo of a snapshot, whatever the variety of slots asking within its life. */
const SLOT_KINDS_PER_SNAPSHOT = 10_000;

/** What identifies a kind of slot for matching: every field a queue is matched on but CPU time. */
function slotKey(r: ResourceDescription): string {
  return JSON.stringify([
    r.Site,
    r.GridCE,
    r.Platform,
    r.Tag,
    r.RequiredTag,
    r.NumberOfProcessors,
    r.MaxRAM,
    r.WholeNode,
    r.OwnerGroup,
    r.JobType,
  ]);
}

/** A task queue a slot could draw from, with its jobs now (DIRAC's getMatchingTaskQueues). */
export interface MatchingQueue {
  TaskQueueID: number;
  Jobs: number;
  OwnerGroup: string;
  CPUTime: number;
  Priority: number;
}

/**
 * The task queues that could give a job to a slot described by `resource`, as DIRAC's
 * SiteDirector asks before submitting pilots there: same rules as a match, nothing
 * claimed. Read through the matcher's short-lived snapshot; the counts are current.
 */
export async function matchingQueues(
  deps: Pick<MatchDeps, 'config' | 'cache' | 'taskQueueDb' | 'resourceStatusDb' | 'clock'>,
  resource: ResourceDescription,
): Promise<MatchingQueue[]> {
  const registry = deps.config.Registry[resource.VO];
  if (registry === undefined) return [];
  const { snapshot } = await deps.cache.snapshot(deps, resource.VO, false);
  const queues = queuesFor(snapshot, Object.keys(registry.Groups), resource);
  const counts = await deps.taskQueueDb.jobCounts(queues.map((tq) => tq.tqId));
  return queues
    .filter((tq) => counts.has(tq.tqId))
    .sort((a, b) => a.tqId - b.tqId)
    .map((tq) => ({
      TaskQueueID: tq.tqId,
      Jobs: counts.get(tq.tqId)!,
      OwnerGroup: tq.ownerGroup,
      CPUTime: tq.cpuTime,
      Priority: tq.priority,
    }));
}

/**
 * Hands a claimed job to the pilot; undefined when it was no longer Waiting (then it is
 * dropped). The change is the one setJobStatuses makes for the Matcher's report (no
 * heartbeat, start or end time for Matched), made only if the job is still Waiting.
 */
async function assign(
  deps: MatchDeps,
  resource: ResourceDescription,
  jobId: number,
): Promise<MatchedJob | undefined> {
  const nowMs = deps.clock.nowMs();
  const time = toSqlDateTime(nowMs);
  const isAssigned = await deps.jobDb.setAttributesIfStatus(jobId, 'Waiting', {
    Status: 'Matched',
    MinorStatus: 'Assigned',
    ApplicationStatus: 'Unknown',
    Site: resource.Site,
    LastUpdateTime: time,
  });
  if (!isAssigned) return undefined;
  await deps.jobLoggingDb.insertRecords([
    {
      jobId,
      status: 'Matched',
      minorStatus: 'Assigned',
      applicationStatus: 'Unknown',
      source: 'Matcher',
      timeMs: nowMs,
    },
  ]);
  if (resource.PilotStamp !== undefined)
    await deps.pilotAgentsDb.recordMatch(resource.PilotStamp, jobId, time);
  const job = await deps.jobDb.getOwnerAndJdl(jobId);
  if (job === undefined) throw new Error(`Job ${jobId} vanished while it was being matched`);
  return { JobID: jobId, JDL: job.jdl, Owner: job.owner, OwnerGroup: job.ownerGroup, VO: job.vo };
}
